"""Reads of the staff portal: my learning, header badges, certificates.

Reads for one person. Each runs a fixed number of queries whatever the number of their
assignments (asserted in tests/courses/test_portal.py).
"""

from dataclasses import dataclass
from dataclasses import field as dataclass_field
from datetime import date as date_type
from datetime import datetime as datetime_type
from decimal import Decimal

from django.db.models import (
    Count,
    Exists,
    F,
    Max,
    Min,
    OuterRef,
    Q,
)
from django.db.models.functions import Left, Length
from django.utils import timezone

from ..models import (
    Acknowledgement,
    AssignmentRecipient,
    CaseScenarioPage,
    Certificate,
    CourseFeedback,
    CoursePage,
    Enrolment,
    ItemKind,
    LessonCompletion,
    LessonPage,
    PolicyUpdatePage,
    ScenarioRun,
)
from .records import training_hours_by_staff

ANNUAL_HOURS_TARGET = Decimal("90")
ANNUAL_ONLINE_HOURS_TARGET = Decimal("50")
WAGTAIL_STEPLEN = 4  # treebeard path characters per tree level


def current_round_acknowledged(staff_ref, policy_ref):
    return Acknowledgement.objects.filter(
        staff_id=staff_ref, policy_id=policy_ref, round=F("policy__acknowledgement_round")
    )


def pending_acknowledgement_count(*, user):
    """How many live policy updates assigned to the user wait for their acknowledgement of
    the current round (the header badge). One query; 0 for anyone without a profile."""
    if user is None or not user.is_authenticated:
        return 0
    acknowledged = current_round_acknowledged(OuterRef("staff_id"), OuterRef("assignment__page_id"))
    return (
        AssignmentRecipient.objects.filter(
            staff__user_id=user.pk,
            staff__active=True,
            assignment__active=True,
            assignment__kind=ItemKind.POLICY,
            assignment__page__live=True,
        )
        .filter(~Exists(acknowledged))
        .values("assignment__page_id")
        .distinct()
        .count()
    )


@dataclass
class LearningItem:
    """One assigned page as the person sees it in 我的学习."""

    page: object
    kind: str
    due: date_type
    mandatory: bool
    completed_at: datetime_type | None = None
    done: int = 0  # lessons done (courses); 1 when finished (scenarios, policies)
    total: int = 1
    best_score: int | None = None
    runs: int = 0
    new_round: bool = False  # a policy update acknowledged before, asked again
    certificate: object = None
    today: date_type = dataclass_field(default_factory=timezone.localdate)

    @property
    def completed(self):
        return self.completed_at is not None

    @property
    def completed_on(self):
        return timezone.localdate(self.completed_at) if self.completed_at else None

    @property
    def on_time(self):
        return self.completed and self.completed_on <= self.due

    @property
    def overdue(self):
        return not self.completed and self.due < self.today

    @property
    def days_left(self):
        return (self.due - self.today).days

    @property
    def days_overdue(self):
        return (self.today - self.due).days

    @property
    def percent(self):
        if self.completed:
            return 100
        return round(100 * self.done / self.total) if self.total else 0


def _course_lesson_progress(staff, courses, course_paths):
    """{course_id: (lessons done, live lessons)} for the courses whose paths the subquery
    `course_paths` gives, in one query (lessons matched to their course by tree path)."""
    by_path = {course.path: course.pk for course in courses}
    done = LessonCompletion.objects.filter(staff=staff, lesson_id=OuterRef("pk"))
    lessons = (
        LessonPage.objects.live()
        .annotate(parent_path=Left("path", Length("path") - WAGTAIL_STEPLEN))
        .filter(parent_path__in=course_paths)
        .annotate(is_done=Exists(done))
        .values_list("parent_path", "is_done")
    )
    progress = {pk: [0, 0] for pk in by_path.values()}
    for parent_path, is_done in lessons:
        if parent_path in by_path:
            figures = progress[by_path[parent_path]]
            figures[1] += 1
            figures[0] += int(bool(is_done))
    return {pk: tuple(figures) for pk, figures in progress.items()}


def staff_certificates(*, staff):
    """The person's certificates, newest first, with their course (one query)."""
    return list(
        Certificate.objects.filter(staff=staff).select_related("course").order_by("-issued_at", "-pk")
    )


def staff_learning_items(*, staff, today=None, certificates=None):
    """The person's assigned live items: one per page, due on the earliest due date of its
    active assignments, with progress and completion. Returns (open, completed): open items
    overdue first, then by due date; completed ones newest first. 8 queries (9 without
    `certificates`), whatever the number and kinds of assignments."""
    today = today or timezone.localdate()
    assigned = AssignmentRecipient.objects.filter(staff=staff, assignment__active=True, assignment__page__live=True)
    rows = list(
        assigned.values("assignment__page_id", "assignment__kind")
        .annotate(
            due=Min("assignment__due_date"),
            mandatory=Count("pk", filter=Q(assignment__mandatory=True)),
        )
        .order_by()
    )

    # Every read below filters by a subquery of the assigned pages (never a Python list),
    # so the same queries run whether there are 0, 1 or 200 items of a kind.
    def assigned_ids(kind):
        return assigned.filter(assignment__kind=kind).values("assignment__page_id")

    models_by_kind = {ItemKind.COURSE: CoursePage, ItemKind.SCENARIO: CaseScenarioPage, ItemKind.POLICY: PolicyUpdatePage}
    pages = {}
    for kind, model in models_by_kind.items():
        pages.update({page.pk: page for page in model.objects.live().filter(pk__in=assigned_ids(kind))})

    courses = [page for page in pages.values() if isinstance(page, CoursePage)]
    course_paths = CoursePage.objects.filter(pk__in=assigned_ids(ItemKind.COURSE)).values("path")
    lesson_progress = _course_lesson_progress(staff, courses, course_paths)
    completed_courses = dict(
        Enrolment.objects.filter(
            staff=staff, course_id__in=assigned_ids(ItemKind.COURSE), completed_at__isnull=False
        ).values_list("course_id", "completed_at")
    )
    runs = {
        row["scenario_id"]: row
        for row in ScenarioRun.objects.filter(staff=staff, scenario_id__in=assigned_ids(ItemKind.SCENARIO))
        .values("scenario_id")
        .annotate(best=Max("score"), runs=Count("pk"), first=Min("finished_at"))
        .order_by()
    }
    acknowledgements = {}
    for policy_id, round_, at in Acknowledgement.objects.filter(
        staff=staff, policy_id__in=assigned_ids(ItemKind.POLICY)
    ).values_list("policy_id", "round", "acknowledged_at"):
        acknowledgements.setdefault(policy_id, {})[round_] = at
    if certificates is None:
        certificates = staff_certificates(staff=staff)
    certificate_by_course = {certificate.course_id: certificate for certificate in certificates}

    items = []
    for row in rows:
        page = pages.get(row["assignment__page_id"])
        if page is None:
            continue
        item = LearningItem(
            page=page, kind=row["assignment__kind"], due=row["due"], mandatory=bool(row["mandatory"]), today=today
        )
        if item.kind == ItemKind.COURSE:
            item.done, item.total = lesson_progress.get(page.pk, (0, 0))
            item.completed_at = completed_courses.get(page.pk)
            item.certificate = certificate_by_course.get(page.pk)
        elif item.kind == ItemKind.SCENARIO:
            run = runs.get(page.pk)
            if run:
                item.completed_at, item.best_score, item.runs, item.done = run["first"], run["best"], run["runs"], 1
        else:
            by_round = acknowledgements.get(page.pk, {})
            item.completed_at = by_round.get(page.acknowledgement_round)
            item.done = int(item.completed)
            item.new_round = not item.completed and bool(by_round)
        items.append(item)

    open_items = sorted((i for i in items if not i.completed), key=lambda i: (not i.overdue, i.due, i.page.title))
    completed = sorted((i for i in items if i.completed), key=lambda i: i.completed_at, reverse=True)
    return open_items, completed


def staff_hours_this_year(*, staff, year=None):
    """This year's hours against the annual target (90, of which 50 online): one query."""
    year = year or timezone.localdate().year
    figures = training_hours_by_staff(year=year, staff_ids=[staff.pk]).get(
        staff.pk, {"total": Decimal("0"), "online": Decimal("0")}
    )
    total, online = figures["total"], figures["online"]
    return {
        "year": year,
        "total": total,
        "online": online,
        "offline": total - online,
        "target": ANNUAL_HOURS_TARGET,
        "online_target": ANNUAL_ONLINE_HOURS_TARGET,
        "percent": min(100, int(100 * total / ANNUAL_HOURS_TARGET)),
        "online_percent": min(100, int(100 * online / ANNUAL_ONLINE_HOURS_TARGET)),
        "reached": total >= ANNUAL_HOURS_TARGET and online >= ANNUAL_ONLINE_HOURS_TARGET,
    }


def staff_due_date(*, staff, page):
    """The earliest due date among the person's active assignments of `page` (one query)."""
    return (
        AssignmentRecipient.objects.filter(staff=staff, assignment__page_id=page.pk, assignment__active=True)
        .aggregate(due=Min("assignment__due_date"))["due"]
    )


def course_progress(*, staff, course, lessons):
    """The person's progress in a course whose live `lessons` the page already has: lessons
    done, their knowledge-check results, completion, certificate, feedback and due date.
    5 queries."""
    lessons = list(lessons)
    results = dict(
        LessonCompletion.objects.filter(staff=staff, lesson_id__in=[lesson.pk for lesson in lessons])
        .values_list("lesson_id", "check_percent")
    )
    enrolment = Enrolment.objects.filter(staff=staff, course=course).first()
    certificate = Certificate.objects.filter(staff=staff, course=course).first()
    feedback = CourseFeedback.objects.filter(staff=staff, course=course).first()
    total = len(lessons)
    done = sum(1 for lesson in lessons if lesson.pk in results)
    percents = [p for p in results.values() if p is not None]
    due = staff_due_date(staff=staff, page=course)
    return {
        "enrolment": enrolment,
        "completed": bool(enrolment and enrolment.completed_at),
        "completed_at": enrolment.completed_at if enrolment else None,
        "done_ids": set(results),
        "results": results,
        "done": done,
        "total": total,
        "percent": round(100 * done / total) if total else 0,
        "check_average": (sum(percents) / len(percents)).quantize(Decimal("0.1")) if percents else None,
        "next_lesson": next((lesson for lesson in lessons if lesson.pk not in results), None),
        "certificate": certificate,
        "feedback": feedback,
        "due": due,
        "overdue": due is not None and not (enrolment and enrolment.completed_at) and due < timezone.localdate(),
    }


def lesson_completion(*, staff, lesson):
    """The person's completion of a lesson, or None (one query)."""
    return LessonCompletion.objects.filter(staff=staff, lesson=lesson).first()


def policy_status(*, staff, policy):
    """Whether the person acknowledged the policy update's current round (and an earlier
    one), with the due date: 2 queries."""
    by_round = dict(
        Acknowledgement.objects.filter(staff=staff, policy=policy).values_list("round", "acknowledged_at")
    )
    current = by_round.get(policy.acknowledgement_round)
    return {
        "acknowledged_at": current,
        "acknowledged": current is not None,
        "new_round": current is None and bool(by_round),
        "due": staff_due_date(staff=staff, page=policy),
    }


def scenario_status(*, staff, scenario):
    """The person's role-play runs of a scenario: count, best and latest score (one query)."""
    runs = list(
        ScenarioRun.objects.filter(staff=staff, scenario=scenario).order_by("-finished_at", "-pk").values(
            "score", "finished_at"
        )[:50]
    )
    return {
        "runs": len(runs),
        "best": max((run["score"] for run in runs), default=None),
        "latest": runs[0] if runs else None,
    }


def certificate_by_code(code):
    """The certificate with this verification code (any case, spaces ignored), with its
    person and course, or None (one query)."""
    code = "".join(str(code or "").split()).upper()
    if not code or len(code) > 16:
        return None
    return Certificate.objects.select_related("staff", "course").filter(code=code).first()



def course_completed(*, staff, course):
    """True once the person has completed the course (one query)."""
    return Enrolment.objects.filter(staff=staff, course=course, completed_at__isnull=False).exists()
