"""Writes of the learning app: sections, assignments and the records of learning."""

import secrets
from decimal import Decimal

from django.contrib.auth.models import Group, Permission
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from wagtail.models import GroupPagePermission, PageViewRestriction

from people import roles
from people.models import StaffProfile

from .models import (
    Acknowledgement,
    Assignment,
    AssignmentRecipient,
    CaseScenarioPage,
    Certificate,
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


# Trainers write and publish learning content (issue: "a trainer submits, a senior trainer
# approves" is the next step: a moderation workflow on top of these permissions).
TRAINER_PAGE_PERMISSIONS = ("add_page", "change_page", "publish_page", "lock_page", "unlock_page")
ITEM_KINDS = {CoursePage: ItemKind.COURSE, CaseScenarioPage: ItemKind.SCENARIO, PolicyUpdatePage: ItemKind.POLICY}
CERTIFICATE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I


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
    return learning, policies


# --- assignments ------------------------------------------------------------------------


def audience_filter(assignment):
    """The people an assignment's audience describes, as a Q on StaffProfile (3 queries)."""
    condition = Q()
    for field, ids in (
        ("centre_id", list(assignment.centres.values_list("pk", flat=True))),
        ("post_id", list(assignment.posts.values_list("pk", flat=True))),
        ("vendor_id", list(assignment.vendors.values_list("pk", flat=True))),
    ):
        if ids:
            condition &= Q(**{f"{field}__in": ids})
    individuals = Q(pk__in=assignment.individuals.values("pk"))
    has_filter = condition != Q()
    return (condition | individuals) if has_filter else individuals


@transaction.atomic
def assignment_create(*, page, due_date, created_by, centres=(), posts=(), vendors=(), individuals=(), mandatory=True):
    page = page.specific
    kind = ITEM_KINDS.get(type(page))
    if kind is None:
        raise ValidationError(_("Only courses, case scenarios and policy updates can be assigned."))
    if not (centres or posts or vendors or individuals):
        raise ValidationError(_("Choose who the assignment is for."))
    assignment = Assignment(page=page, kind=kind, due_date=due_date, mandatory=mandatory, created_by=created_by)
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
        StaffProfile.objects.filter(active=True).filter(audience_filter(assignment)).values_list("pk", flat=True)
    )
    known = set(AssignmentRecipient.objects.filter(assignment=assignment).values_list("staff_id", flat=True))
    new = sorted(matching - known)
    AssignmentRecipient.objects.bulk_create(
        [AssignmentRecipient(assignment=assignment, staff_id=pk) for pk in new], ignore_conflicts=True
    )
    return len(new)


def assignments_sync_all():
    """New hires and transfers get the assignments whose audience they now match."""
    return sum(
        assignment_sync_recipients(assignment=assignment)
        for assignment in Assignment.objects.filter(active=True, due_date__gte=timezone.localdate())
    )


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
        _credit_hours(
            staff=staff,
            title=course.title,
            hours=course.hours,
            mode=course.delivery,
            source=TrainingRecord.Source.COURSE,
            source_key=f"course:{course.pk}",
            page=course,
        )
        certificate_issue(staff=staff, course=course)
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


def certificate_issue(*, staff, course):
    existing = Certificate.objects.filter(staff=staff, course=course).first()
    if existing:
        return existing
    for _attempt in range(5):
        code = "".join(secrets.choice(CERTIFICATE_ALPHABET) for _ in range(12))
        try:
            with transaction.atomic():
                return Certificate.objects.create(staff=staff, course=course, code=code, hours=course.hours)
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
