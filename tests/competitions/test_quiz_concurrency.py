"""The quiz show under real concurrency (PostgreSQL: row locks and parallel transactions):
30 teams buzzing within 50 ms get exactly one winner, the earliest received; retries from
many threads make one buzz; two host tabs applying the same outcome make one event."""

import threading
import time

import pytest
from django.db import connection, connections
from django.utils import timezone

from competitions.models import QuizBuzz, QuizEvent, QuizPhase, QuizShow
from competitions.selectors import quiz_show_state
from competitions.services import (
    QuizRefused,
    quiz_buzz,
    quiz_buzz_and_settle,
    quiz_buzzing_open,
    quiz_outcome,
    quiz_question_next,
)
from tests.helpers import run_in_threads

from .quiz_setup import make_quiz, version

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks and real concurrency need PostgreSQL"),
]


def _buzzer_show(teams):
    quiz = make_quiz(teams=[f"第{i:02d}队" for i in range(1, teams + 1)], members=1, questions=[("buzzer", None)])
    quiz_question_next(show=quiz.show, version=version(quiz.show))
    quiz_buzzing_open(show=quiz.show, version=version(quiz.show), countdown=0)
    return quiz


def test_thirty_teams_buzzing_within_50_ms_get_one_winner_the_earliest_received(home_page):
    quiz = _buzzer_show(30)
    start_version = version(quiz.show)
    barrier = threading.Barrier(30)
    errors = []

    def team_device(index):
        try:
            connections["default"].ensure_connection()  # a worker's connection is already open
            barrier.wait()
            time.sleep(index * 0.0015)  # spread over 0–45 ms
            quiz_buzz_and_settle(show=quiz.show, entry=quiz.teams[index], request_id=f"tap-{index}",
                                 now=timezone.now())
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=team_device, args=(i,)) for i in range(30)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not errors, errors

    buzzes = list(QuizBuzz.objects.filter(show=quiz.show))
    assert len(buzzes) == 30 and not any(b.foul for b in buzzes)
    spread = max(b.received_at for b in buzzes) - min(b.received_at for b in buzzes)
    assert spread.total_seconds() < 0.2
    earliest = min(buzzes, key=lambda b: (b.received_at, b.pk))
    show = QuizShow.objects.get(pk=quiz.show.pk)
    assert (show.phase, show.answering_id) == (QuizPhase.ANSWERING, earliest.entry_id)
    # 30 buzzes and one decision, each one version.
    assert show.version == start_version + 31
    queue = quiz_show_state(show.pk)["buzzes"]
    assert [row["entry"] for row in queue if row["winner"]] == [earliest.entry_id]
    assert all(row["gap_ms"] >= 0 for row in queue)


def test_retries_of_one_buzz_from_many_threads_store_it_once(home_page):
    quiz = _buzzer_show(3)
    before = version(quiz.show)
    now = timezone.now()
    results = run_in_threads(8, lambda i: quiz_buzz(show=quiz.show, entry=quiz.teams[0], request_id="same-tap",
                                                    now=now))
    assert sorted(r.created for r in results) == [False] * 7 + [True]
    assert QuizBuzz.objects.filter(show=quiz.show).count() == 1
    assert version(quiz.show) == before + 1


def test_two_host_tabs_applying_the_same_outcome_make_one_event(home_page):
    quiz = make_quiz()
    quiz_question_next(show=quiz.show, version=version(quiz.show))  # 必答 for the first team
    seen = version(quiz.show)

    def host_tab(index):
        try:
            quiz_outcome(show=quiz.show, version=seen, outcome="correct")
        except QuizRefused as exc:
            assert exc.stale
            return "refused"
        return "applied"

    results = run_in_threads(4, host_tab)
    assert sorted(results) == ["applied"] + ["refused"] * 3
    assert list(QuizEvent.objects.filter(show=quiz.show).values_list("entry_id", "points")) == [
        (quiz.teams[0].pk, 10)]
    assert version(quiz.show) == seen + 1
