"""Reads of inspection findings and commendations, set-based (deductions, vetoes, bonus
points of a month), and the latest month in which a person has any record."""

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, Max, Q, Sum
from django.utils import timezone

from home.db import ids_filter

from ..models import AttendanceDay, Commendation, InspectionFinding
from ..periods import Period
from .ratings import valid_ratings
from .scope import staff_ids


@dataclass
class FindingSummary:
    count: int = 0
    points: Decimal = Decimal("0.00")
    veto: bool = False


def finding_summaries(*, period, staff):
    """{staff id: FindingSummary}: points deducted by inspection findings and any veto. One query."""
    ids = list(staff_ids(staff))
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
    ids = list(staff_ids(staff))
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


@dataclass(frozen=True)
class FindingLine:
    """One inspection finding of the month, as a receipt line."""

    name: str
    observed_at: dt.datetime
    points: Decimal
    veto: bool


def finding_lines(*, period, staff):
    """{staff id: [FindingLine]}: each inspection finding of the month, oldest first. One query."""
    ids = list(staff_ids(staff))
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


def latest_record_month(*, staff):
    """The latest month, up to the current one, in which any of `staff` has an attendance
    day, a valid rating, an inspection finding or a commendation; None when none has any.
    The records pages open on it rather than on an empty current month. Four queries."""
    ids = list(staff_ids(staff))
    today = timezone.localdate()
    _start, end = Period.of(today).moments()
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
    return Period.of(day)
