"""The monthly evaluation's arithmetic on worked examples (DESIGN, "Monthly evaluation").

Pure: no database. Every expected figure is worked out by hand in the comments.
"""

from dataclasses import replace
from decimal import Decimal as D

import pytest

from assessment import scoring
from assessment.pay import PayRow, coefficient, performance_pay, vendor_summaries
from assessment.scoring import (
    BASIC_PASS,
    DISCIPLINE,
    EXCELLENT,
    FAIL,
    GOOD,
    LEARNING,
    PASS,
    RATINGS,
    TESTS,
    Inputs,
    QuotaEntry,
    Rules,
    apply_quota,
    evaluate,
    excellent_quota,
    grade_for,
    mean_score,
)


def test_worked_example_with_every_component():
    inputs = Inputs(
        rating_points=[D(100), D(100), D(80), D(60), D(30)],  # mean 370 / 5 = 74
        confirmed_bad_reviews={scoring.DISSATISFIED: 1},  # − 8 → R 66
        attendance={scoring.LATE: 2, scoring.MISSING_PUNCH: 1},  # 100 − 8 − 2 = 90
        inspection_points=[D(3)],  # − 3 → D 87
        test_percents=[D("85.5"), D(90)],  # T 87.75
        learning_due=3,
        learning_on_time=2,  # 66.666… → L 66.67
        bonus_points=[D(3), D(2)],
    )
    result = evaluate(inputs)
    assert result.value(RATINGS) == D("66.00")
    assert result.value(DISCIPLINE) == D("87.00")
    assert result.value(TESTS) == D("87.75")
    assert result.value(LEARNING) == D("66.67")
    # (40×66 + 30×87 + 20×87.75 + 10×66.67) / 100 = 7671.7 / 100 = 76.717 → 76.72
    assert result.total == D("76.72")
    assert result.bonus == D("5.00")
    assert result.score == D("81.72")
    assert result.grade == GOOD
    # The receipt lines explain each deduction.
    discipline_lines = {line.code: (line.count, line.points) for line in result.components[DISCIPLINE].lines}
    assert discipline_lines == {
        "attendance_late": (D(2), D(-8)),
        "attendance_missing_punch": (D(1), D(-2)),
        "inspection_finding": (D(1), D(-3)),
    }
    rating_lines = [(line.code, line.points) for line in result.components[RATINGS].lines]
    assert rating_lines == [("rating_mean", D(74)), ("bad_review_dissatisfied", D(-8))]


def test_absent_components_drop_out_of_the_weights():
    # No ratings, no exam closed, nothing due: the total is D alone.
    result = evaluate(Inputs(attendance={scoring.SERIOUS_LATE: 1}))
    assert result.value(RATINGS) is None
    assert result.value(TESTS) is None
    assert result.value(LEARNING) is None
    assert result.value(DISCIPLINE) == D("92.00")
    assert result.total == D("92.00")
    assert result.grade == EXCELLENT


def test_discipline_is_always_present_and_reads_100_without_events():
    result = evaluate(Inputs())
    assert result.value(DISCIPLINE) == D("100.00")
    assert result.total == D("100.00")


def test_total_is_weighted_over_present_components_only():
    # R 90.01 (mean of 90.01 and 90.00 → 90.005, half up), D 100; weights 40 and 30:
    # (40 × 90.01 + 30 × 100) / 70 = 6600.4 / 70 = 94.2914… → 94.29
    result = evaluate(Inputs(rating_points=[D("90.01"), D("90.00")]))
    assert result.value(RATINGS) == D("90.01")
    assert result.total == D("94.29")


def test_components_round_half_up():
    result = evaluate(Inputs(rating_points=[D(100), D(80), D(80)], test_percents=[D("70.005")]))
    assert result.value(RATINGS) == D("86.67")  # 86.666…
    assert result.value(TESTS) == D("70.01")  # half up, not to even


def test_ratings_are_clamped_and_discipline_floored_at_zero():
    result = evaluate(
        Inputs(
            rating_points=[D(0)],
            confirmed_bad_reviews={scoring.VERY_DISSATISFIED: 1},  # 0 − 12 → 0
            attendance={scoring.FULL_DAY_ABSENCE: 6},  # 100 − 120 → 0
        )
    )
    assert result.value(RATINGS) == D("0.00")
    assert result.value(DISCIPLINE) == D("0.00")
    assert result.score == D("0.00")
    assert result.grade == FAIL


def test_every_attendance_category_costs_its_points():
    counts = {category: 1 for category in scoring.ATTENDANCE_CATEGORIES}
    # 4 + 8 + 4 + 8 + 2 + 10 + 20 = 56
    assert evaluate(Inputs(attendance=counts)).value(DISCIPLINE) == D("44.00")


def test_bonus_is_capped():
    result = evaluate(Inputs(bonus_points=[D(3), D(3), D(2), D(2), D(1)]))
    assert result.bonus_uncapped == D(11)
    assert result.bonus == D("10.00")
    assert result.score == D("110.00")


def test_veto_fails_whatever_the_score():
    result = evaluate(Inputs(veto=True, rating_points=[D(100)]))
    assert result.score == D("100.00")
    assert result.grade == FAIL


def test_learning_counts_on_time_items_over_due_items():
    assert evaluate(Inputs(learning_due=8, learning_on_time=1)).value(LEARNING) == D("12.50")
    assert evaluate(Inputs(learning_due=2, learning_on_time=0)).value(LEARNING) == D("0.00")


def test_missed_exam_counts_as_zero_percent():
    assert evaluate(Inputs(test_percents=[D(0), D(80)])).value(TESTS) == D("40.00")


@pytest.mark.parametrize(
    ("score", "grade"),
    [
        (D("90.00"), EXCELLENT),
        (D("89.99"), GOOD),
        (D("80.00"), GOOD),
        (D("79.99"), PASS),
        (D("70.00"), PASS),
        (D("69.99"), BASIC_PASS),
        (D("60.00"), BASIC_PASS),
        (D("59.99"), FAIL),
    ],
)
def test_grade_bands_at_their_boundaries(score, grade):
    assert grade_for(score) == grade


def test_scheme_numbers_replace_the_defaults():
    rules = replace(
        Rules(),
        weights={RATINGS: D(50), DISCIPLINE: D(50), TESTS: D(0), LEARNING: D(0)},
        grade_floors={EXCELLENT: D(95), GOOD: D(85), PASS: D(75), BASIC_PASS: D(65)},
        attendance_deductions={**Rules().attendance_deductions, scoring.LATE: D(5)},
        bonus_cap=D(2),
    )
    inputs = Inputs(rating_points=[D(100)], attendance={scoring.LATE: 2}, bonus_points=[D(5)])
    result = evaluate(inputs, rules)
    # R 100, D 90, (50×100 + 50×90) / 100 = 95, bonus capped at 2
    assert result.total == D("95.00")
    assert result.score == D("97.00")
    assert result.grade == EXCELLENT
    assert grade_for(D("94.99"), rules) == GOOD


# --- The 优秀 quota --------------------------------------------------------------


def entry(key, score, **kwargs):
    kwargs.setdefault("staff_no", f"S{key}")
    grade = grade_for(score)
    return QuotaEntry(key=key, score=score, grade=grade, **kwargs)


def test_quota_is_floor_of_twenty_percent_of_headcount():
    assert [excellent_quota(n) for n in (4, 5, 9, 10, 14, 15)] == [0, 1, 1, 2, 2, 3]


def test_lowest_scores_are_demoted_to_good():
    entries = [entry(1, D(99)), entry(2, D(95)), entry(3, D(91)), entry(4, D(85)), entry(5, D(70))]
    decisions = apply_quota(entries, headcount=10)  # 2 places
    assert {k: d.grade for k, d in decisions.items()} == {1: EXCELLENT, 2: EXCELLENT, 3: GOOD, 4: GOOD, 5: PASS}
    assert decisions[3].demoted and not decisions[4].demoted


def test_ties_at_the_boundary_more_bad_reviews_demoted_first():
    entries = [entry(1, D(99)), entry(2, D(92), confirmed_bad_reviews=1), entry(3, D(92))]
    decisions = apply_quota(entries, headcount=10)
    assert decisions[3].grade == EXCELLENT and decisions[2].grade == GOOD


def test_ties_then_lower_ratings_then_lower_tests_demoted_first():
    by_ratings = apply_quota(
        [entry(1, D(99)), entry(2, D(92), ratings=D(80)), entry(3, D(92), ratings=D(85))], headcount=10
    )
    assert by_ratings[3].grade == EXCELLENT and by_ratings[2].grade == GOOD
    by_tests = apply_quota(
        [
            entry(1, D(99)),
            entry(2, D(92), ratings=D(85), tests=D(90)),
            entry(3, D(92), ratings=D(85), tests=D(70)),
        ],
        headcount=10,
    )
    assert by_tests[2].grade == EXCELLENT and by_tests[3].grade == GOOD


def test_an_absent_component_ranks_below_any_present_one():
    decisions = apply_quota(
        [entry(1, D(99)), entry(2, D(92), ratings=None), entry(3, D(92), ratings=D(0))], headcount=10
    )
    assert decisions[3].grade == EXCELLENT and decisions[2].grade == GOOD


def test_last_tie_break_demotes_the_higher_staff_number_compared_as_text():
    # "S9" > "S10" as text: S9 is demoted although 9 < 10 as numbers.
    decisions = apply_quota(
        [entry(1, D(99)), entry(2, D(92), staff_no="S9"), entry(3, D(92), staff_no="S10")], headcount=10
    )
    assert decisions[3].grade == EXCELLENT and decisions[2].grade == GOOD


def test_vetoed_people_never_take_a_place():
    vetoed = QuotaEntry(key=9, staff_no="S9", score=D(99), grade=FAIL)
    decisions = apply_quota([vetoed, entry(1, D(91))], headcount=5)
    assert decisions[9].grade == FAIL and decisions[1].grade == EXCELLENT


def test_roll_up_is_the_mean_of_the_months():
    assert mean_score([D("90.00"), D("85.50"), D("80.01")]) == D("85.17")  # 255.51 / 3 = 85.17
    assert mean_score([]) is None


# --- Pay ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("grade", "factor"), [(EXCELLENT, "1.2"), (GOOD, "1.1"), (PASS, "1.0"), (BASIC_PASS, "0.8"), (FAIL, "0.5")]
)
def test_default_coefficients(grade, factor):
    assert coefficient(grade) == D(factor)


def test_pay_is_base_times_coefficient_rounded_half_up():
    assert performance_pay(D("3000.00"), GOOD) == D("3300.00")
    assert performance_pay(D("3456.78"), BASIC_PASS) == D("2765.42")  # 2765.424
    assert performance_pay(D("1234.565"), PASS) == D("1234.57")  # half up
    assert performance_pay(D("2001.01"), FAIL) == D("1000.51")  # 1000.505 → half up


def test_vendor_summary_counts_grades_and_totals_pay():
    rows = [
        PayRow("乙公司", GOOD, D("3300.00")),
        PayRow("甲公司", EXCELLENT, D("3600.00")),
        PayRow("甲公司", PASS, D("3000.00")),
    ]
    first, second = vendor_summaries(rows)
    assert (first.vendor, first.headcount, first.pay_total) == ("乙公司", 1, D("3300.00"))
    assert (second.vendor, second.headcount, second.pay_total) == ("甲公司", 2, D("6600.00"))
    assert second.grades[EXCELLENT] == 1 and second.grades[PASS] == 1 and second.grades[GOOD] == 0


def test_rules_survive_storage_as_json_data():
    import json

    rules = replace(Rules(), bonus_cap=D("7.5"), coefficients={**Rules().coefficients, EXCELLENT: D("1.25")})
    stored = json.loads(json.dumps(scoring.rules_to_dict(rules)))
    assert scoring.rules_from_dict(stored) == rules
    # Missing numbers fall back to DESIGN's defaults.
    assert scoring.rules_from_dict({}) == scoring.DEFAULT_RULES


def test_main_centre_is_where_most_working_days_were_spent():
    centre, days = scoring.main_centre([("east", 12), ("west", 10)])
    assert (centre, days) == ("east", {"east": 12, "west": 10})
    # A centre the person came back to adds up: 5 + 8 at east beat 10 at west.
    assert scoring.main_centre([("east", 5), ("west", 10), ("east", 8)])[0] == "east"


def test_main_centre_tie_goes_to_the_later_centre():
    assert scoring.main_centre([("east", 11), ("west", 11)])[0] == "west"
    assert scoring.main_centre([("west", 6), ("east", 11), ("west", 5)])[0] == "west"
    assert scoring.main_centre([("east", 0)]) == ("east", {"east": 0})
