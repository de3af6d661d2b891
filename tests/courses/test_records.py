"""Assignments and the records of learning: audiences, completion, hours, certificates,
acknowledgements, role-play runs, and the selectors the evaluation reads."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from courses import selectors, services
from courses.models import (
    Acknowledgement,
    CaseScenarioPage,
    Certificate,
    CourseIndexPage,
    CoursePage,
    Enrolment,
    LessonPage,
    PolicyIndexPage,
    PolicyUpdatePage,
    ScenarioRun,
    TrainingRecord,
)
from tests import factories

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 11, 10)


def question(text, correct_index, count=3):
    return {
        "question": text,
        "choices": [{"text": f"选项{i}", "correct": i == correct_index} for i in range(1, count + 1)],
        "explanation": "",
    }


@pytest.fixture(autouse=True)
def fixed_today(monkeypatch):
    """Learning happens on TODAY (auto_now fields included), whatever the real date."""
    now = timezone.make_aware(dt.datetime.combine(TODAY, dt.time(10, 0)))
    monkeypatch.setattr(timezone, "now", lambda: now)
    monkeypatch.setattr(timezone, "localdate", lambda *a, **k: TODAY)


@pytest.fixture
def learning(home_page):
    return home_page.add_child(instance=CourseIndexPage(title="学习中心", slug="learning"))


@pytest.fixture
def course(learning):
    course = learning.add_child(
        instance=CoursePage(title="服务礼仪", slug="etiquette", summary="四步服务法", category="etiquette", hours=Decimal("2.0"), pass_percent=80)
    )
    for n in (1, 2):
        course.add_child(
            instance=LessonPage(
                title=f"第{n}课",
                slug=f"lesson-{n}",
                body=[("knowledge_check", {"title": "小测", "questions": [question("题", 1)]})],
            )
        )
    return course


@pytest.fixture
def policy(home_page):
    index = home_page.add_child(instance=PolicyIndexPage(title="政策更新", slug="policies"))
    page = index.add_child(
        instance=PolicyUpdatePage(
            title="好差评新规",
            slug="reviews-2026",
            effective_date=dt.date(2026, 1, 1),
            summary="差评 2 个工作日内核实",
            body=[("paragraph", "<p>正文</p>")],
            check_questions=[("question", question("核实时限？", 2)), ("question", question("整改时限？", 3))],
        )
    )
    page.save_revision().publish()
    return page


@pytest.fixture
def scenario(learning):
    return learning.add_child(
        instance=CaseScenarioPage(
            title="材料不全",
            slug="missing-documents",
            category="business_skills",
            background="<p>背景</p>",
            what_happened="<p>经过</p>",
            analysis="<p>分析</p>",
            hours=Decimal("0.5"),
            steps=[
                (
                    "step",
                    {
                        "key": "start",
                        "title": "群众第三次来",
                        "situation": "群众很生气",
                        "choices": [
                            {"text": "道歉并一次性告知", "next_step": "", "score": 100, "feedback": "很好"},
                            {"text": "让他再去复印", "next_step": "again", "score": None, "feedback": ""},
                        ],
                    },
                ),
                (
                    "step",
                    {
                        "key": "again",
                        "title": "群众要投诉",
                        "situation": "群众拿出手机",
                        "choices": [{"text": "请值班长来", "next_step": "", "score": 40, "feedback": "补救"}],
                    },
                ),
            ],
        )
    )


@pytest.fixture
def org():
    east = factories.make_centre("城东")
    west = factories.make_centre("城西")
    reception = factories.make_post("综合受理")
    tax = factories.make_post("税务")
    vendor = factories.make_vendor("安信")
    return {"east": east, "west": west, "reception": reception, "tax": tax, "vendor": vendor}


def test_audience_is_and_across_dimensions_or_within_plus_individuals(course, org):
    a = factories.make_staff("A1", centre=org["east"], post=org["reception"])
    b = factories.make_staff("B1", centre=org["east"], post=org["tax"])
    c = factories.make_staff("C1", centre=org["west"], post=org["reception"])
    d = factories.make_staff("D1", centre=org["west"], post=org["tax"])
    gone = factories.make_staff("E1", centre=org["east"], post=org["reception"], active=False)
    assignment = services.assignment_create(
        page=course,
        due_date=dt.date(2026, 11, 30),
        created_by=None,
        centres=[org["east"]],
        posts=[org["reception"]],
        individuals=[d],
    )
    recipients = set(assignment.recipients.values_list("pk", flat=True))
    assert recipients == {a.pk, d.pk}
    assert {b.pk, c.pk, gone.pk}.isdisjoint(recipients)


def test_new_staff_who_match_later_get_the_assignment(course, org):
    assignment = services.assignment_create(
        page=course, due_date=dt.date(2026, 11, 30), created_by=None, centres=[org["east"]]
    )
    assert assignment.recipients.count() == 0
    newcomer = factories.make_staff("N1", centre=org["east"])
    assert services.assignments_sync_all() == 1
    assert list(assignment.recipients.all()) == [newcomer]
    assert services.assignments_sync_all() == 0  # idempotent


def test_only_learning_items_with_an_audience_can_be_assigned(course, learning, org):
    with pytest.raises(ValidationError):
        services.assignment_create(page=learning, due_date=TODAY, created_by=None, centres=[org["east"]])
    with pytest.raises(ValidationError):
        services.assignment_create(page=course, due_date=TODAY, created_by=None)


def test_completing_every_lesson_completes_the_course_credits_hours_and_certifies(course, org):
    person = factories.make_staff("A1", centre=org["east"])
    services.assignment_create(page=course, due_date=dt.date(2026, 11, 30), created_by=None, individuals=[person])
    first, second = course.lessons()
    enrolment = services.lesson_complete(staff=person, lesson=first, check_percent=Decimal("100"))
    assert enrolment.completed_at is None
    services.lesson_complete(staff=person, lesson=first, check_percent=Decimal("50"))  # best result kept
    enrolment = services.lesson_complete(staff=person, lesson=second, check_percent=Decimal("60"))
    assert enrolment.completed_at is not None  # (100 + 60) / 2 = 80 ≥ pass mark 80
    record = TrainingRecord.objects.get(staff=person)
    assert (record.hours, record.mode, record.date) == (Decimal("2.0"), "online", TODAY)
    certificate = Certificate.objects.get(staff=person, course=course)
    assert len(certificate.code) == 12 and certificate.hours == Decimal("2.0")
    # Doing a lesson again changes nothing more.
    services.lesson_complete(staff=person, lesson=second, check_percent=Decimal("100"))
    assert TrainingRecord.objects.count() == 1 and Certificate.objects.count() == 1


def test_checks_below_the_pass_mark_do_not_complete(course, org):
    person = factories.make_staff("A1", centre=org["east"])
    for lesson in course.lessons():
        enrolment = services.lesson_complete(staff=person, lesson=lesson, check_percent=Decimal("50"))
    assert enrolment.completed_at is None
    assert not TrainingRecord.objects.exists()


def test_late_completion_earns_no_hours(course, org):
    person = factories.make_staff("A1", centre=org["east"])
    services.assignment_create(page=course, due_date=dt.date(2026, 11, 1), created_by=None, individuals=[person])
    for lesson in course.lessons():
        services.lesson_complete(staff=person, lesson=lesson, check_percent=Decimal("100"))
    assert Enrolment.objects.get(staff=person).completed_at is not None
    assert not TrainingRecord.objects.exists()


def test_policy_acknowledgement_needs_the_check_and_records_round_and_revision(policy, org):
    person = factories.make_staff("A1", centre=org["east"])
    with pytest.raises(ValidationError):
        services.policy_acknowledge(staff=person, policy=policy, answers=[[2], [1]])
    ack = services.policy_acknowledge(staff=person, policy=policy, answers=[[2], [3]])
    assert (ack.round, ack.revision_id) == (1, policy.live_revision_id)
    services.policy_acknowledge(staff=person, policy=policy, answers=[[2], [3]])
    assert Acknowledgement.objects.count() == 1
    # A substantive revision asks again.
    policy.acknowledgement_round = 2
    policy.save_revision().publish()
    services.policy_acknowledge(staff=person, policy=PolicyUpdatePage.objects.get(pk=policy.pk), answers=[[2], [3]])
    assert sorted(Acknowledgement.objects.values_list("round", flat=True)) == [1, 2]


def test_role_play_is_scored_on_the_server(scenario, org):
    person = factories.make_staff("A1", centre=org["east"])
    run = services.scenario_run_record(staff=person, scenario=scenario, choices=[2, 1])
    assert (run.score, run.path) == (40, [["start", 2], ["again", 1]])
    assert TrainingRecord.objects.get(staff=person).hours == Decimal("0.5")
    services.scenario_run_record(staff=person, scenario=scenario, choices=[1])
    assert ScenarioRun.objects.filter(staff=person).count() == 2
    assert TrainingRecord.objects.count() == 1  # hours credited once
    for bad in ([3], [2], [1, 1]):
        with pytest.raises(ValidationError):
            services.scenario_run_record(staff=person, scenario=scenario, choices=bad)


def test_l_component_counts_items_due_and_done_on_time(course, policy, scenario, org):
    on_time = factories.make_staff("A1", centre=org["east"])
    late = factories.make_staff("B1", centre=org["east"])
    idle = factories.make_staff("C1", centre=org["east"])
    for page in (course, policy, scenario):
        services.assignment_create(page=page, due_date=dt.date(2026, 11, 20), created_by=None, centres=[org["east"]])
    # Not due this month, and optional items: not counted.
    services.assignment_create(page=course, due_date=dt.date(2026, 12, 5), created_by=None, centres=[org["east"]])
    services.assignment_create(page=scenario, due_date=dt.date(2026, 11, 25), created_by=None, centres=[org["east"]], mandatory=False)

    for lesson in course.lessons():
        services.lesson_complete(staff=on_time, lesson=lesson, check_percent=Decimal("100"))
    services.policy_acknowledge(staff=on_time, policy=policy, answers=[[2], [3]])
    services.scenario_run_record(staff=on_time, scenario=scenario, choices=[1])
    services.policy_acknowledge(staff=late, policy=policy, answers=[[2], [3]])
    Acknowledgement.objects.filter(staff=late).update(acknowledged_at=timezone.make_aware(dt.datetime(2026, 11, 28, 10)))

    staff_ids = [on_time.pk, late.pk, idle.pk]
    with CaptureQueriesContext(connection) as ctx:
        figures = selectors.learning_due_and_on_time(start=dt.date(2026, 11, 1), end=dt.date(2026, 11, 30), staff_ids=staff_ids)
    assert len(ctx.captured_queries) <= 3  # recipients, publication history, acknowledgements
    assert figures[on_time.pk] == {"due": 3, "on_time": 3}
    assert figures[late.pk] == {"due": 3, "on_time": 0}
    assert figures[idle.pk] == {"due": 3, "on_time": 0}


def test_hours_per_year_split_online(org):
    person = factories.make_staff("A1", centre=org["east"])
    for key, hours, mode, year in (("a", "2.0", "online", 2026), ("b", "3.5", "offline", 2026), ("c", "9.0", "online", 2025)):
        TrainingRecord.objects.create(
            staff=person, title=key, date=dt.date(year, 5, 1), hours=Decimal(hours), mode=mode, source="import", source_key=key
        )
    with CaptureQueriesContext(connection) as ctx:
        hours = selectors.training_hours_by_staff(year=2026, staff_ids=[person.pk])
    assert len(ctx.captured_queries) == 1
    assert hours[person.pk] == {"total": Decimal("5.5"), "online": Decimal("2.0")}


def _acknowledge_on(person, policy, day):
    ack = services.policy_acknowledge(staff=person, policy=PolicyUpdatePage.objects.get(pk=policy.pk), answers=[[2], [3]])
    Acknowledgement.objects.filter(pk=ack.pk).update(acknowledged_at=timezone.make_aware(dt.datetime.combine(day, dt.time(9))))


def test_l_counts_the_round_in_force_on_the_due_date_of_a_revised_policy(policy, org):
    """Round 1 was due on 15 October; round 2, published on 3 November, is due on 20
    November. An acknowledgement of round 1 counts for October only; November asks for
    round 2, as reminders and the acknowledgement report do."""
    from wagtail.models import PageLogEntry

    PageLogEntry.objects.filter(page_id=policy.pk, action="wagtail.publish").update(
        timestamp=timezone.make_aware(dt.datetime(2026, 10, 1, 9))
    )
    kept_round_1, moved_to_round_2, only_round_2 = (factories.make_staff(n, centre=org["east"]) for n in ("P1", "P2", "P3"))
    everyone = [kept_round_1, moved_to_round_2, only_round_2]
    services.assignment_create(page=policy, due_date=dt.date(2026, 10, 15), created_by=None, individuals=everyone)
    _acknowledge_on(kept_round_1, policy, dt.date(2026, 10, 10))
    _acknowledge_on(moved_to_round_2, policy, dt.date(2026, 10, 12))

    policy = PolicyUpdatePage.objects.get(pk=policy.pk)
    policy.acknowledgement_round = 2
    policy.save_revision().publish()
    PageLogEntry.objects.filter(page_id=policy.pk, action="wagtail.publish", timestamp__date=TODAY).update(
        timestamp=timezone.make_aware(dt.datetime(2026, 11, 3, 9))
    )
    services.assignment_create(page=policy, due_date=dt.date(2026, 11, 20), created_by=None, individuals=everyone)
    _acknowledge_on(moved_to_round_2, policy, dt.date(2026, 11, 5))
    _acknowledge_on(only_round_2, policy, dt.date(2026, 11, 6))

    ids = [p.pk for p in everyone]
    november = selectors.learning_due_and_on_time(start=dt.date(2026, 11, 1), end=dt.date(2026, 11, 30), staff_ids=ids)
    assert november[kept_round_1.pk] == {"due": 1, "on_time": 0}  # round 1 is no longer the one due
    assert november[moved_to_round_2.pk] == {"due": 1, "on_time": 1}
    assert november[only_round_2.pk] == {"due": 1, "on_time": 1}
    # The same people the reminders and the acknowledgement report still ask.
    assert [p.pk for p in selectors.policy_not_acknowledged(policy)] == [kept_round_1.pk]

    # October, computed again after the revision: round 1 was the one due then.
    october = selectors.learning_due_and_on_time(start=dt.date(2026, 10, 1), end=dt.date(2026, 10, 31), staff_ids=ids)
    assert october[kept_round_1.pk] == {"due": 1, "on_time": 1}
    assert october[moved_to_round_2.pk] == {"due": 1, "on_time": 1}
    assert october[only_round_2.pk] == {"due": 1, "on_time": 0}


def test_a_certificate_of_a_late_course_shows_no_hours(course, org, client):
    person = factories.make_staff("A1", centre=org["east"])
    services.assignment_create(page=course, due_date=dt.date(2026, 11, 1), created_by=None, individuals=[person])
    for lesson in course.lessons():
        services.lesson_complete(staff=person, lesson=lesson, check_percent=Decimal("100"))
    certificate = Certificate.objects.get(staff=person, course=course)
    assert certificate.hours == Decimal("0") and not TrainingRecord.objects.exists()
    client.force_login(person.user)
    from django.urls import reverse

    html = client.get(reverse("courses:certificate", args=[certificate.code])).content.decode()
    assert "逾期完成，未计学时" in html and "获得" not in html and "2.0 学时" not in html
    assert "逾期完成，未计学时" in client.get(reverse("courses:my_learning")).content.decode()
    verify = client.get(reverse("courses:certificate_verify", args=[certificate.code])).content.decode()
    assert "逾期完成，未计学时" in verify


def test_a_certificate_of_a_course_on_time_shows_the_hours_credited(course, org):
    person = factories.make_staff("A1", centre=org["east"])
    services.assignment_create(page=course, due_date=dt.date(2026, 11, 30), created_by=None, individuals=[person])
    for lesson in course.lessons():
        services.lesson_complete(staff=person, lesson=lesson, check_percent=Decimal("100"))
    assert Certificate.objects.get(staff=person).hours == TrainingRecord.objects.get(staff=person).hours == Decimal("2.0")


def test_the_migration_sets_existing_certificates_to_the_hours_credited(course, org):
    import importlib

    from django.apps import apps

    migration = importlib.import_module("courses.migrations.0004_certificate_credited_hours")
    late, on_time = factories.make_staff("A1", centre=org["east"]), factories.make_staff("A2", centre=org["east"])
    Certificate.objects.create(staff=late, course=course, code="LATE00000001", hours=Decimal("2.0"))
    Certificate.objects.create(staff=on_time, course=course, code="ONTIME000001", hours=Decimal("2.0"))
    TrainingRecord.objects.create(
        staff=on_time, title=course.title, date=TODAY, hours=Decimal("2.0"), mode="online", source="course",
        source_key=f"course:{course.pk}",
    )
    migration.credited_hours(apps, None)
    assert dict(Certificate.objects.values_list("code", "hours")) == {"LATE00000001": Decimal("0"), "ONTIME000001": Decimal("2.0")}
