"""好差评 rules as pure functions (no ORM).

Levels are stored with the GB/T 39046-2020 A.8 codes: 1 = 非常满意 … 5 = 非常不满意.
A feed may send a label or a number; a number is read with its source's direction:
``gb`` (1 = 非常满意) or ``provincial`` (1 = 非常不满意, as many provincial interfaces send).
"""

from decimal import Decimal

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
        try:
            number = Decimal(text)
        except Exception as exc:  # noqa: BLE001 - any unreadable text
            raise LevelError(text) from exc
    if number != int(number) or not 1 <= int(number) <= 5:
        raise LevelError(str(value))
    code = int(number)
    if direction == PROVINCIAL:
        return 6 - code
    if direction != GB:
        raise LevelError(direction)
    return code


def is_bad(level):
    return level in BAD_LEVELS


def superseded_ids(ratings):
    """Which ratings are superseded: of several ratings of one ticket, the one with the
    highest 评价次数 counts (ties: the one received last, i.e. the highest id).

    `ratings` are (id, ticket_no, assess_number); ratings without a ticket stand alone.
    """
    best = {}
    for rating_id, ticket_no, assess_number in ratings:
        if not ticket_no:
            continue
        key = (assess_number, rating_id)
        if ticket_no not in best or key > best[ticket_no]:
            best[ticket_no] = key
    return {
        rating_id
        for rating_id, ticket_no, assess_number in ratings
        if ticket_no and best[ticket_no] != (assess_number, rating_id)
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
