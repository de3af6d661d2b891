from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CompetitionsConfig(AppConfig):
    name = "competitions"
    verbose_name = _("Competitions")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from django.db.models.signals import post_migrate, post_save

        post_migrate.connect(organiser_page_permissions_after_migrate, dispatch_uid="competitions.index_permissions")
        post_save.connect(organiser_page_permissions_on_create, sender=self.get_model("CompetitionIndexPage"),
                          dispatch_uid="competitions.new_index_permissions")


def organiser_page_permissions_after_migrate(sender, *, apps=None, **kwargs):
    """post_migrate receiver: once per migrate, after the last app (people.roles, connected
    earlier, has synced the role groups by then), when the database holds the competition
    pages; an index made later gets them on creation."""
    from django.apps import apps as installed

    last = [config for config in installed.get_app_configs() if config.models_module is not None][-1]
    if sender.label != last.label:
        return
    try:
        for label in ("competitions.CompetitionIndexPage", "wagtailcore.GroupPagePermission"):
            (apps or installed).get_model(label)  # `flush` sends no migration state
    except LookupError:
        return
    from .services.competition_setup import organiser_page_permissions_ensure

    organiser_page_permissions_ensure()


def organiser_page_permissions_on_create(sender, *, instance, created, raw=False, **kwargs):
    """post_save receiver: a new competitions index (by the first competition import, the demo
    data or by hand in the admin) gets the organisers' page permissions at once."""
    if created and not raw:
        from .services.competition_setup import organiser_page_permissions_ensure

        organiser_page_permissions_ensure(instance)
