"""Reads of the learning app: set-based, a fixed number of queries whatever the size."""

from dataclasses import dataclass
from dataclasses import field as dataclass_field
from datetime import date as date_type
from datetime import datetime as datetime_type
from decimal import Decimal

from django.db.models import (
    Avg,
    BooleanField,
    Case,
    Count,
    DateTimeField,
    Exists,
    F,
    IntegerField,
    Max,
    Min,
    OuterRef,
    Q,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce, Left, Length, TruncDate
from django.utils import timezone
from wagtail.images import get_image_model

from home.db import ids_filter

from .models import (
    Acknowledgement,
    AssignmentRecipient,
    CaseScenarioPage,
    Certificate,
    CourseFeedback,
    CoursePage,
    Delivery,
    Enrolment,
    ItemKind,
    LessonCompletion,
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


# --- trainer admin: assignments and reports ---------------------------------------------
# Each function below runs a fixed number of queries whatever the number of people,
# assignments or policy updates (asserted in tests/courses/test_reports.py).

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


# --- staff portal: my learning, header badges, certificates --------------------------------
# Reads for one person. Each runs a fixed number of queries whatever the number of their
# assignments (asserted in tests/courses/test_portal.py).


ANNUAL_HOURS_TARGET = Decimal("90")
ANNUAL_ONLINE_HOURS_TARGET = Decimal("50")
WAGTAIL_STEPLEN = 4  # treebeard path characters per tree level


def _current_round_acknowledged(staff_ref, policy_ref):
    return Acknowledgement.objects.filter(
        staff_id=staff_ref, policy_id=policy_ref, round=F("policy__acknowledgement_round")
    )


def pending_acknowledgement_count(*, user):
    """How many live policy updates assigned to the user wait for their acknowledgement of
    the current round (the header badge). One query; 0 for anyone without a profile."""
    if user is None or not user.is_authenticated:
        return 0
    acknowledged = _current_round_acknowledged(OuterRef("staff_id"), OuterRef("assignment__page_id"))
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


def reminder_rows(*, start, end):
    """Recipient rows of active assignments due between `start` and `end` (inclusive) whose
    person (active, with an active account) has not completed the item: values with the
    assignment, page, kind, due date and the person's user. One query."""
    staff, page = OuterRef("staff_id"), OuterRef("assignment__page_id")
    course_done = Enrolment.objects.filter(staff_id=staff, course_id=page, completed_at__isnull=False)
    policy_done = _current_round_acknowledged(staff, page)
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


def course_completed(*, staff, course):
    """True once the person has completed the course (one query)."""
    return Enrolment.objects.filter(staff=staff, course=course, completed_at__isnull=False).exists()


def audience_outside_posts(*, post_ids, centre_ids=(), audience_post_ids=(), vendor_ids=(), staff_ids=()):
    """(How many, a few of them) of the active people an audience describes whose post
    is not among `post_ids` (a course's 面向岗位): two queries."""
    outside = audience_staff(
        centre_ids=centre_ids, post_ids=audience_post_ids, vendor_ids=vendor_ids, staff_ids=staff_ids
    ).exclude(post_id__in=list(post_ids))
    return outside.count(), list(outside.select_related("post").order_by("staff_no")[:3])
