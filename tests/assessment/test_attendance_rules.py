"""The attendance rules at DESIGN's thresholds: pure functions, no database."""

import datetime as dt

import pytest

from assessment import attendance_rules as ar

T = dt.time
DAY = ((T(9, 0), T(17, 30)),)
SPLIT = ((T(9, 0), T(12, 0)), (T(14, 0), T(17, 30)))


def classify(check_in, check_out, **kwargs):
    return ar.classify_day(segments=DAY, punches=[(check_in, check_out)], **kwargs)


@pytest.mark.parametrize(
    "check_in, status, minutes",
    [
        (T(8, 30), ar.NORMAL, 0),
        (T(9, 0), ar.NORMAL, 0),
        (T(9, 5), ar.NORMAL, 0),
        (T(9, 5, 59), ar.NORMAL, 0),  # seconds are dropped
        (T(9, 6), ar.LATE, 6),
        (T(9, 30), ar.LATE, 30),
        (T(9, 30, 59), ar.LATE, 30),
        (T(9, 31), ar.SERIOUS_LATE, 31),
        (T(10, 0), ar.SERIOUS_LATE, 60),
        (T(10, 0, 59), ar.SERIOUS_LATE, 60),
        (T(10, 1), ar.HALF_ABSENCE, 61),
    ],
)
def test_late_thresholds(check_in, status, minutes):
    result = classify(check_in, T(17, 30))
    assert result.status == status
    assert result.late_minutes == minutes
    assert result.early_minutes == 0


@pytest.mark.parametrize(
    "check_out, status, minutes",
    [
        (T(18, 0), ar.NORMAL, 0),
        (T(17, 30), ar.NORMAL, 0),
        (T(17, 25), ar.NORMAL, 0),
        (T(17, 24, 59), ar.EARLY, 6),  # 17:24:59 counts as 17:24
        (T(17, 0), ar.EARLY, 30),
        (T(16, 59), ar.SERIOUS_EARLY, 31),
        (T(16, 30), ar.SERIOUS_EARLY, 60),
        (T(16, 29), ar.HALF_ABSENCE, 61),
    ],
)
def test_early_thresholds(check_out, status, minutes):
    result = classify(T(9, 0), check_out)
    assert result.status == status
    assert result.early_minutes == minutes


def test_late_and_early_on_one_day_count_both():
    result = classify(T(9, 10), T(17, 20))
    assert result.count(ar.LATE) == 1 and result.count(ar.EARLY) == 1
    assert (result.late_minutes, result.early_minutes) == (10, 10)
    assert result.status == ar.LATE


def test_two_half_day_absences_make_a_full_day():
    result = classify(T(11, 0), T(15, 0))
    assert result.count(ar.FULL_ABSENCE) == 1
    assert result.count(ar.HALF_ABSENCE) == 0
    assert result.status == ar.FULL_ABSENCE


@pytest.mark.parametrize("check_in, check_out", [(None, T(17, 30)), (T(9, 0), None)])
def test_one_missing_punch(check_in, check_out):
    result = classify(check_in, check_out)
    assert result.status == ar.MISSING
    assert result.count(ar.MISSING) == 1


def test_missing_punch_and_late():
    result = classify(T(9, 40), None)
    assert result.count(ar.SERIOUS_LATE) == 1 and result.count(ar.MISSING) == 1
    assert result.status == ar.SERIOUS_LATE


def test_both_punches_missing_is_a_full_day_absence():
    result = classify(None, None)
    assert result.status == ar.FULL_ABSENCE
    assert result.count(ar.FULL_ABSENCE) == 1
    assert ar.classify_day(segments=DAY, punches=[]).status == ar.FULL_ABSENCE


def test_an_approval_counts_nothing():
    result = classify(None, None, approved=True)
    assert result.status == ar.APPROVED
    assert not any(result.counts.values())
    assert classify(T(10, 30), T(17, 30), approved=True).status == ar.APPROVED


def test_a_rest_day_is_not_a_working_day():
    result = ar.classify_day(segments=(), punches=[(T(9, 0), T(12, 0))])
    assert result.status == ar.REST
    assert not any(result.counts.values())


def test_split_shift_each_segment_on_its_own():
    result = ar.classify_day(segments=SPLIT, punches=[(T(9, 2), T(12, 0)), (T(14, 20), T(17, 30))])
    assert result.status == ar.LATE
    assert result.late_minutes == 20
    ok = ar.classify_day(segments=SPLIT, punches=[(T(8, 55), T(12, 1)), (T(13, 58), T(17, 31))])
    assert ok.status == ar.NORMAL


def test_split_shift_missing_segment_is_half_a_day():
    result = ar.classify_day(segments=SPLIT, punches=[(T(9, 0), T(12, 0)), (None, None)])
    assert result.status == ar.HALF_ABSENCE
    assert result.count(ar.HALF_ABSENCE) == 1
    none = ar.classify_day(segments=SPLIT, punches=[(None, None), (None, None)])
    assert none.status == ar.FULL_ABSENCE


def test_split_shift_early_in_the_morning_segment():
    result = ar.classify_day(segments=SPLIT, punches=[(T(9, 0), T(11, 40)), (T(14, 0), None)])
    assert result.count(ar.EARLY) == 1 and result.count(ar.MISSING) == 1
    assert result.early_minutes == 20


def test_thresholds_are_configurable():
    strict = ar.Thresholds(late_grace=0, late_serious=10, late_absence=20)
    assert classify(T(9, 1), T(17, 30), thresholds=strict).status == ar.LATE
    assert classify(T(9, 11), T(17, 30), thresholds=strict).status == ar.SERIOUS_LATE
    assert classify(T(9, 21), T(17, 30), thresholds=strict).status == ar.HALF_ABSENCE
    with pytest.raises(ValueError):
        ar.Thresholds(late_grace=40, late_serious=30)


@pytest.mark.parametrize(
    "text, expected",
    [
        ("正常班 09:00-17:30", DAY),
        ("两段班 09:00-12:00 14:00-17:30", SPLIT),
        ("A班 9:00~17:30", DAY),
        ("休息", None),
        ("早班", ()),
    ],
)
def test_parse_shift_text(text, expected):
    assert ar.parse_shift_text(text) == expected


def test_parse_shift_text_refuses_impossible_times():
    with pytest.raises(ValueError):
        ar.parse_shift_text("班 17:30-09:00")


def test_working_days_across_weekends_and_holidays():
    friday = dt.date(2026, 10, 30)
    assert ar.add_working_days(friday, 2) == dt.date(2026, 11, 3)  # Mon, Tue
    assert ar.add_working_days(friday, 5) == dt.date(2026, 11, 6)
    # National Day: 1–7 October rest, Saturday 10 October worked.
    holidays = {dt.date(2026, 10, d) for d in range(1, 8)}
    workdays = {dt.date(2026, 10, 10)}
    sept_30 = dt.date(2026, 9, 30)
    assert ar.add_working_days(sept_30, 1, holidays=holidays, workdays=workdays) == dt.date(2026, 10, 8)
    assert ar.add_working_days(sept_30, 3, holidays=holidays, workdays=workdays) == dt.date(2026, 10, 10)
    assert ar.working_days_between(sept_30, dt.date(2026, 10, 12), holidays=holidays, workdays=workdays) == 4
    assert ar.is_working_day(dt.date(2026, 10, 10), workdays=workdays)
    assert not ar.is_working_day(dt.date(2026, 10, 10))
