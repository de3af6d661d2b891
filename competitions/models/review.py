"""What goes on around judges' sheets while a round is scored: spread alerts to the judges
concerned, problems judges report to the chief judge, unlocks of submitted sheets, and the
blind double entry of paper sheets."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class AlertStatus(models.TextChoices):
    OPEN = "open", _("Waiting for the judge")
    CONFIRMED = "confirmed", _("Confirmed by the judge")
    REVISED = "revised", _("Revised by the judge")
    CLEARED = "cleared", _("No longer applies")


class AlertSide(models.TextChoices):
    HIGH = "high", _("Highest score")
    LOW = "low", _("Lowest score")


class SpreadAlert(models.Model):
    """An entrant's submitted scores differ by more than the competition's spread limit and
    this judge's sheet (at this version) is the highest or the lowest: the judge confirms or
    revises it with a reason. The score never changes by itself."""

    round = models.ForeignKey("competitions.Round", on_delete=models.CASCADE, related_name="spread_alerts")
    entry = models.ForeignKey("competitions.Entry", verbose_name=_("entrant"), on_delete=models.CASCADE,
                              related_name="spread_alerts")
    judge = models.ForeignKey("competitions.Judge", verbose_name=_("judge"), on_delete=models.CASCADE,
                              related_name="spread_alerts")
    sheet = models.ForeignKey("competitions.ScoreSheet", on_delete=models.CASCADE, related_name="spread_alerts")
    sheet_version = models.PositiveIntegerField(_("sheet version"))
    side = models.CharField(_("the judge's score is"), max_length=4, choices=AlertSide.choices)
    spread = models.DecimalField(_("spread"), max_digits=6, decimal_places=2)
    status = models.CharField(_("status"), max_length=10, choices=AlertStatus.choices, default=AlertStatus.OPEN)
    reason = models.CharField(_("reason"), max_length=500, blank=True)
    raised_at = models.DateTimeField(_("raised at"), auto_now_add=True)
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("spread alert")
        verbose_name_plural = _("spread alerts")
        ordering = ["round", "raised_at", "pk"]
        constraints = [
            # One alert per version of a sheet: a judge who confirmed is not asked again until
            # their sheet changes.
            models.UniqueConstraint(fields=["sheet", "sheet_version"], name="competitions_alert_once_per_version"),
        ]
        indexes = [models.Index(fields=["round", "status"])]

    @property
    def is_open(self):
        return self.status == AlertStatus.OPEN


class ProblemReport(models.Model):
    """报告问题: a judge's short message to the chief judge of the round."""

    round = models.ForeignKey("competitions.Round", on_delete=models.CASCADE, related_name="problem_reports")
    judge = models.ForeignKey("competitions.Judge", verbose_name=_("judge"), on_delete=models.CASCADE,
                              related_name="problem_reports")
    entry = models.ForeignKey("competitions.Entry", verbose_name=_("entrant"), on_delete=models.CASCADE,
                              null=True, blank=True, related_name="problem_reports")
    message = models.CharField(_("message"), max_length=500)
    created_at = models.DateTimeField(_("sent at"), auto_now_add=True)
    resolved_at = models.DateTimeField(_("handled at"), null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    note = models.CharField(_("chief judge's note"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("reported problem")
        verbose_name_plural = _("reported problems")
        ordering = ["round", "created_at", "pk"]

    @property
    def is_open(self):
        return self.resolved_at is None


class SheetUnlock(models.Model):
    """The chief judge unlocked a submitted sheet (at `version`) so that its judge may revise it."""

    sheet = models.ForeignKey("competitions.ScoreSheet", on_delete=models.CASCADE, related_name="unlocks")
    version = models.PositiveIntegerField(_("version unlocked"))
    reason = models.CharField(_("reason"), max_length=500)
    unlocked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    unlocked_at = models.DateTimeField(_("unlocked at"), auto_now_add=True)

    class Meta:
        verbose_name = _("sheet unlock")
        verbose_name_plural = _("sheet unlocks")
        ordering = ["sheet", "unlocked_at", "pk"]


class PaperOutcome(models.TextChoices):
    PENDING = "pending", _("Waiting for a matching entry")
    MATCHED = "matched", _("Matched: the sheet is submitted")
    DISCARDED = "discarded", _("Discarded (another pair matched)")


class PaperEntry(models.Model):
    """One typing of a judge's paper sheet. Two entries by different people that agree on
    every criterion make the submitted sheet; a disagreement is shown, never averaged."""

    round = models.ForeignKey("competitions.Round", on_delete=models.CASCADE, related_name="paper_entries")
    judge = models.ForeignKey("competitions.Judge", verbose_name=_("judge"), on_delete=models.CASCADE,
                              related_name="paper_entries")
    entry = models.ForeignKey("competitions.Entry", verbose_name=_("entrant"), on_delete=models.CASCADE,
                              related_name="paper_entries")
    criteria = models.JSONField(_("criterion scores"), default=dict, blank=True)
    total = models.DecimalField(_("score"), max_digits=7, decimal_places=2)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("entered by"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    entered_at = models.DateTimeField(_("entered at"), auto_now_add=True)
    outcome = models.CharField(_("outcome"), max_length=10, choices=PaperOutcome.choices, default=PaperOutcome.PENDING)
    sheet = models.ForeignKey("competitions.ScoreSheet", null=True, blank=True, on_delete=models.SET_NULL,
                              related_name="paper_entries")

    class Meta:
        verbose_name = _("paper sheet entry")
        verbose_name_plural = _("paper sheet entries")
        ordering = ["round", "judge", "entry", "entered_at", "pk"]
        indexes = [models.Index(fields=["round", "outcome"])]
