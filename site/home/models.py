from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel, MultiFieldPanel
from wagtail.contrib.settings.models import BaseSiteSetting, register_setting
from wagtail.fields import StreamField
from wagtail.models import Page
from wagtail.search import index

from .blocks import BaseStreamBlock
from .private_files import get_private_storage, unguessable_name

IMPORT_EXTENSIONS = (".xlsx", ".csv")


def import_upload_to(instance, filename):
    return unguessable_name("imports", filename, extensions=IMPORT_EXTENSIONS)


class HomePage(Page):
    """The public front page: what Frontline is, and the latest policy news."""

    hero_title = models.CharField(_("hero title"), max_length=100, blank=True)
    hero_text = models.TextField(_("hero text"), blank=True)
    body = StreamField(BaseStreamBlock(), verbose_name=_("body"), blank=True)

    search_fields = Page.search_fields + [index.SearchField("hero_text"), index.SearchField("body")]
    content_panels = Page.content_panels + [
        MultiFieldPanel([FieldPanel("hero_title"), FieldPanel("hero_text")], heading=_("Hero")),
        FieldPanel("body"),
    ]
    max_count = 1
    parent_page_types = ["wagtailcore.Page"]

    class Meta:
        verbose_name = _("home page")
        verbose_name_plural = _("home pages")


@register_setting(icon="cog")
class SiteSettings(BaseSiteSetting):
    """What the site says about the organisation that runs it."""

    organisation = models.CharField(
        _("organisation"), max_length=100, blank=True, help_text=_("Shown in the page footer.")
    )
    service_phone = models.CharField(_("service phone"), max_length=30, blank=True)
    footer_text = models.CharField(_("footer text"), max_length=200, blank=True)
    icp_number = models.CharField(_("ICP licence number"), max_length=50, blank=True)

    panels = [
        FieldPanel("organisation"),
        FieldPanel("service_phone"),
        FieldPanel("footer_text"),
        FieldPanel("icp_number"),
    ]

    class Meta:
        verbose_name = _("site settings")
        verbose_name_plural = _("site settings")


class ImportBatch(models.Model):
    """An uploaded spreadsheet and what importing it did: the audit trail of imports.

    A file that passes the checks is kept, privately and under a random name, only until
    it is imported, cancelled or abandoned (so that "confirm" imports exactly what was
    previewed); the record keeps its name, summary and errors.
    """

    class Status(models.TextChoices):
        PREVIEWED = "previewed", _("Checked, not imported")
        INVALID = "invalid", _("Has errors, nothing imported")
        IMPORTED = "imported", _("Imported")
        CANCELLED = "cancelled", _("Cancelled, nothing imported")
        EXPIRED = "expired", _("Not confirmed in time, nothing imported")

    kind = models.CharField(_("kind"), max_length=30, db_index=True)
    # Private storage (home.private_files); empty once the import is done or abandoned.
    file = models.FileField(_("file"), upload_to=import_upload_to, storage=get_private_storage, blank=True)
    original_name = models.CharField(_("file name"), max_length=255)
    # The permission that runs this kind of import: who may download the file.
    permission = models.CharField(_("permission"), max_length=100, blank=True)
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("uploaded by"),
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.PREVIEWED)
    summary = models.JSONField(_("summary"), default=dict, blank=True)
    errors = models.JSONField(_("errors"), default=list, blank=True)
    imported_at = models.DateTimeField(_("imported at"), null=True, blank=True)

    class Meta:
        verbose_name = _("import")
        verbose_name_plural = _("imports")
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.original_name} ({self.get_status_display()})"


class Notice(models.Model):
    """An in-portal notice to one person (new assignment, reminder …). `key` names the event
    it reports, so a background task that runs twice never tells anyone twice."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recipient"),
        on_delete=models.CASCADE,
        related_name="notices",
    )
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("body"), blank=True)
    url = models.CharField(_("link"), max_length=500, blank=True, help_text=_("A path on this site."))
    key = models.CharField(_("event key"), max_length=120, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)

    class Meta:
        verbose_name = _("notice")
        verbose_name_plural = _("notices")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["recipient", "read_at"])]
        constraints = [
            models.UniqueConstraint(
                fields=["recipient", "key"], condition=~models.Q(key=""), name="unique_notice_event"
            )
        ]

    def __str__(self):
        return self.title
