"""The start path a whole centre takes at the same minute (cover page, start, answer sheet),
made cheap (bench/bench_preliminary.py): one query for the person, the exam and their own
terms, queries compiled once, the items written straight to the driver. What must not change:
each person gets their own terms and attempts, never another's; a paper is drawn whole with
each question's current version; the cover page renews the session at most every 5 minutes."""

import time
from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection, transaction
from django.db.transaction import TransactionManagementError
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from exams import selectors, services
from exams.compiled import CompiledQuery
from exams.models import (
    Attempt,
    AttemptItem,
    AttemptStatus,
    BlueprintRule,
    ExamOverride,
    Paper,
    PaperKind,
    Question,
    QuestionVersion,
)
from home.middleware import SESSION_RENEWAL_INTERVAL, SESSION_RENEWED_KEY
from tests.helpers import visible_text

from .builders import make_bank, make_exam, make_fixed_paper, make_question, make_standard_questions

pytestmark = pytest.mark.django_db


@pytest.fixture
def exam(staff_member, other_staff):
    return make_exam(make_fixed_paper(make_standard_questions()), individuals=[staff_member, other_staff],
                     duration_minutes=30)


def cover_text(client, exam):
    response = client.get(f"/me/exams/{exam.pk}/")
    assert response.status_code == 200
    return visible_text(response.content.decode())


def start(client, exam):
    response = client.post(f"/me/exams/{exam.pk}/start/")
    assert response.status_code == 302, response.status_code
    return response


def test_each_candidate_gets_their_own_override_and_nobody_elses(client_for, exam, staff_member, other_staff):
    ExamOverride.objects.create(exam=exam, staff=staff_member, extra_minutes=20, extra_attempts=1, reason="视力障碍")
    client = client_for(staff_member.user)
    text = cover_text(client, exam)
    assert "50 分钟" in text and "已用次数 0 / 2" in text
    start(client, exam)
    client = client_for(other_staff.user)
    text = cover_text(client, exam)
    assert "30 分钟" in text and "50 分钟" not in text and "已用次数 0 / 1" in text
    start(client, exam)
    minutes = {a.staff_id: a.deadline - a.started_at for a in Attempt.objects.filter(exam=exam)}
    assert minutes == {staff_member.pk: timedelta(minutes=50), other_staff.pk: timedelta(minutes=30)}


def test_the_cover_page_lists_the_persons_attempts_and_continues_the_open_one(client_for, exam, staff_member,
                                                                             other_staff):
    client = client_for(staff_member.user)
    assert "我的答卷" not in cover_text(client, exam)  # nothing sat yet: the list is not there
    first = services.attempt_start(exam=exam, staff=staff_member)
    services.attempt_start(exam=exam, staff=other_staff)
    html = client.get(f"/me/exams/{exam.pk}/").content.decode()
    assert f'href="/me/exams/attempts/{first.pk}/"' in html and "data-start" not in html
    assert visible_text(html).count("第 1 次") == 1  # their own attempt only
    # An attempt whose time ran out while nobody looked is closed when the page is opened.
    Attempt.objects.filter(pk=first.pk).update(deadline=timezone.now() - timedelta(minutes=5))
    html = client.get(f"/me/exams/{exam.pk}/").content.decode()
    assert Attempt.objects.get(pk=first.pk).status != AttemptStatus.IN_PROGRESS
    assert f'href="/me/exams/attempts/{first.pk}/result/"' in html


def test_starting_twice_returns_the_attempt_in_progress(client_for, exam, staff_member):
    client = client_for(staff_member.user)
    first, again = start(client, exam), start(client, exam)
    assert first["Location"] == again["Location"]
    assert Attempt.objects.filter(exam=exam, staff=staff_member).count() == 1


def test_an_exam_that_is_not_open_refuses_the_start_with_a_message(client_for, exam, staff_member):
    exam.opens_at = timezone.now() + timedelta(hours=1)
    exam.save()
    response = client_for(staff_member.user).post(f"/me/exams/{exam.pk}/start/", follow=True)
    assert response.redirect_chain == [(f"/me/exams/{exam.pk}/", 302)]
    assert "考试当前未开放。" in visible_text(response.content.decode())
    assert not Attempt.objects.filter(exam=exam).exists()


def test_an_inactive_exam_or_someone_elses_is_not_found(client_for, exam, staff_member, other_staff, role_users):
    outsider_exam = make_exam(make_fixed_paper(make_standard_questions()[:1]), individuals=[other_staff])
    client = client_for(staff_member.user)
    assert client.get(f"/me/exams/{outsider_exam.pk}/").status_code == 404
    assert client.post(f"/me/exams/{outsider_exam.pk}/start/").status_code == 404
    exam.active = False
    exam.save()
    assert client.get(f"/me/exams/{exam.pk}/").status_code == 404
    assert client.post(f"/me/exams/{exam.pk}/start/").status_code == 404
    # Without a staff profile: forbidden, not merely absent.
    trainer = client_for(role_users["trainer"])
    assert trainer.post(f"/me/exams/{exam.pk}/start/").status_code == 403
    assert trainer.get(f"/me/exams/{exam.pk}/").status_code == 403
    assert not Attempt.objects.exists()
    with pytest.raises(PermissionDenied):
        services.attempt_start_by_user(exam_id=exam.pk, user=staff_member.user)


def test_the_paper_is_drawn_whole_with_each_questions_current_version(client_for, staff_member):
    questions = make_standard_questions()
    edited = questions[0]
    edited.answer = "C"
    services.question_save(question=edited)  # version 2
    exam = make_exam(make_fixed_paper(questions, shuffle_questions=True, shuffle_options=True),
                     individuals=[staff_member])
    location = start(client_for(staff_member.user), exam)["Location"]
    attempt = Attempt.objects.get(exam=exam, staff=staff_member)
    assert location.endswith(f"/me/exams/attempts/{attempt.pk}/")
    items = list(attempt.items.select_related("version", "question"))
    assert sorted(i.position for i in items) == list(range(len(questions)))
    assert sorted(i.question_id for i in items) == sorted(q.pk for q in questions)
    assert all(i.version.question_id == i.question_id and i.version.number == i.question.version for i in items)
    assert next(i for i in items if i.question_id == edited.pk).version.number == 2
    assert all(sorted(i.option_order) == list(range(len(i.version.options))) for i in items)
    assert attempt.max_score == sum(q.points for q in questions)


def test_a_question_without_a_version_gets_one_when_drawn(staff_member):
    question = make_question()
    QuestionVersion.objects.filter(question=question).delete()
    Question.objects.filter(pk=question.pk).update(version=0)
    exam = make_exam(make_fixed_paper([question]), individuals=[staff_member])
    attempt = services.attempt_start(exam=exam, staff=staff_member)
    version = AttemptItem.objects.select_related("version").get(attempt=attempt).version
    assert version.question_id == question.pk and version.stem == question.stem


def test_a_blueprint_paper_started_from_the_page(client_for, staff_member):
    bank = make_bank()
    singles = [make_question(bank, points="3") for _ in range(6)]
    make_question(bank, qtype="truefalse", options=(), answer="对")
    paper = Paper.objects.create(title="蓝图", kind=PaperKind.BLUEPRINT)
    BlueprintRule.objects.create(paper=paper, bank=bank, qtype="single", count=4, points=5)
    exam = make_exam(paper, individuals=[staff_member])
    start(client_for(staff_member.user), exam)
    items = list(AttemptItem.objects.filter(attempt__exam=exam).select_related("version", "question"))
    assert len(items) == 4 and {i.question_id for i in items} <= {q.pk for q in singles}
    assert all(i.points == 5 and i.version.number == i.question.version for i in items)


def test_the_cover_page_renews_the_session_at_most_every_five_minutes(client_for, exam, staff_member):
    client = client_for(staff_member.user)

    def renewed_at(seconds_ago):
        session = client.session
        session[SESSION_RENEWED_KEY] = int(time.time()) - seconds_ago
        session.save()
        with CaptureQueriesContext(connection) as queries:
            assert client.get(f"/me/exams/{exam.pk}/").status_code == 200
        return any(q["sql"].startswith('UPDATE "django_session"') for q in queries.captured_queries)

    assert not renewed_at(10)
    assert renewed_at(SESSION_RENEWAL_INTERVAL + 5)


# --- queries compiled once ---------------------------------------------------------------------


def test_a_compiled_query_runs_with_each_calls_keys_and_converts_like_the_orm(exam, staff_member, other_staff):
    services.attempt_start(exam=exam, staff=staff_member)
    services.attempt_start(exam=exam, staff=other_staff)
    query = CompiledQuery(lambda exam_id, staff_id: AttemptItem.objects.filter(
        attempt__exam_id=exam_id, attempt__staff_id=staff_id).order_by("position").values_list(
        "attempt__staff_id", "points", "option_order", "attempt__deadline"))
    for person in (staff_member, other_staff, staff_member):
        expected = list(AttemptItem.objects.filter(attempt__exam=exam, attempt__staff=person).order_by(
            "position").values_list("attempt__staff_id", "points", "option_order", "attempt__deadline"))
        assert query.rows(exam_id=exam.pk, staff_id=person.pk) == expected
        assert {row[0] for row in expected} == {person.pk}
    assert query.rows(exam_id=exam.pk + 1000, staff_id=staff_member.pk) == []


@pytest.mark.django_db(transaction=True)  # outside a transaction, as a request's autocommit
def test_a_compiled_query_keeps_the_orms_guards():
    locking = CompiledQuery(lambda pk: Attempt.objects.select_for_update().filter(pk=pk).values_list("pk"))
    if connection.features.has_select_for_update:
        with pytest.raises(TransactionManagementError):
            locking.rows(pk=1)
    with transaction.atomic():
        assert locking.rows(pk=1) == []
    # A key the SQL does not take would be silently ignored: refused when compiled.
    with pytest.raises(ValueError):
        CompiledQuery(lambda pk: Attempt.objects.values_list("pk")).rows(pk=1)


def test_candidacy_reads_the_person_exam_paper_and_override(exam, staff_member, other_staff):
    override = ExamOverride.objects.create(exam=exam, staff=other_staff, extra_minutes=5)
    mine = selectors.candidacy(exam_id=exam.pk, user=staff_member.user)
    theirs = selectors.candidacy(exam_id=exam.pk, staff=other_staff)
    assert (mine.staff_id, mine.staff_name, mine.override, mine.has_attempts) == (staff_member.pk, "张晓梅", None, False)
    assert mine.exam == exam and mine.exam.title == exam.title and mine.exam.paper == exam.paper
    assert theirs.override == override and theirs.override.extra_minutes == 5
    services.attempt_start(exam=exam, staff=staff_member)
    assert selectors.candidacy(exam_id=exam.pk, user=staff_member.user).has_attempts is True
    assert selectors.candidacy(exam_id=exam.pk, staff=other_staff).has_attempts is False
    assert selectors.candidacy(exam_id=exam.pk + 1000, user=staff_member.user) is None
