"""Who the learning reminders go to."""


from django.db.models import (
    BooleanField,
    Case,
    Exists,
    OuterRef,
    Value,
    When,
)

from ..models import (
    AssignmentRecipient,
    Enrolment,
    ItemKind,
    ScenarioRun,
)
from .portal import current_round_acknowledged


def reminder_rows(*, start, end):
    """Recipient rows of active assignments due between `start` and `end` (inclusive) whose
    person (active, with an active account) has not completed the item: values with the
    assignment, page, kind, due date and the person's user. One query."""
    staff, page = OuterRef("staff_id"), OuterRef("assignment__page_id")
    course_done = Enrolment.objects.filter(staff_id=staff, course_id=page, completed_at__isnull=False)
    policy_done = current_round_acknowledged(staff, page)
    scenario_done = ScenarioRun.objects.filter(staff_id=staff, scenario_id=page)
    return list(
        AssignmentRecipient.objects.filter(
            assignment__active=True,
            assignment__due_date__range=(start, end),
            assignment__page__live=True,
            staff__active=True,
            staff__user__is_active=True,
        )
        .annotate(
            done=Case(
                When(assignment__kind=ItemKind.COURSE, then=Exists(course_done)),
                When(assignment__kind=ItemKind.POLICY, then=Exists(policy_done)),
                When(assignment__kind=ItemKind.SCENARIO, then=Exists(scenario_done)),
                default=Value(False),
                output_field=BooleanField(),
            )
        )
        .filter(done=False)
        .values(
            "assignment_id",
            "assignment__page_id",
            "assignment__page__title",
            "assignment__kind",
            "assignment__due_date",
            "staff__user_id",
            "staff__user__email",
        )
        .order_by("assignment__due_date", "assignment_id", "staff_id")
    )


def new_assignment_rows(*, assignment_id):
    """The assignment's recipients (active people with active accounts) with their user
    and e-mail address: one query."""
    return list(
        AssignmentRecipient.objects.filter(
            assignment_id=assignment_id,
            assignment__active=True,
            staff__active=True,
            staff__user__is_active=True,
        )
        .values("staff__user_id", "staff__user__email")
        .order_by("staff_id")
    )
