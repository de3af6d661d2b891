"""Reads of the trainers' admin: assignments and reports.

Each runs a fixed number of queries whatever the number of people, assignments or policy
updates (asserted in tests/courses/test_reports.py).
"""

from decimal import Decimal

from django.db.models import (
    Avg,
    Case,
    Count,
    DateTimeField,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Q,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce, TruncDate
from django.utils import timezone

from ..models import (
    Acknowledgement,
    AssignmentRecipient,
    CourseFeedback,
    Enrolment,
    ItemKind,
    PolicyUpdatePage,
    ScenarioRun,
)

REPORT_DIMENSIONS = {
    "centre": ("staff__centre_id", "staff__centre__name"),
    "post": ("staff__post_id", "staff__post__name"),
    "course": ("assignment__page_id", "assignment__page__title"),
}


def audience_staff(*, centre_ids=(), post_ids=(), vendor_ids=(), staff_ids=()):
    """The active people an audience describes, from ids (the assignment form's live count)."""
    from people.models import StaffProfile
    from people.selectors import audience_filter

    condition = audience_filter(centre_ids=centre_ids, post_ids=post_ids, vendor_ids=vendor_ids, individuals=staff_ids)
    return StaffProfile.objects.filter(condition, active=True)


def _completed_at():
    """When a recipient row's person first completed the assigned item, or null: a course
    completed, a policy update acknowledged (any round), a role play finished."""
    staff = OuterRef("staff_id")
    page = OuterRef("assignment__page_id")
    course = Enrolment.objects.filter(staff_id=staff, course_id=page, completed_at__isnull=False)
    policy = Acknowledgement.objects.filter(staff_id=staff, policy_id=page)
    scenario = ScenarioRun.objects.filter(staff_id=staff, scenario_id=page)
    return Case(
        When(
            assignment__kind=ItemKind.COURSE,
            then=Subquery(course.order_by("completed_at").values("completed_at")[:1]),
        ),
        When(
            assignment__kind=ItemKind.POLICY,
            then=Subquery(policy.order_by("acknowledged_at").values("acknowledged_at")[:1]),
        ),
        When(
            assignment__kind=ItemKind.SCENARIO,
            then=Subquery(scenario.order_by("finished_at").values("finished_at")[:1]),
        ),
        default=Value(None),
        output_field=DateTimeField(),
    )


def recipient_rows(*, course_ids=(), centre_ids=(), due_from=None, due_to=None, assignment_ids=()):
    """Recipient rows of active assignments (active people only), with `completed_at` and
    `completed_on` (its local date), filtered by item, centre and due-date period."""
    rows = AssignmentRecipient.objects.filter(assignment__active=True, staff__active=True)
    if assignment_ids:
        rows = rows.filter(assignment_id__in=list(assignment_ids))
    if course_ids:
        rows = rows.filter(assignment__page_id__in=list(course_ids))
    if centre_ids:
        rows = rows.filter(staff__centre_id__in=list(centre_ids))
    if due_from:
        rows = rows.filter(assignment__due_date__gte=due_from)
    if due_to:
        rows = rows.filter(assignment__due_date__lte=due_to)
    return rows.annotate(completed_at=_completed_at()).annotate(completed_on=TruncDate("completed_at"))


def _status_counts(today):
    done = Q(completed_at__isnull=False)
    return {
        "total": Count("pk"),
        "completed": Count("pk", filter=done),
        "on_time": Count("pk", filter=done & Q(completed_on__lte=F("assignment__due_date"))),
        "overdue": Count("pk", filter=Q(completed_at__isnull=True, assignment__due_date__lt=today)),
    }


def completion_by(dimension, **filters):
    """Completion per centre, post or assigned item: a list of dicts with key, label, total,
    completed, on_time, late, overdue, pending and rate (percent completed), in one query."""
    key_field, label_field = REPORT_DIMENSIONS[dimension]
    today = timezone.localdate()
    rows = (
        recipient_rows(**filters)
        .values(key_field, label_field)
        .annotate(**_status_counts(today))
        .order_by(label_field)
    )
    table = []
    for row in rows:
        total, completed = row["total"], row["completed"]
        table.append(
            {
                "key": row[key_field],
                "label": row[label_field] or "—",
                "total": total,
                "completed": completed,
                "on_time": row["on_time"],
                "late": completed - row["on_time"],
                "overdue": row["overdue"],
                "pending": total - completed - row["overdue"],
                "rate": round(Decimal(100 * completed) / total, 1) if total else Decimal("0"),
            }
        )
    return table


def completion_detail(**filters):
    """One row per person and assigned item (the report's detail sheet), in one query."""
    today = timezone.localdate()
    rows = (
        recipient_rows(**filters)
        .values(
            "staff__staff_no",
            "staff__name",
            "staff__centre__name",
            "staff__post__name",
            "assignment__page__title",
            "assignment__kind",
            "assignment__due_date",
            "assignment__mandatory",
            "completed_at",
            "completed_on",
        )
        .order_by("staff__centre__name", "staff__staff_no", "assignment__due_date", "assignment__page__title")
    )
    detail = []
    for row in rows:
        due, completed_on = row["assignment__due_date"], row["completed_on"]
        if completed_on is not None:
            status = "on_time" if completed_on <= due else "late"
        else:
            status = "overdue" if due < today else "pending"
        detail.append({**row, "status": status})
    return detail


def assignments_with_progress(queryset):
    """Assignments annotated with `recipient_count` and `done_count` (subqueries, so the
    listing stays one query for any number of assignments and people)."""
    recipients = AssignmentRecipient.objects.filter(assignment_id=OuterRef("pk"), staff__active=True)
    count = recipients.values("assignment_id").annotate(n=Count("pk")).values("n")
    done = (
        recipients.annotate(completed_at=_completed_at())
        .filter(completed_at__isnull=False)
        .values("assignment_id")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return queryset.annotate(
        recipient_count=Coalesce(Subquery(count, output_field=IntegerField()), 0),
        done_count=Coalesce(Subquery(done, output_field=IntegerField()), 0),
    )


def assignment_recipient_list(assignment, *, limit=500):
    """The assignment's recipients with their centre, post and completion time (one query)."""
    return list(
        recipient_rows(assignment_ids=[assignment.pk])
        .select_related("staff__centre", "staff__post")
        .order_by("staff__centre__name", "staff__staff_no")[:limit]
    )


def feedback_by_course(*, course_ids=()):
    """满意度 per course: count, mean (Decimal, 2 places) and the 1–5 distribution, one query."""
    rows = CourseFeedback.objects.all()
    if course_ids:
        rows = rows.filter(course_id__in=list(course_ids))
    rows = (
        rows.values("course_id", "course__title")
        .annotate(
            count=Count("pk"),
            mean=Avg("rating"),
            **{f"r{n}": Count("pk", filter=Q(rating=n)) for n in range(1, 6)},
        )
        .order_by("course__title")
    )
    return [
        {
            "course_id": row["course_id"],
            "title": row["course__title"],
            "count": row["count"],
            "mean": Decimal(str(row["mean"] or 0)).quantize(Decimal("0.01")),
            "distribution": [row[f"r{n}"] for n in range(1, 6)],
        }
        for row in rows
    ]


def feedback_comments(*, course_ids=(), limit=200):
    """The latest comments (rating, course, centre, date; no name), one query."""
    rows = CourseFeedback.objects.exclude(comment="")
    if course_ids:
        rows = rows.filter(course_id__in=list(course_ids))
    return list(
        rows.select_related("course", "staff__centre").order_by("-created_at", "-pk")[:limit]
    )


def policy_acknowledgement_coverage(*, centre_ids=()):
    """For each live policy update and centre: how many people must acknowledge its current
    round (the recipients of its active assignments, as in the portal's badge) and how many
    have. A list of policies (dicts) with per-centre rows; 3 queries."""
    from people.models import ServiceCentre

    policies = list(PolicyUpdatePage.objects.live().order_by("-effective_date", "-pk"))
    centres = ServiceCentre.objects.all()
    if centre_ids:
        centres = centres.filter(pk__in=list(centre_ids))
    centre_names = dict(centres.values_list("pk", "name"))
    recipients = AssignmentRecipient.objects.filter(
        assignment__active=True,
        assignment__kind=ItemKind.POLICY,
        staff__active=True,
        staff__centre_id__in=centre_names,
    )
    acknowledged = Acknowledgement.objects.filter(
        staff_id=OuterRef("staff_id"),
        policy_id=OuterRef("assignment__page_id"),
        round=F("policy__acknowledgement_round"),
    )
    counts = (
        recipients.annotate(done=Exists(acknowledged))
        .values("assignment__page_id", "staff__centre_id")
        .annotate(
            expected=Count("staff_id", distinct=True),
            acknowledged=Count("staff_id", distinct=True, filter=Q(done=True)),
        )
        .order_by()
    )
    figures = {(r["assignment__page_id"], r["staff__centre_id"]): r for r in counts}

    coverage = []
    for policy in policies:
        rows = []
        for centre_id, name in sorted(centre_names.items(), key=lambda item: item[1]):
            figure = figures.get((policy.pk, centre_id))
            if figure is None:
                continue
            must, have = figure["expected"], figure["acknowledged"]
            rows.append(
                {
                    "centre_id": centre_id,
                    "centre": name,
                    "expected": must,
                    "acknowledged": have,
                    "missing": must - have,
                    "rate": round(Decimal(100 * have) / must, 1),
                }
            )
        total = sum(r["expected"] for r in rows)
        have = sum(r["acknowledged"] for r in rows)
        coverage.append(
            {
                "policy": policy,
                "rows": rows,
                "expected": total,
                "acknowledged": have,
                "missing": total - have,
                "rate": round(Decimal(100 * have) / total, 1) if total else Decimal("0"),
            }
        )
    return coverage


def policy_not_acknowledged(policy, *, centre_ids=()):
    """The recipients of `policy`'s active assignments who have not acknowledged its
    current round yet (one query)."""
    from people.models import StaffProfile

    assigned = AssignmentRecipient.objects.filter(
        assignment__active=True, assignment__page_id=policy.pk, staff_id=OuterRef("pk")
    )
    acknowledged = Acknowledgement.objects.filter(
        policy_id=policy.pk, round=policy.acknowledgement_round, staff_id=OuterRef("pk")
    )
    people = StaffProfile.objects.filter(Exists(assigned), active=True).filter(~Exists(acknowledged))
    if centre_ids:
        people = people.filter(centre_id__in=list(centre_ids))
    return list(people.select_related("centre", "window", "post").order_by("centre__name", "staff_no"))



def audience_outside_posts(*, post_ids, centre_ids=(), audience_post_ids=(), vendor_ids=(), staff_ids=()):
    """(How many, a few of them) of the active people an audience describes whose post
    is not among `post_ids` (a course's 面向岗位): two queries."""
    outside = audience_staff(
        centre_ids=centre_ids, post_ids=audience_post_ids, vendor_ids=vendor_ids, staff_ids=staff_ids
    ).exclude(post_id__in=list(post_ids))
    return outside.count(), list(outside.select_related("post").order_by("staff_no")[:3])
