"""competitions.scoring: hand-worked examples of DESIGN's competition rules (no database)."""

from decimal import Decimal as D

import pytest

from competitions import scoring
from competitions.scoring import AwardRule, RankKey

# --- trimmed mean -------------------------------------------------------------------------


def test_four_judges_plain_mean_nothing_dropped():
    # (80 + 90 + 70 + 85) / 4 = 81.25
    result = scoring.trimmed_mean({"a": D("80"), "b": D("90"), "c": D("70"), "d": D("85")})
    assert result.score == D("81.25")
    assert not result.trimmed
    assert result.dropped == ()
    assert result.count == 4


def test_five_judges_drop_one_highest_and_one_lowest():
    # drop 95 (e) and 60 (c): (80 + 85 + 88) / 3 = 84.333… → 84.33
    result = scoring.trimmed_mean({"a": D("80"), "b": D("85"), "c": D("60"), "d": D("88"), "e": D("95")})
    assert result.score == D("84.33")
    assert result.trimmed
    assert result.dropped_high == "e"
    assert result.dropped_low == "c"
    assert set(result.dropped) == {"c", "e"}


def test_trimmed_mean_rounds_half_up():
    # 5 judges, kept 80.5 + 80 + 80 = 240.5 / 3 = 80.1666… → 80.17
    assert scoring.trimmed_mean([D("80.5"), D("80"), D("80"), D("10"), D("99")]).score == D("80.17")
    # plain mean 80.125 → 80.13 (half up, not banker's 80.12)
    assert scoring.trimmed_mean([D("80.25"), D("80"), D("80"), D("80.25")]).score == D("80.13")
    # 2 judges: 70.005 is exactly half a cent → up
    assert scoring.trimmed_mean([D("70.00"), D("70.01")]).score == D("70.01")


def test_equal_extremes_drop_exactly_one_each():
    # all 90 but one 70 and two 100: drop one 100 and the 70 → (90 + 90 + 100 + 90) / 4 … 6 judges
    scores = [D("100"), D("90"), D("70"), D("90"), D("100"), D("90")]
    result = scoring.trimmed_mean(scores)
    assert result.score == D("92.50")  # (90 + 90 + 90 + 100) / 4
    assert result.dropped_low == 2
    assert result.dropped_high == 4  # the last of the equal highest


def test_all_equal_five_judges():
    result = scoring.trimmed_mean([D("88")] * 5)
    assert result.score == D("88.00")
    assert result.dropped_low != result.dropped_high


def test_no_scores_is_none():
    assert scoring.trimmed_mean({}).score is None


def test_one_judge():
    assert scoring.trimmed_mean([D("77.7")]).score == D("77.70")


def test_falls_back_to_mean_below_five():
    assert scoring.falls_back_to_mean(4)
    assert not scoring.falls_back_to_mean(5)


# --- spread ---------------------------------------------------------------------------------


def test_spread_alert_above_fifteen_only():
    assert scoring.spread([D("80"), D("95")]) == D("15")
    assert not scoring.spread_alert([D("80"), D("95")])
    assert scoring.spread_alert([D("80"), D("95.5")])
    assert scoring.trimmed_mean([D("70"), D("80"), D("86")]).alert
    assert not scoring.trimmed_mean([D("70"), D("80"), D("85")]).alert
    assert scoring.spread([D("50")]) == 0


def test_spread_alert_counts_dropped_scores_too():
    # The 60 is dropped from the mean but the spread still alerts the chief judge.
    result = scoring.trimmed_mean([D("60"), D("85"), D("86"), D("87"), D("88")])
    assert result.alert
    assert result.spread == D("28")


# --- rubric and criteria --------------------------------------------------------------------


MAXIMA = {"服务礼仪": D("20"), "业务准确": D("40"), "办理效率": D("20"), "沟通解释": D("20")}


def test_rubric_maxima_add_to_100():
    assert scoring.rubric_is_valid(MAXIMA)
    assert not scoring.rubric_is_valid({**MAXIMA, "服务礼仪": D("25")})
    assert not scoring.rubric_is_valid({})
    assert not scoring.rubric_is_valid({"a": D("100"), "b": D("0")})


def test_criterion_sum():
    sheet = {"服务礼仪": D("14"), "业务准确": D("32.5"), "办理效率": D("19"), "沟通解释": D("14")}
    assert scoring.criterion_sum(sheet, MAXIMA) == D("79.5")


def test_criterion_above_its_maximum_is_invalid():
    with pytest.raises(scoring.ScoreError):
        scoring.criterion_sum({"服务礼仪": D("21"), "业务准确": D("1"), "办理效率": D("1"), "沟通解释": D("1")}, MAXIMA)


def test_criterion_at_its_maximum_is_valid_and_negative_is_not():
    assert scoring.check_score(D("20"), D("20")) == D("20")
    with pytest.raises(scoring.ScoreError):
        scoring.check_score(D("-1"), D("20"))


def test_criterion_missing_or_unknown():
    with pytest.raises(scoring.ScoreError):
        scoring.criterion_sum({"服务礼仪": D("1")}, MAXIMA)
    with pytest.raises(scoring.ScoreError):
        scoring.criterion_sum({**dict.fromkeys(MAXIMA, D("1")), "其他": D("1")}, MAXIMA)


# --- quiz show ------------------------------------------------------------------------------


def test_quiz_normalisation():
    # 150 is the highest: 150 → 100, 120 → 80, 100 → 66.666… → 66.67, −20 → 0
    result = scoring.normalise_quiz({"甲": D("150"), "乙": D("120"), "丙": D("100"), "丁": D("-20")})
    assert result == {"甲": D("100.00"), "乙": D("80.00"), "丙": D("66.67"), "丁": D("0.00")}


def test_quiz_normalisation_nobody_above_zero():
    assert scoring.normalise_quiz({"甲": D("0"), "乙": D("-10")}) == {"甲": D("0.00"), "乙": D("0.00")}


# --- weighted total and teams ---------------------------------------------------------------


def test_weighted_total_default_weights():
    # (30 × 88 + 40 × 79.5 + 30 × 84.33) / 100 = (2640 + 3180 + 2529.9) / 100 = 83.499 → 83.50
    total = scoring.weighted_total({"ZS": D("88"), "SC": D("79.5"), "QJ": D("84.33")}, {"ZS": 30, "SC": 40, "QJ": 30})
    assert total == D("83.50")


def test_weighted_total_missing_round_counts_zero_and_tiebreak_not_at_all():
    total = scoring.weighted_total({"ZS": D("90"), "JS": D("100")}, {"ZS": D("30"), "SC": D("40"), "JS": D("0")})
    assert total == D("38.57")  # 30 × 90 / 70 = 38.5714…
    assert scoring.weighted_total({"ZS": D("90")}, {}) is None


def test_team_sums():
    # individual round: the members' scores add up
    assert scoring.team_round_score(member_scores=[D("88"), D("79.5"), D("90")]) == D("257.50")
    # team round: the team's score × the team size, on the same scale
    assert scoring.team_round_score(team_score=D("85.5"), team_size=3, team_round=True) == D("256.50")
    assert scoring.team_round_score(member_scores=[]) is None


def test_team_total_with_individual_rounds_only_is_sum_of_member_totals():
    weights = {"ZS": D("30"), "SC": D("40")}
    a = {"ZS": D("80"), "SC": D("90")}
    b = {"ZS": D("70"), "SC": D("60")}
    team = {r: scoring.team_round_score(member_scores=[a[r], b[r]]) for r in weights}
    assert scoring.weighted_total(team, weights) == scoring.weighted_total(a, weights) + scoring.weighted_total(b, weights)


# --- ranking ---------------------------------------------------------------------------------


def test_ties_practical_then_knowledge_then_shared_rank():
    keys = {
        "A": RankKey(total=D("85"), practical=D("80"), knowledge=D("90")),
        "B": RankKey(total=D("85"), practical=D("82"), knowledge=D("70")),  # higher practical beats A
        "C": RankKey(total=D("85"), practical=D("80"), knowledge=D("95")),  # same practical as A, higher knowledge
        "D": RankKey(total=D("90"), practical=D("10"), knowledge=D("10")),
        "E": RankKey(total=D("70"), practical=D("70"), knowledge=D("70")),
        "F": RankKey(total=D("70"), practical=D("70"), knowledge=D("70")),  # shares E's rank
        "G": RankKey(total=D("60")),
    }
    assert scoring.rank(keys) == {"D": 1, "B": 2, "C": 3, "A": 4, "E": 5, "F": 5, "G": 7}


def test_shared_rank_one_one_three():
    keys = {"x": RankKey(total=D("90")), "y": RankKey(total=D("90")), "z": RankKey(total=D("80"))}
    assert scoring.rank(keys) == {"x": 1, "y": 1, "z": 3}


def test_tiebreak_round_settles_a_full_tie():
    keys = {
        "x": RankKey(total=D("90"), practical=D("90"), knowledge=D("90"), tiebreak=D("60")),
        "y": RankKey(total=D("90"), practical=D("90"), knowledge=D("90"), tiebreak=D("70")),
    }
    assert scoring.rank(keys) == {"y": 1, "x": 2}


def test_missing_total_ranks_last():
    keys = {"x": RankKey(total=None), "y": RankKey(total=D("0"))}
    assert scoring.rank(keys) == {"y": 1, "x": 2}


# --- qualification and awards ----------------------------------------------------------------


def test_qualification_by_score_line():
    scores = {"a": D("90"), "b": D("89.99"), "c": D("95"), "d": None}
    assert scoring.qualifiers(scores, line=D("90")) == {"a", "c"}


def test_qualification_top_n_keeps_ties_at_the_cut():
    scores = {"a": D("95"), "b": D("90"), "c": D("90"), "d": D("80")}
    assert scoring.qualifiers(scores, top_n=2) == {"a", "b", "c"}
    assert scoring.qualifiers(scores, top_n=1) == {"a"}


def test_awards_default_one_each_and_bonus():
    rule = AwardRule()
    assert scoring.awards({"a": 1, "b": 2, "c": 3, "d": 4}, rule) == {"a": 1, "b": 2, "c": 3}
    assert [rule.bonus_for(level) for level in (1, 2, 3)] == [D("3"), D("2"), D("1")]
    assert rule.bonus_for(None) == 0


def test_awards_shared_first_place_and_configured_counts():
    assert scoring.awards({"a": 1, "b": 1, "c": 3, "d": 4}) == {"a": 1, "b": 1, "c": 3}
    rule = AwardRule(counts=(1, 2, 3))
    assert scoring.awards({k: r for k, r in zip("abcdefg", range(1, 8), strict=False)}, rule) == {
        "a": 1, "b": 2, "c": 2, "d": 3, "e": 3, "f": 3,
    }


def test_split_round_codes():
    assert scoring.split_codes("SC、QJ") == ["SC", "QJ"]
    assert scoring.split_codes(" SC ，QJ,SC ") == ["SC", "QJ"]
    assert scoring.split_codes("") == []
