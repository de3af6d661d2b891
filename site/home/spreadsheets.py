"""Reading and writing the spreadsheets HR works in.

xlsx is read with python-calamine (DESIGN, performance notes: ~15x faster than
openpyxl) and written with openpyxl through tablib. CSV is read as UTF-8 (with or
without BOM) or, failing that, GB18030, which is what Excel on Chinese Windows saves.

Every import keeps the spreadsheet's own row numbers so that errors read
`第N行 列名: 原因` with the N that HR sees in Excel.
"""

import codecs
import csv
import datetime as dt
import io
import itertools
import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path

import tablib
from django.utils.translation import gettext as _
from import_export import widgets
from import_export.formats.base_formats import CSV, XLSX

# Excel stores dates as days since 1899-12-30 (the 1900 leap-year bug included).
EXCEL_EPOCH = dt.date(1899, 12, 30)
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


class SpreadsheetError(Exception):
    """The file itself cannot be read (wrong type, corrupt, no header)."""


@dataclass
class Table:
    """Rows of a sheet as dicts keyed by header, each with its spreadsheet row number."""

    headers: list[str]
    header_row: int
    rows: list[tuple[int, dict]] = field(default_factory=list)

    def __len__(self):
        return len(self.rows)


def cell_text(value):
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _binary_stream(content):
    """A seekable binary stream over `content` (bytes, or an open binary file)."""
    if isinstance(content, (bytes, bytearray, memoryview)):
        return io.BytesIO(content)
    content.seek(0)
    return content


def _iter_xlsx_rows(content):
    """The first sheet's rows one by one (python-calamine row iteration): the cells stay in
    calamine's compact form until a row is asked for, so a big sheet is never a list of lists."""
    from python_calamine import CalamineError, CalamineWorkbook

    unreadable = _("The file is not a readable Excel workbook (.xlsx).")
    try:
        workbook = CalamineWorkbook.from_filelike(_binary_stream(content))
        sheet = workbook.get_sheet_by_index(0)
        rows = sheet.iter_rows()
    except (CalamineError, ValueError, IndexError, TypeError) as exc:
        raise SpreadsheetError(unreadable) from exc
    try:
        yield from rows
    except (CalamineError, ValueError) as exc:
        raise SpreadsheetError(unreadable) from exc


CSV_SAMPLE_BYTES = 64 * 1024


def _csv_encoding(stream):
    """utf-8-sig, or gb18030 (what Excel on Chinese Windows saves), judged on the first 64 KB."""
    sample = stream.read(CSV_SAMPLE_BYTES)
    stream.seek(0)
    try:
        codecs.getincrementaldecoder("utf-8-sig")().decode(sample, final=False)
        return "utf-8-sig"
    except UnicodeDecodeError:
        pass
    try:
        codecs.getincrementaldecoder("gb18030")().decode(sample, final=False)
        return "gb18030"
    except UnicodeDecodeError as exc:
        raise SpreadsheetError(_("The CSV file is neither UTF-8 nor GB18030 encoded.")) from exc


def _iter_csv_rows(content):
    """CSV rows one by one, decoded as they are read (a text wrapper over the bytes)."""
    stream = _binary_stream(content)
    encoding = _csv_encoding(stream)
    text = io.TextIOWrapper(stream, encoding=encoding, newline="")
    try:
        try:
            dialect = csv.Sniffer().sniff(text.read(4096), delimiters=",\t;")
        except csv.Error:
            dialect = csv.excel
        text.seek(0)
        yield from csv.reader(text, dialect)
    except UnicodeDecodeError as exc:
        raise SpreadsheetError(_("The CSV file is neither UTF-8 nor GB18030 encoded.")) from exc
    finally:
        text.detach()  # leave the caller's stream open


def iter_rows(content, filename):
    """The cells of the first sheet, row by row, as lists; xlsx/xlsm or csv by file name.
    `content` is bytes or an open binary file."""
    suffix = Path(filename or "").suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        return _iter_xlsx_rows(content)
    if suffix in (".csv", ".txt"):
        return _iter_csv_rows(content)
    raise SpreadsheetError(_("Unsupported file type %(suffix)s: upload .xlsx or .csv.") % {"suffix": suffix})


def read_rows(content, filename):
    """All cells of the first sheet, as lists; xlsx/xlsm or csv by file name."""
    return list(iter_rows(content, filename))


def _header_index(rows, markers):
    for index, row in enumerate(rows):
        cells = {cell_text(c) for c in row}
        if all(name in cells for name in markers):
            return index
    raise SpreadsheetError(
        _("No header row found: the sheet needs the columns %(columns)s.")
        % {"columns": "、".join(markers)}
    )


def find_header(rows, markers, *, search_rows=20):
    """Index of the first row that contains every name in `markers` (title rows may precede it)."""
    return _header_index(rows[:search_rows], markers)


class StreamTable:
    """A sheet read as it is iterated: the headers at once, then `rows` yields (row number,
    {header: value}) one at a time, blank rows skipped. `rows` can be iterated once;
    `count` tells how many rows it has yielded so far."""

    def __init__(self, headers, header_row, row_iter):
        self.headers = headers
        self.header_row = header_row
        self._row_iter = row_iter
        self.count = 0

    @property
    def rows(self):
        for item in self._row_iter:
            self.count += 1
            yield item

    def __len__(self):
        return self.count


HEADER_SEARCH_ROWS = 20


def open_table(content, filename, *, header_markers):
    """Find the header among the first rows and return a StreamTable over the rest: memory
    stays flat whatever the number of rows. Reading errors surface as SpreadsheetError,
    also while iterating."""
    raw_rows = iter_rows(content, filename)
    head = list(itertools.islice(raw_rows, HEADER_SEARCH_ROWS))
    header_index = _header_index(head, header_markers)
    headers = [cell_text(c) for c in head[header_index]]
    width = len(headers)
    named = [(i, h) for i, h in enumerate(headers) if h]

    def rows():
        numbered = enumerate(itertools.chain(head[header_index + 1 :], raw_rows), start=header_index + 2)
        for number, raw in numbered:
            if len(raw) < width:
                raw = list(raw) + [None] * (width - len(raw))
            if all(cell_text(v) == "" for v in raw[:width]):
                continue
            yield number, {h: raw[i] for i, h in named}

    return StreamTable(headers=headers, header_row=header_index + 1, row_iter=rows())


def read_table(content, filename, *, header_markers):
    """Read a sheet into a Table; blank rows are dropped, row numbers kept."""
    stream = open_table(content, filename, header_markers=header_markers)
    return Table(headers=stream.headers, header_row=stream.header_row, rows=list(stream.rows))


def table_to_dataset(table):
    """The table as a tablib Dataset (for django-import-export's own row-by-row path)."""
    dataset = tablib.Dataset(headers=[h for h in table.headers if h])
    for _row_number, row in table.rows:
        dataset.append([row.get(h) for h in dataset.headers])
    return dataset


# --- Cell parsing -------------------------------------------------------------------
# django-import-export widgets whose messages are ours (Chinese through gettext) and
# which accept what Excel and HR actually put in cells.


class TextWidget(widgets.CharWidget):
    """Text, with numbers that Excel turned into floats (13800000000.0) read back as written."""

    def __init__(self, *, max_length=None, pattern=None, pattern_message=None, upper=False):
        super().__init__(coerce_to_string=True, allow_blank=True)
        self.max_length = max_length
        self.pattern = re.compile(pattern) if pattern else None
        self.pattern_message = pattern_message
        self.upper = upper

    def clean(self, value, row=None, **kwargs):
        text = cell_text(value)
        if self.upper:
            text = text.upper()
        if not text:
            return ""
        if self.max_length and len(text) > self.max_length:
            raise ValueError(_("At most %(n)d characters.") % {"n": self.max_length})
        if self.pattern and not self.pattern.fullmatch(text):
            message = self.pattern_message or _("Invalid format.")
            raise ValueError(f"{message}（{text}）")
        return text


class FlexibleDateWidget(widgets.DateWidget):
    """Dates as Excel date cells, Excel serial numbers, or 2026-10-08 / 2026/10/8 / 26-10-08 /
    2026.10.08 / 2026年10月8日, optionally followed by a weekday (星期四)."""

    DATE_RE = re.compile(
        r"^\s*(?P<y>\d{2}|\d{4})\s*[-/.年]\s*(?P<m>\d{1,2})\s*[-/.月]\s*(?P<d>\d{1,2})\s*日?"
        r"(?:\s*(?:星期|周)[一二三四五六日天])?\s*$"
    )

    def clean(self, value, row=None, **kwargs):
        if value is None or (isinstance(value, str) and not value.strip()):
            return None
        if isinstance(value, dt.datetime):
            return value.date()
        if isinstance(value, dt.date):
            return value
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            if 1 <= value < 2958466:
                return EXCEL_EPOCH + dt.timedelta(days=int(value))
            raise ValueError(_("Not a date."))
        match = self.DATE_RE.match(str(value))
        if not match:
            raise ValueError(_("“%(value)s” is not a date: write it as YYYY-MM-DD.") % {"value": value})
        year = int(match["y"])
        if year < 100:
            year += 2000
        try:
            return dt.date(year, int(match["m"]), int(match["d"]))
        except ValueError as exc:
            raise ValueError(_("%(value)s: no such date.") % {"value": value}) from exc


class MoneyWidget(widgets.DecimalWidget):
    """A non-negative amount in yuan, to the cent; accepts text such as '2,500.00' or '2500元'."""

    def __init__(self, *, min_value=Decimal("0"), max_value=None):
        super().__init__(coerce_to_string=True)
        self.min_value = min_value
        self.max_value = max_value

    def clean(self, value, row=None, **kwargs):
        if value is None or cell_text(value) == "":
            return None
        if isinstance(value, float):
            text = repr(value)
        else:
            text = cell_text(value).replace(",", "").replace("，", "").removesuffix("元").strip()
        try:
            amount = Decimal(text)
        except InvalidOperation as exc:
            raise ValueError(_("“%(value)s” is not a number.") % {"value": text}) from exc
        if not amount.is_finite():
            raise ValueError(_("“%(value)s” is not a number.") % {"value": text})
        if amount != amount.quantize(Decimal("0.01")):
            raise ValueError(_("At most 2 decimal places."))
        if self.min_value is not None and amount < self.min_value:
            raise ValueError(_("Must not be negative."))
        if self.max_value is not None and amount > self.max_value:
            raise ValueError(_("Must not exceed %(max)s.") % {"max": self.max_value})
        return amount.quantize(Decimal("0.01"))


# --- Formats ----------------------------------------------------------------------


class CalamineXLSX(XLSX):
    """django-import-export's xlsx format, reading with calamine instead of openpyxl."""

    def create_dataset(self, in_stream):
        rows = read_rows(in_stream, "sheet.xlsx")
        dataset = tablib.Dataset()
        if rows:
            dataset.headers = [cell_text(c) for c in rows[0]]
            for row in rows[1:]:
                dataset.append(list(row) + [None] * (len(dataset.headers) - len(row)))
        return dataset


def escape_formula(value):
    """Neutralise a text cell that Excel would run as a formula (CSV/formula injection)."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def safe_dataset(dataset):
    """A copy of the dataset with formula-like text cells escaped; numbers stay numbers."""
    safe = tablib.Dataset(headers=dataset.headers, title=dataset.title)
    for row in dataset:
        safe.append([escape_formula(v) for v in row])
    return safe


def export_bytes(dataset, file_format="xlsx"):
    """The dataset as xlsx or csv bytes (csv with BOM so Excel opens it as UTF-8)."""
    dataset = safe_dataset(dataset)
    if file_format == "csv":
        return ("\ufeff" + CSV().export_data(dataset)).encode("utf-8")
    return XLSX().export_data(dataset)
