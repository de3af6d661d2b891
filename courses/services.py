"""Writes of the learning app: sections, assignments and the records of learning."""

import hashlib
from decimal import ROUND_HALF_UP, Decimal

from django.contrib.auth.models import Group, Permission
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from wagtail.models import GroupPagePermission, PageViewRestriction

from home.imports import ImportResult, RowCleaner, RowError, duplicate_key_errors
from home.qr import verification_code
from people import roles
from people.models import StaffProfile
from people.selectors import audience_filter_of

from .models import (
    Acknowledgement,
    Assignment,
    AssignmentRecipient,
    CaseScenarioPage,
    Certificate,
    CourseFeedback,
    CourseIndexPage,
    CoursePage,
    Delivery,
    Enrolment,
    ItemKind,
    LessonCompletion,
    PolicyIndexPage,
    PolicyUpdatePage,
    ScenarioRun,
    TrainingRecord,
)

# Trainers write learning content and submit it for moderation; the 培训审核 group (senior
# trainers) publishes, by approving it in the 培训内容审核 workflow or directly.
TRAINER_PAGE_PERMISSIONS = ("add_page", "change_page", "lock_page", "unlock_page")
SENIOR_TRAINER_GROUP = "培训审核"
SENIOR_TRAINER_PAGE_PERMISSIONS = ("add_page", "change_page", "publish_page", "lock_page", "unlock_page")
LEARNING_WORKFLOW = "培训内容审核"
LEARNING_WORKFLOW_TASK = "培训审核组审批"
ITEM_KINDS = {CoursePage: ItemKind.COURSE, CaseScenarioPage: ItemKind.SCENARIO, PolicyUpdatePage: ItemKind.POLICY}


# --- sections ---------------------------------------------------------------------------


def _index_page(home, model, *, slug, title):
    page = model.objects.child_of(home).first()
    if page is not None:
        return page, False
    page = model(title=title, slug=slug)
    home.add_child(instance=page)
    page.save_revision().publish()
    return page, True


@transaction.atomic
def learning_sections_ensure(*, home):
    """The 学习中心 (logged-in staff only) and 政策更新 sections under the home page, with
    the trainers' permission to write in them. Idempotent; returns (learning, policies)."""
    learning, _created = _index_page(home, CourseIndexPage, slug="learning", title="学习中心")
    policies, _created = _index_page(home, PolicyIndexPage, slug="policies", title="政策更新")
    PageViewRestriction.objects.get_or_create(page=learning, restriction_type=PageViewRestriction.LOGIN)

    trainers = Group.objects.get(name=roles.TRAINER)
    permissions = Permission.objects.filter(content_type__app_label="wagtailcore", codename__in=TRAINER_PAGE_PERMISSIONS)
    for section in (learning, policies):
        for permission in permissions:
            GroupPagePermission.objects.get_or_create(group=trainers, page=section, permission=permission)
    learning_moderation_ensure(sections=(learning, policies))
    return learning, policies


def learning_moderation_ensure(*, sections):
    """The 培训审核 group (senior trainers: they publish in `sections`) and the 培训内容审核
    workflow (one approval by that group) on each section; plain trainers keep no publish
    permission there, so their work goes through the workflow. Idempotent; returns the workflow."""
    from wagtail.models import GroupApprovalTask, Workflow, WorkflowPage, WorkflowTask

    seniors, _created = Group.objects.get_or_create(name=SENIOR_TRAINER_GROUP)
    seniors.permissions.add(*Permission.objects.filter(content_type__app_label="wagtailadmin", codename="access_admin"))
    page_permissions = {
        p.codename: p
        for p in Permission.objects.filter(
            content_type__app_label="wagtailcore", codename__in=SENIOR_TRAINER_PAGE_PERMISSIONS
        )
    }
    trainers = Group.objects.filter(name=roles.TRAINER).first()
    for section in sections:
        for permission in page_permissions.values():
            GroupPagePermission.objects.get_or_create(group=seniors, page=section, permission=permission)
        if trainers is not None:
            GroupPagePermission.objects.filter(
                group=trainers, page=section, permission=page_permissions["publish_page"]
            ).delete()

    task = GroupApprovalTask.objects.filter(name=LEARNING_WORKFLOW_TASK).first()
    if task is None:
        task = GroupApprovalTask.objects.create(name=LEARNING_WORKFLOW_TASK)
    task.groups.add(seniors)
    workflow = Workflow.objects.filter(name=LEARNING_WORKFLOW).first()
    if workflow is None:
        workflow = Workflow.objects.create(name=LEARNING_WORKFLOW)
    if not WorkflowTask.objects.filter(workflow=workflow, task=task).exists():
        WorkflowTask.objects.create(workflow=workflow, task=task, sort_order=0)
    for section in sections:
        # A workflow an administrator chose for a section later is left alone.
        WorkflowPage.objects.get_or_create(page=section, defaults={"workflow": workflow})
    return workflow


# --- assignments ------------------------------------------------------------------------


@transaction.atomic
def assignment_create(*, page, due_date, created_by, centres=(), posts=(), vendors=(), individuals=(), mandatory=True):
    assignment = Assignment(due_date=due_date, mandatory=mandatory, created_by=created_by)
    return _assignment_save(
        assignment, page=page, centres=centres, posts=posts, vendors=vendors, individuals=individuals
    )


def _assignment_save(assignment, *, page, centres, posts, vendors, individuals):
    """Validate and save an assignment with its page and audience, then record its recipients."""
    page = page.specific
    kind = ITEM_KINDS.get(type(page))
    if kind is None:
        raise ValidationError(_("Only courses, case scenarios and policy updates can be assigned."))
    if not (centres or posts or vendors or individuals):
        raise ValidationError(_("Choose who the assignment is for."))
    assignment.page = page
    assignment.kind = kind
    assignment.full_clean()
    assignment.save()
    assignment.centres.set(centres)
    assignment.posts.set(posts)
    assignment.vendors.set(vendors)
    assignment.individuals.set(individuals)
    assignment_sync_recipients(assignment=assignment)
    return assignment


def assignment_sync_recipients(*, assignment):
    """Record everyone who now matches the audience; people already recorded stay. Returns
    how many were added (a fixed number of queries)."""
    if not assignment.active:
        return 0
    matching = set(
        StaffProfile.objects.filter(active=True).filter(audience_filter_of(assignment)).values_list("pk", flat=True)
    )
    known = set(AssignmentRecipient.objects.filter(assignment=assignment).values_list("staff_id", flat=True))
    new = sorted(matching - known)
    AssignmentRecipient.objects.bulk_create(
        [AssignmentRecipient(assignment=assignment, staff_id=pk) for pk in new], ignore_conflicts=True
    )
    if new:
        assignment_notify_on_commit(assignment_id=assignment.pk)
    return len(new)


def assignments_sync_all():
    """New hires and transfers get the assignments whose audience they now match."""
    return sum(
        assignment_sync_recipients(assignment=assignment)
        for assignment in Assignment.objects.filter(active=True, due_date__gte=timezone.localdate())
    )


@transaction.atomic
def assignment_update(
    *, assignment, page, due_date, mandatory, active, centres=(), posts=(), vendors=(), individuals=()
):
    """Change an assignment (from the admin). People already recorded stay recipients, and
    anyone the new audience adds is recorded at once; deactivating stops further syncing."""
    assignment.due_date = due_date
    assignment.mandatory = mandatory
    assignment.active = active
    return _assignment_save(
        assignment, page=page, centres=centres, posts=posts, vendors=vendors, individuals=individuals
    )


def assignments_sync_for_staff(*, staff_ids):
    """Give these people the open assignments whose audience they now match (a staff member
    created or moved in the admin). Audiences are matched in memory (5 queries); only the
    assignments that gain someone are synced, through assignment_sync_recipients."""
    people = list(
        StaffProfile.objects.filter(pk__in=staff_ids, active=True).values("pk", "centre_id", "post_id", "vendor_id")
    )
    if not people:
        return 0
    open_assignments = Assignment.objects.filter(active=True, due_date__gte=timezone.localdate()).prefetch_related(
        "centres", "posts", "vendors", "individuals"
    )
    already = set(
        AssignmentRecipient.objects.filter(staff_id__in=[p["pk"] for p in people], assignment__in=open_assignments)
        .values_list("assignment_id", "staff_id")
    )
    added = 0
    for assignment in open_assignments:
        audience = {
            "centre_id": {c.pk for c in assignment.centres.all()},
            "post_id": {p.pk for p in assignment.posts.all()},
            "vendor_id": {v.pk for v in assignment.vendors.all()},
        }
        named = {s.pk for s in assignment.individuals.all()}
        has_filter = any(audience.values())

        def matches(person, audience=audience, named=named, has_filter=has_filter):
            if person["pk"] in named:
                return True
            return has_filter and all(not ids or person[field] in ids for field, ids in audience.items())

        if any(matches(p) and (assignment.pk, p["pk"]) not in already for p in people):
            added += assignment_sync_recipients(assignment=assignment)
    return added


def _due_date(staff, page):
    """The earliest due date among the person's active assignments of `page`, or None."""
    row = (
        AssignmentRecipient.objects.filter(staff=staff, assignment__page_id=page.pk, assignment__active=True)
        .order_by("assignment__due_date")
        .values_list("assignment__due_date", flat=True)
        .first()
    )
    return row


def _credit_hours(*, staff, title, hours, mode, source, source_key, page):
    """Credit training hours once, and only when the item was done by its due date."""
    due = _due_date(staff, page)
    today = timezone.localdate()
    if hours <= 0 or (due is not None and today > due):
        return None
    record, _created = TrainingRecord.objects.get_or_create(
        staff=staff,
        source_key=source_key,
        defaults={"title": title, "date": today, "hours": hours, "mode": mode, "source": source},
    )
    return record


# --- courses ----------------------------------------------------------------------------


@transaction.atomic
def lesson_complete(*, staff, lesson, check_percent=None):
    """Mark a lesson done (keeping the best knowledge-check result) and complete the course
    when every lesson is done and the checks reach its pass mark. Returns the enrolment."""
    lesson = lesson.specific
    course = lesson.get_parent().specific
    enrolment, _created = Enrolment.objects.get_or_create(staff=staff, course=course)
    completion, created = LessonCompletion.objects.get_or_create(
        staff=staff, lesson=lesson, defaults={"check_percent": check_percent}
    )
    if not created and check_percent is not None and (
        completion.check_percent is None or check_percent > completion.check_percent
    ):
        completion.check_percent = check_percent
        completion.save(update_fields=["check_percent"])
    if enrolment.completed_at is None and course_requirements_met(staff=staff, course=course):
        enrolment.completed_at = timezone.now()
        enrolment.save(update_fields=["completed_at"])
        credited = _credit_hours(
            staff=staff,
            title=course.title,
            hours=course.hours,
            mode=course.delivery,
            source=TrainingRecord.Source.COURSE,
            source_key=f"course:{course.pk}",
            page=course,
        )
        certificate_issue(staff=staff, course=course, hours=credited.hours if credited else Decimal("0"))
        learning_notices_done(staff=staff, page=course)
    return enrolment


def course_requirements_met(*, staff, course):
    lesson_ids = set(course.lessons().values_list("pk", flat=True))
    if not lesson_ids:
        return False
    done = LessonCompletion.objects.filter(staff=staff, lesson_id__in=lesson_ids)
    if set(done.values_list("lesson_id", flat=True)) != lesson_ids:
        return False
    percents = [p for p in done.values_list("check_percent", flat=True) if p is not None]
    if not percents:
        return True
    return sum(percents) / len(percents) >= Decimal(course.pass_percent)


def certificate_issue(*, staff, course, hours=None):
    """The course's certificate for the person, issued once. `hours` are the training hours
    actually credited for it (0 for a course completed after its due date); by default the
    course's hours."""
    existing = Certificate.objects.filter(staff=staff, course=course).first()
    if existing:
        return existing
    hours = course.hours if hours is None else hours
    for _attempt in range(5):
        code = verification_code()
        try:
            with transaction.atomic():
                return Certificate.objects.create(staff=staff, course=course, code=code, hours=hours)
        except IntegrityError:
            continue  # a code collision (or a concurrent issue): try again
    return Certificate.objects.get(staff=staff, course=course)


# --- policy updates ---------------------------------------------------------------------


def policy_check_passed(policy, answers):
    """`answers` holds, per check question in order, the chosen answer numbers (1-based)."""
    questions = [block.value for block in policy.check_questions]
    if len(answers or []) != len(questions):
        return False
    for question, chosen in zip(questions, answers, strict=True):
        correct = {i for i, choice in enumerate(question["choices"], start=1) if choice["correct"]}
        if set(chosen) != correct:
            return False
    return True


@transaction.atomic
def policy_acknowledge(*, staff, policy, answers=()):
    """Acknowledge the current round of a policy update, after passing its check."""
    policy = policy.specific
    if len(policy.check_questions) and not policy_check_passed(policy, list(answers)):
        raise ValidationError(_("Answer every check question correctly to acknowledge."))
    acknowledgement, _created = Acknowledgement.objects.get_or_create(
        staff=staff,
        policy=policy,
        round=policy.acknowledgement_round,
        defaults={"revision_id": policy.live_revision_id},
    )
    learning_notices_done(staff=staff, page=policy)
    return acknowledgement


# --- case scenarios ---------------------------------------------------------------------


@transaction.atomic
def scenario_run_record(*, staff, scenario, choices):
    """Replay the chosen answers (1-based per step) from the first step on the server, so the
    score is the scenario's and not the browser's; record the run and credit its hours once."""
    scenario = scenario.specific
    steps = scenario.step_map()
    step = scenario.first_step()
    if step is None:
        raise ValidationError(_("This case has no role play."))
    path = []
    for position, number in enumerate(choices, start=1):
        if not 1 <= int(number) <= len(step["choices"]):
            raise ValidationError(_("There is no such choice."))
        choice = step["choices"][int(number) - 1]
        path.append([step["key"], int(number)])
        target = (choice.get("next_step") or "").strip()
        if target:
            step = steps[target]
            continue
        if position != len(choices):
            raise ValidationError(_("The role play ended before the last choice."))
        run = ScenarioRun.objects.create(staff=staff, scenario=scenario, path=path, score=choice["score"])
        learning_notices_done(staff=staff, page=scenario)
        _credit_hours(
            staff=staff,
            title=scenario.title,
            hours=scenario.hours,
            mode=Delivery.ONLINE,
            source=TrainingRecord.Source.SCENARIO,
            source_key=f"scenario:{scenario.pk}",
            page=scenario,
        )
        return run
    raise ValidationError(_("The role play has not reached an ending."))


# --- staff portal: notifications and the portal's forms ----------------------------------


def learning_notices_done(*, staff, page):
    """The task is done: the person's notices about it (each assignment's notice and due
    reminder, keys as in courses.tasks) are read now, so they no longer count as unread.
    Two queries."""
    from home.services import notices_mark_read_by_keys

    if not staff.user_id:
        return 0
    assignment_ids = AssignmentRecipient.objects.filter(staff=staff, assignment__page_id=page.pk).values_list(
        "assignment_id", flat=True
    )
    keys = [f"learning:{event}:{pk}" for pk in assignment_ids for event in ("assignment", "reminder")]
    return notices_mark_read_by_keys(user_id=staff.user_id, keys=keys)


def assignment_notify_on_commit(*, assignment_id):
    """Tell the assignment's new recipients (notice and e-mail, courses.tasks) once the
    transaction that added them commits; the task skips anyone already told."""
    from .tasks import notify_new_assignment

    transaction.on_commit(lambda: notify_new_assignment.enqueue(assignment_id))


def knowledge_check_score(questions, answers):
    """Grade answers on the server: `answers` holds, per question in order, the chosen answer
    numbers (1-based). A question is right when exactly its correct answers are chosen; a
    missing answer is wrong. Returns the list of per-question verdicts."""
    answers = list(answers or [])
    verdicts = []
    for position, question in enumerate(questions):
        correct = {i for i, choice in enumerate(question["choices"], start=1) if choice["correct"]}
        chosen = {int(n) for n in answers[position]} if position < len(answers) else set()
        verdicts.append(bool(chosen) and chosen == correct)
    return verdicts


def lesson_check_percent(verdicts):
    """Percent of right answers (2 places, half up), or None for a lesson without a check."""
    if not verdicts:
        return None
    return (Decimal(100 * sum(verdicts)) / len(verdicts)).quantize(Decimal("0.01"), ROUND_HALF_UP)


def unanswered_questions(questions, answers):
    """The numbers (1-based) of the questions without any chosen answer."""
    answers = list(answers or [])
    return [
        position
        for position in range(1, len(questions) + 1)
        if position > len(answers) or not answers[position - 1]
    ]


@transaction.atomic
def lesson_submit(*, staff, lesson, answers=()):
    """Complete a lesson from the portal: grade its knowledge checks from the answers (per
    question of the lesson, in order) and record the result. Returns (enrolment, verdicts).

    A lesson with a knowledge check is only recorded with every question answered: a form
    that arrives without its answers is refused (ValidationError) instead of being graded
    0%, which would fail the course."""
    lesson = lesson.specific
    questions = lesson.knowledge_questions()
    missing = unanswered_questions(questions, answers)
    if missing:
        raise ValidationError(
            _("Answer every question of the knowledge check first (unanswered: %(numbers)s); nothing was recorded.")
            % {"numbers": "、".join(str(n) for n in missing)}
        )
    verdicts = knowledge_check_score(questions, answers)
    enrolment = lesson_complete(staff=staff, lesson=lesson, check_percent=lesson_check_percent(verdicts))
    return enrolment, verdicts


def enrolment_start(*, staff, course):
    """Enrol a person in a course on their first visit (idempotent)."""
    enrolment, _created = Enrolment.objects.get_or_create(staff=staff, course=course)
    return enrolment


@transaction.atomic
def course_feedback_save(*, staff, course, rating, comment=""):
    """满意度 and a comment on a completed course; giving it again changes it."""
    if not Enrolment.objects.filter(staff=staff, course=course, completed_at__isnull=False).exists():
        raise ValidationError(_("Give feedback once you have completed the course."))
    feedback = CourseFeedback.objects.filter(staff=staff, course=course).first() or CourseFeedback(
        staff=staff, course=course
    )
    feedback.rating = rating
    feedback.comment = (comment or "").strip()
    feedback.full_clean()
    feedback.save()
    return feedback


# --- offline training import ------------------------------------------------------------


def training_source_key(staff_no, title, date):
    """The ledger key of an imported line: the same 工号, 培训名称 and 日期 is the same training,
    so importing a file again updates it instead of adding it twice."""
    digest = hashlib.sha1(f"{staff_no}|{title.strip()}|{date.isoformat()}".encode()).hexdigest()
    return f"import:{digest}"


def training_records_import(table, *, dry_run, user=None):
    """Import offline training (工号, 培训名称, 日期, 学时, 形式) into the hours ledger: every row
    checked first, all rows or none, one query per table, idempotent on 工号+名称+日期."""
    from .resources import STAFF_NO, TRAINING_HEADERS, TrainingRecordResource

    result = ImportResult(total=len(table), dry_run=dry_run)
    cleaner = RowCleaner(TrainingRecordResource(), required_columns=TRAINING_HEADERS)
    for column in cleaner.missing_columns(table):
        result.errors.append(RowError(table.header_row, column, _("This column is missing.")))
    if result.errors:
        return result

    rows = []
    for row_number, raw in table.rows:
        values = cleaner.clean(row_number, raw, result.errors)
        rows.append((row_number, values))
    staff_nos = {v["staff"] for _n, v in rows if v.get("staff")}
    people = dict(StaffProfile.objects.filter(staff_no__in=staff_nos).values_list("staff_no", "pk"))
    keyed = []
    for row_number, values in rows:
        staff_no = values.get("staff")
        if staff_no and staff_no not in people:
            result.errors.append(
                RowError(row_number, STAFF_NO, _("No staff member has the staff number %(numbers)s.") % {"numbers": staff_no})
            )
            continue
        if all(values.get(k) for k in ("staff", "title", "date", "hours", "mode")):
            values["source_key"] = training_source_key(staff_no, values["title"], values["date"])
            values["staff_id"] = people[staff_no]
            keyed.append((row_number, values))
    result.errors.extend(duplicate_key_errors(keyed, "source_key", STAFF_NO))
    if result.errors:
        result.errors.sort(key=lambda e: (e.row, TRAINING_HEADERS.index(e.column) if e.column in TRAINING_HEADERS else 99))
        return result

    existing = {
        (r.staff_id, r.source_key): r
        for r in TrainingRecord.objects.filter(
            staff_id__in=set(people.values()), source_key__in=[v["source_key"] for _n, v in keyed]
        )
    }
    new, changed, statuses = [], [], []
    for row_number, values in keyed:
        record = existing.get((values["staff_id"], values["source_key"]))
        if record is None:
            status = "created"
            new.append(
                TrainingRecord(
                    staff_id=values["staff_id"],
                    title=values["title"],
                    date=values["date"],
                    hours=values["hours"],
                    mode=values["mode"],
                    source=TrainingRecord.Source.IMPORT,
                    source_key=values["source_key"],
                )
            )
        elif record.hours != values["hours"] or record.mode != values["mode"] or record.title != values["title"]:
            status = "updated"
            record.hours, record.mode, record.title = values["hours"], values["mode"], values["title"]
            changed.append(record)
        else:
            status = "unchanged"
        setattr(result, status, getattr(result, status) + 1)
        statuses.append((row_number, status, values))
    result.preview = [(n, status, cleaner.display(values)) for n, status, values in statuses[:200]]
    for _n, _status, shown in result.preview:
        shown["形式"] = {Delivery.ONLINE: "线上", Delivery.OFFLINE: "线下"}.get(shown.get("形式"), shown.get("形式"))
    if not dry_run:
        with transaction.atomic():
            TrainingRecord.objects.bulk_create(new, batch_size=1000)
            TrainingRecord.objects.bulk_update(changed, ["hours", "mode", "title"], batch_size=1000)
    return result
