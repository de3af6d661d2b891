"""Reads of service records, set-based: a month and a set of staff in a fixed number of queries.

These answer what the monthly evaluation (issue 6) needs, per person:
attendance counts per category (and whether the person has any record), valid ratings
per level with their mean points, confirmed bad reviews per level and pending cases,
inspection deductions and vetoes, and commendation bonus points.
"""

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, Exists, F, Max, OuterRef, Q, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone

from home.db import ids_filter

from .. import attendance_rules as ar
from .. import rating_rules as rr
from ..models import (
    AttendanceDay,
    BadReviewCase,
    CalendarDay,
    CentreRules,
    Commendation,
    InspectionFinding,
    Rating,
)
from ..models.attendance import COUNT_FIELDS
from ..periods import Period


def _ids(staff):
    """Accept staff ids, profiles or a queryset."""
    if hasattr(staff, "values_list"):
        return staff.values_list("pk", flat=True)
    return [getattr(s, "pk", s) for s in staff]


# --- Attendance ---------------------------------------------------------------------

ATTENDANCE_KEYS = (*COUNT_FIELDS.values(), "late_minutes", "early_minutes")


@dataclass
class AttendanceSummary:
    days: int = 0  # records of the month (working and rest)
    working_days: int = 0
    attended_days: int = 0  # working days not absent all day and not approved
    approved_days: int = 0
    rest_days: int = 0
    late_count: int = 0
    serious_late_count: int = 0
    early_count: int = 0
    serious_early_count: int = 0
    missing_count: int = 0
    half_absence_count: int = 0
    full_absence_count: int = 0
    late_minutes: int = 0
    early_minutes: int = 0
    corrected_days: int = 0

    @property
    def has_records(self):
        return self.days > 0

    def count(self, category):
        """Incidents of an attendance_rules category (LATE, SERIOUS_LATE, …)."""
        return getattr(self, COUNT_FIELDS[category])


def attendance_summaries(*, period, staff, employed_only=False):
    """{staff id: AttendanceSummary} for every requested person (empty when no record). One query.
    `employed_only`: count only the days between each person's hire date and last working
    day (the monthly evaluation: no absence after leaving or before joining)."""
    ids = list(_ids(staff))
    result = {staff_id: AttendanceSummary() for staff_id in ids}
    days = AttendanceDay.objects.filter(ids_filter("staff_id", ids), date__range=(period.first, period.last))
    if employed_only:
        days = days.filter(
            Q(staff__hire_date__isnull=True) | Q(date__gte=F("staff__hire_date")),
            Q(staff__leave_date__isnull=True) | Q(date__lte=F("staff__leave_date")),
        )
    rows = (
        days
        .values("staff_id")
        .annotate(
            days=Count("id"),
            working_days=Count("id", filter=~Q(status=ar.REST)),
            attended_days=Count("id", filter=~Q(status__in=[ar.REST, ar.APPROVED, ar.FULL_ABSENCE])),
            approved_days=Count("id", filter=Q(status=ar.APPROVED)),
            rest_days=Count("id", filter=Q(status=ar.REST)),
            corrected_days=Count("id", filter=Q(corrected=True)),
            **{key: Coalesce(Sum(key), 0) for key in ATTENDANCE_KEYS},
        )
    )
    for row in rows:
        staff_id = row.pop("staff_id")
        if staff_id in result:
            result[staff_id] = AttendanceSummary(**row)
    return result


def attendance_days(*, period, staff):
    """A person's days of the month, by date."""
    return {
        d.date: d
        for d in AttendanceDay.objects.filter(staff=staff, date__range=(period.first, period.last))
    }


# --- Ratings ------------------------------------------------------------------------


def valid_ratings():
    """Ratings that count: not superseded by a later rating of the ticket from the same source,
    not a system default, not held as 可疑 (suspicious, until a supervisor accepts it) and not
    excluded by an upheld appeal."""
    return (
        Rating.objects.filter(superseded=False, suspicion__in=Rating.COUNTED_SUSPICION)
        .exclude(channel=rr.SYSTEM_DEFAULT_CHANNEL)
        .exclude(case__outcome=BadReviewCase.Outcome.APPEAL_UPHELD)
    )


@dataclass
class RatingSummary:
    level_counts: dict = field(default_factory=lambda: dict.fromkeys(rr.LEVEL_LABELS, 0))
    mean_points: Decimal | None = None
    confirmed_bad: dict = field(default_factory=lambda: {rr.DISSATISFIED: 0, rr.VERY_DISSATISFIED: 0})
    pending_cases: int = 0

    @property
    def valid_count(self):
        return sum(self.level_counts.values())

    @property
    def bad_count(self):
        return sum(self.level_counts[level] for level in rr.BAD_LEVELS)

    @property
    def confirmed_dissatisfied(self):
        return self.confirmed_bad[rr.DISSATISFIED]

    @property
    def confirmed_very_dissatisfied(self):
        return self.confirmed_bad[rr.VERY_DISSATISFIED]


def rating_summaries(*, period, staff, with_means=True):
    """{staff id: RatingSummary}: valid ratings per level and their mean points (with each
    person's centre's points), confirmed bad reviews per level and cases still pending.
    Four queries whatever the number of people; two without the means (the evaluation
    computes its own, with the centre it evaluates the person at)."""
    from people.models import StaffProfile

    ids = list(_ids(staff))
    start, end = period.moments()
    result = {staff_id: RatingSummary() for staff_id in ids}
    level_rows = (
        valid_ratings()
        .filter(ids_filter("staff_id", ids), rated_at__gte=start, rated_at__lt=end)
        .values("staff_id", "level")
        .annotate(n=Count("id"))
    )
    for row in level_rows:
        if row["staff_id"] in result:
            result[row["staff_id"]].level_counts[row["level"]] = row["n"]
    case_rows = (
        BadReviewCase.objects.filter(
            ids_filter("staff_id", ids),
            rating__rated_at__gte=start,
            rating__rated_at__lt=end,
            rating__superseded=False,
            rating__suspicion__in=Rating.COUNTED_SUSPICION,
        )
        .exclude(rating__channel=rr.SYSTEM_DEFAULT_CHANNEL)
        .values("staff_id")
        .annotate(
            confirmed_dissatisfied=Count(
                "id", filter=Q(outcome=BadReviewCase.Outcome.CONFIRMED, rating__level=rr.DISSATISFIED)
            ),
            confirmed_very=Count(
                "id", filter=Q(outcome=BadReviewCase.Outcome.CONFIRMED, rating__level=rr.VERY_DISSATISFIED)
            ),
            pending=Count("id", filter=Q(outcome="") | Q(appeal_status=BadReviewCase.Appeal.PENDING)),
        )
    )
    for row in case_rows:
        summary = result.get(row["staff_id"])
        if summary is None:
            continue
        summary.confirmed_bad = {rr.DISSATISFIED: row["confirmed_dissatisfied"], rr.VERY_DISSATISFIED: row["confirmed_very"]}
        summary.pending_cases = row["pending"]
    if not with_means:
        return result
    centres = dict(StaffProfile.objects.filter(pk__in=ids).values_list("pk", "centre_id"))
    rules = CentreRules.for_centres(set(centres.values()))
    for staff_id, summary in result.items():
        if summary.valid_count and staff_id in centres:
            summary.mean_points = rr.mean_points(summary.level_counts, rules[centres[staff_id]].points())
    return result


# --- Inspections and commendations --------------------------------------------------


@dataclass
class FindingSummary:
    count: int = 0
    points: Decimal = Decimal("0.00")
    veto: bool = False


def finding_summaries(*, period, staff):
    """{staff id: FindingSummary}: points deducted by inspection findings and any veto. One query."""
    ids = list(_ids(staff))
    start, end = period.moments()
    result = {staff_id: FindingSummary() for staff_id in ids}
    rows = (
        InspectionFinding.objects.filter(ids_filter("staff_id", ids), observed_at__gte=start, observed_at__lt=end)
        .values("staff_id")
        .annotate(n=Count("id"), points=Sum("points"), vetoes=Count("id", filter=Q(veto=True)))
    )
    for row in rows:
        if row["staff_id"] in result:
            result[row["staff_id"]] = FindingSummary(row["n"], _money(row["points"]), row["vetoes"] > 0)
    return result


def _money(value):
    # SQLite sums decimals without their places (Decimal('13')): always 2 places.
    return (value or Decimal("0")).quantize(Decimal("0.01"))


def bonus_points(*, period, staff):
    """{staff id: Decimal}: commendation bonus points of the month (uncapped; the evaluation caps). One query."""
    ids = list(_ids(staff))
    result = dict.fromkeys(ids, Decimal("0.00"))
    rows = (
        Commendation.objects.filter(ids_filter("staff_id", ids), date__range=(period.first, period.last))
        .values("staff_id")
        .annotate(points=Sum("bonus_points"))
    )
    for row in rows:
        if row["staff_id"] in result:
            result[row["staff_id"]] = _money(row["points"])
    return result


# --- Cases ---------------------------------------------------------------------------


def centre_scope(user):
    """The ids of the service centres whose records a user may see, or None for every centre.

    HR and administrators (the all-centres permission) see every centre; everyone else only
    the centres they supervise (ServiceCentre.supervisors), which may be none. Cached on the
    user object for the request. One query."""
    if user.has_perm("assessment.handle_all_centres"):
        return None
    cached = getattr(user, "_frontline_centre_scope", None)
    if cached is None:
        from people.models import ServiceCentre

        cached = frozenset(ServiceCentre.objects.filter(supervisors=user).values_list("pk", flat=True))
        user._frontline_centre_scope = cached
    return cached


def in_centre_scope(queryset, user, lookup):
    """`queryset` narrowed to the centres `user` may see. `lookup` is the path from the model
    to its service centre ("centre", "staff__centre"), or several paths (any may match)."""
    ids = centre_scope(user)
    if ids is None:
        return queryset
    condition = Q()
    for path in (lookup,) if isinstance(lookup, str) else lookup:
        condition |= Q(**{f"{path}__in": list(ids)})
    return queryset.filter(condition)


def staff_in_scope(user, queryset=None):
    """The staff profiles a user may see or record something about (their centres' staff)."""
    from people.models import StaffProfile

    return in_centre_scope(StaffProfile.objects.all() if queryset is None else queryset, user, "centre")


# Ratings belong to the centre of their window, or (without a window) of the person rated.
RATING_CENTRE_LOOKUPS = ("window__centre", "staff__centre")


def cases_for(user):
    """The cases a user may see: HR and administrators all, supervisors their centres'."""
    qs = BadReviewCase.objects.select_related("rating", "centre", "staff", "rating__window")
    if user.has_perm("assessment.handle_all_centres"):
        return qs
    if user.has_perm("assessment.view_badreviewcase"):
        return qs.filter(centre__supervisors=user)
    return qs.none()


def overdue_filter(today=None):
    today = today or timezone.localdate()
    return Q(status=BadReviewCase.Status.OPEN, verify_due__lt=today) | (
        ~Q(status=BadReviewCase.Status.CLOSED) & Q(feedback_due__lt=today)
    )


def case_counts(cases):
    today = timezone.localdate()
    return cases.aggregate(
        open=Count("id", filter=~Q(status=BadReviewCase.Status.CLOSED)),
        overdue=Count("id", filter=overdue_filter(today)),
        appeals=Count("id", filter=Q(appeal_status=BadReviewCase.Appeal.PENDING)),
    )


def monthly_sheet(*, period, staff_queryset):
    """Rows of the monthly attendance sheet (like DingTalk's 月度汇总): 2 queries."""
    people = list(staff_queryset.select_related("centre").order_by("centre__name", "staff_no"))
    summaries = attendance_summaries(period=period, staff=[p.pk for p in people])
    return [(person, summaries[person.pk]) for person in people]


def has_any_attendance_subquery(period):
    """An Exists() on staff querysets: whether the person has any attendance in the month."""
    return Exists(AttendanceDay.objects.filter(staff=OuterRef("pk"), date__range=(period.first, period.last)))


# --- Monthly evaluations -------------------------------------------------------------


@dataclass(frozen=True)
class FindingLine:
    """One inspection finding of the month, as a receipt line."""

    name: str
    observed_at: dt.datetime
    points: Decimal
    veto: bool


def finding_lines(*, period, staff):
    """{staff id: [FindingLine]}: each inspection finding of the month, oldest first. One query."""
    ids = list(_ids(staff))
    start, end = period.moments()
    result = {staff_id: [] for staff_id in ids}
    rows = (
        InspectionFinding.objects.filter(ids_filter("staff_id", ids), observed_at__gte=start, observed_at__lt=end)
        .order_by("observed_at", "pk")
        .values_list("staff_id", "finding_type__name", "observed_at", "points", "veto")
    )
    for staff_id, name, observed_at, points, veto in rows:
        if staff_id in result:
            result[staff_id].append(FindingLine(name, observed_at, _money(points), veto))
    return result


def unmatched_ratings_count(*, period):
    """Valid ratings of the month that name no staff member (only a window): a blocker. One query."""
    start, end = period.moments()
    return valid_ratings().filter(staff__isnull=True, rated_at__gte=start, rated_at__lt=end).count()


# --- The staff's and vendor managers' records pages ---------------------------------


def latest_record_month(*, staff):
    """The latest month, up to the current one, in which any of `staff` has an attendance
    day, a valid rating, an inspection finding or a commendation; None when none has any.
    The records pages open on it rather than on an empty current month. Four queries."""
    ids = list(_ids(staff))
    today = timezone.localdate()
    _start, end = Period(today.year, today.month).moments()
    latest = [
        AttendanceDay.objects.filter(ids_filter("staff_id", ids), date__lte=today).aggregate(m=Max("date"))["m"],
        Commendation.objects.filter(ids_filter("staff_id", ids), date__lte=today).aggregate(m=Max("date"))["m"],
    ]
    for moment in (
        valid_ratings().filter(ids_filter("staff_id", ids), rated_at__lt=end).aggregate(m=Max("rated_at"))["m"],
        InspectionFinding.objects.filter(ids_filter("staff_id", ids), observed_at__lt=end).aggregate(m=Max("observed_at"))["m"],
    ):
        if moment is not None:
            latest.append(timezone.localdate(moment))
    latest = [day for day in latest if day is not None]
    if not latest:
        return None
    day = max(latest)
    return Period(day.year, day.month)


@dataclass(frozen=True)
class CalendarCell:
    """A day of the attendance calendar: its record (or None), and what kind of day it is
    by the holiday calendar: "holiday" (with the holiday's name), "workday" (调休上班),
    "rest" (a weekend or a day recorded as rest) or "" (an ordinary working day)."""

    day: dt.date
    record: object = None
    kind: str = ""
    name: str = ""


def attendance_calendar(*, period, staff):
    """The month as weeks from Monday: None before the first day, then a CalendarCell per
    day. Two queries (the person's days, the holiday calendar)."""
    days = attendance_days(period=period, staff=staff)
    calendar = {
        day: (kind, name)
        for day, kind, name in CalendarDay.objects.filter(date__range=(period.first, period.last)).values_list(
            "date", "kind", "name"
        )
    }
    cells = [None] * period.first.weekday()
    for day in period.days():
        record = days.get(day)
        kind, name = calendar.get(day, ("", ""))
        if not kind and (day.weekday() >= 5 or (record is not None and record.status == ar.REST)):
            kind = "rest"
        cells.append(CalendarCell(day=day, record=record, kind=kind, name=name))
    return cells
