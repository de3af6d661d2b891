"""Who competes: entries (a person, or a team with its members)."""

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _


class Team(models.Model):
    competition = models.ForeignKey(
        "competitions.CompetitionPage", verbose_name=_("competition"), on_delete=models.CASCADE, related_name="teams"
    )
    name = models.CharField(_("team name"), max_length=100)

    class Meta:
        verbose_name = _("team")
        verbose_name_plural = _("teams")
        ordering = ["competition", "name"]
        constraints = [models.UniqueConstraint(fields=["competition", "name"], name="competitions_team_unique_name")]

    def __str__(self):
        return self.name


class TeamMember(models.Model):
    # The competition again, so that "one team per person in a competition" is a constraint.
    competition = models.ForeignKey("competitions.CompetitionPage", on_delete=models.CASCADE, related_name="+")
    team = models.ForeignKey(Team, verbose_name=_("team"), on_delete=models.CASCADE, related_name="members")
    staff = models.ForeignKey(
        "people.StaffProfile", verbose_name=_("staff member"), on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("team member")
        verbose_name_plural = _("team members")
        ordering = ["team", "staff__staff_no"]
        constraints = [
            models.UniqueConstraint(fields=["competition", "staff"], name="competitions_member_one_team"),
        ]

    def clean(self):
        if self.team_id and self.competition_id and self.team.competition_id != self.competition_id:
            raise ValidationError({"team": _("The team belongs to another competition.")})


class EntryRemark(models.TextChoices):
    NONE = "", _("—")
    WITHDRAWN = "withdrawn", _("Withdrawn")
    DISQUALIFIED = "disqualified", _("Disqualified")
    RESERVE = "reserve", _("Reserve")


REMARK_LABELS = {"弃权": EntryRemark.WITHDRAWN, "取消资格": EntryRemark.DISQUALIFIED, "替补": EntryRemark.RESERVE}
# Entries with these remarks are listed without a rank.
UNRANKED_REMARKS = (EntryRemark.WITHDRAWN, EntryRemark.DISQUALIFIED)


class Entry(models.Model):
    """A person or a team in a competition. In a team competition each member has a person
    entry (individual rounds, individual standings) besides the team's entry."""

    competition = models.ForeignKey(
        "competitions.CompetitionPage", verbose_name=_("competition"), on_delete=models.CASCADE, related_name="entries"
    )
    staff = models.ForeignKey(
        "people.StaffProfile", verbose_name=_("staff member"), on_delete=models.PROTECT, null=True, blank=True,
        related_name="competition_entries",
    )
    team = models.OneToOneField(
        Team, verbose_name=_("team"), on_delete=models.CASCADE, null=True, blank=True, related_name="entry"
    )
    remark = models.CharField(_("remark"), max_length=15, choices=EntryRemark.choices, blank=True, default="")
    remark_note = models.CharField(_("remark note"), max_length=200, blank=True)
    registered_at = models.DateTimeField(_("registered at"), auto_now_add=True)
    # Set when the organiser applies a round's qualifying rule (score line or top N) and the
    # entry did not advance: it takes no part in later rounds and ranks after the finalists.
    eliminated_in = models.ForeignKey(
        "competitions.Round", verbose_name=_("out after round"), on_delete=models.SET_NULL, null=True, blank=True,
        related_name="eliminated_entries",
    )

    class Meta:
        verbose_name = _("entry")
        verbose_name_plural = _("entries")
        ordering = ["competition", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=(models.Q(staff__isnull=False, team__isnull=True) | models.Q(staff__isnull=True, team__isnull=False)),
                name="competitions_entry_person_or_team",
            ),
            models.UniqueConstraint(
                fields=["competition", "staff"], condition=models.Q(staff__isnull=False),
                name="competitions_entry_one_per_person",
            ),
        ]

    def __str__(self):
        if self.team_id:
            return self.team.name
        return str(self.staff)

    @property
    def is_team(self):
        return self.team_id is not None

    @property
    def advancing(self):
        return self.eliminated_in_id is None

    @property
    def ranked(self):
        return self.remark not in UNRANKED_REMARKS
