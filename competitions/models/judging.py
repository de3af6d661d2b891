"""Judges, their panels and score sheets (one current sheet per judge, entrant and round;
every version kept)."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Judge(models.Model):
    """A judge of a competition: a staff member, a supervisor or an outside judge. Their
    service centre (blank for outside judges) decides automatic recusal."""

    competition = models.ForeignKey(
        "competitions.CompetitionPage", verbose_name=_("competition"), on_delete=models.CASCADE, related_name="judges"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("user account"), on_delete=models.PROTECT, related_name="judgings"
    )
    name = models.CharField(_("name"), max_length=50)
    centre = models.ForeignKey(
        "people.ServiceCentre", verbose_name=_("service centre"), on_delete=models.PROTECT, null=True, blank=True,
        related_name="+", help_text=_("Blank for outside judges."),
    )

    class Meta:
        verbose_name = _("judge")
        verbose_name_plural = _("judges")
        ordering = ["competition", "pk"]
        constraints = [models.UniqueConstraint(fields=["competition", "user"], name="competitions_judge_once")]

    def __str__(self):
        return self.name


class JudgeAssignment(models.Model):
    """A judge on a round's panel; at most one chief judge (裁判长) per round."""

    round = models.ForeignKey(
        "competitions.Round", verbose_name=_("round"), on_delete=models.CASCADE, related_name="assignments"
    )
    judge = models.ForeignKey(Judge, verbose_name=_("judge"), on_delete=models.CASCADE, related_name="assignments")
    is_chief = models.BooleanField(_("chief judge"), default=False)

    class Meta:
        verbose_name = _("judge assignment")
        verbose_name_plural = _("judge assignments")
        ordering = ["round", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["round", "judge"], name="competitions_assignment_once"),
            models.UniqueConstraint(
                fields=["round"], condition=models.Q(is_chief=True), name="competitions_one_chief_per_round"
            ),
        ]


class PanelSeat(models.Model):
    """A judge scores this entrant in this round (never one they must be recused from:
    refused by `services.panel_seat_assign`)."""

    round = models.ForeignKey("competitions.Round", on_delete=models.CASCADE, related_name="seats")
    judge = models.ForeignKey(Judge, on_delete=models.CASCADE, related_name="seats")
    entry = models.ForeignKey("competitions.Entry", on_delete=models.CASCADE, related_name="seats")

    class Meta:
        verbose_name = _("panel seat")
        verbose_name_plural = _("panel seats")
        constraints = [models.UniqueConstraint(fields=["round", "judge", "entry"], name="competitions_seat_once")]


class ConflictDeclaration(models.Model):
    """A conflict a judge declared (a relative, a close colleague …): they never score that entrant."""

    judge = models.ForeignKey(Judge, verbose_name=_("judge"), on_delete=models.CASCADE, related_name="conflicts")
    entry = models.ForeignKey(
        "competitions.Entry", verbose_name=_("entry"), on_delete=models.CASCADE, related_name="conflicts"
    )
    reason = models.CharField(_("reason"), max_length=200, blank=True)
    declared_at = models.DateTimeField(_("declared at"), auto_now_add=True)

    class Meta:
        verbose_name = _("declared conflict")
        verbose_name_plural = _("declared conflicts")
        constraints = [models.UniqueConstraint(fields=["judge", "entry"], name="competitions_conflict_once")]


class SheetStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")


class ScoreSheet(models.Model):
    """One judge's scores of one entrant in one round (the current version). Offline written
    rounds and online exams have no judge: one sheet per entrant holds the score."""

    round = models.ForeignKey("competitions.Round", on_delete=models.CASCADE, related_name="sheets")
    judge = models.ForeignKey(Judge, on_delete=models.PROTECT, null=True, blank=True, related_name="sheets")
    entry = models.ForeignKey("competitions.Entry", on_delete=models.CASCADE, related_name="sheets")
    # {criterion name: "12.50"} for a rubric round; empty when only a total is scored.
    criteria = models.JSONField(_("criterion scores"), default=dict, blank=True)
    total = models.DecimalField(_("score"), max_digits=7, decimal_places=2)
    status = models.CharField(_("status"), max_length=10, choices=SheetStatus.choices, default=SheetStatus.SUBMITTED)
    version = models.PositiveIntegerField(_("version"), default=1)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    # The judge's phone autosaves a draft with a number that only grows; a save is kept only
    # when its number is higher than this, so a late retry never overwrites a newer draft.
    draft_seq = models.PositiveIntegerField(default=0, editable=False)

    class Meta:
        verbose_name = _("score sheet")
        verbose_name_plural = _("score sheets")
        constraints = [
            models.UniqueConstraint(
                fields=["round", "judge", "entry"], condition=models.Q(judge__isnull=False),
                name="competitions_sheet_one_per_judge",
            ),
            models.UniqueConstraint(
                fields=["round", "entry"], condition=models.Q(judge__isnull=True),
                name="competitions_sheet_one_without_judge",
            ),
            models.CheckConstraint(condition=models.Q(version__gte=1), name="competitions_sheet_version_positive"),
        ]
        indexes = [models.Index(fields=["round", "entry"])]


class ScoreSheetVersion(models.Model):
    """Every version of a sheet, with who, when and why."""

    sheet = models.ForeignKey(ScoreSheet, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField(_("version"))
    criteria = models.JSONField(_("criterion scores"), default=dict, blank=True)
    total = models.DecimalField(_("score"), max_digits=7, decimal_places=2)
    status = models.CharField(_("status"), max_length=10, choices=SheetStatus.choices)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    changed_at = models.DateTimeField(_("changed at"), auto_now_add=True)
    reason = models.CharField(_("reason"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("score sheet version")
        verbose_name_plural = _("score sheet versions")
        ordering = ["sheet", "number"]
        constraints = [models.UniqueConstraint(fields=["sheet", "number"], name="competitions_sheet_version_once")]
