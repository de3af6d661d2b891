"""Quarter and year roll-ups, pure (no database): months, means, grades, veto and the quota."""

from decimal import Decimal

import pytest

from assessment import scoring
from assessment.scoring import RollupMonth, RollupPerson, rollup_centre, rollup_months

D = Decimal


def person(key, staff_no, *scores, veto_in=(), bad=0, r=None, t=None):
    months = [
        RollupMonth(month=f"2026-{i + 1:02d}", score=D(s), veto=i in veto_in, confirmed_bad_reviews=bad if i == 0 else 0,
                    ratings=r, tests=t)
        for i, s in enumerate(scores)
    ]
    return RollupPerson(key, staff_no, months)


def test_months_of_a_quarter_and_a_year():
    assert rollup_months(2026, 4) == ["2026-10", "2026-11", "2026-12"]
    assert rollup_months(2026, 1) == ["2026-01", "2026-02", "2026-03"]
    assert rollup_months(2026) == [f"2026-{m:02d}" for m in range(1, 13)]
    with pytest.raises(ValueError):
        rollup_months(2026, 5)


def test_score_is_the_mean_of_the_months_rounded_half_up():
    results = rollup_centre([person("a", "S1", "90.00", "85.01", "80.00")])
    # (90 + 85.01 + 80) / 3 = 85.003… → 85.00
    assert results["a"].score == D("85.00")
    assert results["a"].month_count == 3
    assert results["a"].grade == scoring.GOOD
    half = rollup_centre([person("b", "S2", "89.99", "90.00")])
    # 89.995 → 90.00 half up: 优秀 before the quota.
    assert half["b"].score == D("90.00")
    assert half["b"].grade_before_quota == scoring.EXCELLENT


def test_people_without_a_counted_month_are_left_out():
    results = rollup_centre([person("a", "S1", "70"), RollupPerson("x", "S9", [])])
    assert set(results) == {"a"}


def test_a_veto_in_any_month_makes_the_roll_up_fail():
    results = rollup_centre([person("a", "S1", "98", "97", "99", veto_in=(1,))])
    assert results["a"].score == D("98.00")
    assert results["a"].veto_months == 1
    assert results["a"].grade == scoring.FAIL


def test_quota_per_centre_with_the_tie_breaks():
    # 10 people: floor(20% × 10) = 2 places of 优秀; four candidates at 92.00.
    people = [person(f"p{i}", f"S{i:02d}", "60") for i in range(6)]
    people += [
        person("more_bad", "S10", "92", bad=2, r=D("95")),
        person("low_r", "S11", "92", bad=0, r=D("80")),
        person("no_r", "S12", "92", bad=0, r=None),
        person("best", "S13", "93", bad=5, r=D("50")),
    ]
    results = rollup_centre(people)
    kept = {k for k, r in results.items() if r.grade == scoring.EXCELLENT}
    # The highest score keeps its place whatever its bad reviews; then fewer bad reviews,
    # then higher R; an absent R ranks below any present one.
    assert kept == {"best", "low_r"}
    assert results["no_r"].grade == scoring.GOOD and results["no_r"].demoted
    assert results["more_bad"].grade == scoring.GOOD and results["more_bad"].demoted
    assert not results["p0"].demoted


def test_tie_on_everything_goes_to_the_lower_staff_number():
    people = [person(f"p{i}", f"S{i:02d}", "50") for i in range(8)]
    people += [person("x", "S20", "95", r=D("90"), t=D("80")), person("y", "S19", "95", r=D("90"), t=D("80"))]
    results = rollup_centre(people)  # 10 people → 2 places... both kept
    assert results["x"].grade == results["y"].grade == scoring.EXCELLENT
    people = people[:3] + people[-2:]  # 5 people → 1 place
    results = rollup_centre(people)
    assert results["y"].grade == scoring.EXCELLENT and results["x"].grade == scoring.GOOD


def test_r_and_t_are_means_of_the_months_that_have_them():
    months = [
        RollupMonth("2026-01", D("80"), ratings=D("90"), tests=None),
        RollupMonth("2026-02", D("82"), ratings=None, tests=D("70")),
        RollupMonth("2026-03", D("84"), ratings=D("81"), tests=None),
    ]
    result = rollup_centre([RollupPerson("a", "S1", months)])["a"]
    assert result.ratings == D("85.50") and result.tests == D("70.00")


def test_centre_bands_and_quota_come_from_the_rules():
    rules = scoring.Rules(
        grade_floors={scoring.EXCELLENT: D(85), scoring.GOOD: D(75), scoring.PASS: D(65), scoring.BASIC_PASS: D(55)},
        excellent_quota_percent=D(50),
    )
    results = rollup_centre([person("a", "S1", "86"), person("b", "S2", "87"), person("c", "S3", "60")], rules)
    # 3 people × 50% = 1 place; 86 and 87 both reach 85.
    assert results["b"].grade == scoring.EXCELLENT
    assert results["a"].grade == scoring.GOOD and results["a"].demoted
    assert results["c"].grade == scoring.BASIC_PASS


def test_histogram_bins_and_share():
    bins = scoring.histogram_bins({55: 1, 60: 2, 99: 1, 105: 1, 110: 1})
    assert bins[5] == (50, 60, 1) and bins[6] == (60, 70, 2) and bins[9] == (90, 100, 1)
    assert bins[-1] == (100, 110, 2)  # 110 (the cap with the bonus) falls in the last bin
    assert scoring.share(1, 3) == D("33.33") and scoring.share(2, 3) == D("66.67")
    assert scoring.share(1, 0) is None
