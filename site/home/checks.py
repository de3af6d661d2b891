"""System checks of the site's own settings."""

from pathlib import Path

from django.conf import settings
from django.core.checks import Error, register


@register()
def private_media_is_not_public(app_configs=None, **kwargs):
    """Private files must never sit where public media or static files are served."""
    if "private" not in settings.STORAGES:
        return [Error('settings.STORAGES has no "private" entry.', id="home.E001")]
    private = Path(settings.PRIVATE_MEDIA_ROOT).resolve()
    errors = []
    for setting in ("MEDIA_ROOT", "STATIC_ROOT"):
        public = getattr(settings, setting, None)
        if not public:
            continue
        public = Path(public).resolve()
        if private == public or private.is_relative_to(public) or public.is_relative_to(private):
            errors.append(
                Error(
                    f"PRIVATE_MEDIA_ROOT ({private}) overlaps {setting} ({public}), which is served publicly.",
                    id="home.E002",
                )
            )
    return errors
