"""A judge scoring on the phone: autosaved drafts, submission (a versioned, read-only sheet with
a receipt), spread alerts to the judges concerned and their answers, and problems reported to
the chief judge."""

from dataclasses import dataclass, field
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from .. import scoring
from ..models import (
    AlertSide,
    AlertStatus,
    ConflictDeclaration,
    PanelSeat,
    ProblemReport,
    RoundState,
    ScoreSheet,
    ScoreSheetVersion,
    SheetStatus,
    SheetUnlock,
    SpreadAlert,
)
from ..models.rounds import JUDGING_STATES
from ..selectors.judging import SCORE_FIELD, round_fields
from .results import round_state_change

# Judges write while the round is open, being scored or in review (the chief judge may still
# unlock a sheet then); once confirmed, sheets are frozen.
WRITABLE_STATES = JUDGING_STATES
REASON_MAX = 500


class SheetRefused(ValidationError):
    """The sheet cannot be written now (already submitted, the round closed, no seat)."""

    def __init__(self, message, *, closed=False):
        super().__init__(message)
        self.closed = closed


class SheetInvalid(ValidationError):
    """Some scores are refused: `errors` is {field name: message}."""

    def __init__(self, errors):
        super().__init__(list(errors.values()))
        self.errors = errors


def sheet_fields(round):
    """The fields of the round's sheet, in the rubric's order (or the round's single score)."""
    return round_fields(round)


def score_message(code, maximum):
    """The judge's message for a refused score (scoring.parse_score's codes)."""
    maximum_text = f"{Decimal(maximum).normalize():f}"
    return {
        scoring.EMPTY: _("Enter a score."),
        scoring.NOT_A_NUMBER: _("Enter a number, such as 18 or 18.5."),
        scoring.NEGATIVE: _("The score cannot be below 0."),
        scoring.ABOVE_MAXIMUM: _("The score cannot be above the maximum of %(max)s.") % {"max": maximum_text},
        scoring.TOO_PRECISE: _("Use at most two decimals."),
    }.get(code, _("Enter a number, such as 18 or 18.5."))


def sheet_values_clean(fields, values, *, partial):
    """({field name: text}) → ({name: Decimal}, {name: message}). With `partial` (a draft),
    blank fields are left out; otherwise every field must be scored. Unknown names are ignored."""
    clean, errors = {}, {}
    for f in fields:
        raw = values.get(f.name)
        if partial and (raw is None or str(raw).strip() == ""):
            continue
        try:
            clean[f.name] = scoring.parse_score(raw, f.max_points)
        except scoring.ScoreError as exc:
            errors[f.name] = score_message(exc.args[0], f.max_points)
    return clean, errors


def stored_values(fields, clean, *, draft=False):
    """What the sheet keeps: {criterion: "12.50"} and the total. A submitted sheet of a round
    without a rubric keeps only the total, as the score-sheet import does (its draft keeps the
    score typed, so that a cleared field stays blank)."""
    total = scoring.q2(sum(clean.values(), scoring.ZERO))
    if not draft and len(fields) == 1 and fields[0].name == SCORE_FIELD:
        return {}, total
    return {name: str(value) for name, value in clean.items()}, total


def check_writable(round):
    if round.state not in WRITABLE_STATES:
        raise SheetRefused(_("Round %(round)s is %(state)s: its sheets can no longer change.")
                           % {"round": round.name, "state": round.get_state_display()}, closed=True)


def locked_sheet(*, round, judge, entry, user):
    """The judge's sheet for the entrant, locked for this transaction; created as an empty
    draft when there is none (the unique constraint keeps it one sheet however many requests
    race)."""
    sheet = ScoreSheet.objects.select_for_update().filter(round=round, judge=judge, entry=entry).first()
    if sheet is None:
        created, _new = ScoreSheet.objects.get_or_create(
            round=round, judge=judge, entry=entry,
            defaults={"criteria": {}, "total": scoring.ZERO, "status": SheetStatus.DRAFT, "entered_by": user},
        )
        sheet = ScoreSheet.objects.select_for_update().get(pk=created.pk)
    return sheet


def _require_seat(*, round, judge, entry):
    if not PanelSeat.objects.filter(round=round, judge=judge, entry=entry).exists():
        raise SheetRefused(_("%(judge)s does not score this entrant in this round.") % {"judge": judge.name})


@dataclass
class DraftSaved:
    stored: bool
    total: Decimal
    errors: dict = field(default_factory=dict)


def judge_sheet_draft_save(*, round, judge, entry, values, seq, user=None):
    """Autosave of a judge's sheet: the valid scores of `values` ({field: text}) replace the
    draft when `seq` is higher than the stored one (a late retry never overwrites a newer
    draft; a replay changes nothing). Invalid scores are not stored and come back as errors.
    Refused once the sheet is submitted or the round closed."""
    check_writable(round)
    _require_seat(round=round, judge=judge, entry=entry)
    fields = sheet_fields(round)
    clean, errors = sheet_values_clean(fields, values, partial=True)
    criteria, total = stored_values(fields, clean, draft=True)
    with transaction.atomic():
        sheet = locked_sheet(round=round, judge=judge, entry=entry, user=user)
        if sheet.status == SheetStatus.SUBMITTED:
            raise SheetRefused(_("This sheet is submitted: it can no longer be changed here."), closed=True)
        stored = ScoreSheet.objects.filter(pk=sheet.pk, draft_seq__lt=seq).update(
            criteria=criteria, total=total, draft_seq=seq, entered_by=user, updated_at=timezone.now()
        )
    return DraftSaved(stored=bool(stored), total=total, errors=errors)


@dataclass
class Submitted:
    sheet: ScoreSheet
    version: ScoreSheetVersion
    created: bool  # False: the same sheet had already been submitted (a double submit)


def _next_version_number(sheet):
    last = ScoreSheetVersion.objects.filter(sheet=sheet).order_by("-number").values_list("number", flat=True).first()
    return (last or 0) + 1


def sheet_version_write(*, sheet, criteria, total, user, reason):
    """Make `sheet` (locked by the caller) submitted with these scores, as its next version."""
    number = _next_version_number(sheet)
    sheet.criteria, sheet.total, sheet.status, sheet.version, sheet.entered_by = (
        criteria, total, SheetStatus.SUBMITTED, number, user)
    sheet.save(update_fields=["criteria", "total", "status", "version", "entered_by", "updated_at"])
    return ScoreSheetVersion.objects.create(sheet=sheet, number=number, criteria=criteria, total=total,
                                            status=SheetStatus.SUBMITTED, changed_by=user, reason=reason[:REASON_MAX])


def judge_sheet_submit(*, round, judge, entry, values, user=None):
    """Submit the judge's sheet with every field scored: it becomes read-only, as a new version
    (1 at first; after an unlock, the next). A second submit of the same scores returns the
    first (`created` False); of other scores, it is refused. The first sheet submitted moves
    an open round to scoring; spread alerts of the entrant are brought up to date."""
    check_writable(round)
    fields = sheet_fields(round)
    clean, errors = sheet_values_clean(fields, values, partial=False)
    if errors:
        raise SheetInvalid(errors)
    criteria, total = stored_values(fields, clean)
    with transaction.atomic():
        _require_seat(round=round, judge=judge, entry=entry)
        sheet = locked_sheet(round=round, judge=judge, entry=entry, user=user)
        if sheet.status == SheetStatus.SUBMITTED:
            if sheet.total == total and sheet.criteria == criteria:
                version = ScoreSheetVersion.objects.get(sheet=sheet, number=sheet.version)
                return Submitted(sheet=sheet, version=version, created=False)
            raise SheetRefused(_("This sheet is already submitted with other scores: ask the chief judge to unlock it."),
                               closed=True)
        unlock = SheetUnlock.objects.filter(sheet=sheet).order_by("-unlocked_at", "-pk").first()
        if unlock is not None:
            reason = _("Revised after the chief judge unlocked it: %(reason)s") % {"reason": unlock.reason}
        else:
            reason = _("Submitted by the judge")
        version = sheet_version_write(sheet=sheet, criteria=criteria, total=total, user=user, reason=reason)
        if round.state == RoundState.OPEN:
            round_state_change(round=round, to_state=RoundState.SCORING, user=user, reason=_("First sheet submitted"))
        spread_alerts_refresh(round=round, entry_ids=[entry.pk])
    return Submitted(sheet=sheet, version=version, created=True)


# --- spread alerts -------------------------------------------------------------------------


def spread_alerts_refresh(*, round, entry_ids, now=None):
    """Bring the round's spread alerts of these entrants up to date with their submitted
    sheets: when highest − lowest is above the competition's limit, each sheet at either end
    gets an alert for its judge (once per version of the sheet); open alerts whose sheet is no
    longer at an end, or has changed since, no longer apply. Scores are never touched.
    Returns the alerts raised. Set-based: the same few queries for one entrant or a whole
    imported file (the inserts are batched by the database's limit on parameters)."""
    entry_ids = list(entry_ids)
    if not entry_ids:
        return []
    now = now or timezone.now()
    limit = round.competition.spread_limit
    conflicts = set(ConflictDeclaration.objects.filter(judge__competition_id=round.competition_id,
                                                       entry_id__in=entry_ids).values_list("judge_id", "entry_id"))
    by_entry = {}
    # Plain tuples, not model instances: a whole imported round is thousands of sheets.
    for pk, judge_id, entry_id, total, version in ScoreSheet.objects.filter(
        round=round, entry_id__in=entry_ids, status=SheetStatus.SUBMITTED, judge__isnull=False
    ).values_list("pk", "judge_id", "entry_id", "total", "version"):
        if (judge_id, entry_id) not in conflicts:
            by_entry.setdefault(entry_id, {})[pk] = (judge_id, total, version)
    known = set(SpreadAlert.objects.filter(round=round, entry_id__in=entry_ids).values_list("sheet_id", "sheet_version"))
    raised, concerned = [], set()
    for entry_id, sheets in by_entry.items():
        spread, sides = scoring.spread_extremes({pk: total for pk, (_j, total, _v) in sheets.items()}, limit=limit)
        for pk, side in sides.items():
            judge_id, _total, version = sheets[pk]
            concerned.add((pk, version))
            if (pk, version) not in known:
                raised.append(SpreadAlert(round=round, entry_id=entry_id, judge_id=judge_id, sheet_id=pk,
                                          sheet_version=version, spread=spread,
                                          side=AlertSide.HIGH if side == "high" else AlertSide.LOW))
    stale = [a.pk for a in SpreadAlert.objects.filter(round=round, entry_id__in=entry_ids, status=AlertStatus.OPEN)
             if (a.sheet_id, a.sheet_version) not in concerned]
    if stale:
        SpreadAlert.objects.filter(pk__in=stale).update(status=AlertStatus.CLEARED, resolved_at=now)
    SpreadAlert.objects.bulk_create(raised)
    return raised


def clean_reason(reason, message):
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": message})
    if len(reason) > REASON_MAX:
        raise ValidationError({"reason": _("At most %(n)d characters.") % {"n": REASON_MAX}})
    return reason


def _open_alert_locked(alert):
    locked = SpreadAlert.objects.select_for_update().select_related("sheet").get(pk=alert.pk)
    if locked.status != AlertStatus.OPEN:
        raise SheetRefused(_("This alert has already been answered."))
    return locked


@transaction.atomic
def spread_alert_confirm(*, alert, user=None, reason, now=None):
    """The judge concerned stands by their score, saying why; the score stays as it is."""
    reason = clean_reason(reason, _("Say why you keep this score."))
    alert = _open_alert_locked(alert)
    alert.status, alert.reason, alert.resolved_at, alert.resolved_by = (
        AlertStatus.CONFIRMED, reason, now or timezone.now(), user)
    alert.save(update_fields=["status", "reason", "resolved_at", "resolved_by"])
    return alert


def spread_alert_revise(*, alert, values, user=None, reason, now=None):
    """The judge concerned changes their scores, saying why: a new version of the sheet."""
    reason = clean_reason(reason, _("Say why you change this score."))
    round = alert.round
    check_writable(round)
    fields = sheet_fields(round)
    clean, errors = sheet_values_clean(fields, values, partial=False)
    if errors:
        raise SheetInvalid(errors)
    criteria, total = stored_values(fields, clean)
    with transaction.atomic():
        alert = _open_alert_locked(alert)
        sheet = ScoreSheet.objects.select_for_update().get(pk=alert.sheet_id)
        if sheet.status != SheetStatus.SUBMITTED or sheet.version != alert.sheet_version:
            raise SheetRefused(_("This sheet has changed since the alert: reload the page."))
        if sheet.criteria == criteria and sheet.total == total:
            raise ValidationError({"reason": _("The scores are unchanged: to keep them, confirm instead.")})
        version = sheet_version_write(sheet=sheet, criteria=criteria, total=total, user=user,
                                      reason=_("Revised after a spread alert: %(reason)s") % {"reason": reason})
        alert.status, alert.reason, alert.resolved_at, alert.resolved_by = (
            AlertStatus.REVISED, reason, now or timezone.now(), user)
        alert.save(update_fields=["status", "reason", "resolved_at", "resolved_by"])
        spread_alerts_refresh(round=round, entry_ids=[alert.entry_id], now=now)
    return version


ALERT_REVISE = "revise"  # the answer that changes the scores; any other answer keeps them


@dataclass
class AlertAnswered:
    alert: SpreadAlert
    version: ScoreSheetVersion | None  # the sheet's new version when the judge revised

    @property
    def revised(self):
        return self.version is not None


def spread_alert_answer(*, alert, action, values=None, user=None, reason, now=None):
    """The judge concerned answers a spread alert, saying why: `action` ALERT_REVISE changes
    their scores to `values` (a new version of the sheet); any other action confirms the score."""
    if action == ALERT_REVISE:
        version = spread_alert_revise(alert=alert, values=values, user=user, reason=reason, now=now)
        return AlertAnswered(alert=alert, version=version)
    return AlertAnswered(alert=spread_alert_confirm(alert=alert, user=user, reason=reason, now=now), version=None)


# --- problems reported to the chief judge ----------------------------------------------------


def problem_report_send(*, round, judge, message, entry=None):
    """报告问题: a short message from a judge to the chief judge of the round."""
    message = (message or "").strip()
    if not message:
        raise ValidationError({"message": _("Describe the problem.")})
    if len(message) > REASON_MAX:
        raise ValidationError({"message": _("At most %(n)d characters.") % {"n": REASON_MAX}})
    if entry is not None and not PanelSeat.objects.filter(round=round, judge=judge, entry=entry).exists():
        entry = None
    return ProblemReport.objects.create(round=round, judge=judge, entry=entry, message=message)
