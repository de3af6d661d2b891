"""ASGI entry point: `uvicorn --app-dir site config.asgi:application` (production settings by default)."""

import os

from config.paths import ensure_project_paths

ensure_project_paths()
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.production")

from django.core.asgi import get_asgi_application  # noqa: E402

application = get_asgi_application()
