"""Writes of attendance: the DingTalk or generic import, and HR's corrected and added days.

The import is set-based and all-or-nothing: every row is cleaned and checked in memory,
keys are resolved with one query per table, and rows are written with bulk_create /
bulk_update inside one transaction, only when no row has an error.
"""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from home.db import BATCH_SIZE, fast_insert, refresh_statistics
from home.imports import ImportResult, RowCleaner, RowError, import_rows_in_chunks
from home.spreadsheets import cell_text
from home.validators import strip_control_characters
from people.models import StaffProfile

from .. import attendance_rules as ar
from .. import resources as cols
from ..models import (
    AttendanceCorrection,
    AttendanceDay,
    CalendarDay,
    CentreRules,
    DingTalkUser,
    ShiftSchedule,
)
from ..periods import Period
from .locks import period_ensure_open
from .rows import ANALYZE_AFTER_ROWS, PREVIEW_ROWS, MonthGuard, chunks, sort_errors

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

    def clean_row(row_number, raw, errors):
        errors_before = len(errors)
        values = cleaner.clean(row_number, raw, errors)
        if layout == "dingtalk":
            values["punch_results"] = strip_control_characters(" / ".join(
                t for t in (cell_text(raw.get(c)) for c in cols.RESULT_COLUMNS) if t
            )[:100])
            if not values.get("staff_no") and not values.get("user_id") and len(errors) == errors_before:
                errors.append(RowError(row_number, cols.STAFF_NO, _("Give the 工号 or the UserId.")))
        return values

    import_rows_in_chunks(table, result, clean_row=clean_row, process=plan.process, finish=plan.finish,
                          chunk_size=ATTENDANCE_CHUNK, dry_run=dry_run)
    if not result.errors:
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
        self.months = MonthGuard(_("attendance"), header_row, cols.DATE)

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
        errors.extend(self.months.check({Period.of(key[1]) for key in self.days}))
        if errors:
            sort_errors(errors, (*cols.DINGTALK_HEADERS, *cols.GENERIC_HEADERS))
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
        for chunk in chunks(wanted, 2000):
            for p in StaffProfile.objects.filter(staff_no__in=chunk).values("id", "staff_no", "name", "centre_id"):
                self.profiles[p["staff_no"]] = p
        for no in wanted:
            self.profiles.setdefault(no, None)
        wanted = [u for u in user_ids if u not in self.mapped]
        for chunk in chunks(wanted, 2000):
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
        for chunk in chunks(staff_ids):
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
            for chunk in chunks(self.new_user_ids, 2000):
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
