"""Bad-review cases (差评工单): every 不满意 / 非常不满意 opens one.

Steps: verify and revisit the citizen (核实回访) → rectify (整改) → feed back (反馈) with an
outcome 属实 / 不属实. The staff member may appeal (申诉) while the case is open and for
a few working days after its outcome; an upheld appeal (申诉成立) excludes the rating.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from people.models import ServiceCentre, StaffProfile

from .ratings import Rating


class BadReviewCase(models.Model):
    class Status(models.TextChoices):
        OPEN = "open", _("To verify")
        VERIFIED = "verified", _("Verified, to rectify")
        RECTIFIED = "rectified", _("Rectified, to feed back")
        CLOSED = "closed", pgettext_lazy("case", "Closed")

    class Outcome(models.TextChoices):
        CONFIRMED = "confirmed", _("Confirmed (属实)")
        UNFOUNDED = "unfounded", _("Unfounded (不属实)")
        APPEAL_UPHELD = "appeal_upheld", _("Appeal upheld (申诉成立)")

    class Appeal(models.TextChoices):
        PENDING = "pending", _("Appeal pending")
        UPHELD = "upheld", _("Appeal upheld")
        REJECTED = "rejected", _("Appeal rejected")

    rating = models.OneToOneField(Rating, verbose_name=_("rating"), on_delete=models.CASCADE, related_name="case")
    centre = models.ForeignKey(
        ServiceCentre, verbose_name=_("service centre"), on_delete=models.PROTECT, related_name="bad_review_cases"
    )
    staff = models.ForeignKey(
        StaffProfile,
        verbose_name=_("staff member"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="bad_review_cases",
    )
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.OPEN)
    opened_at = models.DateTimeField(_("opened at"), default=timezone.now)
    verify_due = models.DateField(_("verify by"))
    feedback_due = models.DateField(_("feed back by"))
    verified_at = models.DateTimeField(_("verified at"), null=True, blank=True)
    verify_note = models.TextField(_("verification"), blank=True)
    revisit_note = models.TextField(_("revisit of the citizen (回访)"), blank=True)
    rectified_at = models.DateTimeField(_("rectified at"), null=True, blank=True)
    rectify_note = models.TextField(_("rectification"), blank=True)
    closed_at = models.DateTimeField(pgettext_lazy("case", "closed at"), null=True, blank=True)
    feedback_note = models.TextField(_("feedback"), blank=True)
    outcome = models.CharField(_("outcome"), max_length=15, choices=Outcome.choices, blank=True)
    appeal_due = models.DateField(_("appeal by"), null=True, blank=True)
    appeal_status = models.CharField(_("appeal"), max_length=10, choices=Appeal.choices, blank=True)
    appeal_text = models.TextField(_("appeal reason"), blank=True)
    appealed_at = models.DateTimeField(_("appealed at"), null=True, blank=True)
    appeal_decision_note = models.TextField(_("appeal decision"), blank=True)
    appeal_decided_at = models.DateTimeField(_("appeal decided at"), null=True, blank=True)

    class Meta:
        verbose_name = _("bad-review case")
        verbose_name_plural = _("bad-review cases")
        ordering = ["-opened_at", "-pk"]
        indexes = [models.Index(fields=["centre", "status"]), models.Index(fields=["staff", "outcome"])]
        permissions = [
            ("decide_appeal", _("Can decide appeals against bad reviews")),
            ("handle_all_centres", _("Can see and handle the cases of every service centre")),
        ]

    def __str__(self):
        return _("Case %(pk)s") % {"pk": self.pk}

    @property
    def number(self):
        return f"CP{self.opened_at:%Y%m}{self.pk:05d}" if self.pk else ""

    def verify_overdue(self, today=None):
        today = today or timezone.localdate()
        return self.status == self.Status.OPEN and today > self.verify_due

    def feedback_overdue(self, today=None):
        today = today or timezone.localdate()
        return self.status != self.Status.CLOSED and today > self.feedback_due

    def overdue(self, today=None):
        return self.verify_overdue(today) or self.feedback_overdue(today)

    def can_appeal(self, today=None):
        today = today or timezone.localdate()
        if self.appeal_status or self.outcome in (self.Outcome.UNFOUNDED, self.Outcome.APPEAL_UPHELD):
            return False
        if self.status != self.Status.CLOSED:
            return True
        return self.appeal_due is not None and today <= self.appeal_due


class CaseEvent(models.Model):
    """What happened to a case, by whom and when: the case's log."""

    class Action(models.TextChoices):
        OPENED = "opened", _("Opened")
        VERIFIED = "verified", _("Verified and revisited")
        RECTIFIED = "rectified", _("Rectified")
        CLOSED = "closed", _("Fed back and closed")
        APPEALED = "appealed", _("Appealed")
        APPEAL_DECIDED = "appeal_decided", _("Appeal decided")
        REASSIGNED = "reassigned", _("Staff member set")
        SUSPICION_ACCEPTED = "suspicion_accepted", _("Suspicious rating accepted")
        SUSPICION_REJECTED = "suspicion_rejected", _("Suspicious rating rejected")

    case = models.ForeignKey(BadReviewCase, verbose_name=_("case"), on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField(_("at"), default=timezone.now)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("by"), on_delete=models.SET_NULL, null=True, related_name="+"
    )
    action = models.CharField(_("action"), max_length=20, choices=Action.choices)
    note = models.TextField(_("note"), blank=True)

    class Meta:
        verbose_name = _("case event")
        verbose_name_plural = _("case events")
        ordering = ["at", "pk"]

    def __str__(self):
        return f"{self.case} {self.get_action_display()}"
