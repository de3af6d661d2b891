"""Learning figures of many people for the monthly evaluation and the training records."""

from decimal import Decimal

from django.db.models import (
    BooleanField,
    Case,
    Exists,
    OuterRef,
    Q,
    Sum,
    Value,
    When,
)
from django.utils import timezone

from home.db import ids_filter

from ..models import (
    Acknowledgement,
    AssignmentRecipient,
    Delivery,
    Enrolment,
    ItemKind,
    ScenarioRun,
    TrainingRecord,
)
from .content import policy_round_history, round_in_force


def learning_due_and_on_time(*, start, end, staff_ids, employed=None):
    """For the L component: per person, the mandatory items due between `start` and `end`
    (dates, inclusive) and how many of them were completed by their due date. `employed`
    maps the people who joined or left within the span to their (first, last) day: items
    due outside it are not theirs.

    A policy update counts when the person acknowledged, by the due date, the round that
    was in force on the due date (an acknowledgement of an earlier round of a revised
    update does not: reminders and reports ask for the current round too).

    {staff_id: {"due": n, "on_time": m}}, in three queries whatever the number of people.
    """
    staff_ids = list(staff_ids)
    due_date = OuterRef("assignment__due_date")
    staff = OuterRef("staff_id")
    page = OuterRef("assignment__page_id")
    course_done = Enrolment.objects.filter(
        staff_id=staff, course_id=page, completed_at__date__lte=due_date
    )
    scenario_done = ScenarioRun.objects.filter(staff_id=staff, scenario_id=page, finished_at__date__lte=due_date)
    rows = list(
        AssignmentRecipient.objects.filter(
            ids_filter("staff_id", staff_ids),
            assignment__active=True,
            assignment__mandatory=True,
            assignment__due_date__range=(start, end),
        )
        .annotate(
            on_time=Case(
                When(assignment__kind=ItemKind.COURSE, then=Exists(course_done)),
                When(assignment__kind=ItemKind.SCENARIO, then=Exists(scenario_done)),
                default=Value(False),
                output_field=BooleanField(),
            )
        )
        .values_list(
            "staff_id", "assignment__kind", "assignment__page_id", "assignment__due_date", "on_time"
        )
    )
    wanted = set(staff_ids)
    rows = [row for row in rows if row[0] in wanted]
    policy_ids = {page_id for _s, kind, page_id, _d, _o in rows if kind == ItemKind.POLICY}
    acknowledged = {}  # (staff_id, policy_id) -> [(date, round), …]
    history = {}
    current = {}
    if policy_ids:
        history = policy_round_history(policy_ids)
        for staff_id, policy_id, ack_round, at, current_round in Acknowledgement.objects.filter(
            ids_filter("staff_id", staff_ids), policy_id__in=policy_ids
        ).values_list("staff_id", "policy_id", "round", "acknowledged_at", "policy__acknowledgement_round"):
            acknowledged.setdefault((staff_id, policy_id), []).append(
                (timezone.localtime(at).date(), ack_round)
            )
            current[policy_id] = current_round

    figures = {}
    employed = employed or {}
    for staff_id, kind, page_id, due, on_time in rows:
        span = employed.get(staff_id)
        if span is not None and not span[0] <= due <= span[1]:
            continue
        if kind == ItemKind.POLICY:
            due_round = round_in_force(history.get(page_id), due, current.get(page_id, 1))
            on_time = any(
                at <= due and ack_round >= due_round
                for at, ack_round in acknowledged.get((staff_id, page_id), ())
            )
        figure = figures.setdefault(staff_id, {"due": 0, "on_time": 0})
        figure["due"] += 1
        figure["on_time"] += bool(on_time)
    return figures


def training_hours_by_staff(*, year, staff_ids):
    """Hours credited per person in a calendar year: {staff_id: {"total": D, "online": D}}."""
    rows = (
        TrainingRecord.objects.filter(staff_id__in=staff_ids, date__year=year)
        .values("staff_id")
        .annotate(total=Sum("hours"), online=Sum("hours", filter=Q(mode=Delivery.ONLINE)))
    )
    return {
        row["staff_id"]: {"total": row["total"] or Decimal("0"), "online": row["online"] or Decimal("0")}
        for row in rows
    }
