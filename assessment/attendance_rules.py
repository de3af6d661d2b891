"""Attendance rules as pure functions: plain values in, plain values out (no ORM, no request).

DESIGN, "Default rules → Attendance (per working day)":

- Minutes are whole minutes: the seconds of a punch are dropped (09:05:59 is 5 minutes late).
- Late minutes L = check-in − segment start. L ≤ grace: on time; grace < L ≤ serious: 迟到;
  serious < L ≤ absence: 严重迟到; L > absence: 旷工半天. Early minutes E = segment end −
  check-out, with the same kind of thresholds: 早退, 严重早退, 旷工半天.
- One punch of a segment missing: 缺卡. Every punch of the day missing: 旷工一天.
- A day with an approval (关联的审批单, a leave record) counts nothing; a rest day is not a
  working day.

Split shifts (两段班) have two segments, each with its own check-in and check-out. Our own
choices where DESIGN is silent, shown in the guide:

- a split day with one segment's two punches both missing is 旷工半天 for that segment;
- two 旷工半天 on the same day (e.g. more than an hour late and more than an hour early)
  make one 旷工一天.

Working days: a date listed as an adjusted workday (调休上班) is a working day; a listed
holiday is not; otherwise Monday to Friday are.
"""

import datetime as dt
import re
from dataclasses import dataclass, field

# Categories of a day (and of the incidents counted on it).
NORMAL = "normal"  # on time
LATE = "late"  # 迟到
SERIOUS_LATE = "serious_late"  # 严重迟到
EARLY = "early"  # 早退
SERIOUS_EARLY = "serious_early"  # 严重早退
MISSING = "missing"  # 缺卡
HALF_ABSENCE = "half_absence"  # 旷工半天
FULL_ABSENCE = "full_absence"  # 旷工一天
APPROVED = "approved"  # 审批/请假
REST = "rest"  # 休息

# Incident categories a day counts, in the order of the monthly sheet.
COUNTED = (LATE, SERIOUS_LATE, EARLY, SERIOUS_EARLY, MISSING, HALF_ABSENCE, FULL_ABSENCE)

# The day's headline category is its gravest incident.
SEVERITY = {
    FULL_ABSENCE: 7,
    HALF_ABSENCE: 6,
    SERIOUS_LATE: 5,
    SERIOUS_EARLY: 4,
    LATE: 3,
    EARLY: 2,
    MISSING: 1,
    NORMAL: 0,
}

DEFAULT_SHIFT = ((dt.time(9, 0), dt.time(17, 30)),)


@dataclass(frozen=True)
class Thresholds:
    """The numbers of the rules, in minutes; each centre may set its own (CentreRules)."""

    late_grace: int = 5
    late_serious: int = 30
    late_absence: int = 60
    early_grace: int = 5
    early_serious: int = 30
    early_absence: int = 60

    def __post_init__(self):
        if not (0 <= self.late_grace <= self.late_serious <= self.late_absence):
            raise ValueError("late thresholds must rise: grace ≤ serious ≤ absence")
        if not (0 <= self.early_grace <= self.early_serious <= self.early_absence):
            raise ValueError("early thresholds must rise: grace ≤ serious ≤ absence")


@dataclass(frozen=True)
class DayResult:
    status: str
    late_minutes: int = 0
    early_minutes: int = 0
    counts: dict = field(default_factory=dict)

    def count(self, category):
        return self.counts.get(category, 0)


def minutes_of(value):
    """Minutes since midnight of a time, seconds dropped."""
    return value.hour * 60 + value.minute


def _grade(minutes, grace, serious, absence, *, minor, major):
    if minutes <= grace:
        return None
    if minutes <= serious:
        return minor
    if minutes <= absence:
        return major
    return HALF_ABSENCE


def classify_day(*, segments, punches, approved=False, thresholds=Thresholds()):
    """Classify one person's day.

    segments: the shift's (start, end) time pairs; empty for a rest day.
    punches: (check-in, check-out) per segment, each a time or None; missing pairs count
    as missing punches.
    """
    if not segments:
        return DayResult(REST)
    if approved:
        return DayResult(APPROVED)
    counts = dict.fromkeys(COUNTED, 0)
    late_total = early_total = 0
    absent_segments = 0
    punches = list(punches) + [(None, None)] * (len(segments) - len(punches))
    for (start, end), (check_in, check_out) in zip(segments, punches, strict=False):
        if check_in is None and check_out is None:
            absent_segments += 1
            continue
        if check_in is None:
            counts[MISSING] += 1
        else:
            late = minutes_of(check_in) - minutes_of(start)
            grade = _grade(
                late,
                thresholds.late_grace,
                thresholds.late_serious,
                thresholds.late_absence,
                minor=LATE,
                major=SERIOUS_LATE,
            )
            if grade:
                counts[grade] += 1
                late_total += late
        if check_out is None:
            counts[MISSING] += 1
        else:
            early = minutes_of(end) - minutes_of(check_out)
            grade = _grade(
                early,
                thresholds.early_grace,
                thresholds.early_serious,
                thresholds.early_absence,
                minor=EARLY,
                major=SERIOUS_EARLY,
            )
            if grade:
                counts[grade] += 1
                early_total += early
    if absent_segments == len(segments):
        return DayResult(FULL_ABSENCE, counts={**dict.fromkeys(COUNTED, 0), FULL_ABSENCE: 1})
    counts[HALF_ABSENCE] += absent_segments
    if counts[HALF_ABSENCE] >= 2:
        counts[HALF_ABSENCE] = 0
        counts[FULL_ABSENCE] = 1
    status = max((c for c in COUNTED if counts[c]), key=SEVERITY.get, default=NORMAL)
    return DayResult(status, late_total, early_total, counts)


# --- Shifts -------------------------------------------------------------------------

_RANGE_RE = re.compile(r"(\d{1,2})[:：](\d{2})\s*[-–—~～至到]\s*(?:次日)?(\d{1,2})[:：](\d{2})")
REST_WORDS = ("休息", "休假")


def parse_shift_text(text):
    """The segments a DingTalk 班次 cell spells out, e.g. "正常班 09:00-17:30" or
    "两段班 09:00-12:00 14:00-17:30"; () when it names no times; None for a rest day."""
    text = (text or "").strip()
    if any(word in text for word in REST_WORDS):
        return None
    segments = []
    for match in _RANGE_RE.finditer(text):
        h1, m1, h2, m2 = (int(g) for g in match.groups())
        if h1 > 23 or h2 > 23 or m1 > 59 or m2 > 59:
            raise ValueError(text)
        start, end = dt.time(h1, m1), dt.time(h2, m2)
        if end <= start:
            raise ValueError(text)
        segments.append((start, end))
    return tuple(segments)


# --- Working days -------------------------------------------------------------------


def is_working_day(day, *, holidays=frozenset(), workdays=frozenset()):
    """An adjusted workday works, a holiday rests, otherwise Monday–Friday work."""
    if day in workdays:
        return True
    if day in holidays:
        return False
    return day.weekday() < 5


def add_working_days(start, n, *, holidays=frozenset(), workdays=frozenset()):
    """The date n working days after `start` (start itself not counted): a case opened on
    a Friday with 2 working days to go is due on Tuesday."""
    day = start
    remaining = n
    while remaining > 0:
        day += dt.timedelta(days=1)
        if is_working_day(day, holidays=holidays, workdays=workdays):
            remaining -= 1
    return day


def working_days_between(start, end, *, holidays=frozenset(), workdays=frozenset()):
    """Working days in (start, end]: how many working days have passed since `start`."""
    count = 0
    day = start
    while day < end:
        day += dt.timedelta(days=1)
        if is_working_day(day, holidays=holidays, workdays=workdays):
            count += 1
    return count


def month_days(year, month):
    first = dt.date(year, month, 1)
    next_first = dt.date(year + (month == 12), month % 12 + 1, 1)
    return [first + dt.timedelta(days=i) for i in range((next_first - first).days)]
