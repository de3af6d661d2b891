"""The production settings as `make prod-local` runs them on one machine (deploy/local): the
same stack, plus the demo data so that it can be tried and smoke-tested."""

from .production import *  # noqa: F401,F403

DEMO_DATA_ALLOWED = True
