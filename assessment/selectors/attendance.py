"""Reads of attendance, set-based: a month and a set of staff in a fixed number of queries
(counts per category, days worked and rested), a person's days and the month's calendar."""

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, F, Q, Sum
from django.db.models.functions import Coalesce

from home.db import ids_filter

from .. import attendance_rules as ar
from ..models import AttendanceDay, CalendarDay
from ..models.attendance import COUNT_FIELDS
from .scope import staff_ids

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
    ids = list(staff_ids(staff))
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


def monthly_sheet(*, period, staff_queryset):
    """Rows of the monthly attendance sheet (like DingTalk's 月度汇总): 2 queries."""
    people = list(staff_queryset.select_related("centre").order_by("centre__name", "staff_no"))
    summaries = attendance_summaries(period=period, staff=[p.pk for p in people])
    return [(person, summaries[person.pk]) for person in people]


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
