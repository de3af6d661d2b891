"""The chief judge's (裁判长) writes on a round: unlocking a submitted sheet, handling reported
problems, the blind double entry of paper sheets, and confirming the round."""

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ..models import (
    AlertStatus,
    PanelSeat,
    PaperEntry,
    PaperOutcome,
    ProblemReport,
    Round,
    RoundState,
    ScoreSheet,
    SheetStatus,
    SheetUnlock,
    SpreadAlert,
)
from .judging import (
    REASON_MAX,
    SheetInvalid,
    SheetRefused,
    check_writable,
    clean_reason,
    locked_sheet,
    sheet_fields,
    sheet_values_clean,
    sheet_version_write,
    spread_alerts_refresh,
    stored_values,
)
from .results import round_state_change


@transaction.atomic
def score_sheet_unlock(*, sheet, user=None, reason):
    """Unlock a submitted judge's sheet, with a reason: it turns back into a draft its judge may
    revise and submit again (a new version; every version is kept). Until then it no longer
    counts, so the round cannot be confirmed."""
    reason = clean_reason(reason, _("Say why the sheet is unlocked."))
    sheet = ScoreSheet.objects.select_for_update().select_related("round__competition").get(pk=sheet.pk)
    check_writable(sheet.round)
    if sheet.judge_id is None or sheet.status != SheetStatus.SUBMITTED:
        raise SheetRefused(_("Only a submitted judge's sheet can be unlocked."))
    unlock = SheetUnlock.objects.create(sheet=sheet, version=sheet.version, reason=reason, unlocked_by=user)
    sheet.status = SheetStatus.DRAFT
    sheet.save(update_fields=["status", "updated_at"])
    spread_alerts_refresh(round=sheet.round, entry_ids=[sheet.entry_id])
    return unlock


@transaction.atomic
def problem_report_resolve(*, report, user=None, note="", now=None):
    """Mark a reported problem as handled (with an optional note)."""
    note = (note or "").strip()
    if len(note) > REASON_MAX:
        raise ValidationError({"note": _("At most %(n)d characters.") % {"n": REASON_MAX}})
    report = ProblemReport.objects.select_for_update().get(pk=report.pk)
    if report.resolved_at is None:
        report.resolved_at, report.resolved_by, report.note = now or timezone.now(), user, note
        report.save(update_fields=["resolved_at", "resolved_by", "note"])
    return report


@transaction.atomic
def round_open(*, round, user=None):
    """Open a draft round for scoring: its judges see it on their phones (logged)."""
    rnd = Round.objects.select_for_update().get(pk=round.pk)
    if rnd.state != RoundState.DRAFT:
        raise ValidationError(_("Only a draft round can be opened for scoring."))
    if not PanelSeat.objects.filter(round=rnd).exists():
        raise ValidationError(_("The round has no judges' seats."))
    round_state_change(round=rnd, to_state=RoundState.OPEN, user=user, reason=_("Opened for scoring"))
    round.state = rnd.state
    return rnd


# --- confirming a round ------------------------------------------------------------------


class ConfirmRefused(ValidationError):
    pass


def round_blockers(*, round):
    """(seats without a submitted sheet, open spread alerts): what stops the round's confirmation."""
    submitted = set(ScoreSheet.objects.filter(round=round, status=SheetStatus.SUBMITTED, judge__isnull=False)
                    .values_list("judge_id", "entry_id"))
    seats = PanelSeat.objects.filter(round=round).values_list("judge_id", "entry_id")
    missing = sum(1 for seat in seats if seat not in submitted)
    open_alerts = SpreadAlert.objects.filter(round=round, status=AlertStatus.OPEN).count()
    return missing, open_alerts


@transaction.atomic
def round_confirm(*, round, user=None):
    """The chief judge confirms the round's scores (→ confirmed, logged). Refused while a seat
    has no submitted sheet or a spread alert is open."""
    rnd = Round.objects.select_for_update().get(pk=round.pk)
    if rnd.state not in (RoundState.OPEN, RoundState.SCORING, RoundState.REVIEW):
        raise ConfirmRefused(_("Round %(round)s is %(state)s: it cannot be confirmed now.")
                             % {"round": rnd.name, "state": rnd.get_state_display()})
    if not PanelSeat.objects.filter(round=rnd).exists():
        raise ConfirmRefused(_("The round has no judges' seats."))
    missing, open_alerts = round_blockers(round=rnd)
    problems = []
    if missing:
        problems.append(_("%(n)d sheets are not submitted") % {"n": missing})
    if open_alerts:
        problems.append(_("%(n)d spread alerts are open") % {"n": open_alerts})
    if problems:
        raise ConfirmRefused(_("The round cannot be confirmed yet: %(problems)s.") % {"problems": "；".join(problems)})
    round_state_change(round=rnd, to_state=RoundState.CONFIRMED, user=user, reason=_("Confirmed by the chief judge"))
    round.state = rnd.state
    return rnd


# --- paper sheets: blind double entry ---------------------------------------------------------


@dataclass
class PaperResult:
    paper: PaperEntry
    # "first": waiting for a second entry; "matched": the sheet is submitted; "mismatch": it
    # disagrees with another person's entry; "same_person": only someone else can confirm it.
    outcome: str


def paper_entry_record(*, round, judge, entry, values, user, now=None):
    """One typing of a judge's paper sheet. When it agrees on every score with an earlier entry
    typed by someone else, the pair becomes the judge's submitted sheet (a new version) and any
    other pending entries are discarded; a disagreement is left for the chief judge to see,
    never averaged. Refused for a seat the judge does not hold or a sheet already submitted."""
    check_writable(round)
    fields = sheet_fields(round)
    clean, errors = sheet_values_clean(fields, values, partial=False)
    if errors:
        raise SheetInvalid(errors)
    criteria, total = stored_values(fields, clean)
    with transaction.atomic():
        # The seat's row serialises every entry of this judge's sheet for this entrant.
        if not PanelSeat.objects.select_for_update().filter(round=round, judge=judge, entry=entry).exists():
            raise SheetRefused(_("%(judge)s does not score this entrant in this round.") % {"judge": judge.name})
        current = ScoreSheet.objects.filter(round=round, judge=judge, entry=entry).only("status").first()
        if current is not None and current.status == SheetStatus.SUBMITTED:
            raise SheetRefused(_("This judge's sheet for the entrant is already submitted."))
        pending = list(PaperEntry.objects.filter(round=round, judge=judge, entry=entry, outcome=PaperOutcome.PENDING))
        paper = PaperEntry.objects.create(round=round, judge=judge, entry=entry, criteria=criteria, total=total,
                                          entered_by=user)
        match = next((p for p in pending if p.entered_by_id != user.pk and p.criteria == criteria and p.total == total),
                     None)
        if match is None:
            if any(p.entered_by_id != user.pk for p in pending):
                return PaperResult(paper=paper, outcome="mismatch")
            return PaperResult(paper=paper, outcome="same_person" if pending else "first")
        sheet = locked_sheet(round=round, judge=judge, entry=entry, user=user)
        sheet_version_write(sheet=sheet, criteria=criteria, total=total, user=user,
                            reason=_("Paper sheet entered twice (by %(first)s and %(second)s)")
                            % {"first": match.entered_by.get_username(), "second": user.get_username()})
        PaperEntry.objects.filter(pk__in=[match.pk, paper.pk]).update(outcome=PaperOutcome.MATCHED, sheet=sheet)
        PaperEntry.objects.filter(pk__in=[p.pk for p in pending if p.pk != match.pk]).update(
            outcome=PaperOutcome.DISCARDED)
        paper.outcome, paper.sheet = PaperOutcome.MATCHED, sheet
        if round.state == RoundState.OPEN:
            round_state_change(round=round, to_state=RoundState.SCORING, user=user, reason=_("First sheet submitted"))
        spread_alerts_refresh(round=round, entry_ids=[entry.pk], now=now)
    return PaperResult(paper=paper, outcome="matched")
