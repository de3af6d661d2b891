"""Property-based tests (hypothesis) of the spreadsheet cell parsers and of safe_cell.

Whatever a cell holds (text of any kind, huge or non-finite numbers, dates, booleans), a
parser either returns a value or raises ValueError with a message: never another
exception (a 500 in the admin) and never slowly. New hostile cells are generated on every
run; the examples are kept modest so the file stays fast."""

import datetime as dt
import io
import math
import time
from decimal import Decimal

import openpyxl
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from assessment import rating_rules as rr
from assessment.resources import DateTimeCellWidget, PositiveIntWidget, TimeCellWidget
from courses.resources import HoursWidget
from exams.resources import DifficultyWidget, QuestionTypeWidget
from home.imports import cell_problem
from home.spreadsheets import (
    FORMULA_PREFIXES,
    FlexibleDateWidget,
    MoneyWidget,
    TextWidget,
    cell_text,
    safe_cell,
)
from home.validators import has_control_characters

FAST = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])

numeric_text = st.one_of(
    st.from_regex(r"\A[+-]?\d{1,30}(\.\d{0,10})?([eE][+-]?\d{1,7})?\Z", fullmatch=True),
    st.sampled_from(["NaN", "nan", "sNaN", "Infinity", "-Infinity", "inf", "1e500000", "-1e500000", "1e-500000", "9" * 5000]),
)
cells = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**40), max_value=10**40),
    st.floats(allow_nan=True, allow_infinity=True),
    st.decimals(allow_nan=True, allow_infinity=True),
    st.text(max_size=60),
    numeric_text,
    st.dates(),
    st.datetimes(),
    st.times(),
    st.timedeltas(),
)

WIDGETS = [
    FlexibleDateWidget(),
    MoneyWidget(),
    MoneyWidget(max_value=Decimal(1000)),
    TextWidget(max_length=50, pattern=r"[A-Za-z0-9_-]+"),
    TimeCellWidget(),
    DateTimeCellWidget(),
    PositiveIntWidget(),
    HoursWidget(),
    DifficultyWidget(),
    QuestionTypeWidget(),
]


@FAST
@given(value=cells, widget=st.sampled_from(WIDGETS))
def test_every_cell_parser_returns_or_raises_value_error_quickly(value, widget):
    started = time.monotonic()
    try:
        widget.clean(value, row={})
    except ValueError as exc:
        assert str(exc)
        assert len(str(exc)) < 500  # long cells are not echoed in full
    assert time.monotonic() - started < 0.5


@FAST
@given(value=cells, direction=st.sampled_from(rr.DIRECTIONS))
def test_parse_level_accepts_only_the_five_levels(value, direction):
    try:
        level = rr.parse_level(value, direction)
    except rr.LevelError:
        return
    assert level in rr.LEVEL_LABELS


@FAST
@given(number=st.integers(min_value=1, max_value=5), spelling=st.sampled_from(["{}", "{}.0", " {} ", "{}.000"]))
def test_level_numbers_read_the_same_however_written_and_provincial_runs_backwards(number, spelling):
    text = spelling.format(number)
    assert rr.parse_level(text) == number
    assert rr.parse_level(text, rr.PROVINCIAL) == 6 - number


@FAST
@given(day=st.dates(min_value=dt.date(2000, 1, 1), max_value=dt.date(2099, 12, 31)),
       layout=st.sampled_from(["%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%Y年%m月%d日", "%y-%m-%d"]))
def test_dates_read_back_in_every_layout_hr_uses(day, layout):
    assert FlexibleDateWidget().clean(day.strftime(layout)) == day
    assert FlexibleDateWidget().clean(day.strftime(layout) + " 星期四") == day


@FAST
@given(moment=st.times(), with_seconds=st.booleans())
def test_times_read_back(moment, with_seconds):
    text = moment.strftime("%H:%M:%S" if with_seconds else "%H:%M")
    parsed = TimeCellWidget().clean(text)
    assert parsed == moment.replace(microsecond=0, second=moment.second if with_seconds else 0)


@FAST
@given(amount=st.decimals(min_value=0, max_value=Decimal("99999999.99"), places=2))
def test_money_reads_back_to_the_cent_as_number_or_text(amount):
    widget = MoneyWidget()
    assert widget.clean(str(amount)) == amount
    assert widget.clean(f"{amount:,}元") == amount


@FAST
@given(amount=st.decimals(min_value=Decimal(100000000), allow_nan=False, allow_infinity=False))
def test_money_beyond_the_column_is_refused(amount):
    with pytest.raises(ValueError):
        MoneyWidget().clean(str(amount))


@FAST
@given(value=cells)
def test_cell_problem_never_raises(value):
    problem = cell_problem(value)
    assert problem is None or isinstance(problem, str)
    if isinstance(value, str) and has_control_characters(value):
        assert problem


@FAST
@given(value=st.one_of(st.text(max_size=80), st.integers(), st.floats(allow_nan=False), st.none(), st.dates()))
def test_safe_cell_is_inert_writable_and_keeps_numbers(value):
    safe = safe_cell(value)
    if isinstance(value, str):
        assert not has_control_characters(safe)
        assert not safe.startswith(FORMULA_PREFIXES)
        assert safe.lstrip("'") == "".join(c for c in value if not has_control_characters(c)) or safe.startswith("'")
        sheet = openpyxl.Workbook().active
        sheet["A1"] = safe  # openpyxl accepts it (it raised IllegalCharacterError before)
        assert sheet["A1"].data_type == "s"
    else:
        assert safe == value or (isinstance(value, float) and math.isnan(value) and math.isnan(safe))


@FAST
@given(rows=st.lists(st.lists(st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=20), min_size=2, max_size=2),
                     max_size=20))
def test_csv_rows_read_back_as_written(rows):
    import csv

    from home.spreadsheets import iter_rows

    assume(all(cell_text(c) == c for row in rows for c in row))
    buffer = io.StringIO()
    csv.writer(buffer).writerows([["a", "b"], *rows])
    read = list(iter_rows(buffer.getvalue().encode("utf-8"), "x.csv"))
    expected = [["a", "b"], *rows]
    assert [r for r in read if r] == [r for r in expected if r]
