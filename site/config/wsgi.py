"""WSGI entry point: `gunicorn --chdir site config.wsgi` (production settings by default)."""

import os

from config.paths import ensure_project_paths

ensure_project_paths()
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.production")

from django.core.wsgi import get_wsgi_application  # noqa: E402

application = get_wsgi_application()
