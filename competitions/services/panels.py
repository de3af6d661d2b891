"""Judging panels and recusal: who must not score whom, and the seats that follow."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from people.models import ServiceCentre

from .. import scoring
from ..models import ConflictDeclaration, Entry, Judge, JudgeAssignment, PanelSeat, TeamMember


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


# --- panels ---------------------------------------------------------------------------------


@transaction.atomic
def judge_assign(*, round, judge, is_chief=False):
    """Put a judge on a round's panel (seats for every entrant they need not be recused from)."""
    if judge.competition_id != round.competition_id:
        raise ValidationError(_("The judge belongs to another competition."))
    if is_chief:
        JudgeAssignment.objects.filter(round=round, is_chief=True).exclude(judge=judge).update(is_chief=False)
    assignment, _created = JudgeAssignment.objects.update_or_create(round=round, judge=judge, defaults={"is_chief": is_chief})
    panel_seats_sync(competition=round.competition)
    return assignment


@transaction.atomic
def panel_seat_assign(*, round, judge, entry):
    """Seat a judge for one entrant; refused (ValidationError) when the judge must be recused."""
    if judge.competition_id != round.competition_id or entry.competition_id != round.competition_id:
        raise ValidationError(_("The judge, the entrant and the round must be of one competition."))
    reason = recusal_reason(judge=judge, entry=entry)
    if reason:
        raise ValidationError(_("%(judge)s cannot judge %(entrant)s: %(reason)s.") % {
            "judge": judge.name, "entrant": entry, "reason": reason})
    if entry.eliminated_in_id and _out_before(entry, round, _positions(round.competition.rounds.all())):
        raise ValidationError(_("%(entrant)s is out after round %(out)s and takes no part in round %(round)s.") % {
            "entrant": entry, "out": entry.eliminated_in.code if entry.eliminated_in_id else "", "round": round.code})
    JudgeAssignment.objects.get_or_create(round=round, judge=judge)
    seat, _created = PanelSeat.objects.get_or_create(round=round, judge=judge, entry=entry)
    return seat


@transaction.atomic
def conflict_declare(*, judge, entry, reason=""):
    """A declared conflict: the judge loses their seat for that entrant (a sheet already
    entered stays, for the chief judge to see, but no longer counts)."""
    declaration, _created = ConflictDeclaration.objects.get_or_create(judge=judge, entry=entry, defaults={"reason": reason})
    PanelSeat.objects.filter(judge=judge, entry=entry).delete()
    return declaration


def _positions(rounds):
    return {r.pk: (r.sort_order, r.pk) for r in rounds}


def _out_before(entry, round, position):
    """Whether the entry went out after a round that comes before `round`."""
    return bool(entry.eliminated_in_id) and position.get(entry.eliminated_in_id, (0, 0)) < position[round.pk]


def round_entrants(round, entries, rounds):
    """The entries a round scores: team entries in a team round, person entries otherwise;
    never those out after an earlier round (`rounds`: the competition's rounds)."""
    position = _positions(rounds)
    kept = [e for e in entries if not _out_before(e, round, position)]
    if round.is_team_round:
        return [e for e in kept if e.team_id]
    return [e for e in kept if e.staff_id]


def panel_seats_sync(*, competition):
    """Seats = every (assigned judge, entrant) pair of a round the judge need not be recused
    from. Adds the missing seats and removes those recusal now forbids. Returns notes on
    panels left short (fewer judges than the round asks for, or fewer than 5)."""
    recusal = Recusal(competition)
    entries = list(Entry.objects.filter(competition=competition).select_related("team", "staff"))
    rounds = list(competition.rounds.all())
    assignments = {}
    for a in JudgeAssignment.objects.filter(round__competition=competition).select_related("judge"):
        assignments.setdefault(a.round_id, []).append(a.judge)
    wanted = set()
    notes = []
    for rnd in rounds:
        judges = assignments.get(rnd.pk, [])
        if not judges:
            continue
        for entry in round_entrants(rnd, entries, rounds):
            eligible = [j for j in judges if recusal.reason(j, entry.pk) is None]
            wanted.update((rnd.pk, j.pk, entry.pk) for j in eligible)
            target = rnd.judges_per_entrant
            if target and len(eligible) < target:
                notes.append(_("%(round)s: %(entrant)s has %(n)d judges, fewer than %(target)d.") % {
                    "round": rnd.code, "entrant": entry, "n": len(eligible), "target": target})
            if rnd.is_judged and 0 < len(eligible) < scoring.TRIM_FROM:
                notes.append(_("%(round)s: %(entrant)s has fewer than 5 judges; the round falls back to a plain mean.")
                             % {"round": rnd.code, "entrant": entry})
    have = {(s.round_id, s.judge_id, s.entry_id): s.pk for s in PanelSeat.objects.filter(round__competition=competition)}
    PanelSeat.objects.bulk_create([PanelSeat(round_id=r, judge_id=j, entry_id=e) for r, j, e in sorted(wanted - set(have))])
    stale = [pk for key, pk in have.items() if key not in wanted]
    if stale:
        PanelSeat.objects.filter(pk__in=stale).delete()
    return notes
