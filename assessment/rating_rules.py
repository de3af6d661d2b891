"""好差评 rules as pure functions (no ORM).

Levels are stored with the GB/T 39046-2020 A.8 codes: 1 = 非常满意 … 5 = 非常不满意.
A feed may send a label or a number; a number is read with its source's direction:
``gb`` (1 = 非常满意) or ``provincial`` (1 = 非常不满意, as many provincial interfaces send).
"""

import datetime as dt
from decimal import Decimal

from django.utils.translation import gettext as _

VERY_SATISFIED, SATISFIED, BASIC, DISSATISFIED, VERY_DISSATISFIED = 1, 2, 3, 4, 5

LEVEL_LABELS = {
    VERY_SATISFIED: "非常满意",
    SATISFIED: "满意",
    BASIC: "基本满意",
    DISSATISFIED: "不满意",
    VERY_DISSATISFIED: "非常不满意",
}
LABEL_LEVELS = {label: level for level, label in LEVEL_LABELS.items()}
# Spellings seen in exports beside the labels.
LABEL_LEVELS.update({"很满意": VERY_SATISFIED, "比较满意": SATISFIED, "一般": BASIC, "很不满意": VERY_DISSATISFIED})

BAD_LEVELS = frozenset({DISSATISFIED, VERY_DISSATISFIED})  # 差评

DEFAULT_POINTS = {
    VERY_SATISFIED: 100,
    SATISFIED: 80,
    BASIC: 60,
    DISSATISFIED: 30,
    VERY_DISSATISFIED: 0,
}

GB = "gb"
PROVINCIAL = "provincial"
DIRECTIONS = (GB, PROVINCIAL)

SYSTEM_DEFAULT_CHANNEL = "系统默认评价"


class LevelError(ValueError):
    pass


# Longest text read as a level number ("5", "5.0", "5.000"): labels are matched before.
MAX_LEVEL_TEXT = 20


def parse_level(value, direction=GB):
    """The GB level code (1–5) of a label or a number in the given direction."""
    if value is None:
        raise LevelError("empty")
    if isinstance(value, bool):
        raise LevelError(str(value))
    if isinstance(value, (int, float, Decimal)):
        number = value
    else:
        text = str(value).strip()
        if text in LABEL_LEVELS:
            return LABEL_LEVELS[text]
        if len(text) > MAX_LEVEL_TEXT:  # a level is one digit; never parse a megabyte of them
            raise LevelError(text[:MAX_LEVEL_TEXT])
        try:
            number = Decimal(text)
        except Exception as exc:  # noqa: BLE001 - any unreadable text
            raise LevelError(text) from exc
    # Range first, on the number as given: NaN and infinities compare false, and int() of
    # 1e500000 would build a half-million-digit integer.
    try:
        in_range = 1 <= number <= 5
    except Exception:  # noqa: BLE001 - a signalling NaN refuses to compare
        in_range = False
    if not in_range or number != int(number):
        raise LevelError(str(value)[:MAX_LEVEL_TEXT])
    code = int(number)
    if direction == PROVINCIAL:
        return 6 - code
    if direction != GB:
        raise LevelError(direction)
    return code


# Rating times outside these bounds are typing or clock errors (year 1, year 9999).
EARLIEST_RATED_AT = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)
RATED_AT_FUTURE_SLACK = dt.timedelta(days=1)


def rated_at_problem(moment, now=None):
    """Why a rating time (an aware datetime, or None when unreadable) is refused, or None."""
    if moment is None:
        return _("Not a valid date and time.")
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    now = now or dt.datetime.now(dt.UTC)
    if moment < EARLIEST_RATED_AT:
        return _("The rating time is before the year 2000: check the date.")
    if moment > now + RATED_AT_FUTURE_SLACK:
        return _("The rating time is more than a day in the future: check the date and the time zone.")
    return None


def is_bad(level):
    return level in BAD_LEVELS


def superseded_ids(ratings):
    """Which ratings are superseded: of several ratings of one ticket FROM ONE SOURCE, the one
    with the highest 评价次数 counts (ties: the one received last, i.e. the highest id).

    `ratings` are (id, source_id, ticket_no, assess_number). A rating never supersedes a
    rating of another source, even with the same ticket number: a feed's ticket numbers are
    its own, and nobody can erase a feed's rating by sending its ticket from elsewhere.
    Ratings without a ticket stand alone.
    """
    best = {}
    for rating_id, source_id, ticket_no, assess_number in ratings:
        if not ticket_no:
            continue
        ticket, key = (source_id, ticket_no), (assess_number, rating_id)
        if ticket not in best or key > best[ticket]:
            best[ticket] = key
    return {
        rating_id
        for rating_id, source_id, ticket_no, assess_number in ratings
        if ticket_no and best[(source_id, ticket_no)] != (assess_number, rating_id)
    }


def mean_points(level_counts, points=None):
    """Mean points of valid ratings from counts per level, 2 decimals half up; None when none."""
    from decimal import ROUND_HALF_UP

    points = points or DEFAULT_POINTS
    total = sum(level_counts.values())
    if not total:
        return None
    value = Decimal(sum(points[level] * n for level, n in level_counts.items())) / Decimal(total)
    return value.quantize(Decimal("0.01"), ROUND_HALF_UP)
