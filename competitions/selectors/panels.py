"""Who must not score whom (recusal), who takes part in a round (not those out after an
earlier one), and a round's panel as the organiser sets it up."""

from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from people.models import ServiceCentre

from ..models import ConflictDeclaration, Entry, Judge, JudgeAssignment, PanelSeat, TeamMember

# --- recusal and who takes part in a round ---------------------------------------------------


def entrant_centres(competition):
    """{entry id: {centre ids}} whose judges must be recused: a person's centre; a team's
    members' centres; in a team competition, a member's whole team's centres. Two queries."""
    members = {}
    member_team = {}
    for team_id, staff_id, centre_id in TeamMember.objects.filter(competition=competition).values_list(
        "team_id", "staff_id", "staff__centre_id"
    ):
        members.setdefault(team_id, set()).add(centre_id)
        member_team[staff_id] = team_id
    result = {}
    for entry_id, staff_id, team_id, centre_id in Entry.objects.filter(competition=competition).values_list(
        "pk", "staff_id", "team_id", "staff__centre_id"
    ):
        if team_id:
            result[entry_id] = set(members.get(team_id, ()))
        else:
            result[entry_id] = {centre_id} | set(members.get(member_team.get(staff_id), ()))
    return result


def entrant_people(competition):
    """{entry id: {staff ids}}: the person, or the team's members (for judges who compete)."""
    members = {}
    member_team = {}
    for team_id, staff_id in TeamMember.objects.filter(competition=competition).values_list("team_id", "staff_id"):
        members.setdefault(team_id, set()).add(staff_id)
        member_team[staff_id] = team_id
    result = {}
    for entry_id, staff_id, team_id in Entry.objects.filter(competition=competition).values_list("pk", "staff_id", "team_id"):
        result[entry_id] = set(members.get(team_id, ())) if team_id else {staff_id}
    return result


class Recusal:
    """Who must not score whom in a competition (computed with a few queries, then asked per pair)."""

    def __init__(self, competition):
        self.centres = entrant_centres(competition)
        self.people = entrant_people(competition)
        self.declared = set(
            ConflictDeclaration.objects.filter(judge__competition=competition).values_list("judge_id", "entry_id")
        )
        self.judge_staff = dict(
            Judge.objects.filter(competition=competition, user__staff_profile__isnull=False).values_list(
                "pk", "user__staff_profile__pk"
            )
        )
        self.centre_names = dict(ServiceCentre.objects.values_list("pk", "name"))

    def reason(self, judge, entry_id):
        """Why `judge` (a Judge) must be recused from the entry, or None."""
        if (judge.pk, entry_id) in self.declared:
            return _("the judge declared a conflict with this entrant")
        staff_id = self.judge_staff.get(judge.pk)
        if staff_id and staff_id in self.people.get(entry_id, ()):
            return _("the judge is this entrant (or in the team)")
        if judge.centre_id and judge.centre_id in self.centres.get(entry_id, ()):
            return _("the judge and the entrant are of the same service centre (%(centre)s)") % {
                "centre": self.centre_names.get(judge.centre_id, "")
            }
        return None


def recusal_reason(*, judge, entry):
    """Why the judge must be recused from the entry (same centre, team member's centre,
    declared conflict, or the judge competes), or None."""
    return Recusal(judge.competition).reason(judge, entry.pk)


def round_positions(rounds):
    return {r.pk: (r.sort_order, r.pk) for r in rounds}


def out_before_round(entry, round, position):
    """Whether the entry went out after a round that comes before `round`."""
    return bool(entry.eliminated_in_id) and position.get(entry.eliminated_in_id, (0, 0)) < position[round.pk]


def round_entrants(round, entries, rounds):
    """The entries a round scores: team entries in a team round, person entries otherwise;
    never those out after an earlier round (`rounds`: the competition's rounds)."""
    position = round_positions(rounds)
    kept = [e for e in entries if not out_before_round(e, round, position)]
    if round.is_team_round:
        return [e for e in kept if e.team_id]
    return [e for e in kept if e.staff_id]


# --- a round's panel --------------------------------------------------------------------------


@dataclass
class PanelJudge:
    judge: Judge
    is_chief: bool = False
    seats: int = 0
    recused: list = field(default_factory=list)  # [(entry, reason)]


@dataclass
class RoundPanel:
    judges: list  # [PanelJudge] on the panel
    others: list  # [Judge] of the competition not on it
    entrants: list  # [Entry] the round scores


def round_panel(*, round):
    """The round's panel (a fixed number of queries whatever its size)."""
    competition = round.competition
    rounds = list(competition.rounds.all())
    entries = list(Entry.objects.filter(competition=competition).select_related("staff", "team"))
    entrants = round_entrants(round, entries, rounds)
    assignments = list(JudgeAssignment.objects.filter(round=round).select_related("judge", "judge__centre"))
    seats = {}
    for judge_id in PanelSeat.objects.filter(round=round).values_list("judge_id", flat=True):
        seats[judge_id] = seats.get(judge_id, 0) + 1
    recusal = Recusal(competition)
    panel = []
    for assignment in assignments:
        judge = assignment.judge
        recused = [(e, reason) for e in entrants if (reason := recusal.reason(judge, e.pk))]
        panel.append(PanelJudge(judge=judge, is_chief=assignment.is_chief, seats=seats.get(judge.pk, 0),
                                recused=recused))
    on_panel = {a.judge_id for a in assignments}
    others = [j for j in Judge.objects.filter(competition=competition).select_related("centre") if j.pk not in on_panel]
    return RoundPanel(judges=panel, others=others, entrants=entrants)
