"""Who advances from a round with a qualifying rule (a preliminary: a score line or the top
N). Those who do not are out after that round: no seat in later rounds, no later online
exam, ranked after the finalists. A reserve (替补) may be brought back with a reason."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from home.validators import validate_no_control_characters

from .. import scoring
from ..models import Entry, ResultSnapshot, RoundState, RoundStateLog, TeamMember
from ..models.entries import UNRANKED_REMARKS
from ..models.rounds import STATE_ORDER
from .judging import clean_reason
from .panels import panel_seats_sync


def _check_open_for_changes(round):
    if ResultSnapshot.objects.filter(competition_id=round.competition_id, withdrawn_at__isnull=True).exists():
        raise ValidationError(_("The results are published; reopen them (with a reason) before changing who advances."))


def _log(round, user, reason):
    RoundStateLog.objects.create(round=round, from_state=round.state, to_state=round.state, reason=reason[:500],
                                 changed_by=user)


@transaction.atomic
def round_advance(*, round, user=None):
    """Apply the round's qualifying rule: every entrant of the round (teams in a team
    competition) below the line or outside the top N is out after it (with its members), the
    others advance. Re-running recomputes. Returns (advancing, out) counts. Logged."""
    from ..selectors import competition_standings

    if round.qualify_line is None and round.qualify_top_n is None:
        raise ValidationError(_("Round %(code)s has no qualifying rule (a score line or the top N).")
                              % {"code": round.code})
    if STATE_ORDER.index(round.state) < STATE_ORDER.index(RoundState.REVIEW):
        raise ValidationError(_("Round %(code)s is still being scored: decide who advances once its scores are in.")
                              % {"code": round.code})
    _check_open_for_changes(round)
    competition = round.competition
    # The competition's own standings give each entrant's score in the round (a team's is
    # its members' sum), so that advancing follows what the standings show.
    rows = competition_standings(competition=competition).rows
    contenders = {row.key: row.rounds.get(round.code) for row in rows if row.ranked}
    advancing = scoring.qualifiers(contenders, line=round.qualify_line, top_n=round.qualify_top_n)
    out_keys = set(contenders) - advancing
    Entry.objects.filter(competition=competition, eliminated_in=round).update(eliminated_in=None)
    out_entries = set(out_keys)
    if competition.is_team:
        staff_of = {row.key: row.staff_ids for row in rows}
        out_staff = {s for key in out_keys for s in staff_of.get(key, ())}
        out_entries |= set(
            Entry.objects.filter(competition=competition, staff_id__in=out_staff).values_list("pk", flat=True)
        )
    Entry.objects.filter(pk__in=out_entries, eliminated_in__isnull=True).update(eliminated_in=round)
    _log(round, user, _("Advancement: %(advancing)d advance, %(out)d are out.")
         % {"advancing": len(advancing), "out": len(out_keys)})
    panel_seats_sync(competition=competition)
    return len(advancing), len(out_keys)


@transaction.atomic
def entry_reinstate(*, entry, user=None, reason):
    """Bring an entrant who was out (e.g. a reserve replacing a finalist who withdrew) back
    into the later rounds, with a reason (logged on the round they were out after)."""
    reason = clean_reason(reason, _("Bringing an entrant back needs a reason."))
    validate_no_control_characters(reason)
    entry = Entry.objects.select_for_update(of=("self",)).select_related("eliminated_in", "staff", "team").get(pk=entry.pk)
    if entry.eliminated_in is None:
        raise ValidationError(_("%(entrant)s is not out.") % {"entrant": entry})
    if entry.remark in UNRANKED_REMARKS:
        raise ValidationError(_("%(entrant)s withdrew or was disqualified.") % {"entrant": entry})
    _check_open_for_changes(entry.eliminated_in)
    round = entry.eliminated_in
    back = Q(pk=entry.pk)
    if entry.team_id:  # the members come back with their team
        members = TeamMember.objects.filter(team_id=entry.team_id).values("staff_id")
        back |= Q(competition_id=entry.competition_id, staff_id__in=members)
    Entry.objects.filter(back).update(eliminated_in=None)
    _log(round, user, _("%(entrant)s brought back: %(reason)s") % {"entrant": entry, "reason": reason})
    panel_seats_sync(competition=entry.competition)
    return entry
