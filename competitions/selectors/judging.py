"""Reads for judges scoring on their phones and for the chief judge's console. A judge sees
only their own seats and sheets (never another judge's score); the console sees the round.
Each page is read with a fixed number of queries whatever the size of the panel."""

from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count
from django.utils.crypto import salted_hmac

from .. import scoring
from ..models import (
    AlertStatus,
    ConflictDeclaration,
    Criterion,
    Entry,
    Judge,
    JudgeAssignment,
    PanelSeat,
    PaperEntry,
    PaperOutcome,
    ProblemReport,
    Round,
    RoundState,
    ScoreSheet,
    ScoreSheetVersion,
    SheetStatus,
    SheetUnlock,
    SpreadAlert,
)
from ..models.rounds import JUDGING_STATES

ORGANISE = "competitions.organise_competition"
SCORE_FIELD = "得分"
# Rounds the chief judge's console lists: to open, being judged, or confirmed (read-only).
CONSOLE_STATES = (RoundState.DRAFT, *JUDGING_STATES, RoundState.CONFIRMED)


@dataclass(frozen=True)
class SheetField:
    """One score a judge types: a rubric criterion, or the round's single score."""

    name: str
    max_points: Decimal
    description: str = ""

    @property
    def max_text(self):
        return f"{self.max_points.normalize():f}"


def _fields(criteria):
    if not criteria:
        return [SheetField(name=SCORE_FIELD, max_points=scoring.HUNDRED)]
    return [SheetField(name=c.name, max_points=c.max_points, description=c.description) for c in criteria]


def _criteria(round):
    if not round.rubric_id:
        return []
    return list(Criterion.objects.filter(rubric_id=round.rubric_id).order_by("sort_order", "pk"))


def entrant_label(entry):
    """(工号 or team name, person's name or "") of an entry loaded with its staff and team."""
    if entry.team_id:
        return entry.team.name, ""
    return entry.staff.staff_no, entry.staff.name


def is_organiser(user):
    return user.is_authenticated and user.has_perm(ORGANISE)


def is_judge(user):
    return user.is_authenticated and Judge.objects.filter(user=user).exists()


def may_run_round(*, user, round):
    """The round's chief judge (裁判长) or an organiser (竞赛组织) runs the round's console."""
    if JudgeAssignment.objects.filter(round=round, judge__user=user, is_chief=True).exists():
        return True
    return is_organiser(user)


# --- the judge's pages ------------------------------------------------------------------------


@dataclass
class JudgeRoundItem:
    round: Round
    is_chief: bool
    seats: int = 0
    submitted: int = 0
    open_alerts: int = 0


def rounds_for_judge(*, user):
    """The rounds being judged (open, scoring, review) on whose panel the user sits, with their
    seats, sheets submitted and open alerts. Four queries."""
    assignments = list(
        JudgeAssignment.objects.filter(judge__user=user, round__state__in=JUDGING_STATES)
        .select_related("round__competition")
        .order_by("-round__competition__year", "round__competition_id", "round__sort_order", "round_id")
    )
    if not assignments:
        return []
    ids = [a.round_id for a in assignments]

    def counts(queryset):
        return dict(queryset.filter(round_id__in=ids).order_by().values("round_id").annotate(n=Count("pk"))
                    .values_list("round_id", "n"))

    seats = counts(PanelSeat.objects.filter(judge__user=user))
    submitted = counts(ScoreSheet.objects.filter(judge__user=user, status=SheetStatus.SUBMITTED))
    alerts = counts(SpreadAlert.objects.filter(judge__user=user, status=AlertStatus.OPEN))
    return [JudgeRoundItem(round=a.round, is_chief=a.is_chief, seats=seats.get(a.round_id, 0),
                           submitted=submitted.get(a.round_id, 0), open_alerts=alerts.get(a.round_id, 0))
            for a in assignments]


def rounds_to_oversee(*, user):
    """Rounds whose console the user may open: every judged round with a panel for an
    organiser, the rounds they chair for a chief judge. One or two queries."""
    rounds = Round.objects.filter(state__in=CONSOLE_STATES).select_related("competition")
    if is_organiser(user):
        rounds = rounds.filter(pk__in=JudgeAssignment.objects.values("round_id"))
    else:
        rounds = rounds.filter(assignments__judge__user=user, assignments__is_chief=True)
    return list(rounds.order_by("-competition__year", "competition_id", "sort_order", "pk"))


@dataclass
class SeatRow:
    entry: Entry
    label: str
    name: str
    state: str = ""  # "", "draft" or "submitted"
    total: Decimal | None = None  # the judge's own total
    filled: int = 0  # fields scored in the draft
    alert: bool = False
    unlocked: bool = False


@dataclass
class JudgeRound:
    round: Round
    judge: Judge
    is_chief: bool
    fields: list
    rows: list
    writable: bool

    @property
    def submitted(self):
        return sum(1 for r in self.rows if r.state == SheetStatus.SUBMITTED)

    @property
    def open_alerts(self):
        return sum(1 for r in self.rows if r.alert)


def judge_round(*, user, round_id):
    """The judge's page of one round: their seats' entrants only, the rubric, and their own
    draft or submitted state per entrant; None when the user is not on the round's panel.
    Six queries whatever the number of entrants."""
    assignment = (JudgeAssignment.objects.filter(round_id=round_id, judge__user=user)
                  .select_related("round__competition", "judge").first())
    if assignment is None:
        return None
    rnd, judge = assignment.round, assignment.judge
    seats = list(PanelSeat.objects.filter(round=rnd, judge=judge).select_related("entry__staff", "entry__team")
                 .order_by("entry_id"))
    sheets = {s.entry_id: s for s in ScoreSheet.objects.filter(round=rnd, judge=judge)
              .only("pk", "entry_id", "status", "total", "criteria", "version")}
    alerts = set(SpreadAlert.objects.filter(round=rnd, judge=judge, status=AlertStatus.OPEN).values_list("entry_id", flat=True))
    unlocked = set(SheetUnlock.objects.filter(sheet__round=rnd, sheet__judge=judge, sheet__status=SheetStatus.DRAFT)
                   .values_list("sheet__entry_id", flat=True))
    fields = _fields(_criteria(rnd))
    rows = []
    for seat in seats:
        label, name = entrant_label(seat.entry)
        row = SeatRow(entry=seat.entry, label=label, name=name, alert=seat.entry_id in alerts,
                      unlocked=seat.entry_id in unlocked)
        sheet = sheets.get(seat.entry_id)
        if sheet is not None:
            row.state, row.total = sheet.status, sheet.total
            row.filled = len(sheet.criteria)
        rows.append(row)
    return JudgeRound(round=rnd, judge=judge, is_chief=assignment.is_chief, fields=fields, rows=rows,
                      writable=rnd.state in JUDGING_STATES)


@dataclass
class JudgeSheet:
    round: Round
    judge: Judge
    entry: Entry
    label: str
    name: str
    fields: list
    sheet: ScoreSheet | None
    values: dict  # field name → text shown in the inputs
    alert: SpreadAlert | None
    unlock: SheetUnlock | None  # why the chief judge unlocked the sheet, while it is a draft again
    last_version: ScoreSheetVersion | None  # the latest submission (its receipt)
    writable: bool

    @property
    def state(self):
        return self.sheet.status if self.sheet else ""

    @property
    def submitted(self):
        return self.state == SheetStatus.SUBMITTED

    @property
    def editable(self):
        return self.writable and not self.submitted


def sheet_values(sheet, fields):
    """{field name: text} of a sheet for the inputs (a round without a rubric keeps its total)."""
    if sheet is None:
        return {}
    if len(fields) == 1 and fields[0].name == SCORE_FIELD and not sheet.criteria:
        return {SCORE_FIELD: _plain(sheet.total)} if sheet.status == SheetStatus.SUBMITTED else {}
    return {name: _plain(Decimal(value)) for name, value in sheet.criteria.items()}


def _plain(value):
    """18.50 → "18.5", 18.00 → "18": what a judge would have typed."""
    return f"{Decimal(value).normalize():f}"


def judge_sheet(*, user, round_id, entry_id):
    """The judge's sheet page for one entrant of their seats (None when they hold no such seat,
    e.g. an entrant they are recused from). Six queries."""
    seat = (PanelSeat.objects.filter(round_id=round_id, entry_id=entry_id, judge__user=user)
            .select_related("round__competition", "judge", "entry__staff", "entry__team").first())
    if seat is None:
        return None
    rnd, judge, entry = seat.round, seat.judge, seat.entry
    fields = _fields(_criteria(rnd))
    sheet = ScoreSheet.objects.filter(round=rnd, judge=judge, entry=entry).first()
    alert = unlock = last_version = None
    if sheet is not None:
        alert = SpreadAlert.objects.filter(sheet=sheet, status=AlertStatus.OPEN).order_by("-pk").first()
        if sheet.status == SheetStatus.DRAFT:
            unlock = SheetUnlock.objects.filter(sheet=sheet).order_by("-unlocked_at", "-pk").first()
        last_version = ScoreSheetVersion.objects.filter(sheet=sheet).order_by("-number").first()
    label, name = entrant_label(entry)
    return JudgeSheet(round=rnd, judge=judge, entry=entry, label=label, name=name, fields=fields, sheet=sheet,
                      values=sheet_values(sheet, fields), alert=alert, unlock=unlock, last_version=last_version,
                      writable=rnd.state in JUDGING_STATES)


def judge_alert(*, user, alert_id):
    """One of the judge's own spread alerts, with its round, or None."""
    return (SpreadAlert.objects.filter(pk=alert_id, judge__user=user)
            .select_related("round__competition", "judge", "entry").first())


# --- receipts ------------------------------------------------------------------------------


def receipt_code(version):
    """A short code that only the platform can issue for this submitted version: the chief
    judge can check a receipt a judge shows (same code on the console)."""
    text = f"{version.sheet_id}|{version.number}|{version.total}|{version.changed_at.isoformat()}"
    return salted_hmac("competitions.sheet-receipt", text).hexdigest()[:8].upper()


@dataclass
class Receipt:
    version: ScoreSheetVersion
    number: str  # sheet id - version
    code: str
    label: str
    name: str
    fields: list
    values: dict

    @property
    def rows(self):
        return [(f, self.values.get(f.name, "")) for f in self.fields]


def judge_receipt(*, user, version_id):
    """The receipt of one of the judge's own submitted versions, or None."""
    version = (ScoreSheetVersion.objects.filter(pk=version_id, sheet__judge__user=user, status=SheetStatus.SUBMITTED)
               .select_related("sheet__round__competition", "sheet__judge", "sheet__entry__staff", "sheet__entry__team")
               .first())
    if version is None:
        return None
    fields = _fields(_criteria(version.sheet.round))
    label, name = entrant_label(version.sheet.entry)
    values = {n: _plain(Decimal(v)) for n, v in version.criteria.items()} or {SCORE_FIELD: _plain(version.total)}
    return Receipt(version=version, number=f"{version.sheet_id}-{version.number}", code=receipt_code(version),
                   label=label, name=name, fields=fields, values=values)


# --- the chief judge's console --------------------------------------------------------------


@dataclass
class Cell:
    seated: bool = False
    sheet_id: int | None = None
    status: str = ""
    total: Decimal | None = None
    version: int = 0
    dropped: bool = False
    alert: bool = False


@dataclass
class MatrixRow:
    entry: Entry
    label: str
    name: str
    cells: list
    seats: int = 0
    submitted: int = 0
    aggregate: scoring.Aggregate | None = None
    alert: bool = False

    @property
    def complete(self):
        return self.seats > 0 and self.submitted == self.seats


@dataclass
class Console:
    round: Round
    judges: list  # [(Judge, is_chief)]
    rows: list
    alerts: list
    reports: list
    paper: list  # [PaperEntry] waiting for a matching entry
    seats: int = 0
    submitted: int = 0
    open_alerts: int = 0
    open_reports: int = 0
    receipts: dict = field(default_factory=dict)  # sheet id → receipt code of its current version

    @property
    def missing(self):
        return self.seats - self.submitted

    @property
    def can_confirm(self):
        return self.round.state in JUDGING_STATES and self.seats > 0 and not self.missing and not self.open_alerts


def chief_console(*, round):
    """The judge × entrant matrix of a round: each seat's sheet (draft or submitted, total,
    version), dropped scores of the trimmed mean, progress, the alert and report queues and
    the paper entries waiting for a second typing. Nine queries whatever the panel size."""
    assignments = list(JudgeAssignment.objects.filter(round=round).select_related("judge").order_by("judge__name", "pk"))
    judges = [(a.judge, a.is_chief) for a in assignments]
    column = {judge.pk: i for i, (judge, _chief) in enumerate(judges)}
    entries = [e for e in Entry.objects.filter(competition_id=round.competition_id).select_related("staff", "team")
               .order_by("pk") if (e.team_id if round.is_team_round else e.staff_id)]
    seats = set(PanelSeat.objects.filter(round=round).values_list("judge_id", "entry_id"))
    conflicts = set(ConflictDeclaration.objects.filter(judge__competition_id=round.competition_id)
                    .values_list("judge_id", "entry_id"))
    sheets = list(ScoreSheet.objects.filter(round=round, judge__isnull=False)
                  .values_list("pk", "judge_id", "entry_id", "status", "total", "version"))
    versions = {(sheet_id, number): (total, changed_at) for sheet_id, number, total, changed_at in
                ScoreSheetVersion.objects.filter(sheet__round=round, sheet__judge__isnull=False)
                .values_list("sheet_id", "number", "total", "changed_at")}
    alerts = list(SpreadAlert.objects.filter(round=round).select_related("judge", "entry__staff", "entry__team")
                  .order_by("status", "-raised_at"))
    open_alert_sheets = {a.sheet_id for a in alerts if a.status == AlertStatus.OPEN}
    by_sheet = {}
    for pk, judge_id, entry_id, status, total, version in sheets:
        by_sheet[(judge_id, entry_id)] = (pk, status, total, version)
    console = Console(round=round, judges=judges, rows=[], alerts=alerts, reports=[], paper=[])
    for entry in entries:
        label, name = entrant_label(entry)
        row = MatrixRow(entry=entry, label=label, name=name, cells=[Cell() for _j in judges])
        counted = {}
        for judge, _chief in judges:
            cell = row.cells[column[judge.pk]]
            cell.seated = (judge.pk, entry.pk) in seats
            found = by_sheet.get((judge.pk, entry.pk))
            if found:
                cell.sheet_id, cell.status, cell.total, cell.version = found
                cell.alert = cell.sheet_id in open_alert_sheets
            if cell.seated:
                row.seats += 1
                if cell.status == SheetStatus.SUBMITTED:
                    row.submitted += 1
            if cell.status == SheetStatus.SUBMITTED and (judge.pk, entry.pk) not in conflicts:
                counted[judge.pk] = cell.total
            row.alert = row.alert or cell.alert
        if counted:
            row.aggregate = scoring.trimmed_mean(counted, spread_limit=round.competition.spread_limit)
            for judge_id in row.aggregate.dropped:
                row.cells[column[judge_id]].dropped = True
        console.seats += row.seats
        console.submitted += row.submitted
        if row.seats or any(c.sheet_id for c in row.cells):
            console.rows.append(row)
    console.open_alerts = sum(1 for a in alerts if a.status == AlertStatus.OPEN)
    console.reports = list(ProblemReport.objects.filter(round=round).select_related("judge", "entry__staff", "entry__team")
                           .order_by("-created_at", "-pk"))
    console.open_reports = sum(1 for r in console.reports if r.resolved_at is None)
    console.paper = list(PaperEntry.objects.filter(round=round, outcome=PaperOutcome.PENDING)
                         .select_related("judge", "entry__staff", "entry__team", "entered_by").order_by("judge_id", "entry_id", "pk"))
    # Values of a typing are shown only once two people disagree: until then the second
    # typist must not see the first's.
    typists = {}
    for paper in console.paper:
        typists.setdefault((paper.judge_id, paper.entry_id), set()).add(paper.entered_by_id)
    for paper in console.paper:
        paper.mismatch = len(typists[(paper.judge_id, paper.entry_id)]) > 1
    for pk, _judge_id, _entry_id, status, _total, version in sheets:
        found = versions.get((pk, version))
        if status == SheetStatus.SUBMITTED and found:
            console.receipts[pk] = _code_from(pk, version, *found)
    return console


def _code_from(sheet_id, number, total, changed_at):
    return receipt_code(ScoreSheetVersion(sheet_id=sheet_id, number=number, total=total, changed_at=changed_at))


def console_sheet(*, round, sheet_id):
    """A judge's sheet of the round (for the unlock form), with its judge and entrant."""
    return (ScoreSheet.objects.filter(round=round, pk=sheet_id, judge__isnull=False)
            .select_related("judge", "entry__staff", "entry__team").first())


@dataclass
class SheetHistory:
    label: tuple  # (工号 or team name, person's name or "")
    fields: list
    versions: list  # [(ScoreSheetVersion, [its score per field], receipt code)], newest first
    alerts: list  # [SpreadAlert], newest first
    unlocks: list  # [SheetUnlock], newest first


def console_sheet_history(*, round, sheet):
    """What the console shows of one sheet (from console_sheet): every version with who, when
    and why, its spread alerts and the chief judge's unlocks. Four queries."""
    fields = round_fields(round)
    versions = [
        (v, [v.criteria.get(f.name, "") for f in fields], receipt_code(v))
        for v in ScoreSheetVersion.objects.filter(sheet=sheet).select_related("changed_by").order_by("-number")
    ]
    return SheetHistory(
        label=entrant_label(sheet.entry), fields=fields, versions=versions,
        alerts=list(SpreadAlert.objects.filter(sheet=sheet).order_by("-raised_at")),
        unlocks=list(SheetUnlock.objects.filter(sheet=sheet).select_related("unlocked_by").order_by("-unlocked_at")),
    )


def console_report(*, round, report_id):
    """A problem reported to the chief judge of the round, or None."""
    return ProblemReport.objects.filter(round=round, pk=report_id).first()


def paper_seat(*, round, judge_id, entry_id):
    """(judge, entry) of the round's competition a paper sheet is typed for, by their ids
    (None for an id of another competition)."""
    judge = Judge.objects.filter(pk=judge_id, competition_id=round.competition_id).first()
    entry = Entry.objects.filter(pk=entry_id, competition_id=round.competition_id).first()
    return judge, entry


def console_round(*, round_id):
    return Round.objects.filter(pk=round_id).select_related("competition", "rubric").first()


def round_fields(round):
    """The sheet fields of a round (the rubric's criteria, or its single score)."""
    return _fields(_criteria(round))


def round_judges_and_entrants(*, round):
    """[(Judge, [(Entry, label, name)])] of the round's seats, for the paper entry form."""
    seats = (PanelSeat.objects.filter(round=round).select_related("judge", "entry__staff", "entry__team")
             .order_by("judge__name", "judge_id", "entry_id"))
    grouped = {}
    for seat in seats:
        grouped.setdefault(seat.judge, []).append((seat.entry, *entrant_label(seat.entry)))
    return list(grouped.items())
