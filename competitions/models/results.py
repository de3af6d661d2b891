"""Published results: a frozen snapshot of the standings and the awards it names."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class ResultSnapshot(models.Model):
    """The standings as published (immutable). A reopen withdraws it (`withdrawn_at`, with a
    reason); a later publication writes a new one."""

    competition = models.ForeignKey(
        "competitions.CompetitionPage", on_delete=models.CASCADE, related_name="snapshots"
    )
    data = models.JSONField(_("standings"))
    published_at = models.DateTimeField(_("published at"))
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    withdrawn_at = models.DateTimeField(_("withdrawn at"), null=True, blank=True)
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    withdrawal_reason = models.CharField(_("reason for reopening"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("published results")
        verbose_name_plural = _("published results")
        ordering = ["competition", "-published_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["competition"], condition=models.Q(withdrawn_at__isnull=True),
                name="competitions_one_current_snapshot",
            ),
        ]


class AwardLevel(models.IntegerChoices):
    FIRST = 1, _("First prize")
    SECOND = 2, _("Second prize")
    THIRD = 3, _("Third prize")


class Award(models.Model):
    """An award to one person (each member of an awarded team has their own row): its bonus
    points count in the evaluation of the month of `awarded_on`."""

    snapshot = models.ForeignKey(ResultSnapshot, on_delete=models.CASCADE, related_name="awards")
    competition = models.ForeignKey("competitions.CompetitionPage", on_delete=models.CASCADE, related_name="awards")
    entry = models.ForeignKey("competitions.Entry", on_delete=models.CASCADE, related_name="awards")
    staff = models.ForeignKey("people.StaffProfile", on_delete=models.PROTECT, related_name="competition_awards")
    level = models.PositiveSmallIntegerField(_("award"), choices=AwardLevel.choices)
    bonus = models.DecimalField(_("bonus points"), max_digits=4, decimal_places=2)
    awarded_on = models.DateField(_("awarded on"))
    # Printed on the certificate with a QR code of the public verification page.
    code = models.CharField(_("verification code"), max_length=16, unique=True)

    class Meta:
        verbose_name = _("award")
        verbose_name_plural = _("awards")
        ordering = ["competition", "level", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["snapshot", "staff"], name="competitions_award_once_per_person"),
            models.CheckConstraint(condition=models.Q(bonus__gte=0), name="competitions_award_bonus_not_negative"),
        ]
        indexes = [models.Index(fields=["awarded_on", "staff"])]
