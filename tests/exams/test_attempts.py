"""Taking an exam: start, autosave with sequence numbers, deadlines, overrides, submit once,
and no key or explanation in the page before the review rules allow."""

import json
import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from exams import services
from exams.models import Attempt, AttemptStatus, ExamOverride, ReviewRule

from .builders import make_exam, make_fixed_paper, make_standard_questions

pytestmark = pytest.mark.django_db


@pytest.fixture
def questions():
    return make_standard_questions()


@pytest.fixture
def exam(questions, staff_member):
    return make_exam(make_fixed_paper(questions), individuals=[staff_member], duration_minutes=30)


def answer_all_right(attempt, seq=1):
    """Save the right answer to every objective question (in displayed letters)."""
    for item in attempt.items.select_related("version"):
        qtype = item.version.qtype
        if qtype in ("single", "multiple"):
            shown = [("ABCDEF"[item.option_order.index("ABCDEF".index(c))]) for c in item.version.key()]
            response = shown
        elif qtype == "truefalse":
            response = "true"
        elif qtype == "blank":
            response = ["1"]
        else:
            response = "先安抚情绪，再说明原因。"
        assert services.attempt_save_answer(attempt=attempt, position=item.position, response=response, seq=seq)


def test_start_records_versions_and_resumes_the_same_attempt(exam, staff_member, questions):
    attempt = services.attempt_start(exam=exam, staff=staff_member)
    assert attempt.items.count() == 5
    assert attempt.max_score == Decimal("18.00")
    assert attempt.deadline <= timezone.now() + timedelta(minutes=30)
    again = services.attempt_start(exam=exam, staff=staff_member)
    assert again.pk == attempt.pk
    assert {i.version.number for i in attempt.items.select_related("version")} == {1}


def test_only_candidates_may_start(exam, other_staff):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        services.attempt_start(exam=exam, staff=other_staff)


def test_a_stale_save_never_overwrites_a_newer_one(exam, staff_member):
    attempt = services.attempt_start(exam=exam, staff=staff_member)
    assert services.attempt_save_answer(attempt=attempt, position=0, response=["C"], seq=5)
    # A retry of an older save arrives late: ignored.
    assert not services.attempt_save_answer(attempt=attempt, position=0, response=["A"], seq=3)
    item = attempt.items.get(position=0)
    assert item.response == "C" and item.response_seq == 5
    assert services.attempt_save_answer(attempt=attempt, position=0, response=["B"], seq=6)
    assert attempt.items.get(position=0).response == "B"


def test_saves_after_the_deadline_and_grace_are_refused_and_close_the_attempt(exam, staff_member):
    attempt = services.attempt_start(exam=exam, staff=staff_member)
    services.attempt_save_answer(attempt=attempt, position=0, response=["B"], seq=1)
    within_grace = attempt.deadline + services.SAVE_GRACE - timedelta(seconds=1)
    assert services.attempt_save_answer(attempt=attempt, position=1, response=["A", "C"], seq=2, now=within_grace)
    late = attempt.deadline + services.SAVE_GRACE + timedelta(seconds=1)
    with pytest.raises(services.SaveRefused):
        services.attempt_save_answer(attempt=attempt, position=2, response="true", seq=3, now=late)
    attempt.refresh_from_db()
    assert attempt.status != AttemptStatus.IN_PROGRESS and attempt.timed_out
    # Graded with what was saved in time: single 2 + multiple 2; the essay was blank.
    assert attempt.score == Decimal("4.00")
    assert attempt.items.get(position=2).response is None


def test_time_out_closes_lazily_and_by_the_task(exam, staff_member, other_staff):
    attempt = services.attempt_start(exam=exam, staff=staff_member)
    later = attempt.deadline + timedelta(minutes=5)
    assert services.close_expired_attempts(now=later) == 1
    attempt.refresh_from_db()
    assert attempt.timed_out and attempt.status == AttemptStatus.GRADED
    assert services.close_expired_attempts(now=later) == 0


def test_submit_twice_grades_once(exam, staff_member):
    attempt = services.attempt_start(exam=exam, staff=staff_member)
    answer_all_right(attempt)
    assert services.attempt_close(attempt=attempt) is True
    assert services.attempt_close(attempt=Attempt.objects.get(pk=attempt.pk)) is False
    attempt.refresh_from_db()
    assert attempt.status == AttemptStatus.PENDING  # the essay waits for a grader
    assert attempt.score == Decimal("8.00")
    with pytest.raises(services.SaveRefused):
        services.attempt_save_answer(attempt=attempt, position=0, response=["A"], seq=99)


def test_attempts_allowed_and_overrides(exam, staff_member):
    first = services.attempt_start(exam=exam, staff=staff_member)
    services.attempt_close(attempt=first)
    with pytest.raises(ValidationError):
        services.attempt_start(exam=exam, staff=staff_member)
    ExamOverride.objects.create(exam=exam, staff=staff_member, extra_attempts=1, extra_minutes=15)
    second = services.attempt_start(exam=exam, staff=staff_member)
    assert second.number == 2
    assert second.deadline - second.started_at == timedelta(minutes=45)


def test_another_window_for_one_person(questions, staff_member):
    exam = make_exam(make_fixed_paper(questions), individuals=[staff_member], opens_in=timedelta(hours=-5),
                     closes_in=timedelta(hours=-1))
    with pytest.raises(ValidationError):
        services.attempt_start(exam=exam, staff=staff_member)
    now = timezone.now()
    ExamOverride.objects.create(exam=exam, staff=staff_member, opens_at=now - timedelta(minutes=5),
                                closes_at=now + timedelta(minutes=10))
    attempt = services.attempt_start(exam=exam, staff=staff_member)
    # The window's close caps the time allowed.
    assert attempt.deadline <= now + timedelta(minutes=10)


def test_options_shuffle_is_deterministic_per_attempt_and_graded_by_meaning(questions, staff_member):
    paper = make_fixed_paper(questions, shuffle_questions=True, shuffle_options=True)
    exam = make_exam(paper, individuals=[staff_member])
    attempt = services.attempt_start(exam=exam, staff=staff_member)
    import random

    rng = random.Random(attempt.seed)
    drawn = services.draw_paper(paper, rng=rng, form=attempt.form)
    assert [q.pk for q, _p in drawn] == list(attempt.items.order_by("position").values_list("question_id", flat=True))
    answer_all_right(attempt)
    services.attempt_close(attempt=attempt)
    attempt.refresh_from_db()
    assert attempt.score == Decimal("8.00")


# --- the pages ---------------------------------------------------------------------------


def take_page(client, attempt):
    response = client.get(f"/me/exams/attempts/{attempt.pk}/")
    assert response.status_code == 200
    return response.content.decode()


def test_take_page_holds_no_key_explanation_or_reference(client_for, exam, staff_member):
    client = client_for(staff_member.user)
    response = client.post(f"/me/exams/{exam.pk}/start/")
    attempt = Attempt.objects.get(exam=exam, staff=staff_member)
    assert response["Location"] == f"/me/exams/attempts/{attempt.pk}/"
    html = take_page(client, attempt)
    assert "SECRET" not in html
    config = json.loads(re.search(r'<script id="exam-config" type="application/json">(.*?)</script>', html, re.S).group(1))
    assert set(config) == {"attempt", "deadline", "serverNow", "saveUrl", "submitUrl", "resultUrl", "seq", "position"}
    assert "<script>" not in html  # no inline scripts (CSP)


def test_saves_over_http_and_resume_on_reload(client_for, exam, staff_member):
    client = client_for(staff_member.user)
    client.post(f"/me/exams/{exam.pk}/start/")
    attempt = Attempt.objects.get(exam=exam, staff=staff_member)
    post = lambda body: client.post(f"/me/exams/attempts/{attempt.pk}/answer/", json.dumps(body),  # noqa: E731
                                    content_type="application/json")
    assert post({"position": 3, "response": ["一"], "seq": 1}).json()["stored"] is True
    assert post({"position": 3, "response": ["二"], "seq": 1}).json()["stored"] is False
    assert post({"position": 4, "response": "我的作答", "seq": 2}).status_code == 200
    assert post({"position": 0, "response": ["Z"], "seq": 3}).status_code == 400
    assert post({"position": "x"}).status_code == 400
    html = take_page(client, attempt)
    assert 'value="一"' in html and "我的作答" in html
    assert '"seq": 2' in html


def test_result_page_follows_the_review_rules(client_for, exam, staff_member):
    client = client_for(staff_member.user)
    attempt = services.attempt_start(exam=exam, staff=staff_member)
    answer_all_right(attempt)
    client.post(f"/me/exams/attempts/{attempt.pk}/submit/")
    html = client.get(f"/me/exams/attempts/{attempt.pk}/result/").content.decode()
    assert "SECRET" not in html and "data-answers-later" in html
    # Not even which answers were right: per-question marks come with the answers.
    assert 'class="card question' not in html
    # After the exam closes the answers and explanations are shown.
    exam.opens_at = timezone.now() - timedelta(days=2)
    exam.closes_at = timezone.now() - timedelta(minutes=1)
    exam.save()
    html = client.get(f"/me/exams/attempts/{attempt.pk}/result/").content.decode()
    assert "单选解析SECRET" in html and "参考答案SECRET" in html
    exam.review_rule = ReviewRule.SCORE_ONLY
    exam.save()
    html = client.get(f"/me/exams/attempts/{attempt.pk}/result/").content.decode()
    assert "SECRET" not in html


def test_review_nothing_hides_the_score_until_published(client_for, questions, staff_member):
    exam = make_exam(make_fixed_paper(questions[:1]), individuals=[staff_member], review_rule=ReviewRule.NOTHING)
    attempt = services.attempt_start(exam=exam, staff=staff_member)
    services.attempt_close(attempt=attempt)
    client = client_for(staff_member.user)
    html = client.get(f"/me/exams/attempts/{attempt.pk}/result/").content.decode()
    assert "data-result-hidden" in html and "data-percent" not in html
    assert "data-score" not in client.get("/me/exams/").content.decode()
    exam.results_published = True
    exam.save()
    assert "data-percent" in client.get(f"/me/exams/attempts/{attempt.pk}/result/").content.decode()


def test_after_submit_review_shows_answers_at_once(client_for, questions, staff_member):
    exam = make_exam(make_fixed_paper(questions[:1]), individuals=[staff_member], review_rule=ReviewRule.AFTER_SUBMIT)
    attempt = services.attempt_start(exam=exam, staff=staff_member)
    services.attempt_close(attempt=attempt)
    assert "单选解析SECRET" in client_for(staff_member.user).get(f"/me/exams/attempts/{attempt.pk}/result/").content.decode()


def test_time_out_on_next_access_redirects_to_the_result(client_for, exam, staff_member):
    attempt = services.attempt_start(exam=exam, staff=staff_member)
    Attempt.objects.filter(pk=attempt.pk).update(deadline=timezone.now() - timedelta(minutes=5))
    response = client_for(staff_member.user).get(f"/me/exams/attempts/{attempt.pk}/")
    assert response.status_code == 302 and response["Location"].endswith("/result/")
    attempt.refresh_from_db()
    assert attempt.timed_out


def test_exam_list_queries_do_not_grow_with_exams(client_for, questions, staff_member, django_assert_max_num_queries):
    client = client_for(staff_member.user)
    paper = make_fixed_paper(questions)
    make_exam(paper, individuals=[staff_member])
    client.get("/me/exams/")
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as one:
        assert client.get("/me/exams/").status_code == 200
    for _ in range(5):
        exam = make_exam(paper, individuals=[staff_member])
        services.attempt_close(attempt=services.attempt_start(exam=exam, staff=staff_member))
    with CaptureQueriesContext(connection) as many:
        html = client.get("/me/exams/").content.decode()
    assert html.count("data-exam=") == 6
    assert len(many) == len(one)


def test_take_page_queries_do_not_grow_with_questions(client_for, staff_member):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from .builders import make_bank, make_question

    bank = make_bank()
    counts = []
    for size in (1, 2, 12):  # the first round warms per-process caches
        exam = make_exam(make_fixed_paper([make_question(bank) for _ in range(size)]), individuals=[staff_member])
        attempt = services.attempt_start(exam=exam, staff=staff_member)
        client = client_for(staff_member.user)
        with CaptureQueriesContext(connection) as queries:
            take_page(client, attempt)
        counts.append(len(queries))
        services.attempt_close(attempt=attempt)
    assert counts[1] == counts[2]


def test_audience_by_centre_and_post_with_individuals(questions, centre, staff_member, other_staff):
    from exams.models import ExamCandidate
    from people.models import Post
    from tests import factories as base

    post = Post.objects.create(name="综合受理")
    elsewhere = base.make_staff(post=post)
    staff_member.post = post
    staff_member.save()
    exam = make_exam(make_fixed_paper(questions), centres=[centre], individuals=[elsewhere])
    exam.posts.set([post])
    services.exam_sync_candidates(exam=exam)
    assert set(ExamCandidate.objects.filter(exam=exam).values_list("staff_id", flat=True)) == {staff_member.pk, elsewhere.pk}
    # other_staff is in the centre but not the post; someone who sat the exam stays after the audience changes.
    services.attempt_start(exam=exam, staff=elsewhere)
    exam.individuals.clear()
    exam.posts.clear()
    services.exam_sync_candidates(exam=exam)
    assert set(ExamCandidate.objects.filter(exam=exam).values_list("staff_id", flat=True)) == {
        staff_member.pk, other_staff.pk, elsewhere.pk}
    exam.centres.clear()
    exam.individuals.set([other_staff])
    services.exam_sync_candidates(exam=exam)
    assert set(ExamCandidate.objects.filter(exam=exam).values_list("staff_id", flat=True)) == {other_staff.pk, elsewhere.pk}


def test_extra_time_granted_during_a_sitting_moves_its_deadline(exam, staff_member):
    attempt = services.attempt_start(exam=exam, staff=staff_member)
    ExamOverride.objects.create(exam=exam, staff=staff_member, extra_minutes=20, reason="电脑故障")
    assert services.exam_apply_terms(exam=exam) == 1
    attempt.refresh_from_db()
    assert attempt.deadline - attempt.started_at == timedelta(minutes=50)
    assert services.exam_apply_terms(exam=exam) == 0
