"""Pure competition arithmetic (DESIGN, "Competitions"): plain values and Decimal, no ORM.

- Judged rounds: a judge's sheet is the sum of its criterion scores (each at most the
  criterion's maximum; a rubric's maxima add up to 100). An entrant's round score is the
  trimmed mean of the judges' sheets: with 5 or more, one highest and one lowest are
  dropped (and reported) and the rest averaged; fewer than 5, the plain mean. 2 decimals,
  half up.
- Spread: max − min of an entrant's sheets; more than 15 points alerts the chief judge.
- Live quiz show: base 100 plus each answer's points (必答 +10/0, 抢答 ±10 and a foul −10,
  风险题 ±stake of 10/20/30); the earliest buzz received at or after the opening wins; the
  round score is team points ÷ the highest team's points × 100 (below 0 → 0).
- Total: Σ(weight × round score) ÷ Σ(weights), 2 decimals.
- Teams: an individual round counts the sum of the members' scores, a team round the
  team's score × the team size.
- Ranking: higher total, then higher practical, then higher knowledge (then a 加赛
  tie-break score where one was held), else a shared rank (1, 1, 3).
- Qualification by a score line or the top N; awards 1st/2nd/3rd by rank.
"""

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")
HUNDRED = Decimal("100")
ZERO = Decimal("0")
# With this many judges' scores or more, one highest and one lowest are dropped.
TRIM_FROM = 5
# max − min above this alerts the chief judge.
SPREAD_LIMIT = Decimal("15")
# Award levels 1, 2, 3 and their default counts and bonus points (DESIGN).
DEFAULT_AWARD_COUNTS = (1, 1, 1)
DEFAULT_AWARD_BONUS = (Decimal("3"), Decimal("2"), Decimal("1"))


class ScoreError(ValueError):
    """A score that cannot be accepted (above its maximum, negative, not a criterion)."""


def q2(value):
    """Two decimals, half up."""
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


def _as_items(scores):
    """(key, Decimal) pairs from a mapping or a plain sequence (keys are positions)."""
    if isinstance(scores, Mapping):
        return [(k, Decimal(v)) for k, v in scores.items()]
    return [(i, Decimal(v)) for i, v in enumerate(scores)]


# --- judged rounds --------------------------------------------------------------------


@dataclass(frozen=True)
class Aggregate:
    """An entrant's round score from the judges' sheets."""

    score: Decimal | None
    count: int
    trimmed: bool = False
    # Keys of the dropped sheets (the caller's keys: judge ids, or positions).
    dropped_high: object = None
    dropped_low: object = None
    spread: Decimal = ZERO
    alert: bool = False

    @property
    def dropped(self):
        return tuple(k for k in (self.dropped_low, self.dropped_high) if k is not None)


def trimmed_mean(scores, *, trim_from=TRIM_FROM, spread_limit=SPREAD_LIMIT):
    """The round score of one entrant from their judges' scores ({judge: score} or a list).

    With `trim_from` (5) or more scores, the lowest and the highest are dropped (one each;
    among equal scores, the first listed lowest and the last listed highest), and the rest
    averaged; with fewer, the plain mean. Two decimals, half up. No score: None.
    """
    items = _as_items(scores)
    if not items:
        return Aggregate(score=None, count=0)
    spread_value = spread([v for _k, v in items])
    alert = spread_value > spread_limit
    if len(items) >= trim_from:
        ordered = sorted(range(len(items)), key=lambda i: (items[i][1], i))
        low, high = ordered[0], ordered[-1]
        kept = [v for i, (_k, v) in enumerate(items) if i not in (low, high)]
        return Aggregate(
            score=q2(sum(kept, ZERO) / len(kept)),
            count=len(items),
            trimmed=True,
            dropped_high=items[high][0],
            dropped_low=items[low][0],
            spread=spread_value,
            alert=alert,
        )
    values = [v for _k, v in items]
    return Aggregate(score=q2(sum(values, ZERO) / len(values)), count=len(items), spread=spread_value, alert=alert)


def spread(scores):
    """max − min of the scores (0 for fewer than two)."""
    values = [Decimal(v) for v in scores]
    if len(values) < 2:
        return ZERO
    return max(values) - min(values)


def spread_alert(scores, *, limit=SPREAD_LIMIT):
    """Whether the scores differ by more than `limit` (15) points: the chief judge is alerted."""
    return spread(scores) > limit


def falls_back_to_mean(judge_count, *, trim_from=TRIM_FROM):
    """A panel of fewer than 5 judges averages plainly (nothing is dropped)."""
    return judge_count < trim_from


def rubric_total(maxima):
    return sum((Decimal(m) for m in maxima.values()), ZERO) if isinstance(maxima, Mapping) else sum(
        (Decimal(m) for m in maxima), ZERO
    )


def rubric_is_valid(maxima):
    """A rubric's criterion maxima add up to exactly 100, each above 0."""
    values = list(maxima.values()) if isinstance(maxima, Mapping) else list(maxima)
    return bool(values) and all(Decimal(m) > 0 for m in values) and rubric_total(values) == HUNDRED


def check_score(value, maximum):
    """A score between 0 and `maximum` (inclusive); ScoreError otherwise."""
    value = Decimal(value)
    if not value.is_finite():
        raise ScoreError("not a number")
    if value < 0:
        raise ScoreError("negative")
    if value > Decimal(maximum):
        raise ScoreError("above maximum")
    return value


# Why a typed score is refused (the caller words the message).
EMPTY, NOT_A_NUMBER, NEGATIVE, ABOVE_MAXIMUM, TOO_PRECISE = "empty", "not_a_number", "negative", "above_maximum", "too_precise"
# Scores are kept with two decimals.
SCORE_PLACES = 2


def parse_score(text, maximum):
    """A score typed by a judge ("18", "18.5", "１８．５", "18.50") → Decimal between 0 and
    `maximum` with at most two decimals. Raises ScoreError whose first argument is one of
    EMPTY, NOT_A_NUMBER, NEGATIVE, ABOVE_MAXIMUM, TOO_PRECISE."""
    raw = str(text if text is not None else "").strip()
    # Phones with a Chinese keyboard type full-width digits and points.
    raw = raw.translate(str.maketrans("０１２３４５６７８９．－", "0123456789.-"))
    if not raw:
        raise ScoreError(EMPTY)
    if not re.fullmatch(r"-?(\d+(\.\d*)?|\.\d+)", raw):
        raise ScoreError(NOT_A_NUMBER)
    value = Decimal(raw)
    if value < 0:
        raise ScoreError(NEGATIVE)
    if value > Decimal(maximum):
        raise ScoreError(ABOVE_MAXIMUM)
    if value != value.quantize(CENT, rounding=ROUND_HALF_UP):
        raise ScoreError(TOO_PRECISE)
    return q2(value)


def spread_extremes(scores, *, limit=SPREAD_LIMIT):
    """({key: score}) → (spread, {key: "high" | "low"}): when the scores differ by more than
    `limit`, the keys holding the highest and the lowest score (every key at either end); else
    no key."""
    items = _as_items(scores)
    spread_value = spread([v for _k, v in items])
    if spread_value <= Decimal(limit):
        return spread_value, {}
    high = max(v for _k, v in items)
    low = min(v for _k, v in items)
    sides = {}
    for key, value in items:
        if value == high:
            sides[key] = "high"
        elif value == low:
            sides[key] = "low"
    return spread_value, sides


def criterion_sum(scores, maxima):
    """A judge's sheet total: the sum of the criterion scores ({criterion: score}), each
    between 0 and its maximum ({criterion: max}); every criterion must be scored."""
    unknown = set(scores) - set(maxima)
    if unknown:
        raise ScoreError(f"unknown criterion {sorted(unknown)[0]}")
    missing = set(maxima) - set(scores)
    if missing:
        raise ScoreError(f"missing criterion {sorted(missing)[0]}")
    return sum((check_score(scores[name], maxima[name]) for name in maxima), ZERO)


# --- live quiz show ----------------------------------------------------------------------


def normalise_quiz(points):
    """{team: points} → {team: round score 0–100}: points ÷ the highest team's × 100, a team
    below 0 scoring 0; all 0 when no team is above 0."""
    items = _as_items(points)
    highest = max((v for _k, v in items), default=ZERO)
    if highest <= 0:
        return {k: q2(ZERO) for k, _v in items}
    return {k: q2(max(v, ZERO) / highest * HUNDRED) for k, v in items}


# --- totals -----------------------------------------------------------------------------


def weighted_total(scores, weights):
    """Σ(weight × round score) ÷ Σ(weights) over the rounds in `weights` ({round: weight});
    a round without a score counts 0. Rounds of weight 0 (加赛) do not count. None when
    no round has a weight."""
    total_weight = sum((Decimal(w) for w in weights.values()), ZERO)
    if total_weight <= 0:
        return None
    weighted = sum(
        (Decimal(w) * Decimal(scores.get(r) if scores.get(r) is not None else ZERO) for r, w in weights.items()),
        ZERO,
    )
    return q2(weighted / total_weight)


def team_round_score(*, member_scores=(), team_score=None, team_size=None, team_round=False):
    """A team's score in one round: in an individual round the sum of its members' scores
    (a member without a score counts 0); in a team round the team's score × the team size."""
    if team_round:
        if team_score is None:
            return None
        return q2(Decimal(team_score) * Decimal(team_size))
    values = [Decimal(v) for v in member_scores if v is not None]
    if not values:
        return None
    return q2(sum(values, ZERO))


# --- ranking -----------------------------------------------------------------------------


@dataclass(frozen=True)
class RankKey:
    """What an entrant is ranked on, in order."""

    total: Decimal | None
    practical: Decimal | None = None
    knowledge: Decimal | None = None
    tiebreak: Decimal | None = None

    def sort_key(self):
        # Higher first; a missing value ranks below any present one.
        return tuple(
            (0, ZERO) if v is None else (1, Decimal(v))
            for v in (self.total, self.practical, self.knowledge, self.tiebreak)
        )


def rank(keys):
    """{entrant: RankKey} → {entrant: rank}: higher total, then higher practical, then higher
    knowledge, then the 加赛 score; entrants equal on all of them share a rank (1, 1, 3)."""
    ordered = sorted(keys.items(), key=lambda kv: kv[1].sort_key(), reverse=True)
    ranks = {}
    previous = None
    for position, (entrant, key) in enumerate(ordered, start=1):
        sort_key = key.sort_key()
        if previous is not None and sort_key == previous[0]:
            ranks[entrant] = previous[1]
        else:
            ranks[entrant] = position
            previous = (sort_key, position)
    return ranks


def rank_order(keys):
    """The entrants in ranking order (ties in the order given)."""
    ranks = rank(keys)
    positions = {e: i for i, e in enumerate(keys)}
    return sorted(keys, key=lambda e: (ranks[e], positions[e]))


def qualifiers(scores, *, line=None, top_n=None):
    """Who advances from a preliminary ({entrant: score}): everyone at or above the score
    `line`, or the top N (entrants tied with the Nth advance with them). Entrants without
    a score never advance. With neither rule, everyone with a score advances."""
    present = {k: Decimal(v) for k, v in scores.items() if v is not None}
    if line is not None:
        return {k for k, v in present.items() if v >= Decimal(line)}
    if top_n is not None:
        ranks = rank({k: RankKey(total=v) for k, v in present.items()})
        return {k for k, r in ranks.items() if r <= top_n}
    return set(present)


@dataclass(frozen=True)
class AwardRule:
    counts: tuple = DEFAULT_AWARD_COUNTS
    bonus: tuple = DEFAULT_AWARD_BONUS

    def level_for(self, rank_value):
        """The award level (1, 2, 3) of a rank, or None: the first counts[0] places are 1st,
        the next counts[1] 2nd, the next counts[2] 3rd; entrants sharing a rank share the
        level of that rank (a tie on an award place is settled by a 加赛, never by lot)."""
        if rank_value is None:
            return None
        limit = 0
        for level, count in enumerate(self.counts, start=1):
            limit += count
            if rank_value <= limit:
                return level
        return None

    def bonus_for(self, level):
        return Decimal(self.bonus[level - 1]) if level else ZERO


def awards(ranks, rule=AwardRule()):
    """{entrant: rank} → {entrant: level} for the awarded entrants only."""
    result = {}
    for entrant, rank_value in ranks.items():
        level = rule.level_for(rank_value)
        if level:
            result[entrant] = level
    return result


@dataclass
class StandingRow:
    """One line of the standings (plain values, for selectors, exports and snapshots)."""

    key: object
    label: str
    name: str
    round_scores: dict = field(default_factory=dict)
    total: Decimal | None = None
    rank: int | None = None
    award: int | None = None
    remark: str = ""


def split_codes(text):
    """Round codes written as 'SC、QJ', 'SC,QJ', 'SC，QJ' or 'SC; QJ' → ['SC', 'QJ'] (order
    kept, blanks and repeats dropped)."""
    seen = []
    for part in re.split(r"[、,，;；\s]+", str(text or "")):
        part = part.strip()
        if part and part not in seen:
            seen.append(part)
    return seen



# --- live quiz show: points, totals and buzzes ------------------------------------------------
# Plain values: segments and outcomes are the strings of models.quiz (QuizSegment, QuizEventKind);
# times are datetimes (any comparable values work).

QUIZ_BASE_POINTS = 100
QUIZ_POINTS = 10
QUIZ_STAKES = (10, 20, 30)
# Two buzzes closer than this (milliseconds) are shown as 近同时 (near-simultaneous).
NEAR_SIMULTANEOUS_MS = 30
QUIZ_REQUIRED, QUIZ_BUZZER, QUIZ_RISK, QUIZ_SUDDEN_DEATH = "required", "buzzer", "risk", "sudden_death"
QUIZ_CORRECT, QUIZ_WRONG, QUIZ_TIMEOUT, QUIZ_FOUL, QUIZ_DECLINED = "correct", "wrong", "timeout", "foul", "declined"
QUIZ_SEGMENTS = (QUIZ_REQUIRED, QUIZ_BUZZER, QUIZ_RISK, QUIZ_SUDDEN_DEATH)
QUIZ_BUZZ_SEGMENTS = (QUIZ_BUZZER, QUIZ_SUDDEN_DEATH)


def quiz_stake_check(stake):
    """The stake a team chose on a 风险题 as an int (10, 20 or 30); None, 0 or "" is a decline
    and returns 0. Anything else (another number, a fraction, text) raises ScoreError."""
    if stake in (None, 0, "0", ""):
        return 0
    if isinstance(stake, bool) or not isinstance(stake, (int, str)) or not str(stake).strip().isdigit():
        raise ScoreError(f"stake {stake!r} is not a whole number")
    value = int(str(stake).strip())
    if value not in QUIZ_STAKES:
        raise ScoreError(f"stake {value} is not one of {QUIZ_STAKES}")
    return value


def quiz_points(segment, outcome, *, stake=None):
    """Points of one answer (DESIGN): 必答 correct +10, wrong or over time 0; 抢答 (and 加赛)
    correct +10, wrong, over time or a foul −10; 风险题 correct +stake, wrong or over time
    −stake, declined 0. A foul exists only where teams buzz; a 风险题 needs its stake."""
    if segment not in QUIZ_SEGMENTS:
        raise ScoreError(f"unknown segment {segment!r}")
    if outcome == QUIZ_FOUL:
        if segment not in QUIZ_BUZZ_SEGMENTS:
            raise ScoreError("a foul is a buzz before the opening: only buzzer questions have one")
        return -QUIZ_POINTS
    if outcome == QUIZ_DECLINED:
        if segment != QUIZ_RISK:
            raise ScoreError("only a risk question can be declined")
        return 0
    if outcome not in (QUIZ_CORRECT, QUIZ_WRONG, QUIZ_TIMEOUT):
        raise ScoreError(f"unknown outcome {outcome!r}")
    correct = outcome == QUIZ_CORRECT
    if segment == QUIZ_REQUIRED:
        return QUIZ_POINTS if correct else 0
    if segment == QUIZ_RISK:
        value = quiz_stake_check(stake)
        if value == 0:
            raise ScoreError("a risk question answered needs a stake of 10, 20 or 30")
        return value if correct else -value
    return QUIZ_POINTS if correct else -QUIZ_POINTS


@dataclass(frozen=True)
class QuizEventRow:
    """What the totals need of an event: the team, its points, whether it was voided, and
    whether it was a 加赛 question (kept apart: it settles a tie, it does not add to the round)."""

    entry: object
    points: int
    voided: bool = False
    sudden_death: bool = False


def quiz_team_totals(teams, events, *, base=QUIZ_BASE_POINTS):
    """{team: points}: every team starts at `base` (100) and adds its events' points; voided
    events and 加赛 events do not count. Teams without events keep the base."""
    totals = {team: base for team in teams}
    for event in events:
        if event.voided or event.sudden_death:
            continue
        totals[event.entry] = totals.get(event.entry, base) + int(event.points)
    return totals


def quiz_tiebreak_totals(events):
    """{team: points} of the 加赛 (sudden-death) events that are not voided."""
    totals = {}
    for event in events:
        if event.sudden_death and not event.voided:
            totals[event.entry] = totals.get(event.entry, 0) + int(event.points)
    return totals


@dataclass(frozen=True)
class BuzzRow:
    """A buzz as the rules see it: its id (the tie-break), team, server receipt time and foul."""

    id: int
    entry: object
    received_at: object
    foul: bool = False


def quiz_buzz_is_foul(received_at, opens_at):
    """A buzz received before the opening (or while no opening is scheduled) is a foul."""
    return opens_at is None or received_at < opens_at


def quiz_buzz_winner(buzzes, *, opens_at, barred=()):
    """The buzz that wins: the earliest received at or after the opening among buzzes that are
    not fouls and not from a barred team (one that fouled or already answered the question);
    equal receipt times go to the lower id. None when no buzz qualifies."""
    if opens_at is None:
        return None
    valid = [b for b in buzzes if not b.foul and b.entry not in barred and b.received_at >= opens_at]
    return min(valid, key=lambda b: (b.received_at, b.id), default=None)


def quiz_gap_ms(received_at, winner_received_at):
    """Milliseconds from the winner's receipt to this one (datetimes), rounded to 0.1 ms."""
    delta = received_at - winner_received_at
    return round(delta.total_seconds() * 1000, 1)


def quiz_near_simultaneous(gap_ms, *, limit=NEAR_SIMULTANEOUS_MS):
    """A gap to the winner under 30 ms is 近同时 (the winner's own gap is 0: callers skip it)."""
    return gap_ms is not None and abs(gap_ms) < limit


def quiz_buzz_queue(buzzes, *, opens_at, barred=()):
    """The buzzes in the order received, each as a dict with its gap to the winner in ms and
    the 近同时 flag: [{"id", "entry", "received_at", "foul", "winner", "gap_ms", "near"}]."""
    winner = quiz_buzz_winner(buzzes, opens_at=opens_at, barred=barred)
    rows = []
    for buzz in sorted(buzzes, key=lambda b: (b.received_at, b.id)):
        is_winner = winner is not None and buzz.id == winner.id
        gap = None if winner is None or buzz.foul else quiz_gap_ms(buzz.received_at, winner.received_at)
        rows.append({
            "id": buzz.id, "entry": buzz.entry, "received_at": buzz.received_at, "foul": buzz.foul,
            "winner": is_winner, "gap_ms": gap,
            "near": not is_winner and gap is not None and quiz_near_simultaneous(gap),
        })
    return rows
