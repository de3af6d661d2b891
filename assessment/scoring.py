"""The monthly evaluation's arithmetic (DESIGN, "Monthly evaluation"), as pure functions.

No ORM and no floats: inputs arrive as plain values gathered by the selectors, every
number is a Decimal, and each step keeps the lines a score receipt shows. The numbers of
the rules come from the centre's scheme version (`Rules`); the defaults are DESIGN's.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from math import floor

CENT = Decimal("0.01")
ZERO = Decimal("0")
HUNDRED = Decimal("100")

# Components, by key.
RATINGS = "R"
DISCIPLINE = "D"
TESTS = "T"
LEARNING = "L"
COMPONENTS = (RATINGS, DISCIPLINE, TESTS, LEARNING)

# Grades, best first.
EXCELLENT = "excellent"  # 优秀
GOOD = "good"  # 良好
PASS = "pass"  # 合格
BASIC_PASS = "basic_pass"  # 基本合格
FAIL = "fail"  # 不合格
GRADES = (EXCELLENT, GOOD, PASS, BASIC_PASS, FAIL)

# Attendance categories that cost points (the attendance classification's codes).
LATE = "late"
SERIOUS_LATE = "serious_late"
EARLY = "early"
SERIOUS_EARLY = "serious_early"
MISSING_PUNCH = "missing_punch"
HALF_DAY_ABSENCE = "absent_half_day"
FULL_DAY_ABSENCE = "absent_full_day"
ATTENDANCE_CATEGORIES = (
    LATE,
    SERIOUS_LATE,
    EARLY,
    SERIOUS_EARLY,
    MISSING_PUNCH,
    HALF_DAY_ABSENCE,
    FULL_DAY_ABSENCE,
)

# Confirmed bad reviews, by level.
DISSATISFIED = "dissatisfied"  # 不满意
VERY_DISSATISFIED = "very_dissatisfied"  # 非常不满意


def round2(value):
    """Half up to 2 decimals, as every component, total and pay is rounded."""
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


def _d(value):
    return value if isinstance(value, Decimal) else Decimal(str(value))


@dataclass(frozen=True)
class Rules:
    """The numbers of one scheme version. Defaults are DESIGN's."""

    weights: Mapping[str, Decimal] = field(
        default_factory=lambda: {RATINGS: Decimal(40), DISCIPLINE: Decimal(30), TESTS: Decimal(20), LEARNING: Decimal(10)}
    )
    bad_review_deductions: Mapping[str, Decimal] = field(
        default_factory=lambda: {DISSATISFIED: Decimal(8), VERY_DISSATISFIED: Decimal(12)}
    )
    attendance_deductions: Mapping[str, Decimal] = field(
        default_factory=lambda: {
            LATE: Decimal(4),
            SERIOUS_LATE: Decimal(8),
            EARLY: Decimal(4),
            SERIOUS_EARLY: Decimal(8),
            MISSING_PUNCH: Decimal(2),
            HALF_DAY_ABSENCE: Decimal(10),
            FULL_DAY_ABSENCE: Decimal(20),
        }
    )
    bonus_cap: Decimal = Decimal(10)
    # Lowest score of each grade but the last.
    grade_floors: Mapping[str, Decimal] = field(
        default_factory=lambda: {EXCELLENT: Decimal(90), GOOD: Decimal(80), PASS: Decimal(70), BASIC_PASS: Decimal(60)}
    )
    excellent_quota_percent: Decimal = Decimal(20)
    coefficients: Mapping[str, Decimal] = field(
        default_factory=lambda: {
            EXCELLENT: Decimal("1.2"),
            GOOD: Decimal("1.1"),
            PASS: Decimal("1.0"),
            BASIC_PASS: Decimal("0.8"),
            FAIL: Decimal("0.5"),
        }
    )


DEFAULT_RULES = Rules()


@dataclass(frozen=True)
class Inputs:
    """What the selectors found for one person and month."""

    rating_points: Sequence[Decimal] = ()  # points of each valid rating
    confirmed_bad_reviews: Mapping[str, int] = field(default_factory=dict)  # DISSATISFIED/VERY_DISSATISFIED → count
    attendance: Mapping[str, int] = field(default_factory=dict)  # category → days
    inspection_points: Sequence[Decimal] = ()  # points of each inspection finding
    veto: bool = False  # 一票否决
    test_percents: Sequence[Decimal] = ()  # per exam closed in the month and assigned: best %, 0 if not taken
    learning_due: int = 0
    learning_on_time: int = 0
    bonus_points: Sequence[Decimal] = ()  # competition awards, commendations

    @property
    def confirmed_bad_review_count(self):
        return sum(self.confirmed_bad_reviews.values())


@dataclass(frozen=True)
class Line:
    """One line of a receipt: what was counted, how many, and the points it moved."""

    code: str
    count: Decimal
    points: Decimal


@dataclass(frozen=True)
class Component:
    key: str
    value: Decimal | None  # None when absent
    weight: Decimal
    lines: tuple[Line, ...] = ()

    @property
    def present(self):
        return self.value is not None


@dataclass(frozen=True)
class Evaluation:
    components: Mapping[str, Component]
    total: Decimal
    bonus: Decimal  # after the cap
    bonus_uncapped: Decimal
    score: Decimal
    veto: bool
    grade: str  # before the quota

    def value(self, key):
        return self.components[key].value


def _clamp(value, low=ZERO, high=HUNDRED):
    return max(low, min(high, value))


def ratings_component(inputs, rules):
    points = [_d(p) for p in inputs.rating_points]
    weight = _d(rules.weights[RATINGS])
    if not points:
        return Component(RATINGS, None, weight)
    mean = sum(points, ZERO) / len(points)
    lines = [Line("rating_mean", Decimal(len(points)), mean)]
    value = mean
    for level in (DISSATISFIED, VERY_DISSATISFIED):
        count = inputs.confirmed_bad_reviews.get(level, 0)
        if count:
            deduction = _d(rules.bad_review_deductions[level]) * count
            lines.append(Line(f"bad_review_{level}", Decimal(count), -deduction))
            value -= deduction
    return Component(RATINGS, round2(_clamp(value)), weight, tuple(lines))


def discipline_component(inputs, rules):
    value = HUNDRED
    lines = []
    for category in ATTENDANCE_CATEGORIES:
        count = inputs.attendance.get(category, 0)
        if count:
            deduction = _d(rules.attendance_deductions[category]) * count
            lines.append(Line(f"attendance_{category}", Decimal(count), -deduction))
            value -= deduction
    for points in inputs.inspection_points:
        points = _d(points)
        lines.append(Line("inspection_finding", Decimal(1), -points))
        value -= points
    return Component(DISCIPLINE, round2(max(ZERO, value)), _d(rules.weights[DISCIPLINE]), tuple(lines))


def tests_component(inputs, rules):
    percents = [_d(p) for p in inputs.test_percents]
    weight = _d(rules.weights[TESTS])
    if not percents:
        return Component(TESTS, None, weight)
    lines = tuple(Line("exam", Decimal(1), p) for p in percents)
    return Component(TESTS, round2(sum(percents, ZERO) / len(percents)), weight, lines)


def learning_component(inputs, rules):
    weight = _d(rules.weights[LEARNING])
    if not inputs.learning_due:
        return Component(LEARNING, None, weight)
    lines = (
        Line("learning_due", Decimal(inputs.learning_due), ZERO),
        Line("learning_on_time", Decimal(inputs.learning_on_time), ZERO),
    )
    value = HUNDRED * inputs.learning_on_time / Decimal(inputs.learning_due)
    return Component(LEARNING, round2(value), weight, lines)


def weighted_total(components):
    present = [c for c in components if c.present]
    weights = sum((c.weight for c in present), ZERO)
    if not weights:
        return ZERO
    return round2(sum((c.weight * c.value for c in present), ZERO) / weights)


def grade_for(score, rules=DEFAULT_RULES, *, veto=False):
    if veto:
        return FAIL
    for grade in (EXCELLENT, GOOD, PASS, BASIC_PASS):
        if score >= _d(rules.grade_floors[grade]):
            return grade
    return FAIL


def evaluate(inputs, rules=DEFAULT_RULES):
    """One person's month: components, total, capped bonus, score and grade before the quota."""
    components = {
        RATINGS: ratings_component(inputs, rules),
        DISCIPLINE: discipline_component(inputs, rules),
        TESTS: tests_component(inputs, rules),
        LEARNING: learning_component(inputs, rules),
    }
    total = weighted_total(components.values())
    bonus_uncapped = sum((_d(b) for b in inputs.bonus_points), ZERO)
    bonus = round2(min(bonus_uncapped, _d(rules.bonus_cap)))
    score = round2(total + bonus)
    return Evaluation(
        components=components,
        total=total,
        bonus=bonus,
        bonus_uncapped=bonus_uncapped,
        score=score,
        veto=inputs.veto,
        grade=grade_for(score, rules, veto=inputs.veto),
    )


# ---------------------------------------------------------------------------
# The 优秀 quota
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class QuotaEntry:
    """One person of a centre's month, as the quota sees them."""

    key: object  # anything that identifies the person to the caller
    staff_no: str
    score: Decimal
    grade: str  # before the quota
    confirmed_bad_reviews: int = 0
    ratings: Decimal | None = None  # R
    tests: Decimal | None = None  # T


def excellent_quota(headcount, rules=DEFAULT_RULES):
    """At most floor(quota% × headcount) people of a centre are 优秀."""
    return floor(Decimal(headcount) * _d(rules.excellent_quota_percent) / HUNDRED)


def _higher_first(value):
    # An absent component ranks below any present one.
    return (1, ZERO) if value is None else (0, -value)


def _keep_order(entry):
    """Sort key, best first: who keeps 优秀 when there are more candidates than places.

    Demotion goes lowest score first; ties: more confirmed bad reviews first, then lower R,
    then lower T, then higher 工号 (compared as text).
    """
    return (
        -entry.score,
        entry.confirmed_bad_reviews,
        _higher_first(entry.ratings),
        _higher_first(entry.tests),
        entry.staff_no,
    )


@dataclass(frozen=True)
class QuotaDecision:
    grade: str  # after the quota
    demoted: bool


def apply_quota(entries, headcount, rules=DEFAULT_RULES):
    """Final grades of one centre's month: {key: QuotaDecision}.

    `headcount` is everyone evaluated in the centre that month (not only the candidates).
    """
    places = excellent_quota(headcount, rules)
    candidates = sorted((e for e in entries if e.grade == EXCELLENT), key=_keep_order)
    keep = {e.key for e in candidates[:places]}
    decisions = {}
    for entry in entries:
        if entry.grade == EXCELLENT and entry.key not in keep:
            decisions[entry.key] = QuotaDecision(GOOD, True)
        else:
            decisions[entry.key] = QuotaDecision(entry.grade, False)
    return decisions


def main_centre(segments):
    """Where a person who moved mid-month is evaluated: the centre of the most working days.

    `segments` is [(centre, working days), ...] in date order (a centre may come back);
    returns (centre, {centre: working days}). On a tie the later centre wins: it is where
    the person works now, and its supervisor will follow the month up.
    """
    days = {}
    last_seen = {}
    for position, (centre, working_days) in enumerate(segments):
        days[centre] = days.get(centre, 0) + working_days
        last_seen[centre] = position
    if not days:
        raise ValueError("main_centre needs at least one segment")
    centre = max(days, key=lambda c: (days[c], last_seen[c]))
    return centre, days


def mean_score(scores):
    """Quarter and year roll-ups: the mean of the months' scores, 2 decimals."""
    scores = [_d(s) for s in scores]
    if not scores:
        return None
    return round2(sum(scores, ZERO) / len(scores))


def rules_to_dict(rules):
    """A scheme version's numbers as JSON-safe data (Decimals as strings), for storage."""
    return {
        "weights": {k: str(v) for k, v in rules.weights.items()},
        "bad_review_deductions": {k: str(v) for k, v in rules.bad_review_deductions.items()},
        "attendance_deductions": {k: str(v) for k, v in rules.attendance_deductions.items()},
        "bonus_cap": str(rules.bonus_cap),
        "grade_floors": {k: str(v) for k, v in rules.grade_floors.items()},
        "excellent_quota_percent": str(rules.excellent_quota_percent),
        "coefficients": {k: str(v) for k, v in rules.coefficients.items()},
    }


def rules_from_dict(data):
    """The inverse of `rules_to_dict`; keys missing from `data` keep DESIGN's defaults."""
    defaults = rules_to_dict(DEFAULT_RULES)
    merged = {}
    for name, default in defaults.items():
        value = data.get(name, default)
        if isinstance(default, dict):
            merged[name] = {k: Decimal(str(value.get(k, default[k]))) for k in default}
        else:
            merged[name] = Decimal(str(value))
    return Rules(**merged)


# ---------------------------------------------------------------------------
# Quarter and year roll-ups (评先评优)
# ---------------------------------------------------------------------------


def rollup_months(year, quarter=None):
    """The months ("YYYY-MM") of a quarter (1–4) or, without one, of the whole year."""
    if quarter is None:
        numbers = range(1, 13)
    else:
        if quarter not in (1, 2, 3, 4):
            raise ValueError(quarter)
        numbers = range(3 * quarter - 2, 3 * quarter + 1)
    return [f"{int(year):04d}-{m:02d}" for m in numbers]


@dataclass(frozen=True)
class RollupMonth:
    """One counted month of a person, as the roll-up reads it."""

    month: str
    score: Decimal
    veto: bool = False
    confirmed_bad_reviews: int = 0
    ratings: Decimal | None = None  # R
    tests: Decimal | None = None  # T


@dataclass(frozen=True)
class RollupPerson:
    key: object
    staff_no: str
    months: Sequence[RollupMonth]


@dataclass(frozen=True)
class RollupResult:
    key: object
    staff_no: str
    month_count: int
    score: Decimal  # mean of the months' scores
    veto_months: int
    confirmed_bad_reviews: int
    ratings: Decimal | None  # mean of the months with R
    tests: Decimal | None  # mean of the months with T
    grade_before_quota: str
    grade: str
    demoted: bool


def _mean_present(values):
    return mean_score([v for v in values if v is not None])


def rollup_centre(people, rules=DEFAULT_RULES):
    """Roll-ups of one centre's people over a quarter or year: {key: RollupResult}.

    Each person's score is the mean of their counted months' scores (2 decimals, half up),
    graded with the centre's bands; a veto (一票否决) in any counted month makes the grade
    不合格, as it does for the month. The 优秀 quota applies as for a month, headcount = the
    people rolled up; ties as DESIGN's: more confirmed bad reviews (summed over the months)
    first, then lower mean R, then lower mean T, then higher 工号. People with no counted
    month are left out.
    """
    people = [p for p in people if p.months]
    partial = {}
    entries = []
    for person in people:
        score = mean_score([m.score for m in person.months])
        veto_months = sum(1 for m in person.months if m.veto)
        bad = sum(m.confirmed_bad_reviews for m in person.months)
        ratings = _mean_present([m.ratings for m in person.months])
        tests = _mean_present([m.tests for m in person.months])
        grade = grade_for(score, rules, veto=veto_months > 0)
        partial[person.key] = (person, score, veto_months, bad, ratings, tests, grade)
        entries.append(QuotaEntry(person.key, person.staff_no, score, grade, bad, ratings, tests))
    decisions = apply_quota(entries, len(entries), rules)
    return {
        key: RollupResult(
            key=key,
            staff_no=person.staff_no,
            month_count=len(person.months),
            score=score,
            veto_months=veto_months,
            confirmed_bad_reviews=bad,
            ratings=ratings,
            tests=tests,
            grade_before_quota=grade,
            grade=decisions[key].grade,
            demoted=decisions[key].demoted,
        )
        for key, (person, score, veto_months, bad, ratings, tests, grade) in partial.items()
    }


def histogram_bins(counts_by_floor, width=10, top=110):
    """Score histogram bins from counts per whole score (floor): [(low, high, count)], the
    last bin closed at `top` (a score may reach 110 with the bonus)."""
    bins = [[low, min(low + width, top), 0] for low in range(0, top, width)]
    for floor_value, count in counts_by_floor.items():
        index = min(max(int(floor_value), 0) // width, len(bins) - 1)
        bins[index][2] += count
    return [tuple(b) for b in bins]


def median_of_middle(values):
    """The median from the one or two middle values of a sorted list, 2 decimals."""
    return mean_score(values)


def share(part, whole):
    """part ÷ whole as a percentage with 2 decimals; None when whole is 0."""
    if not whole:
        return None
    return round2(Decimal(part) * HUNDRED / Decimal(whole))
