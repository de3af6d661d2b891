"""Judging panels: judges on a round, seats (never one the judge must be recused from, see
selectors.panels), declared conflicts."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from home.validators import validate_no_control_characters

from .. import scoring
from ..models import ConflictDeclaration, Entry, JudgeAssignment, PanelSeat
from ..selectors.panels import (  # noqa: F401 - recusal is read here and re-exported with the services
    Recusal,
    entrant_centres,
    entrant_people,
    out_before_round,
    recusal_reason,
    round_entrants,
    round_positions,
)

CONFLICT_REASON_MAX = ConflictDeclaration._meta.get_field("reason").max_length


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
    if entry.eliminated_in_id and out_before_round(entry, round, round_positions(round.competition.rounds.all())):
        raise ValidationError(_("%(entrant)s is out after round %(out)s and takes no part in round %(round)s.") % {
            "entrant": entry, "out": entry.eliminated_in.code if entry.eliminated_in_id else "", "round": round.code})
    JudgeAssignment.objects.get_or_create(round=round, judge=judge)
    seat, _created = PanelSeat.objects.get_or_create(round=round, judge=judge, entry=entry)
    return seat


@transaction.atomic
def conflict_declare(*, judge, entry, reason=""):
    """A declared conflict: the judge loses their seat for that entrant (a sheet already
    entered stays, for the chief judge to see, but no longer counts)."""
    reason = (reason or "").strip()[:CONFLICT_REASON_MAX]
    validate_no_control_characters(reason)
    declaration, _created = ConflictDeclaration.objects.get_or_create(judge=judge, entry=entry, defaults={"reason": reason})
    PanelSeat.objects.filter(judge=judge, entry=entry).delete()
    return declaration


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
