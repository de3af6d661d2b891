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
import zipfile
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path

import tablib
from django.conf import settings
from django.http import HttpResponse
from django.utils.functional import Promise
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from import_export import widgets
from import_export.formats.base_formats import CSV, XLSX

from .validators import CONTROL_CHARACTERS_RE, has_control_characters

# Excel stores dates as days since 1899-12-30 (the 1900 leap-year bug included).
EXCEL_EPOCH = dt.date(1899, 12, 30)
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r", "\n")
# Excel's own limit on the text of one cell; a longer cell is refused on import.
MAX_CELL_CHARS = 32767
# Columns a sheet may span (A … CZ) for the cell-area check below.
MAX_COLUMNS = 104


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


def shown(text, limit=40):
    """A cell's text as quoted in an error message: long text cut short."""
    text = str(text)
    return text if len(text) <= limit else text[:limit] + "…"


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


@dataclass(frozen=True)
class Limits:
    """How big a file an import reads: data rows, cells of the sheet's area (calamine holds
    the whole rectangle from A1 to the last cell, ~32 bytes a cell, however few are
    filled), and decompressed XML bytes of an xlsx."""

    rows: int
    cells: int
    xml_bytes: int

    @classmethod
    def default(cls, *, large=True):
        rows = settings.IMPORT_MAX_ROWS if large else settings.IMPORT_MAX_ROWS_SMALL
        return cls(
            rows=rows,
            cells=min(settings.IMPORT_MAX_CELLS, (rows + HEADER_SEARCH_ROWS) * MAX_COLUMNS),
            xml_bytes=settings.IMPORT_MAX_XML_BYTES,
        )


def too_many_rows(limit):
    return SpreadsheetError(
        _("The file has more than %(n)s rows; split it into files of at most %(n)s rows.") % {"n": f"{limit:,}"}
    )


_SCAN_CHUNK = 1 << 20
_ROW_NUMBER_RE = re.compile(rb'\sr="[A-Z]*0*([0-9]+)"', re.IGNORECASE)
_COLUMN_RE = re.compile(rb'\sr="([A-Z]+)[0-9]', re.IGNORECASE)
_PREFIX_RE = re.compile(rb"<(\w+):sheetData\b")


def _column_number(letters):
    number = 0
    for letter in letters.upper():
        number = number * 26 + letter - 64
    return number


def _scan_sheet(part, limits):
    """The rows and columns a worksheet part spans, from its cell references, read in
    chunks without building the sheet; SpreadsheetError beyond the limits."""
    too_big = SpreadsheetError(_("The workbook is too large to import; split it into smaller files."))
    max_row = max_column = total = rows = cells = row_numbers = cell_refs = 0
    tail = b""
    cell_tags = (b"<c ", b"<c>", b"<c/>")
    row_tags = (b"<row ", b"<row>")
    while chunk := part.read(_SCAN_CHUNK):
        total += len(chunk)
        if total > limits.xml_bytes:
            raise too_big
        data = tail + chunk
        cut = data.rfind(b">") + 1  # never split a tag between two chunks
        block, tail = data[:cut], data[cut:]
        if len(tail) > _SCAN_CHUNK:
            raise too_big
        if b":sheetData" in block and (prefix := _PREFIX_RE.search(block)):
            p = prefix[1]
            cell_tags = (b"<%s:c " % p, b"<%s:c>" % p, b"<%s:c/>" % p)
            row_tags = (b"<%s:row " % p, b"<%s:row>" % p)
        numbers = _ROW_NUMBER_RE.findall(block)
        columns = _COLUMN_RE.findall(block)
        if numbers:
            # Digit strings of one length compare as numbers do (leading zeros are not captured).
            longest = len(max(numbers, key=len))
            max_row = max(max_row, int(max(n for n in numbers if len(n) == longest)))
        if columns:
            max_column = max(max_column, max(_column_number(c) for c in set(columns)))
        rows += sum(block.count(t) for t in row_tags)
        cells += sum(block.count(t) for t in cell_tags)
        row_numbers += len(numbers) - len(columns)
        cell_refs += len(columns)
    # Rows and cells written without a reference follow the one before them.
    height = max_row + max(rows - row_numbers, 0)
    width = max_column + max(cells - cell_refs, 0)
    if height > limits.rows + HEADER_SEARCH_ROWS:
        raise too_many_rows(limits.rows)
    if height * width > limits.cells:
        raise too_big


def check_xlsx_size(content, limits):
    """Refuse, before calamine reads it, a workbook whose sheets or shared strings are larger
    than the limits (a 2 KB file can declare a million rows by 26 columns: 800 MB)."""
    stream = _binary_stream(content)
    try:
        archive = zipfile.ZipFile(stream)
        parts = [
            info
            for info in archive.infolist()
            if info.filename.startswith("xl/") and info.filename.endswith(".xml")
        ]
        for info in parts:
            with archive.open(info) as part:
                if info.filename.startswith("xl/worksheets/"):
                    _scan_sheet(part, limits)
                else:  # shared strings, styles: bounded by size alone
                    total = 0
                    while chunk := part.read(_SCAN_CHUNK):
                        total += len(chunk)
                        if total > limits.xml_bytes:
                            raise SpreadsheetError(
                                _("The workbook is too large to import; split it into smaller files.")
                            )
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, NotImplementedError, ValueError) as exc:
        raise SpreadsheetError(_("The file is not a readable Excel workbook (.xlsx).")) from exc
    finally:
        stream.seek(0)


def _iter_xlsx_rows(content, limits=None):
    """The first sheet's rows one by one (python-calamine row iteration): the cells stay in
    calamine's compact form until a row is asked for, so a big sheet is never a list of lists."""
    from python_calamine import CalamineError, CalamineWorkbook

    unreadable = _("The file is not a readable Excel workbook (.xlsx).")
    check_xlsx_size(content, limits or Limits.default())
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


def _csv_delimiter(sample):
    """The delimiter: of comma, tab and semicolon, the one the first line that holds any of
    them holds most of (a title row exported by Excel, or the header row); comma on a tie.
    Only the delimiter is guessed: quoting is Excel's (csv.Sniffer misread cells holding
    quotes or tabs in the data rows)."""
    for line in sample.splitlines()[:HEADER_SEARCH_ROWS]:
        counts = [(line.count(d), -rank, d) for rank, d in enumerate(",\t;")]
        best = max(counts)
        if best[0]:
            return best[2]
    return ","


def _iter_csv_rows(content):
    """CSV rows one by one, decoded as they are read (a text wrapper over the bytes)."""
    stream = _binary_stream(content)
    encoding = _csv_encoding(stream)
    text = io.TextIOWrapper(stream, encoding=encoding, newline="")
    try:
        delimiter = _csv_delimiter(text.read(4096))
        text.seek(0)
        reader = csv.reader(text, csv.excel, delimiter=delimiter)
        try:
            yield from reader
        except csv.Error as exc:
            # e.g. a cell longer than the csv module's limit (128 KiB): refused, not kept.
            raise SpreadsheetError(
                _("Row %(row)d: the line cannot be read as CSV (%(reason)s).")
                % {"row": reader.line_num, "reason": _("a cell is far too long") if "field limit" in str(exc) else exc}
            ) from None
    except UnicodeDecodeError as exc:
        raise SpreadsheetError(_("The CSV file is neither UTF-8 nor GB18030 encoded.")) from exc
    finally:
        text.detach()  # leave the caller's stream open


def iter_rows(content, filename, *, limits=None):
    """The cells of the first sheet, row by row, as lists; xlsx/xlsm or csv by file name.
    `content` is bytes or an open binary file. An xlsx larger than `limits` (default: the
    large-import limits) is refused before it is read."""
    suffix = Path(filename or "").suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        return _iter_xlsx_rows(content, limits)
    if suffix in (".csv", ".txt"):
        return _iter_csv_rows(content)
    raise SpreadsheetError(_("Unsupported file type %(suffix)s: upload .xlsx or .csv.") % {"suffix": suffix})


def _header_index(rows, markers):
    for index, row in enumerate(rows):
        cells = {cell_text(c) for c in row}
        if all(name in cells for name in markers):
            return index
    raise SpreadsheetError(
        _("No header row found: the sheet needs the columns %(columns)s.")
        % {"columns": "、".join(markers)}
    )


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


def open_table(content, filename, *, header_markers, limits=None):
    """Find the header among the first rows and return a StreamTable over the rest: memory
    stays flat whatever the number of rows. Reading errors surface as SpreadsheetError,
    also while iterating; so does a row beyond `limits.rows` (default: the large-import
    limits)."""
    limits = limits or Limits.default()
    raw_rows = iter_rows(content, filename, limits=limits)
    head = list(itertools.islice(raw_rows, HEADER_SEARCH_ROWS))
    header_index = _header_index(head, header_markers)
    headers = [cell_text(c) for c in head[header_index]]
    width = len(headers)
    named = [(i, h) for i, h in enumerate(headers) if h]

    def rows():
        numbered = enumerate(itertools.chain(head[header_index + 1 :], raw_rows), start=header_index + 2)
        last = header_index + 1 + limits.rows
        for number, raw in numbered:
            if number > last:
                raise too_many_rows(limits.rows)
            if len(raw) < width:
                raw = list(raw) + [None] * (width - len(raw))
            if all(cell_text(v) == "" for v in raw[:width]):
                continue
            yield number, {h: raw[i] for i, h in named}

    return StreamTable(headers=headers, header_row=header_index + 1, row_iter=rows())


def read_table(content, filename, *, header_markers, limits=None):
    """Read a sheet into a Table; blank rows are dropped, row numbers kept. The whole sheet
    is held, so the default limits are the small-import ones."""
    limits = limits or Limits.default(large=False)
    stream = open_table(content, filename, header_markers=header_markers, limits=limits)
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
            raise ValueError(f"{message}（{shown(text)}）")
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
            raise ValueError(_("“%(value)s” is not a date: write it as YYYY-MM-DD.") % {"value": shown(value)})
        year = int(match["y"])
        if year < 100:
            year += 2000
        try:
            return dt.date(year, int(match["m"]), int(match["d"]))
        except ValueError as exc:
            raise ValueError(_("%(value)s: no such date.") % {"value": shown(value)}) from exc


class MoneyWidget(widgets.DecimalWidget):
    """A non-negative amount in yuan, to the cent; accepts text such as '2,500.00' or '2500元'."""

    def __init__(self, *, min_value=Decimal("0"), max_value=None, max_digits=10):
        super().__init__(coerce_to_string=True)
        self.min_value = min_value
        # At most what a DecimalField(max_digits, decimal_places=2) stores (pay bases: 10).
        largest = Decimal(10) ** (max_digits - 2) - Decimal("0.01")
        self.max_value = largest if max_value is None else min(max_value, largest)

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
            raise ValueError(_("“%(value)s” is not a number.") % {"value": shown(text)}) from exc
        if not amount.is_finite():
            raise ValueError(_("“%(value)s” is not a number.") % {"value": shown(text)})
        # The range first: quantizing 1e30 or 1e500000 would itself fail.
        if self.min_value is not None and amount < self.min_value:
            raise ValueError(_("Must not be negative."))
        if self.max_value is not None and amount > self.max_value:
            raise ValueError(_("Must not exceed %(max)s.") % {"max": self.max_value})
        if amount.as_tuple().exponent < -2 and amount != amount.quantize(Decimal("0.01")):
            raise ValueError(_("At most 2 decimal places."))
        return amount.quantize(Decimal("0.01"))


def escape_formula(value):
    """Neutralise a text cell that Excel would run as a formula (CSV/formula injection)."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def safe_cell(value):
    """A value as every export writes it: text without the control characters Excel and
    openpyxl refuse (one of them made a whole export fail), and with a leading apostrophe
    when it would start a formula (=, +, -, @, tab, CR, LF). Numbers, dates and None stay
    as they are, so sums still work in Excel."""
    if isinstance(value, Promise):
        value = str(value)
    if isinstance(value, str):
        if has_control_characters(value):
            value = CONTROL_CHARACTERS_RE.sub("", value)
        return escape_formula(value)
    return value


def safe_dataset(dataset):
    """A copy of the dataset with every cell (and header) made safe by `safe_cell`."""
    headers = [safe_cell(h) for h in dataset.headers] if dataset.headers else dataset.headers
    title = CONTROL_CHARACTERS_RE.sub("", str(dataset.title)) if dataset.title else dataset.title
    safe = tablib.Dataset(headers=headers, title=title)
    for row in dataset:
        safe.append([safe_cell(v) for v in row])
    return safe


def export_bytes(dataset, file_format="xlsx"):
    """The dataset as xlsx or csv bytes (csv with BOM so Excel opens it as UTF-8)."""
    dataset = safe_dataset(dataset)
    if file_format == "csv":
        return ("\ufeff" + CSV().export_data(dataset)).encode("utf-8")
    return XLSX().export_data(dataset)


XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def xlsx_response(datasets, filename):
    """A download of one dataset, or a workbook of several (a sheet each), every cell made
    safe by `safe_cell`. `filename` gets ".xlsx" unless it has it."""
    if isinstance(datasets, tablib.Dataset):
        content = export_bytes(datasets, "xlsx")
    else:
        content = tablib.Databook([safe_dataset(d) for d in datasets]).export("xlsx")
    if not filename.endswith(".xlsx"):
        filename += ".xlsx"
    response = HttpResponse(content, content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = content_disposition_header(True, filename)
    return response
