"""Pure grading: spellings of keys and responses, per type, without a database."""

from decimal import Decimal

import pytest

from exams import scoring


@pytest.mark.parametrize("text", ["ABD", "A,B,D", "A、B、D", "ＡＢＤ", "Ａ、Ｂ、Ｄ", "a b d", "D,B,A", "A，B；D"])
def test_choice_keys_in_every_spelling(text):
    assert scoring.parse_key("multiple", text, ["1", "2", "3", "4"]) == "ABD"


@pytest.mark.parametrize("text,expected", [("对", True), ("错", False), ("正确", True), ("错误", False), ("√", True),
                                           ("×", False), ("T", True), ("F", False), ("ｔ", True)])
def test_true_false_spellings(text, expected):
    assert scoring.parse_key("truefalse", text) is expected


def test_true_false_by_option_letter_as_the_sample_writes_it():
    assert scoring.parse_key("truefalse", "B", ["正确", "错误"]) is False
    assert scoring.parse_key("truefalse", "A", ["正确", "错误"]) is True


@pytest.mark.parametrize("qtype,text,options", [
    ("single", "AB", ["1", "2"]),
    ("single", "E", ["1", "2", "3"]),
    ("multiple", "A", ["1", "2", "3"]),
    ("truefalse", "也许", []),
    ("blank", " ", []),
])
def test_unreadable_keys_are_refused(qtype, text, options):
    with pytest.raises(scoring.AnswerKeyError):
        scoring.parse_key(qtype, text, options)


def test_single_and_true_false_grading():
    assert scoring.grade("single", "B", "B", Decimal("2")) == Decimal("2.00")
    assert scoring.grade("single", "B", "C", Decimal("2")) == Decimal("0.00")
    assert scoring.grade("single", "B", None, Decimal("2")) == Decimal("0.00")
    assert scoring.grade("truefalse", True, True, Decimal("1.5")) == Decimal("1.50")
    assert scoring.grade("truefalse", True, False, Decimal("1.5")) == Decimal("0.00")


def test_multiple_choice_all_or_nothing_by_default_and_partial_credit_when_asked():
    assert scoring.grade("multiple", "ABD", "ABD", Decimal("3")) == Decimal("3.00")
    assert scoring.grade("multiple", "ABD", "AB", Decimal("3")) == Decimal("0.00")
    assert scoring.grade("multiple", "ABD", "AB", Decimal("3"), partial_credit=True) == Decimal("2.00")
    # A wrong choice earns nothing even with partial credit.
    assert scoring.grade("multiple", "ABD", "ABC", Decimal("3"), partial_credit=True) == Decimal("0.00")


def test_blanks_are_compared_normalized_with_alternatives():
    key = scoring.parse_key("blank", "一|1；ＡＢ")
    assert key == [["一", "1"], ["ab"]]
    assert scoring.grade("blank", key, ["1", " a b "], Decimal("4")) == Decimal("4.00")
    assert scoring.grade("blank", key, ["１", "AB"], Decimal("4")) == Decimal("4.00")
    assert scoring.grade("blank", key, ["二", "AB"], Decimal("4")) == Decimal("0.00")
    assert scoring.grade("blank", key, ["二", "AB"], Decimal("4"), partial_credit=True) == Decimal("2.00")


def test_essays_are_left_to_a_person():
    assert scoring.grade("essay", None, "我的回答", Decimal("10")) is None


def test_responses_are_normalized():
    assert scoring.normalize_response("multiple", ["c", "A"], 4) == "AC"
    assert scoring.normalize_response("single", [], 4) is None
    assert scoring.normalize_response("truefalse", "true") is True
    assert scoring.normalize_response("truefalse", "false") is False
    with pytest.raises(scoring.AnswerKeyError):
        scoring.normalize_response("single", ["A", "B"], 4)
    with pytest.raises(scoring.AnswerKeyError):
        scoring.normalize_response("multiple", ["Z"], 4)


def test_item_statistics():
    assert scoring.facility_index([1, 0, Decimal("0.5"), 1]) == Decimal("62.50")
    # The strong get it right, the weak do not: discrimination 1.
    rows = [(90, 1), (80, 1), (70, 1), (40, 0), (30, 0), (20, 0)]
    assert scoring.discrimination_index(rows) == Decimal("1.00")
    assert scoring.discrimination_index([(50, 1)]) is None
    assert scoring.is_dubious(Decimal("98"), Decimal("0.5"))
    assert scoring.is_dubious(Decimal("60"), Decimal("-0.2"))
    assert not scoring.is_dubious(Decimal("60"), Decimal("0.4"))
