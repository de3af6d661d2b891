"""Citizen ratings (好差评) and where they come from.

Nothing about the citizen who rated is stored: no name, phone or ID; staff could not
see who rated them even if a view tried.
"""

import hashlib
import secrets

from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from people.models import StaffProfile, Window

from .. import rating_rules as rr

TOKEN_BYTES = 32


class RatingLevel(models.IntegerChoices):
    """GB/T 39046-2020 A.8 codes."""

    VERY_SATISFIED = rr.VERY_SATISFIED, "非常满意"
    SATISFIED = rr.SATISFIED, "满意"
    BASIC = rr.BASIC, "基本满意"
    DISSATISFIED = rr.DISSATISFIED, "不满意"
    VERY_DISSATISFIED = rr.VERY_DISSATISFIED, "非常不满意"


def hash_token(token):
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


class RatingSource(models.Model):
    """评价来源: a provincial feed, a rating device (评价器), a spreadsheet import or the QR page.

    Feeds and devices authenticate with a token; only its SHA-256 is stored, the token is
    shown once when it is made.
    """

    class Kind(models.TextChoices):
        FEED = "feed", _("Feed (好差评 system)")
        DEVICE = "device", _("Rating device")
        IMPORT = "import", _("Spreadsheet import")
        QR = "qr", _("QR rating page")

    class Direction(models.TextChoices):
        GB = rr.GB, _("GB/T 39046: 1 = 非常满意")
        PROVINCIAL = rr.PROVINCIAL, _("Provincial: 1 = 非常不满意")

    name = models.CharField(_("name"), max_length=100, unique=True)
    code = models.SlugField(_("code"), max_length=50, unique=True)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.FEED)
    direction = models.CharField(
        _("level code direction"),
        max_length=12,
        choices=Direction.choices,
        default=Direction.GB,
        help_text=_("How numeric levels from this source are read; labels are always read as written."),
    )
    token_hash = models.CharField(_("token hash"), max_length=64, blank=True, db_index=True, editable=False)
    token_hint = models.CharField(_("token starts with"), max_length=8, blank=True, editable=False)
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("rating source")
        verbose_name_plural = _("rating sources")
        ordering = ["name"]

    def __str__(self):
        return self.name

    def new_token(self):
        """Make a fresh token, keep its hash and return the token (shown once)."""
        token = secrets.token_urlsafe(TOKEN_BYTES)
        self.token_hash = hash_token(token)
        self.token_hint = token[:6]
        return token


class Rating(models.Model):
    """One citizen rating of one service (办件). (source, ticket_no, assess_number) is the key.

    Supersession stays within one source: a rating only supersedes ratings of the same ticket
    from the same source. The QR page keeps no ticket key at all (what the citizen types is
    kept in `citizen_ticket_no`, as information), so it can neither supersede nor be
    superseded. A burst of bad ratings about one person from one network is 可疑 (suspicious):
    held out of every score until a supervisor accepts it on the case.
    """

    class Suspicion(models.TextChoices):
        NONE = "", _("Not suspicious")
        PENDING = "pending", _("Suspicious: held out until a supervisor decides")
        ACCEPTED = "accepted", _("Suspicious, accepted: counts")
        REJECTED = "rejected", _("Suspicious, rejected: does not count")

    # The values of `suspicion` that let a rating count.
    COUNTED_SUSPICION = (Suspicion.NONE, Suspicion.ACCEPTED)

    source = models.ForeignKey(
        RatingSource, verbose_name=_("source"), on_delete=models.PROTECT, related_name="ratings"
    )
    ticket_no = models.CharField(_("ticket number"), max_length=64, blank=True, help_text=_("办件编号"))
    assess_number = models.PositiveSmallIntegerField(
        _("rating number"), default=1, validators=[MinValueValidator(1)], help_text=_("评价次数: 1 first, 2 follow-up")
    )
    level = models.PositiveSmallIntegerField(pgettext_lazy("rating", "level"), choices=RatingLevel.choices)
    channel = models.CharField(_("channel"), max_length=30, blank=True, help_text=_("评价渠道"))
    staff = models.ForeignKey(
        StaffProfile,
        verbose_name=_("staff member"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="ratings",
    )
    window = models.ForeignKey(
        Window, verbose_name=_("window"), on_delete=models.SET_NULL, null=True, blank=True, related_name="ratings"
    )
    window_code = models.CharField(_("window code"), max_length=20, blank=True)
    matter = models.CharField(_("matter"), max_length=200, blank=True, help_text=_("事项名称"))
    rated_at = models.DateTimeField(_("rated at"))
    comment = models.TextField(pgettext_lazy("rating", "comment"), blank=True, max_length=1000)
    reasons = models.CharField(_("reasons"), max_length=200, blank=True)
    superseded = models.BooleanField(
        _("superseded"),
        default=False,
        help_text=_("A later rating of the same ticket from the same source counts instead."),
    )
    citizen_ticket_no = models.CharField(
        _("ticket number given by the citizen"),
        max_length=64,
        blank=True,
        help_text=_("Typed on the public rating page: information only, never a key."),
    )
    suspicion = models.CharField(
        _("suspicion"),
        max_length=10,
        choices=Suspicion.choices,
        blank=True,
        default=Suspicion.NONE,
        help_text=_("可疑: one of several bad ratings about one person from one network within a short time."),
    )
    received_at = models.DateTimeField(_("received at"), auto_now_add=True)

    class Meta:
        verbose_name = _("rating")
        verbose_name_plural = _("ratings")
        ordering = ["-rated_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["source", "ticket_no", "assess_number"],
                condition=~models.Q(ticket_no=""),
                name="assessment_rating_unique_ticket",
            ),
        ]
        indexes = [
            models.Index(fields=["staff", "rated_at"]),
            models.Index(fields=["ticket_no"]),
            # A month of every centre (compute, dashboards) reads from the index alone: what
            # decides whether a rating counts, and for whom, is all in it.
            models.Index(
                fields=["rated_at", "staff", "level", "superseded", "channel", "suspicion"],
                name="assessment_rating_month_idx",
            ),
        ]

    def __str__(self):
        return f"{self.ticket_no or '—'} {self.get_level_display()}"

    @property
    def is_bad(self):
        return rr.is_bad(self.level)

    @property
    def system_default(self):
        return self.channel == rr.SYSTEM_DEFAULT_CHANNEL

    @property
    def centre_id(self):
        if self.window_id:
            return self.window.centre_id
        return self.staff.centre_id if self.staff_id else None
