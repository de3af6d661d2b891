"""Reads of service records, set-based: a month and a set of staff in a fixed number of queries.

These answer what the monthly evaluation (issue 6) needs, per person:
attendance counts per category (and whether the person has any record), valid ratings
per level with their mean points, confirmed bad reviews per level and pending cases,
inspection deductions and vetoes, and commendation bonus points.
"""

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, Exists, OuterRef, Q, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone

from home.db import ids_filter

from .. import attendance_rules as ar
from .. import rating_rules as rr
from ..models import (
    AttendanceDay,
    BadReviewCase,
    CentreRules,
    Commendation,
    InspectionFinding,
    Rating,
)
from ..models.attendance import COUNT_FIELDS


@dataclass(frozen=True)
class Period:
    year: int
    month: int

    @classmethod
    def parse(cls, text):
        """'2026-10' → Period(2026, 10); ValueError otherwise."""
        year, month = (int(part) for part in str(text).split("-"))
        if not 1 <= month <= 12 or not 2000 <= year <= 2100:
            raise ValueError(text)
        return cls(year, month)

    @classmethod
    def current(cls):
        today = timezone.localdate()
        return cls(today.year, today.month)

    def __str__(self):
        return f"{self.year:04d}-{self.month:02d}"

    @property
    def first(self):
        return dt.date(self.year, self.month, 1)

    @property
    def last(self):
        return self.next().first - dt.timedelta(days=1)

    def next(self):
        return Period(self.year + (self.month == 12), self.month % 12 + 1)

    def previous(self):
        return Period(self.year - (self.month == 1), (self.month - 2) % 12 + 1)

    def moments(self):
        """[start, end) as aware datetimes in the site's time zone."""
        tz = timezone.get_current_timezone()
        start = dt.datetime.combine(self.first, dt.time(), tzinfo=tz)
        end = dt.datetime.combine(self.next().first, dt.time(), tzinfo=tz)
        return start, end

    def days(self):
        return ar.month_days(self.year, self.month)


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


def attendance_summaries(*, period, staff):
    """{staff id: AttendanceSummary} for every requested person (empty when no record). One query."""
    ids = list(_ids(staff))
    result = {staff_id: AttendanceSummary() for staff_id in ids}
    rows = (
        AttendanceDay.objects.filter(ids_filter("staff_id", ids), date__range=(period.first, period.last))
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
    """Ratings that count: not superseded by a later rating of the ticket, not a system
    default, and not excluded by an upheld appeal."""
    return (
        Rating.objects.filter(superseded=False)
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
