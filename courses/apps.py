from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoursesConfig(AppConfig):
    name = "courses"
    verbose_name = _("Courses")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from django.db.models.signals import post_save

        from people.models import StaffProfile
        from people.signals import staff_roster_imported

        from . import signals

        staff_roster_imported.connect(signals.sync_after_roster_import, dispatch_uid="courses_roster_sync")
        post_save.connect(signals.sync_after_staff_saved, sender=StaffProfile, dispatch_uid="courses_staff_sync")
