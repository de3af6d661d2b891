"""Reads for the learning pages themselves: newest policy updates, course cards, lesson
positions, and the acknowledgement rounds of policy updates."""


from django.db.models import (
    Count,
    IntegerField,
    Q,
)
from django.utils import timezone
from wagtail.images import get_image_model

from ..models import (
    LessonPage,
    PolicyUpdatePage,
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


def policy_round_history(policy_ids):
    """When each policy update's acknowledgement rounds came into force: {policy_id:
    [(date published, round), …] oldest first}, from Wagtail's publish log (one query, the
    round read out of each published revision's JSON)."""
    from django.db.models.fields.json import KeyTextTransform
    from django.db.models.functions import Cast
    from wagtail.models import PageLogEntry

    rows = (
        PageLogEntry.objects.filter(
            page_id__in=list(policy_ids), action="wagtail.publish", revision__isnull=False
        )
        .annotate(
            ack_round=Cast(KeyTextTransform("acknowledgement_round", "revision__content"), IntegerField())
        )
        .order_by("timestamp", "pk")
        .values_list("page_id", "timestamp", "ack_round")
    )
    history = {}
    for page_id, timestamp, ack_round in rows:
        if ack_round is not None:
            history.setdefault(page_id, []).append((timezone.localtime(timestamp).date(), ack_round))
    return history


def round_in_force(history, on, current):
    """The acknowledgement round in force on the date `on`: that of the last publication on
    or before it; with none before it, the earliest published round; with no publication
    recorded at all, the current one."""
    due_round = None
    for published_on, ack_round in history or ():
        if published_on > on:
            break
        due_round = ack_round
    if due_round is None:
        due_round = history[0][1] if history else current
    return due_round
