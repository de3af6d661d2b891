"""Reads of the learning app: set-based, a fixed number of queries whatever the size."""

from decimal import Decimal

from django.db.models import BooleanField, Case, Count, Exists, OuterRef, Q, Sum, Value, When
from wagtail.images import get_image_model

from .models import (
    Acknowledgement,
    AssignmentRecipient,
    Delivery,
    Enrolment,
    ItemKind,
    LessonPage,
    PolicyUpdatePage,
    ScenarioRun,
    TrainingRecord,
)


COVER_SPEC = "fill-640x360"


def latest_policy_updates(count=3):
    """The `count` newest live policy updates, newest effective date first, in one query."""
    return list(
        PolicyUpdatePage.objects.live().order_by("-effective_date", "-first_published_at", "-pk")[
            : int(count)
        ]
    )


def courses_with_lesson_counts(courses):
    """The courses with `lesson_count` set and their covers (and cover renditions) fetched
    in bulk: two or three queries for any number of courses."""
    courses = list(courses)
    if not courses:
        return courses
    prefix_q = Q()
    for course in courses:
        prefix_q |= Q(path__startswith=course.path, depth=course.depth + 1)
    counts = {}
    for path in LessonPage.objects.live().filter(prefix_q).values_list("path", flat=True):
        for course in courses:
            if path.startswith(course.path):
                counts[course.pk] = counts.get(course.pk, 0) + 1
                break
    cover_ids = {course.cover_id for course in courses if course.cover_id}
    covers = {}
    if cover_ids:
        covers = {
            image.pk: image
            for image in get_image_model().objects.filter(pk__in=cover_ids).prefetch_renditions(COVER_SPEC)
        }
    for course in courses:
        course.lesson_count = counts.get(course.pk, 0)
        if course.cover_id:
            course.cover = covers.get(course.cover_id)
    return courses


def lesson_position(lesson):
    """{"number": n, "total": t}: where `lesson` stands among its course's live lessons."""
    if lesson is None or not lesson.pk:
        return {"number": 1, "total": 1}
    figures = (
        LessonPage.objects.sibling_of(lesson)
        .live()
        .aggregate(total=Count("pk"), before=Count("pk", filter=Q(path__lt=lesson.path)))
    )
    total = max(figures["total"], 1)
    number = min(figures["before"] + 1, total)
    return {"number": number, "total": total, "percent": round(100 * number / total)}


def learning_due_and_on_time(*, start, end, staff_ids):
    """For the L component: per person, the mandatory items due between `start` and `end`
    (dates, inclusive) and how many of them were completed by their due date.

    {staff_id: {"due": n, "on_time": m}}, in one query.
    """
    due_date = OuterRef("assignment__due_date")
    staff = OuterRef("staff_id")
    page = OuterRef("assignment__page_id")
    course_done = Enrolment.objects.filter(
        staff_id=staff, course_id=page, completed_at__date__lte=due_date
    )
    policy_done = Acknowledgement.objects.filter(staff_id=staff, policy_id=page, acknowledged_at__date__lte=due_date)
    scenario_done = ScenarioRun.objects.filter(staff_id=staff, scenario_id=page, finished_at__date__lte=due_date)
    rows = (
        AssignmentRecipient.objects.filter(
            staff_id__in=staff_ids,
            assignment__active=True,
            assignment__mandatory=True,
            assignment__due_date__range=(start, end),
        )
        .annotate(
            on_time=Case(
                When(assignment__kind=ItemKind.COURSE, then=Exists(course_done)),
                When(assignment__kind=ItemKind.POLICY, then=Exists(policy_done)),
                When(assignment__kind=ItemKind.SCENARIO, then=Exists(scenario_done)),
                default=Value(False),
                output_field=BooleanField(),
            )
        )
        .values("staff_id")
        .annotate(due=Count("pk"), done=Count("pk", filter=Q(on_time=True)))
    )
    return {row["staff_id"]: {"due": row["due"], "on_time": row["done"]} for row in rows}


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
