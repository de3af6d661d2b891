"""What the spreadsheet imports of service records share: chunked id lists, the order of row
errors and the month lock asked once per month (the chunked, all-or-nothing run of the rows
is home.imports.import_rows_in_chunks)."""

from django.core.exceptions import ValidationError

from home.imports import RowError

from ..periods import Period
from .locks import period_ensure_open

ANALYZE_AFTER_ROWS = 5000  # a write this large refreshes the planner's statistics
PREVIEW_ROWS = 200
CHUNK = 500  # ids per IN (...) query: SQLite limits the number of parameters


def chunks(items, size=CHUNK):
    items = list(items)
    for start in range(0, len(items), size):
        yield items[start : start + size]


def sort_errors(errors, order):
    column_order = {name: i for i, name in enumerate(order)}
    errors.sort(key=lambda e: (e.row, column_order.get(e.column, 99)))


def months_of(moments):
    """The Periods (local time) of the moments: when the earliest and the latest lie in the
    same or in adjacent months, those two are all of them (no per-row conversion)."""
    if not moments:
        return set()
    first, last = Period.of(min(moments)), Period.of(max(moments))
    if last in (first, first.next()):
        return {first, last}
    return {Period.of(m) for m in moments}


class MonthGuard:
    """The month lock for an import: which months of the file are approved, asked once per
    month (not per row); the first locked month found becomes one error."""

    def __init__(self, what, row, column):
        self.what, self.row, self.column = what, row, column
        self.checked = set()
        self.refused = False

    def check(self, months):
        new = set(months) - self.checked
        if not new or self.refused:
            return []
        self.checked |= new
        try:
            period_ensure_open(months=sorted(new), what=self.what)
        except ValidationError as exc:
            self.refused = True
            return [RowError(self.row, self.column, exc.messages[0])]
        return []
