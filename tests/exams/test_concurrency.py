"""Concurrent submits and saves on PostgreSQL: exactly one grading, newest save wins."""

import threading

import pytest
from django.db import connection, connections

from exams import services
from exams.models import Attempt, AttemptItem, AttemptStatus
from exams.services import attempts as attempt_services
from tests.helpers import run_in_threads

from .builders import make_exam, make_fixed_paper, make_standard_questions

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks and real concurrency need PostgreSQL"),
]


def test_double_submit_from_many_tabs_grades_once(staff_member, monkeypatch):
    exam = make_exam(make_fixed_paper(make_standard_questions()[:4]), individuals=[staff_member])
    attempt = services.attempt_start(exam=exam, staff=staff_member)
    services.attempt_save_answer(attempt=attempt, position=0, response=["B"], seq=1)
    gradings = []
    original = attempt_services.attempt_grade

    def counting_grade(**kwargs):
        gradings.append(kwargs["attempt"].pk)
        return original(**kwargs)

    monkeypatch.setattr(attempt_services, "attempt_grade", counting_grade)
    results = run_in_threads(6, lambda i: services.attempt_close(attempt=Attempt.objects.get(pk=attempt.pk)))
    assert sorted(results) == [False] * 5 + [True]
    assert gradings == [attempt.pk]
    attempt.refresh_from_db()
    assert attempt.status == AttemptStatus.GRADED and attempt.score == 2


def test_concurrent_saves_keep_the_highest_sequence(staff_member):
    exam = make_exam(make_fixed_paper(make_standard_questions()[:1]), individuals=[staff_member])
    attempt = services.attempt_start(exam=exam, staff=staff_member)
    letters = "ABCD"
    run_in_threads(8, lambda i: services.attempt_save_answer(
        attempt=Attempt.objects.get(pk=attempt.pk), position=0, response=[letters[i % 4]], seq=i + 1))
    item = AttemptItem.objects.get(attempt=attempt)
    assert item.response_seq == 8
    assert item.response == letters[7 % 4]


def test_concurrent_starts_create_one_attempt(staff_member):
    exam = make_exam(make_fixed_paper(make_standard_questions()[:2]), individuals=[staff_member])
    results = run_in_threads(5, lambda i: services.attempt_start(exam=exam, staff=staff_member).pk)
    assert len(set(results)) == 1
    assert Attempt.objects.filter(exam=exam, staff=staff_member).count() == 1


def test_concurrent_starts_from_the_page_create_one_attempt(staff_member):
    """The start button's path locks the person's candidate row and reads their attempts after
    the lock: a start that waited for another returns the other's attempt."""
    exam = make_exam(make_fixed_paper(make_standard_questions()[:2]), individuals=[staff_member])
    results = run_in_threads(5, lambda i: services.attempt_start_by_user(exam_id=exam.pk, user=staff_member.user).pk)
    assert len(set(results)) == 1
    assert Attempt.objects.filter(exam=exam, staff=staff_member).count() == 1
    assert AttemptItem.objects.filter(attempt__exam=exam).count() == 2


def test_a_save_in_flight_when_the_candidate_submits_is_graded(staff_member, monkeypatch):
    """The save locks its attempt's row: a submit arriving meanwhile waits for the save to
    commit, then grades with it (an acknowledged answer is never left out of the grade)."""
    exam = make_exam(make_fixed_paper(make_standard_questions()[:1]), individuals=[staff_member])
    attempt = services.attempt_start(exam=exam, staff=staff_member)
    inside, release = threading.Event(), threading.Event()
    original = attempt_services._response_from_client

    def slow_response(item, response):
        inside.set()
        release.wait(10)
        return original(item, response)

    monkeypatch.setattr(attempt_services, "_response_from_client", slow_response)
    outcome = {}

    def saver():
        try:
            outcome["stored"] = services.attempt_save_answer(attempt=attempt.pk, position=0, response=["B"], seq=1)
        finally:
            connections.close_all()

    def submitter():
        try:
            outcome["closed"] = services.attempt_close(attempt=Attempt.objects.get(pk=attempt.pk))
        finally:
            connections.close_all()

    save_thread = threading.Thread(target=saver)
    save_thread.start()
    assert inside.wait(10)
    submit_thread = threading.Thread(target=submitter)
    submit_thread.start()
    submit_thread.join(0.5)  # without the lock the submit would finish now, grading an empty answer
    release.set()
    save_thread.join(10)
    submit_thread.join(10)
    assert outcome == {"stored": True, "closed": True}
    attempt.refresh_from_db()
    assert attempt.status == AttemptStatus.GRADED and attempt.score == 2
    assert AttemptItem.objects.get(attempt=attempt).score == 2
