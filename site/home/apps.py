from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class HomeConfig(AppConfig):
    name = "home"
    verbose_name = _("Site")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from . import (
            checks,  # noqa: F401 - registers the system checks
            exports,
            monitoring,
            request_ids,
            validators,
        )

        exports.install()  # every Wagtail listing export writes formula-safe cells
        validators.install_admin_text_validation()
        request_ids.connect_task_signals()
        monitoring.connect_task_signals()
