"""Writes of service records: imports, corrections, ratings, rating sources and bad-review cases.

Imports are set-based and all-or-nothing: every row is cleaned and checked in memory,
keys are resolved with one query per table, and rows are written with bulk_create /
bulk_update inside one transaction, only when no row has an error.
"""

import datetime as dt
from collections import defaultdict

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from home.db import BATCH_SIZE, fast_insert, refresh_statistics
from home.imports import ImportResult, RowCleaner, RowError
from home.spreadsheets import cell_text
from home.validators import strip_control_characters
from people.models import StaffProfile, Window

from .. import attendance_rules as ar
from .. import rating_rules as rr
from .. import resources as cols
from ..models import (
    AttendanceCorrection,
    AttendanceDay,
    BadReviewCase,
    CalendarDay,
    CaseEvent,
    CentreRules,
    DingTalkUser,
    Rating,
    RatingSource,
    ShiftSchedule,
)

ANALYZE_AFTER_ROWS = 5000  # a write this large refreshes the planner's statistics
PREVIEW_ROWS = 200
CHUNK = 500  # ids per IN (...) query: SQLite limits the number of parameters
RESULT_COLUMN = "考勤结果"
ATTENDANCE_PREVIEW_HEADERS = (
    cols.STAFF_NO,
    cols.NAME,
    cols.DATE,
    cols.SHIFT,
    cols.IN1,
    cols.OUT1,
    cols.IN2,
    cols.OUT2,
    cols.APPROVAL,
    RESULT_COLUMN,
)
DAY_FIELDS = (
    "source",
    "shift_name",
    "start1",
    "end1",
    "start2",
    "end2",
    "in1",
    "out1",
    "in2",
    "out2",
    "approval",
    "punch_results",
    "status",
    "late_minutes",
    "early_minutes",
    "late_count",
    "serious_late_count",
    "early_count",
    "serious_early_count",
    "missing_count",
    "half_absence_count",
    "full_absence_count",
)


def _chunks(items, size=CHUNK):
    items = list(items)
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _sort_errors(errors, order):
    column_order = {name: i for i, name in enumerate(order)}
    errors.sort(key=lambda e: (e.row, column_order.get(e.column, 99)))


# ---------------------------------------------------------------------------------
# Attendance
# ---------------------------------------------------------------------------------


def attendance_layout(headers):
    """"dingtalk", "generic" or None, from the header row."""
    headers = set(headers)
    if cols.IN1 in headers or cols.SHIFT in headers:
        return "dingtalk"
    if cols.G_IN in headers:
        return "generic"
    return None


class _ShiftBook:
    """Shifts, rules and the calendar the rows of one file need: fetched for the centres and
    dates a chunk brings that earlier chunks did not (a query per new centre set or date
    range, never per row)."""

    def __init__(self):
        self.rules = {}
        self.by_name = {}
        self.default = {}
        self.first = self.last = None
        self.holidays, self.workdays = set(), set()

    def ensure(self, centre_ids, first, last):
        new = set(centre_ids) - set(self.rules)
        if new:
            self.rules.update(CentreRules.for_centres(new))
            for shift in ShiftSchedule.objects.filter(centre_id__in=new):
                self.by_name[(shift.centre_id, shift.name)] = shift
                if shift.is_default:
                    self.default[shift.centre_id] = shift
        if self.first is None or first < self.first or last > self.last:
            self.first = first if self.first is None else min(first, self.first)
            self.last = last if self.last is None else max(last, self.last)
            self.holidays, self.workdays = CalendarDay.sets_between(self.first, self.last)

    def default_for(self, centre_id, day):
        """(name, segments) of a day no 班次 describes: the calendar decides if it is worked."""
        if not ar.is_working_day(day, holidays=self.holidays, workdays=self.workdays):
            return _("Rest"), ()
        shift = self.default.get(centre_id)
        if shift is None:
            return "", ar.DEFAULT_SHIFT
        return shift.name, shift.segments()


ATTENDANCE_CHUNK = 5000  # rows validated, classified and written together


def attendance_import(table, *, dry_run, user=None):
    """Import a DingTalk 每日统计 export or the generic layout: all rows or none; one record per
    person and day (a re-import replaces it, except days HR corrected, which are kept).

    Rows are read, checked, classified and written in chunks of ATTENDANCE_CHUNK inside one
    transaction, rolled back on any error. Days of a month whose evaluations are approved are
    refused (HR reopens the month first)."""
    result = ImportResult(dry_run=dry_run)
    layout = attendance_layout(table.headers)
    if layout is None:
        for column in cols.GENERIC_REQUIRED:
            if column not in table.headers:
                result.errors.append(RowError(table.header_row, column, _("This column is missing.")))
        return result
    if layout == "dingtalk":
        resource, needed, key_required = cols.AttendanceDingTalkResource(), cols.DINGTALK_REQUIRED, (cols.DATE,)
        if cols.STAFF_NO not in table.headers and cols.USER_ID not in table.headers:
            result.errors.append(RowError(table.header_row, cols.STAFF_NO, _("This column is missing.")))
    else:
        resource, needed, key_required = cols.AttendanceGenericResource(), cols.GENERIC_REQUIRED, cols.GENERIC_REQUIRED[:2]
    for column in needed:
        if column not in table.headers:
            result.errors.append(RowError(table.header_row, column, _("This column is missing.")))
    if result.errors:
        return result

    cleaner = RowCleaner(resource, required_columns=key_required)
    plan = _AttendancePlan(layout, result=result, header_row=table.header_row, dry_run=dry_run)
    try:
        with transaction.atomic():
            rows, errors = [], []
            for row_number, raw in table.rows:
                result.total += 1
                errors_before = len(errors)
                values = cleaner.clean(row_number, raw, errors)
                if layout == "dingtalk":
                    values["punch_results"] = strip_control_characters(" / ".join(
                        t for t in (cell_text(raw.get(c)) for c in cols.RESULT_COLUMNS) if t
                    )[:100])
                    if not values.get("staff_no") and not values.get("user_id") and len(errors) == errors_before:
                        errors.append(RowError(row_number, cols.STAFF_NO, _("Give the 工号 or the UserId.")))
                rows.append((row_number, values))
                if len(rows) >= ATTENDANCE_CHUNK:
                    plan.process(rows, errors)
                    rows, errors = [], []
            plan.process(rows, errors)
            plan.finish()
            if result.errors or dry_run:
                raise _Rollback
    except _Rollback:
        pass
    if result.errors:
        result.preview = []
        result.created = result.updated = result.unchanged = 0
    else:
        result.side_effects = plan.side_effects()
        if not dry_run and result.created + result.updated >= ANALYZE_AFTER_ROWS:
            refresh_statistics(AttendanceDay)
    return result


class _AttendancePlan:
    """An attendance file in flight, chunk by chunk (see attendance_import)."""

    def __init__(self, layout, *, result, header_row, dry_run):
        self.layout = layout
        self.result = result
        self.dry_run = dry_run
        self.profiles = {}  # staff_no -> profile dict, None when unknown
        self.mapped = {}  # DingTalk user id -> profile dict, None when unknown
        self.new_user_ids = {}  # user id -> staff id
        self.first_row = {}  # (staff id, date) -> the row that gave it first
        self.book = _ShiftBook()
        self.kept = []  # "工号 date" of days HR corrected, which the import leaves alone
        self.months = _MonthGuard(_("attendance"), header_row, cols.DATE)

    def process(self, rows, errors):
        """Check one chunk [(row number, values)], whose cleaning found `errors`; classify and
        (unless dry_run or any error so far) write it."""
        if not rows and not errors:
            return
        self.rows = rows
        self.staff = {}  # row number -> profile dict
        self.days = {}  # (staff id, date) -> AttendanceDay (unsaved values)
        self.row_keys = []  # (row number, (staff id, date))
        self.existing = {}
        self._keys_by_row = None
        errors.extend(self.resolve_staff())
        errors.extend(self.classify())
        errors.extend(self.months.check({f"{key[1]:%Y-%m}" for key in self.days}))
        if errors:
            _sort_errors(errors, (*cols.DINGTALK_HEADERS, *cols.GENERIC_HEADERS))
            self.result.add_errors(errors)
        if self.result.errors:
            return  # keep validating the rest of the file, write nothing more
        statuses = self.statuses()
        staff_nos = {p["id"]: p["staff_no"] for p in self.staff.values()}
        for key, status in statuses.items():
            counted = "unchanged" if status == "kept" else status
            setattr(self.result, counted, getattr(self.result, counted) + 1)
            if status == "kept" and len(self.kept) < 50:
                self.kept.append(f"{staff_nos[key[0]]} {key[1]:%Y-%m-%d}")
        room = PREVIEW_ROWS - len(self.result.preview)
        self.result.preview.extend(
            (row_number, statuses[key], self.display(row_number)) for row_number, key in self.row_keys[:room]
        )
        if not self.dry_run:
            self.write(statuses)

    def _profiles(self, staff_nos, user_ids):
        wanted = [n for n in staff_nos if n not in self.profiles]
        for chunk in _chunks(wanted, 2000):
            for p in StaffProfile.objects.filter(staff_no__in=chunk).values("id", "staff_no", "name", "centre_id"):
                self.profiles[p["staff_no"]] = p
        for no in wanted:
            self.profiles.setdefault(no, None)
        wanted = [u for u in user_ids if u not in self.mapped]
        for chunk in _chunks(wanted, 2000):
            for m in DingTalkUser.objects.filter(user_id__in=chunk).values(
                "user_id", "staff_id", "staff__staff_no", "staff__name", "staff__centre_id"
            ):
                self.mapped[m["user_id"]] = {
                    "id": m["staff_id"],
                    "staff_no": m["staff__staff_no"],
                    "name": m["staff__name"],
                    "centre_id": m["staff__centre_id"],
                }
        for user_id in wanted:
            self.mapped.setdefault(user_id, None)

    def resolve_staff(self):
        errors = []
        self._profiles(
            {v["staff_no"] for _n, v in self.rows if v.get("staff_no")},
            {v["user_id"] for _n, v in self.rows if v.get("user_id")},
        )
        for row_number, values in self.rows:
            staff_no, user_id = values.get("staff_no"), values.get("user_id")
            if staff_no:
                profile = self.profiles.get(staff_no)
                if profile is None:
                    errors.append(
                        RowError(row_number, cols.STAFF_NO, _("No staff member has 工号 %(no)s.") % {"no": staff_no})
                    )
                    continue
                mapped = self.mapped.get(user_id) if user_id else None
                if user_id and (mapped is None or mapped["id"] != profile["id"]):
                    self.new_user_ids[user_id] = profile["id"]
            elif user_id:
                profile = self.mapped.get(user_id)
                if profile is None:
                    errors.append(
                        RowError(
                            row_number,
                            cols.USER_ID,
                            _("UserId %(id)s is not linked to a 工号: import a file with both once.") % {"id": user_id},
                        )
                    )
                    continue
            else:
                continue
            self.staff[row_number] = profile
        return errors

    def classify(self):
        errors = []
        dated = [(n, v) for n, v in self.rows if n in self.staff and v.get("date")]
        if not dated:
            return errors
        dates = [v["date"] for _n, v in dated]
        self.book.ensure({self.staff[n]["centre_id"] for n, _v in dated}, min(dates), max(dates))
        book = self.book
        first_row = self.first_row
        for row_number, values in dated:
            profile = self.staff[row_number]
            key = (profile["id"], values["date"])
            if key in first_row:
                errors.append(
                    RowError(
                        row_number,
                        cols.DATE,
                        _("%(no)s on %(date)s appears again (first on row %(first)d).")
                        % {"no": profile["staff_no"], "date": values["date"], "first": first_row[key]},
                    )
                )
                continue
            first_row[key] = row_number
            centre_id = profile["centre_id"]
            shift_text = values.get("shift", "") if self.layout == "dingtalk" else ""
            if shift_text:
                try:
                    segments = ar.parse_shift_text(shift_text)
                except ValueError:
                    errors.append(RowError(row_number, cols.SHIFT, _("“%(v)s”: the shift's times are impossible.") % {"v": shift_text}))
                    continue
                if segments is None:
                    segments = ()
                elif not segments:
                    shift = book.by_name.get((centre_id, shift_text))
                    if shift is None:
                        errors.append(
                            RowError(
                                row_number,
                                cols.SHIFT,
                                _("Unknown shift “%(v)s”: add it to the centre's shift schedules.") % {"v": shift_text},
                            )
                        )
                        continue
                    segments = shift.segments()
                shift_name = shift_text
            else:
                shift_name, segments = book.default_for(centre_id, values["date"])
            punches = ((values.get("in1"), values.get("out1")), (values.get("in2"), values.get("out2")))
            approval = values.get("approval", "")
            outcome = ar.classify_day(
                segments=segments,
                punches=punches[: max(len(segments), 1)],
                approved=bool(approval),
                thresholds=book.rules[centre_id].thresholds(),
            )
            day = AttendanceDay(
                staff_id=profile["id"],
                date=values["date"],
                source=AttendanceDay.Source.DINGTALK if self.layout == "dingtalk" else AttendanceDay.Source.GENERIC,
                shift_name=shift_name[:50],
                start1=segments[0][0] if segments else None,
                end1=segments[0][1] if segments else None,
                start2=segments[1][0] if len(segments) > 1 else None,
                end2=segments[1][1] if len(segments) > 1 else None,
                in1=values.get("in1"),
                out1=values.get("out1"),
                in2=values.get("in2"),
                out2=values.get("out2"),
                approval=approval,
                punch_results=values.get("punch_results", ""),
            )
            day.apply_result(outcome)
            self.days[key] = day
            self.row_keys.append((row_number, key))
        return errors

    def statuses(self):
        if not self.days:
            return {}
        staff_ids = {key[0] for key in self.days}
        dates = [key[1] for key in self.days]
        for chunk in _chunks(staff_ids):
            for day in AttendanceDay.objects.filter(staff_id__in=chunk, date__range=(min(dates), max(dates))).order_by():
                self.existing[(day.staff_id, day.date)] = day
        statuses = {}
        for key, day in self.days.items():
            old = self.existing.get(key)
            if old is None:
                statuses[key] = "created"
            elif old.corrected:
                statuses[key] = "kept"
            elif any(getattr(old, f) != getattr(day, f) for f in DAY_FIELDS):
                statuses[key] = "updated"
            else:
                statuses[key] = "unchanged"
        return statuses

    def side_effects(self):
        effects = {}
        if self.kept:
            effects[_("Days kept as HR corrected them")] = self.kept
        if self.new_user_ids:
            effects[_("DingTalk UserId links")] = sorted(self.new_user_ids)[:50]
        return effects

    def display(self, row_number):
        profile = self.staff[row_number]
        day = self.days[self.keys_by_row[row_number]]

        def t(value):
            return value.strftime("%H:%M") if value else ""

        return {
            cols.STAFF_NO: profile["staff_no"],
            cols.NAME: profile["name"],
            cols.DATE: f"{day.date:%Y-%m-%d}",
            cols.SHIFT: day.shift_name,
            cols.IN1: t(day.in1),
            cols.OUT1: t(day.out1),
            cols.IN2: t(day.in2),
            cols.OUT2: t(day.out2),
            cols.APPROVAL: day.approval,
            RESULT_COLUMN: day_summary(day),
        }

    @property
    def keys_by_row(self):
        if self._keys_by_row is None:
            self._keys_by_row = dict(self.row_keys)
        return self._keys_by_row

    def write(self, statuses):
        new, changed = [], []
        for key, day in self.days.items():
            status = statuses[key]
            if status == "created":
                new.append(day)
            elif status == "updated":
                old = self.existing[key]
                for f in DAY_FIELDS:
                    setattr(old, f, getattr(day, f))
                old.updated_at = timezone.now()
                changed.append(old)
        fast_insert(AttendanceDay, new)
        AttendanceDay.objects.bulk_update(changed, [*DAY_FIELDS, "updated_at"], batch_size=BATCH_SIZE)

    def finish(self):
        """After the last chunk: remember the DingTalk UserIds learnt from the file."""
        if self.result.errors or self.dry_run:
            return
        if self.new_user_ids:
            existing = {}
            for chunk in _chunks(self.new_user_ids, 2000):
                existing.update((m.user_id, m) for m in DingTalkUser.objects.filter(user_id__in=chunk))
            to_update = []
            for user_id, staff_id in self.new_user_ids.items():
                if user_id in existing:
                    existing[user_id].staff_id = staff_id
                    to_update.append(existing[user_id])
            DingTalkUser.objects.bulk_update(to_update, ["staff"], batch_size=BATCH_SIZE)
            DingTalkUser.objects.bulk_create(
                [DingTalkUser(user_id=u, staff_id=s) for u, s in self.new_user_ids.items() if u not in existing],
                batch_size=BATCH_SIZE,
            )


def day_summary(day):
    """One line for a day: its status and minutes, e.g. 迟到 12分钟."""
    text = day.get_status_display()
    if day.late_minutes:
        text += " " + _("late %(m)d min") % {"m": day.late_minutes}
    if day.early_minutes:
        text += " " + _("early %(m)d min") % {"m": day.early_minutes}
    return text


def _attendance_open(day):
    """The month lock: a day of an approved month can no longer change."""
    from .evaluations import period_ensure_open

    period_ensure_open(months=[day], what=_("attendance"))


@transaction.atomic
def attendance_day_correct(*, day, user, reason, in1=None, out1=None, in2=None, out2=None, approval=""):
    """HR corrects a day's punches or approval with a reason; the day is classified again and
    the before/after kept in its history. Later imports leave the corrected day alone.
    Refused when the month's evaluations are approved."""
    if not user.has_perm("assessment.change_attendanceday"):
        raise PermissionDenied
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Give a reason for the correction.")})
    day = AttendanceDay.objects.select_for_update().select_related("staff").get(pk=day.pk)
    _attendance_open(day.date)
    before = day.snapshot()
    day.in1, day.out1, day.in2, day.out2 = in1, out1, in2, out2
    day.approval = (approval or "").strip()[:200]
    segments = day.segments()
    rules = CentreRules.for_centre(day.staff.centre_id)
    outcome = ar.classify_day(
        segments=segments if day.status != ar.REST or segments else (),
        punches=day.punches(),
        approved=bool(day.approval),
        thresholds=rules.thresholds(),
    )
    day.apply_result(outcome)
    day.corrected = True
    day.full_clean()
    day.save()
    AttendanceCorrection.objects.create(day=day, corrected_by=user, reason=reason[:200], before=before, after=day.snapshot())
    return day


def attendance_shift_for(*, staff, date, shift=None):
    """(name, segments) of a day HR enters by hand: the chosen shift of the person's centre,
    else what an import would take for a row without 班次 (the calendar, then the centre's
    default shift, then 09:00–17:30)."""
    if shift is not None:
        if shift.centre_id != staff.centre_id:
            raise ValidationError({"shift": _("Choose a shift of the person's centre.")})
        return shift.name, shift.segments()
    book = _ShiftBook()
    book.ensure({staff.centre_id}, date, date)
    return book.default_for(staff.centre_id, date)


def attendance_day_add(*, staff, date, user, reason, shift=None, in1=None, out1=None, in2=None, out2=None, approval=""):
    """HR adds a day that has no record (a row the import missed, a day DingTalk did not
    export): classified by the centre's rules like an imported day, kept in the correction
    history with the reason, and left alone by later imports. Refuses a day that already
    has a record (correct that one instead) and days of an approved month."""
    if not user.has_perm("assessment.change_attendanceday"):
        raise PermissionDenied
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Give a reason for adding the day.")})
    if date is None:
        raise ValidationError({"date": _("Give the date.")})
    duplicate = ValidationError(
        {"date": _("%(person)s already has a record on %(date)s: correct that day instead.")
         % {"person": staff, "date": f"{date:%Y-%m-%d}"}}
    )
    try:
        with transaction.atomic():
            _attendance_open(date)
            if AttendanceDay.objects.filter(staff=staff, date=date).exists():
                raise duplicate
            shift_name, segments = attendance_shift_for(staff=staff, date=date, shift=shift)
            day = AttendanceDay(
                staff=staff,
                date=date,
                source=AttendanceDay.Source.MANUAL,
                shift_name=shift_name[:50],
                start1=segments[0][0] if segments else None,
                end1=segments[0][1] if segments else None,
                start2=segments[1][0] if len(segments) > 1 else None,
                end2=segments[1][1] if len(segments) > 1 else None,
                in1=in1,
                out1=out1,
                in2=in2 if len(segments) > 1 else None,
                out2=out2 if len(segments) > 1 else None,
                approval=(approval or "").strip()[:200],
                corrected=True,
            )
            outcome = ar.classify_day(
                segments=segments,
                punches=day.punches(),
                approved=bool(day.approval),
                thresholds=CentreRules.for_centre(staff.centre_id).thresholds(),
            )
            day.apply_result(outcome)
            day.full_clean(validate_unique=False)
            day.save()
            AttendanceCorrection.objects.create(
                day=day, corrected_by=user, reason=reason[:200], before={}, after=day.snapshot()
            )
    except IntegrityError as exc:  # the same day added at the same moment
        raise duplicate from exc
    return day


# ---------------------------------------------------------------------------------
# Ratings
# ---------------------------------------------------------------------------------

IMPORT_SOURCE_CODES = {rr.GB: "import-gb", rr.PROVINCIAL: "import-provincial"}
QR_SOURCE_CODE = "qr-page"


def rating_source_create(*, name, direction=rr.GB, kind=RatingSource.Kind.FEED, code=None):
    """Register a feed or device; returns (source, token). Only the token's hash is kept."""
    from django.utils.text import slugify

    if direction not in rr.DIRECTIONS:
        raise ValidationError({"direction": _("Direction must be gb or provincial.")})
    base = code or slugify(name, allow_unicode=False) or "source"
    candidate, n = base[:40], 2
    while RatingSource.objects.filter(code=candidate).exists():
        candidate, n = f"{base[:36]}-{n}", n + 1
    source = RatingSource(name=name, code=candidate, kind=kind, direction=direction)
    token = source.new_token()
    source.full_clean()
    source.save()
    return source, token


def builtin_source(code):
    """The token-less sources of spreadsheet imports and of the QR page (made on first use)."""
    names = {
        IMPORT_SOURCE_CODES[rr.GB]: (_("Spreadsheet import (GB codes)"), RatingSource.Kind.IMPORT, rr.GB),
        IMPORT_SOURCE_CODES[rr.PROVINCIAL]: (
            _("Spreadsheet import (provincial codes)"),
            RatingSource.Kind.IMPORT,
            rr.PROVINCIAL,
        ),
        QR_SOURCE_CODE: (_("QR rating page"), RatingSource.Kind.QR, rr.GB),
    }
    name, kind, direction = names[code]
    source = RatingSource.objects.filter(code=code).first()
    if source is None:
        try:
            with transaction.atomic():
                source = RatingSource.objects.create(code=code, name=name, kind=kind, direction=direction)
        except IntegrityError:
            source = RatingSource.objects.get(code=code)
    return source


RATING_COMPARED = ("level", "channel", "staff_id", "window_id", "window_code", "matter", "rated_at", "comment")
RATING_COMPARED_FIELDS = ("ticket_no", "assess_number", *RATING_COMPARED)


class _RatingRow:
    """A rating row in flight: lighter than a model instance, which matters at a million rows."""

    __slots__ = (
        "id", "source_id", "ticket_no", "assess_number", "level", "channel", "staff_id", "staff_no", "window_id",
        "window_code", "matter", "rated_at", "comment", "reasons", "superseded", "received_at",
        "citizen_ticket_no", "suspicion",
    )

    def __init__(self, **values):
        self.id = None
        self.reasons = ""
        self.superseded = False
        self.citizen_ticket_no = ""
        self.suspicion = ""
        self.received_at = None
        self.staff_no = ""
        for name, value in values.items():
            setattr(self, name, value)


class RatingInputError(Exception):
    """Field errors of one rating: {field: [messages]}."""

    def __init__(self, errors):
        super().__init__(errors)
        self.errors = errors


RATING_CHUNK = 5000  # rows validated, looked up and written together


class _Rollback(Exception):
    """Raised inside an import's transaction to undo what earlier chunks wrote."""


def _month_key(moment):
    return f"{timezone.localtime(moment):%Y-%m}"


def _months_of(moments):
    """The months ("YYYY-MM", local time) of the moments: when the earliest and the latest lie
    in the same or in adjacent months, those two are all of them (no per-row conversion)."""
    if not moments:
        return set()
    first, last = _month_key(min(moments)), _month_key(max(moments))
    year, month = int(first[:4]), int(first[5:])
    following = f"{year + month // 12:04d}-{month % 12 + 1:02d}"
    if last in (first, following):
        return {first, last}
    return {_month_key(m) for m in moments}


class _MonthGuard:
    """The month lock for an import: which months of the file are approved, asked once per
    month (not per row); the first locked month found becomes one error."""

    def __init__(self, what, row, column):
        self.what, self.row, self.column = what, row, column
        self.checked = set()
        self.refused = False

    def check(self, months):
        from .evaluations import period_ensure_open

        new = set(months) - self.checked
        if not new or self.refused:
            return []
        self.checked |= new
        try:
            period_ensure_open(months=sorted(new), what=self.what)
        except ValidationError as exc:
            self.refused = True
            return [RowError(self.row, self.column, exc.messages[0])]
        return []


class _RatingImport:
    """A ratings file in flight, chunk by chunk: staff and windows are looked up once per new
    key, a key seen earlier in the file is an error, and (unless dry_run or any error so
    far) each chunk is written at once, inside the caller's transaction."""

    def __init__(self, *, source, result, header_row, dry_run):
        self.source = source
        self.result = result
        self.dry_run = dry_run
        self.staff = {}  # staff_no -> (id, staff_no) or None when unknown
        self.windows = {}  # window code -> id or None
        # (办件编号, 评价次数) -> first row, keyed by the key's hash: a million keys as small
        # ints rather than tuples of strings.
        self.seen = {}
        self.months = _MonthGuard(_("ratings"), header_row, cols.RATED_AT)
        self.labels = dict(rr.LEVEL_LABELS)
        self.unknown_windows = set()

    def _lookup(self, staff_nos, window_codes):
        wanted = [n for n in staff_nos if n not in self.staff]
        for chunk in _chunks(wanted, 2000):
            for pk, no in StaffProfile.objects.filter(staff_no__in=chunk).values_list("id", "staff_no"):
                self.staff[no] = (pk, no)
        for no in wanted:
            self.staff.setdefault(no, None)
        wanted = [c for c in window_codes if c not in self.windows]
        for chunk in _chunks(wanted, 2000):
            for pk, code in Window.objects.filter(code__in=chunk).values_list("id", "code"):
                self.windows[code] = pk
        for code in wanted:
            self.windows.setdefault(code, None)

    def process(self, rows, errors):
        """Check one chunk of cleaned rows [(row number, values)], whose cleaning found
        `errors`, and write it if all is well."""
        if not rows:
            return
        self._lookup(
            {v["staff_no"] for _n, v in rows if v.get("staff_no")},
            {v["window_code"] for _n, v in rows if v.get("window_code")},
        )
        candidates = []
        for row_number, values in rows:
            bad = values.pop("_bad", False)
            person = None
            if values.get("staff_no"):
                person = self.staff[values["staff_no"]]
                if person is None:
                    errors.append(
                        RowError(row_number, cols.HANDLER, _("No staff member has 工号 %(no)s.") % {"no": values["staff_no"]})
                    )
                    bad = True
            if values.get("ticket_no"):
                key = hash((values["ticket_no"], values["assess_number"]))
                first = self.seen.setdefault(key, row_number)
                if first != row_number:
                    errors.append(
                        RowError(
                            row_number,
                            cols.TICKET,
                            _("%(t)s rating %(n)d appears again (first on row %(first)d).")
                            % {"t": values["ticket_no"], "n": values["assess_number"], "first": first},
                        )
                    )
                    bad = True
            if bad:
                continue
            window_code = values.get("window_code", "")
            candidates.append(
                (
                    row_number,
                    _RatingRow(
                        source_id=self.source.pk,
                        ticket_no=values["ticket_no"],
                        assess_number=values["assess_number"],
                        level=values["level"],
                        channel=values.get("channel", ""),
                        staff_id=person[0] if person else None,
                        staff_no=person[1] if person else "",
                        window_id=self.windows.get(window_code),
                        window_code=window_code,
                        matter=values.get("matter", ""),
                        rated_at=values["rated_at"],
                        comment=values.get("comment", ""),
                    ),
                )
            )
        errors.extend(self.months.check(_months_of([r.rated_at for _n, r in candidates])))
        if errors:
            _sort_errors(errors, cols.RATING_HEADERS)
            self.result.add_errors(errors)
        if self.result.errors:
            return  # keep validating the rest of the file, write nothing more
        self._compare_and_write(candidates)

    def _compare_and_write(self, candidates):
        result = self.result
        existing = {}
        ratings_of_ticket = defaultdict(int)  # this source's, to know which tickets need supersession
        bad_tickets = set()  # tickets with a bad rating of this source (cases to open)
        for chunk in _chunks({r.ticket_no for _n, r in candidates}, RATING_CHUNK):
            # By 办件编号 alone, the source checked here: with `source` in the WHERE, SQLite
            # walks the source's index over every rating it ever received (quadratic).
            for values in (
                Rating.objects.filter(ticket_no__in=chunk)
                .order_by()
                .values("id", "source_id", *RATING_COMPARED_FIELDS)
            ):
                if values.pop("source_id") == self.source.pk:
                    ratings_of_ticket[values["ticket_no"]] += 1
                    existing[(values["ticket_no"], values["assess_number"])] = _RatingRow(**values)
                    if values["level"] in rr.BAD_LEVELS:
                        bad_tickets.add(values["ticket_no"])
        new, changed, touched = [], [], []
        for row_number, rating in candidates:
            old = existing.get((rating.ticket_no, rating.assess_number))
            if old is None:
                status = "created"
                new.append(rating)
            elif any(getattr(old, f) != getattr(rating, f) for f in RATING_COMPARED):
                status = "updated"
                changed.append(Rating(id=old.id, **{f: getattr(rating, f) for f in RATING_COMPARED}))
            else:
                status = "unchanged"
            setattr(result, status, getattr(result, status) + 1)
            if status != "unchanged":
                touched.append(rating.ticket_no)
                if rating.level in rr.BAD_LEVELS:
                    bad_tickets.add(rating.ticket_no)
            if status == "created":
                ratings_of_ticket[rating.ticket_no] += 1
            if rating.window_code and rating.window_id is None:
                self.unknown_windows.add(rating.window_code)
            if len(result.preview) < PREVIEW_ROWS:
                result.preview.append((row_number, status, self._display(rating)))
        if self.dry_run:
            return
        fast_insert(Rating, new)
        Rating.objects.bulk_update(changed, list(RATING_COMPARED), batch_size=BATCH_SIZE)
        # Only tickets with more than one rating of this source can have one superseded (a
        # rating never supersedes another source's), and only tickets
        # with a bad rating get a case: the other tickets (nearly all) need no query.
        ratings_supersession_update(tickets=[t for t in touched if ratings_of_ticket[t] > 1])
        cases_open_for_bad_ratings(ticket_nos=[t for t in touched if t in bad_tickets], source=self.source)

    def _display(self, r):
        return {
            cols.TICKET: r.ticket_no,
            cols.ASSESS_NUMBER: str(r.assess_number),
            cols.RATED_AT: f"{timezone.localtime(r.rated_at):%Y-%m-%d %H:%M}",
            cols.HANDLER: r.staff_no,
            cols.WINDOW: r.window_code,
            cols.MATTER: r.matter,
            cols.LEVEL: self.labels[r.level],
            cols.CHANNEL: r.channel,
            cols.COMMENT: r.comment,
        }


def rating_import(table, *, dry_run, user=None, source=None, direction=rr.GB):
    """Import 好差评 rows: all or none; idempotent on (source, 办件编号, 评价次数).

    The rows are read, checked and written in chunks of RATING_CHUNK inside one transaction:
    memory stays flat for a million rows, and an error anywhere rolls every chunk back.
    Ratings of a month whose evaluations are approved are refused (HR reopens it first)."""
    source = source or builtin_source(IMPORT_SOURCE_CODES[direction])
    direction = source.direction
    result = ImportResult(dry_run=dry_run)
    for column in cols.RATING_REQUIRED:
        if column not in table.headers:
            result.errors.append(RowError(table.header_row, column, _("This column is missing.")))
    if cols.HANDLER not in table.headers and cols.WINDOW not in table.headers:
        result.errors.append(RowError(table.header_row, cols.HANDLER, _("This column is missing.")))
    if result.errors:
        return result
    cleaner = RowCleaner(cols.RatingResource(), required_columns=cols.RATING_REQUIRED)
    job = _RatingImport(source=source, result=result, header_row=table.header_row, dry_run=dry_run)
    try:
        with transaction.atomic():
            chunk, errors = [], []
            for row_number, raw in table.rows:
                result.total += 1
                before = len(errors)
                values = cleaner.clean(row_number, raw, errors)
                values["assess_number"] = values.get("assess_number") or 1
                if values.get("level"):
                    try:
                        values["level"] = rr.parse_level(values["level"], direction)
                    except rr.LevelError:
                        errors.append(
                            RowError(
                                row_number,
                                cols.LEVEL,
                                _("“%(v)s” is not a level: write 非常满意, 满意, 基本满意, 不满意, 非常不满意 or 1–5.")
                                % {"v": values["level"]},
                            )
                        )
                        values.pop("level")
                if not values.get("staff_no") and not values.get("window_code"):
                    errors.append(RowError(row_number, cols.HANDLER, _("Give the handler's 工号 or the window code.")))
                if len(errors) > before:
                    values["_bad"] = True
                chunk.append((row_number, values))
                if len(chunk) >= RATING_CHUNK:
                    job.process(chunk, errors)
                    chunk, errors = [], []
            job.process(chunk, errors)
            if result.errors or dry_run:
                raise _Rollback
    except _Rollback:
        pass
    if result.errors:
        result.preview = []
        result.created = result.updated = result.unchanged = 0
        return result
    if not dry_run and result.created + result.updated >= ANALYZE_AFTER_ROWS:
        refresh_statistics(Rating, BadReviewCase)
    if job.unknown_windows:
        result.side_effects[_("ratings of windows not in the directory (window codes kept as text)")] = sorted(
            job.unknown_windows
        )[:50]
    return result


def ratings_supersession_update(*, tickets):
    """Mark, for each ticket and each source, every rating but the one with the highest 评价次数
    superseded: a rating never supersedes a rating of another source (see rr.superseded_ids)."""
    tickets = {t for t in tickets if t}
    to_set, to_clear = [], []
    for chunk in _chunks(tickets, 2000):
        # By 办件编号 alone (see _RatingImport); the grouping per source is rr.superseded_ids's.
        ratings = list(
            Rating.objects.filter(ticket_no__in=chunk)
            .order_by()
            .values_list("id", "source_id", "ticket_no", "assess_number", "superseded")
        )
        superseded = rr.superseded_ids([(i, src, t, n) for i, src, t, n, _flag in ratings])
        for rating_id, _source, _ticket, _number, flag in ratings:
            if flag != (rating_id in superseded):
                (to_set if rating_id in superseded else to_clear).append(rating_id)
    for ids, flag in ((to_set, True), (to_clear, False)):
        for chunk in _chunks(ids):
            Rating.objects.filter(pk__in=chunk).update(superseded=flag)


def rating_submit(
    *, source, ticket_no, assess_number, level, channel, staff_no, window_code, rated_at, comment="", reasons="",
    citizen_ticket_no="",
):
    """One rating from the API or the QR page. Returns (rating, status): "created", "unchanged"
    (identical replay) or "conflict" (same key, different content). Raises RatingInputError,
    or RatingMonthLocked for a new rating in an approved month."""
    errors = defaultdict(list)
    try:
        level_code = rr.parse_level(level, source.direction)
    except rr.LevelError:
        errors["level"].append(_("Not a level: use 非常满意, 满意, 基本满意, 不满意, 非常不满意 or 1–5."))
        level_code = None
    staff = None
    if staff_no:
        staff = StaffProfile.objects.select_related("centre").filter(staff_no=staff_no).first()
        if staff is None:
            errors["staff_no"].append(_("No staff member has 工号 %(no)s.") % {"no": staff_no})
    window = Window.objects.select_related("centre").filter(code=window_code).first() if window_code else None
    if not staff_no and window is None:
        errors["window_code" if window_code else "staff_no"].append(_("Give a known staff number or window code."))
    if assess_number is None or not 1 <= int(assess_number) <= 99:
        errors["assess_number"].append(_("A whole number from 1 to 99."))
    if errors:
        raise RatingInputError(dict(errors))
    if timezone.is_naive(rated_at):
        rated_at = timezone.make_aware(rated_at)
    candidate = Rating(
        source=source,
        ticket_no=(ticket_no or "").strip(),
        assess_number=int(assess_number),
        level=level_code,
        channel=(channel or "").strip()[:30],
        staff=staff,
        window=window,
        window_code=(window_code or "").strip()[:20],
        matter="",
        rated_at=rated_at,
        comment=(comment or "").strip()[:1000],
        reasons=(reasons or "")[:200],
        citizen_ticket_no=(citizen_ticket_no or "").strip()[:64],
    )
    if candidate.ticket_no:
        existing = Rating.objects.filter(
            source=source, ticket_no=candidate.ticket_no, assess_number=candidate.assess_number
        ).first()
        if existing is not None:
            return existing, _replay_status(existing, candidate)
    # A new rating of an approved month is refused, as an import of that month is (an
    # identical replay above changes nothing and is still answered as such).
    rating_month_ensure_open(rated_at=candidate.rated_at)
    try:
        with transaction.atomic():
            candidate.full_clean(exclude=["source", "staff", "window"])
            candidate.save()
            ratings_supersession_update(tickets=[candidate.ticket_no])
            if candidate.is_bad:
                case_open(rating=candidate)
    except IntegrityError:
        existing = Rating.objects.get(source=source, ticket_no=candidate.ticket_no, assess_number=candidate.assess_number)
        return existing, _replay_status(existing, candidate)
    except ValidationError as exc:
        raise RatingInputError(exc.message_dict) from exc
    return candidate, "created"


def _replay_status(existing, candidate):
    same = all(getattr(existing, f) == getattr(candidate, f) for f in RATING_COMPARED if f != "matter")
    return "unchanged" if same else "conflict"


QR_CHANNEL = "二维码"


def qr_rating_submit(*, window, level, staff_no, comment, reasons, citizen_ticket_no, client_ip):
    """A citizen's rating from the public page of `window`. The page is a source of its own and
    keeps no ticket key: the ticket the citizen typed is kept as information only, so it can
    neither supersede nor be superseded (nor collide with a feed's ticket). A bad rating that
    completes a burst from one network about one person (abuse.bad_rating_burst) marks the
    burst 可疑: held out of every score until a supervisor accepts it on the case.
    Returns (rating, status) like rating_submit; raises what it raises."""
    from .. import abuse

    with transaction.atomic():
        rating, status = rating_submit(
            source=builtin_source(QR_SOURCE_CODE),
            ticket_no="",
            assess_number=1,
            level=level,
            channel=QR_CHANNEL,
            staff_no=staff_no,
            window_code=window.code,
            rated_at=timezone.now(),
            comment=comment,
            reasons=reasons,
            citizen_ticket_no=citizen_ticket_no,
        )
        if status == "created" and rating.is_bad:
            subject = f"staff:{rating.staff_id}" if rating.staff_id else f"window:{rating.window_code}"
            burst = abuse.bad_rating_burst(subject=subject, ip=client_ip, rating_id=rating.pk)
            if burst:
                Rating.objects.filter(pk__in=burst, suspicion=Rating.Suspicion.NONE).update(
                    suspicion=Rating.Suspicion.PENDING
                )
                rating.refresh_from_db(fields=["suspicion"])
    return rating, status


# ---------------------------------------------------------------------------------
# Bad-review cases
# ---------------------------------------------------------------------------------


def _deadlines(opened_on, rules):
    holidays, workdays = CalendarDay.sets_between(opened_on, opened_on + dt.timedelta(days=90))
    return (
        ar.add_working_days(opened_on, rules.case_verify_days, holidays=holidays, workdays=workdays),
        ar.add_working_days(opened_on, rules.case_feedback_days, holidays=holidays, workdays=workdays),
    )


def _centre_id(rating):
    if rating.window_id:
        return rating.window.centre_id
    if rating.staff_id:
        return rating.staff.centre_id
    return None


def case_open(*, rating, opened_at=None):
    """Open the case of a bad rating (once); due dates count working days from today."""
    centre_id = _centre_id(rating)
    if centre_id is None or not rating.is_bad:
        return None
    opened_at = opened_at or timezone.now()
    rules = CentreRules.for_centre(centre_id)
    verify_due, feedback_due = _deadlines(timezone.localdate(opened_at), rules)
    case, created = BadReviewCase.objects.get_or_create(
        rating=rating,
        defaults={
            "centre_id": centre_id,
            "staff": rating.staff,
            "opened_at": opened_at,
            "verify_due": verify_due,
            "feedback_due": feedback_due,
        },
    )
    if created:
        CaseEvent.objects.create(case=case, action=CaseEvent.Action.OPENED, at=opened_at)
    return case


def cases_open_for_bad_ratings(*, ticket_nos, source):
    """Cases for the bad ratings among just-imported tickets that have none yet (set-based)."""
    opened = 0
    for chunk in _chunks(set(ticket_nos), 2000):
        ratings = (
            Rating.objects.filter(ticket_no__in=chunk, level__in=rr.BAD_LEVELS, case__isnull=True)
            .select_related("window", "staff")
            .order_by()
        )
        ratings = [r for r in ratings if r.source_id == source.pk]  # see _RatingImport: by 办件编号 alone
        if not ratings:
            continue
        now = timezone.now()
        centre_ids = {_centre_id(r) for r in ratings} - {None}
        rules = CentreRules.for_centres(centre_ids)
        today = timezone.localdate(now)
        due = {cid: _deadlines(today, rules[cid]) for cid in centre_ids}
        cases = [
            BadReviewCase(
                rating=r,
                centre_id=_centre_id(r),
                staff=r.staff,
                opened_at=now,
                verify_due=due[_centre_id(r)][0],
                feedback_due=due[_centre_id(r)][1],
            )
            for r in ratings
            if _centre_id(r)
        ]
        BadReviewCase.objects.bulk_create(cases, batch_size=BATCH_SIZE)
        created = BadReviewCase.objects.filter(rating__in=[c.rating for c in cases])
        CaseEvent.objects.bulk_create(
            [CaseEvent(case=c, action=CaseEvent.Action.OPENED, at=now) for c in created], batch_size=BATCH_SIZE
        )
        opened += len(cases)
    return opened


def _can_handle(user, case):
    if not user.has_perm("assessment.change_badreviewcase"):
        return False
    if user.has_perm("assessment.handle_all_centres"):
        return True  # HR and administrators: every centre
    return case.centre.supervisors.filter(pk=user.pk).exists()


def _check(user, case):
    if not _can_handle(user, case):
        raise PermissionDenied


@transaction.atomic
def case_verify(*, case, user, verify_note, revisit_note, staff=None):
    _check(user, case)
    case = BadReviewCase.objects.select_for_update().get(pk=case.pk)
    if case.status != BadReviewCase.Status.OPEN:
        raise ValidationError(_("This case has been verified already."))
    if not verify_note.strip() or not revisit_note.strip():
        raise ValidationError(_("Record the verification and the revisit of the citizen."))
    case.verify_note, case.revisit_note = verify_note.strip(), revisit_note.strip()
    case.verified_at = timezone.now()
    case.status = BadReviewCase.Status.VERIFIED
    if staff is not None and staff.pk != case.staff_id:
        case.staff = staff
        CaseEvent.objects.create(case=case, by=user, action=CaseEvent.Action.REASSIGNED, note=str(staff))
    case.save()
    CaseEvent.objects.create(case=case, by=user, action=CaseEvent.Action.VERIFIED, note=case.verify_note)
    return case


@transaction.atomic
def case_rectify(*, case, user, rectify_note):
    _check(user, case)
    case = BadReviewCase.objects.select_for_update().get(pk=case.pk)
    if case.status != BadReviewCase.Status.VERIFIED:
        raise ValidationError(_("Verify the case first."))
    if not rectify_note.strip():
        raise ValidationError(_("Describe the rectification (or the explanation given)."))
    case.rectify_note = rectify_note.strip()
    case.rectified_at = timezone.now()
    case.status = BadReviewCase.Status.RECTIFIED
    case.save()
    CaseEvent.objects.create(case=case, by=user, action=CaseEvent.Action.RECTIFIED, note=case.rectify_note)
    return case


def _case_locked_period(case):
    """The outcome of a bad review counts in the month of its rating. When that month is
    approved (published, final), the case may still be concluded (daily work does not wait
    for HR): this returns the locked month, whose approved evaluations stay as they are, and
    the caller records the change on it (_case_month_changed). None when the month is open.
    Imports and edits of ratings and attendance of such a month stay refused."""
    from .evaluations import period_locked_for_change

    rated_at = Rating.objects.filter(pk=case.rating_id).values_list("rated_at", flat=True).get()
    return period_locked_for_change(month=_month_key(rated_at))


def _case_month_changed(case, period, *, kind, summary, user):
    """Record on the approved month that the case changed after approval; the case carries
    the record as `period_change` so the screen can tell the supervisor (None: month open)."""
    from .evaluations import period_change_record

    case.period_change = None
    if period is not None:
        case.period_change = period_change_record(
            period=period, kind=kind, summary=summary, user=user, case=case, staff=case.staff
        )
    return case


def _case_label(case):
    staff = f"{case.staff.staff_no} {case.staff.name}" if case.staff_id else "—"
    return {"number": case.number, "staff": staff}


@transaction.atomic
def case_close(*, case, user, feedback_note, outcome):
    """Feed back to the citizen and give the outcome: 属实 or 不属实."""
    _check(user, case)
    case = BadReviewCase.objects.select_for_update().select_related("centre").get(pk=case.pk)
    if case.status != BadReviewCase.Status.RECTIFIED:
        raise ValidationError(_("Rectify the case first."))
    if Rating.objects.filter(pk=case.rating_id, suspicion=Rating.Suspicion.PENDING).exists():
        raise ValidationError(_("Accept or reject the suspicious rating first."))
    locked = _case_locked_period(case)
    if outcome not in (BadReviewCase.Outcome.CONFIRMED, BadReviewCase.Outcome.UNFOUNDED):
        raise ValidationError(_("Choose confirmed or unfounded."))
    if not feedback_note.strip():
        raise ValidationError(_("Record the feedback given to the citizen."))
    now = timezone.now()
    case.feedback_note = feedback_note.strip()
    case.closed_at = now
    case.status = BadReviewCase.Status.CLOSED
    if case.appeal_status != BadReviewCase.Appeal.UPHELD:
        case.outcome = outcome
    rules = CentreRules.for_centre(case.centre_id)
    today = timezone.localdate(now)
    holidays, workdays = CalendarDay.sets_between(today, today + dt.timedelta(days=60))
    case.appeal_due = ar.add_working_days(today, rules.case_appeal_days, holidays=holidays, workdays=workdays)
    case.save()
    CaseEvent.objects.create(case=case, by=user, action=CaseEvent.Action.CLOSED, note=f"{case.get_outcome_display()} · {case.feedback_note}")
    summary = _("Case %(number)s (%(staff)s) concluded: %(outcome)s") % (
        _case_label(case) | {"outcome": case.get_outcome_display()}
    )
    from ..models import PeriodChange

    return _case_month_changed(case, locked, kind=PeriodChange.Kind.CASE_CLOSED, summary=summary, user=user)


@transaction.atomic
def case_suspicion_decide(*, case, user, accept, note):
    """Decide on a 可疑 (suspicious) rating: accepted, it counts again like any rating; rejected,
    it never counts and its case closes as 不属实. Logged on the case, by whom and why."""
    _check(user, case)
    case = BadReviewCase.objects.select_for_update().get(pk=case.pk)
    rating = Rating.objects.select_for_update().get(pk=case.rating_id)
    if rating.suspicion != Rating.Suspicion.PENDING:
        raise ValidationError(_("This rating is not awaiting a decision."))
    locked = _case_locked_period(case)
    if not note.strip():
        raise ValidationError(_("Give the reason for the decision."))
    rating.suspicion = Rating.Suspicion.ACCEPTED if accept else Rating.Suspicion.REJECTED
    rating.save(update_fields=["suspicion"])
    if not accept and case.status != BadReviewCase.Status.CLOSED:
        case.status = BadReviewCase.Status.CLOSED
        case.closed_at = timezone.now()
        case.outcome = BadReviewCase.Outcome.UNFOUNDED
        case.save(update_fields=["status", "closed_at", "outcome"])
    action = CaseEvent.Action.SUSPICION_ACCEPTED if accept else CaseEvent.Action.SUSPICION_REJECTED
    CaseEvent.objects.create(case=case, by=user, action=action, note=note.strip())
    summary = _("Case %(number)s (%(staff)s): %(decision)s") % (
        _case_label(case) | {"decision": CaseEvent.Action(action).label}
    )
    from ..models import PeriodChange

    return _case_month_changed(case, locked, kind=PeriodChange.Kind.SUSPICION, summary=summary, user=user)


@transaction.atomic
def case_appeal(*, case, staff, text):
    """The staff member appeals the bad review (申诉), within the window."""
    case = BadReviewCase.objects.select_for_update().get(pk=case.pk)
    if case.staff_id != staff.pk:
        raise PermissionDenied
    if not case.can_appeal():
        raise ValidationError(_("This case can no longer be appealed."))
    if not text.strip():
        raise ValidationError(_("Explain why the review is wrong."))
    case.appeal_text = text.strip()[:2000]
    case.appealed_at = timezone.now()
    case.appeal_status = BadReviewCase.Appeal.PENDING
    case.save()
    CaseEvent.objects.create(case=case, by=staff.user, action=CaseEvent.Action.APPEALED, note=case.appeal_text)
    return case


@transaction.atomic
def case_appeal_decide(*, case, user, upheld, note):
    """Decide a pending appeal: upheld (申诉成立) excludes the rating from every score."""
    if not user.has_perm("assessment.decide_appeal"):
        raise PermissionDenied
    _check(user, case)
    case = BadReviewCase.objects.select_for_update().get(pk=case.pk)
    if case.appeal_status != BadReviewCase.Appeal.PENDING:
        raise ValidationError(_("There is no pending appeal."))
    locked = _case_locked_period(case)
    if not note.strip():
        raise ValidationError(_("Give the reason for the decision."))
    case.appeal_status = BadReviewCase.Appeal.UPHELD if upheld else BadReviewCase.Appeal.REJECTED
    case.appeal_decision_note = note.strip()
    case.appeal_decided_at = timezone.now()
    if upheld:
        case.outcome = BadReviewCase.Outcome.APPEAL_UPHELD
    case.save()
    CaseEvent.objects.create(
        case=case, by=user, action=CaseEvent.Action.APPEAL_DECIDED, note=f"{case.get_appeal_status_display()} · {note.strip()}"
    )
    summary = _("Case %(number)s (%(staff)s): %(decision)s") % (
        _case_label(case) | {"decision": case.get_appeal_status_display()}
    )
    from ..models import PeriodChange

    return _case_month_changed(case, locked, kind=PeriodChange.Kind.CASE_APPEAL, summary=summary, user=user)


# ---------------------------------------------------------------------------------
# Ratings: the month lock for ratings that arrive one by one, and HR's logged edit
# ---------------------------------------------------------------------------------


class RatingMonthLocked(Exception):
    """A rating (from the API or the QR page) falls in a month whose evaluations are approved:
    it is refused like a spreadsheet import of that month. `message` says why, in Chinese."""

    def __init__(self, message):
        super().__init__(message)
        self.message = message


def rating_month_ensure_open(*, rated_at):
    """Raise RatingMonthLocked when `rated_at`'s month is approved, published or final."""
    from .evaluations import period_ensure_open

    try:
        period_ensure_open(months=[_month_key(rated_at)], what=_("ratings"))
    except ValidationError as exc:
        raise RatingMonthLocked(exc.messages[0]) from exc


RATING_EDIT_LOG_ACTION = "assessment.rating_edit"
# What HR may correct on a rating (the admin form's fields), in the log's order.
RATING_EDITABLE = ("level", "channel", "staff", "window", "window_code", "matter", "comment")


def _rating_values(rating):
    """The editable values of a rating as text, for the log (names, not ids)."""
    return {
        "level": rating.get_level_display(),
        "channel": rating.channel,
        "staff": f"{rating.staff.staff_no} {rating.staff.name}" if rating.staff_id else "",
        "window": rating.window.code if rating.window_id else "",
        "window_code": rating.window_code,
        "matter": rating.matter,
        "comment": rating.comment,
    }


@transaction.atomic
def rating_edit(*, rating, user, reason, changes):
    """HR corrects a rating. Refused in an approved month (like an import of that month);
    every edit is logged with who, when, the values before and after, and why.

    `changes`: {field: new value} among RATING_EDITABLE. Returns the saved rating."""
    from wagtail.log_actions import log

    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": [_("Give the reason for the change.")]})
    current = Rating.objects.select_for_update().get(pk=rating.pk)
    from .evaluations import period_ensure_open

    period_ensure_open(months=[_month_key(current.rated_at)], what=_("ratings"))
    before = _rating_values(current)
    was_bad = current.is_bad
    for name, value in changes.items():
        if name not in RATING_EDITABLE:
            raise ValueError(f"{name} cannot be edited")
        setattr(current, name, value)
    current.full_clean(exclude=["source"])
    after = _rating_values(current)
    changed = {name: [before[name], after[name]] for name in RATING_EDITABLE if before[name] != after[name]}
    if not changed:
        return current
    current.save()
    if current.is_bad and not was_bad and not BadReviewCase.objects.filter(rating=current).exists():
        case_open(rating=current)
    log(
        instance=current,
        action=RATING_EDIT_LOG_ACTION,
        user=user,
        data={"changes": changed, "reason": reason},
        content_changed=True,
    )
    return current
