"""Reading the competition workbook (several sheets) and normalising what people type.

home.spreadsheets reads the first sheet of a file; the competition workbook has sheets
竞赛, 轮次, 报名, 评委 and 评分标准, matched by name (spaces and full-width forms ignored),
each with its header among its first rows. Cells are parsed leniently: full-width digits
and letters, stray spaces, 、 or ， between codes.
"""

import io
import re
import unicodedata
from decimal import Decimal, InvalidOperation
from pathlib import Path

from django.utils.translation import gettext as _

from home.spreadsheets import (
    HEADER_SEARCH_ROWS,
    Limits,
    SpreadsheetError,
    Table,
    cell_text,
    check_xlsx_size,
    iter_rows,
    shown,
)

SPACES = re.compile(r"\s+")


def norm(text):
    """A header or sheet name as compared: NFKC (full-width → half-width), no spaces at all."""
    return SPACES.sub("", unicodedata.normalize("NFKC", cell_text(text)))


def key_text(value):
    """A code, 工号 or account name: NFKC, trimmed, inner spaces removed."""
    return SPACES.sub("", unicodedata.normalize("NFKC", cell_text(value)))


def key_text_keep_separators(value):
    """A round-codes cell: NFKC (full-width commas become commas), separators kept."""
    return unicodedata.normalize("NFKC", cell_text(value))


def present(value):
    """Whether a cell holds something (spaces alone are nothing)."""
    return key_text(value) != ""


def name_text(value):
    """A name (队名, 姓名, 服务中心): trimmed, runs of spaces made one, full-width spaces too."""
    return SPACES.sub(" ", cell_text(value).replace("\u3000", " ")).strip()


def number(value, *, allow_negative=False, places=2):
    """A Decimal from a cell (30, 30.0, '３０', '30分', '82.5'); ValueError with a Chinese reason."""
    if isinstance(value, bool):
        raise ValueError(_("Not a number."))
    if isinstance(value, float):
        text = repr(value)
    else:
        text = key_text(value).removesuffix("分").replace(",", "")
    try:
        amount = Decimal(text)
    except InvalidOperation:
        raise ValueError(_("“%(value)s” is not a number.") % {"value": shown(text)}) from None
    if not amount.is_finite():
        raise ValueError(_("“%(value)s” is not a number.") % {"value": shown(text)})
    if abs(amount) >= Decimal("100000"):
        raise ValueError(_("The value is out of range."))
    if amount < 0 and not allow_negative:
        raise ValueError(_("Must not be negative."))
    if amount != amount.quantize(Decimal(1).scaleb(-places)):
        raise ValueError(_("At most %(n)d decimal places.") % {"n": places})
    return amount.quantize(Decimal(1).scaleb(-places))


def whole_number(value, *, minimum=None, maximum=None):
    amount = number(value, allow_negative=True, places=2)
    if amount != amount.to_integral_value():
        raise ValueError(_("Write a whole number."))
    result = int(amount)
    if (minimum is not None and result < minimum) or (maximum is not None and result > maximum):
        raise ValueError(_("Must be between %(low)d and %(high)d.") % {"low": minimum, "high": maximum})
    return result


def _table(rows, markers):
    """The rows of one sheet as a Table with normalised headers, or None without a header."""
    head = rows[:HEADER_SEARCH_ROWS]
    wanted = {norm(m) for m in markers}
    index = next((i for i, row in enumerate(head) if wanted <= {norm(c) for c in row}), None)
    if index is None:
        return None
    headers = [norm(c) for c in head[index]]
    named = [(i, h) for i, h in enumerate(headers) if h]
    table = Table(headers=[h for _i, h in named], header_row=index + 1)
    for number_, raw in enumerate(rows[index + 1 :], start=index + 2):
        values = {h: (raw[i] if i < len(raw) else None) for i, h in named}
        if all(cell_text(v) == "" for v in values.values()):
            continue
        table.rows.append((number_, values))
    return table


def _stream(content):
    if isinstance(content, (bytes, bytearray, memoryview)):
        return io.BytesIO(content)
    content.seek(0)
    return content


def read_workbook(content, filename, *, limits=None):
    """{normalised sheet name: [rows]} of an xlsx workbook. SpreadsheetError when unreadable."""
    from python_calamine import CalamineError, CalamineWorkbook

    suffix = Path(filename or "").suffix.lower()
    if suffix not in (".xlsx", ".xlsm"):
        raise SpreadsheetError(_("Unsupported file type %(suffix)s: upload .xlsx or .csv.") % {"suffix": suffix})
    limits = limits or Limits.default(large=False)
    check_xlsx_size(content, limits)
    unreadable = _("The file is not a readable Excel workbook (.xlsx).")
    try:
        workbook = CalamineWorkbook.from_filelike(_stream(content))
        sheets = {}
        for name in workbook.sheet_names:
            rows = [list(r) for r in workbook.get_sheet_by_name(name).iter_rows()]
            sheets.setdefault(norm(name), rows)
    except (CalamineError, ValueError, IndexError, TypeError) as exc:
        raise SpreadsheetError(unreadable) from exc
    return sheets


def sheet_table(sheets, name, markers):
    """The sheet `name` as a Table (headers normalised), None when the workbook lacks it.
    SpreadsheetError when the sheet is there but has no header row with `markers`."""
    rows = sheets.get(norm(name))
    if rows is None:
        return None
    table = _table(rows, markers)
    if table is None:
        raise SpreadsheetError(
            _("Sheet %(sheet)s: no header row found: the sheet needs the columns %(columns)s.")
            % {"sheet": name, "columns": "、".join(markers)}
        )
    return table


def single_sheet_table(content, filename, *, markers, limits=None):
    """The first sheet of an xlsx or csv file with a header holding `markers` (normalised)."""
    limits = limits or Limits.default(large=False)
    rows = []
    for row in iter_rows(content, filename, limits=limits):
        rows.append(list(row))
        if len(rows) > limits.rows + HEADER_SEARCH_ROWS:
            raise SpreadsheetError(_("The file has too many rows."))
    table = _table(rows, markers)
    if table is None:
        raise SpreadsheetError(
            _("No header row found: the sheet needs the columns %(columns)s.") % {"columns": "、".join(markers)}
        )
    return table
