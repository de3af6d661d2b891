"""The live quiz show's rules in competitions.scoring (DESIGN, "Competitions", live quiz show),
hand-worked, without a database."""

import datetime as dt
from decimal import Decimal as D

import pytest

from competitions import scoring
from competitions.scoring import BuzzRow, QuizEventRow

T0 = dt.datetime(2026, 11, 20, 10, 0, 0, tzinfo=dt.UTC)


def at(ms):
    return T0 + dt.timedelta(milliseconds=ms)


@pytest.mark.parametrize(("segment", "outcome", "stake", "points"), [
    ("required", "correct", None, 10),
    ("required", "wrong", None, 0),
    ("required", "timeout", None, 0),
    ("buzzer", "correct", None, 10),
    ("buzzer", "wrong", None, -10),
    ("buzzer", "timeout", None, -10),
    ("buzzer", "foul", None, -10),
    ("sudden_death", "correct", None, 10),
    ("sudden_death", "foul", None, -10),
    ("risk", "correct", 30, 30),
    ("risk", "wrong", 20, -20),
    ("risk", "timeout", 10, -10),
    ("risk", "declined", None, 0),
])
def test_points_of_an_answer_by_segment(segment, outcome, stake, points):
    assert scoring.quiz_points(segment, outcome, stake=stake) == points


@pytest.mark.parametrize(("segment", "outcome", "stake"), [
    ("required", "foul", None),  # only buzzer questions have fouls
    ("risk", "foul", 10),
    ("buzzer", "declined", None),  # only a risk question is declined
    ("risk", "correct", None),  # answered without a stake
    ("risk", "correct", 25),
    ("buzzer", "half-right", None),
    ("bonus", "correct", None),
])
def test_impossible_answers_are_refused(segment, outcome, stake):
    with pytest.raises(scoring.ScoreError):
        scoring.quiz_points(segment, outcome, stake=stake)


@pytest.mark.parametrize(("stake", "value"), [(10, 10), ("20", 20), (30, 30), (None, 0), (0, 0), ("", 0)])
def test_stake_is_10_20_30_or_a_decline(stake, value):
    assert scoring.quiz_stake_check(stake) == value


@pytest.mark.parametrize("stake", [5, 40, -10, "ten", 10.5, "20.0", True, [10]])
def test_other_stakes_are_refused(stake):
    with pytest.raises(scoring.ScoreError):
        scoring.quiz_stake_check(stake)


def test_team_totals_start_at_100_and_leave_out_voided_and_sudden_death_points():
    events = [
        QuizEventRow("A", 10), QuizEventRow("A", -10), QuizEventRow("A", 30),
        QuizEventRow("B", -10), QuizEventRow("B", -10, voided=True),  # corrected away
        QuizEventRow("A", 10, sudden_death=True),
    ]
    assert scoring.quiz_team_totals(["A", "B", "C"], events) == {"A": 130, "B": 90, "C": 100}
    assert scoring.quiz_tiebreak_totals(events) == {"A": 10}


def test_round_score_normalises_on_the_highest_team_and_floors_at_zero():
    totals = scoring.quiz_team_totals(["A", "B", "C"], [QuizEventRow("A", 60), QuizEventRow("C", -120)])
    # A 160 → 100; B 100/160 × 100 = 62.5; C −20 → 0
    assert scoring.normalise_quiz(totals) == {"A": D("100.00"), "B": D("62.50"), "C": D("0.00")}


def test_the_earliest_buzz_at_or_after_the_opening_wins():
    opens = at(0)
    buzzes = [BuzzRow(1, "A", at(120)), BuzzRow(2, "B", at(95)), BuzzRow(3, "C", at(-5), foul=True),
              BuzzRow(4, "D", at(101))]
    assert scoring.quiz_buzz_winner(buzzes, opens_at=opens).entry == "B"
    # B fouled earlier on this question (or already answered): the next earliest wins.
    assert scoring.quiz_buzz_winner(buzzes, opens_at=opens, barred={"B"}).entry == "D"
    # A buzz received exactly at the opening is in time.
    assert scoring.quiz_buzz_winner([BuzzRow(9, "E", opens)], opens_at=opens).entry == "E"
    assert scoring.quiz_buzz_winner(buzzes, opens_at=None) is None
    assert scoring.quiz_buzz_winner([BuzzRow(3, "C", at(-5), foul=True)], opens_at=opens) is None


def test_equal_receipt_times_go_to_the_lower_id_whatever_the_order():
    buzzes = [BuzzRow(7, "A", at(50)), BuzzRow(5, "B", at(50)), BuzzRow(6, "C", at(50))]
    assert scoring.quiz_buzz_winner(buzzes, opens_at=at(0)).entry == "B"
    assert scoring.quiz_buzz_winner(list(reversed(buzzes)), opens_at=at(0)).entry == "B"


def test_a_buzz_before_the_opening_or_without_one_is_a_foul():
    assert scoring.quiz_buzz_is_foul(at(-1), at(0))
    assert not scoring.quiz_buzz_is_foul(at(0), at(0))
    assert scoring.quiz_buzz_is_foul(at(5), None)


def test_the_queue_shows_each_gap_to_the_winner_and_flags_near_simultaneous_buzzes():
    buzzes = [BuzzRow(1, "A", at(112.5)), BuzzRow(2, "B", at(100)), BuzzRow(3, "C", at(129.9)),
              BuzzRow(4, "D", at(130)), BuzzRow(5, "E", at(-300), foul=True)]
    queue = scoring.quiz_buzz_queue(buzzes, opens_at=at(0))
    assert [(r["entry"], r["winner"], r["gap_ms"], r["near"]) for r in queue] == [
        ("E", False, None, False),  # the foul has no gap
        ("B", True, 0.0, False),
        ("A", False, 12.5, True),
        ("C", False, 29.9, True),
        ("D", False, 30.0, False),  # 30 ms is no longer 近同时
    ]
