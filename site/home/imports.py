"""All-or-nothing spreadsheet imports, shared by every app.

An import validates every row and writes nothing unless every row is valid; errors read
`第N行 列名: 原因`. Most imports read the whole file into a Table; the big ones
(`streaming=True`: attendance, ratings) get a StreamTable and validate and write in chunks
inside one transaction that is rolled back on any error (`import_rows_in_chunks`). Each app describes its
import as a `SpreadsheetImport` and registers it with the `register_spreadsheet_import`
Wagtail hook; the management commands and the admin's upload → preview → confirm
screens (home.import_views) both run it through `run_import`.
"""

import math
from dataclasses import dataclass, field

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _
from import_export.widgets import ForeignKeyWidget
from wagtail import hooks

from .batch import gc_paused
from .spreadsheets import MAX_CELL_CHARS, Limits, SpreadsheetError, cell_text, open_table, read_table
from .validators import CONTROL_CHARACTERS_MESSAGE, has_control_characters

SPREADSHEET_IMPORT_HOOK = "register_spreadsheet_import"
# Errors listed by a streaming import; the rest are counted (a wrong column in a million-row
# file must not make a million messages).
MAX_LISTED_ERRORS = 200


@dataclass(frozen=True)
class RowError:
    row: int
    column: str
    message: str

    def __str__(self):
        return _("Row %(row)d %(column)s: %(message)s") % {
            "row": self.row,
            "column": self.column,
            "message": self.message,
        }


@dataclass
class ImportResult:
    total: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[RowError] = field(default_factory=list)
    # Errors found beyond MAX_LISTED_ERRORS (see add_errors): counted, not listed.
    errors_omitted: int = 0
    # What the import would create besides its own rows, e.g. {"服务中心": ["城南…"]}.
    side_effects: dict[str, list[str]] = field(default_factory=dict)
    # The first rows for the preview: (row number, status, {column: text}).
    preview: list[tuple[int, str, dict]] = field(default_factory=list)
    # What the import changes in existing records, one line each ("第3行 CD1001 王芳：
    # 绩效工资基数 1850.00 → 2500.00，自 2026-12-01 起").
    changes: list[str] = field(default_factory=list)
    dry_run: bool = True

    @property
    def ok(self):
        return not self.errors

    @property
    def error_count(self):
        return len(self.errors) + self.errors_omitted

    def add_errors(self, errors, *, limit=MAX_LISTED_ERRORS):
        """Append errors, listing at most `limit` and counting the others."""
        room = max(limit - len(self.errors), 0)
        self.errors.extend(errors[:room])
        self.errors_omitted += max(len(errors) - room, 0)

    def summary(self):
        return {
            "total": self.total,
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "errors": self.error_count,
        }


class RowCleaner:
    """Cleans raw rows with a django-import-export Resource's fields and widgets.

    The Resource stays the single description of the layout (column names, widgets);
    this reads it for the set-based path, collecting every error instead of stopping.
    Foreign keys are not looked up here (a query per row): their cells come back as
    text keys for the caller to resolve with one query per table.
    """

    def __init__(self, resource, *, required_columns):
        self.fields = [f for f in resource.get_import_fields() if f.column_name and not f.readonly]
        self.required_columns = set(required_columns)

    def display(self, values):
        """Cleaned values keyed by column name, as text, for previews."""
        shown = {}
        for fld in self.fields:
            value = values.get(fld.attribute)
            shown[fld.column_name] = "" if value is None else str(value)
        return shown

    def missing_columns(self, table):
        return [c for c in sorted(self.required_columns) if c not in table.headers]

    def clean(self, row_number, raw, errors):
        values = {}
        for fld in self.fields:
            if fld.column_name not in raw:
                continue
            problem = cell_problem(raw.get(fld.column_name))
            if problem:
                errors.append(RowError(row_number, fld.column_name, problem))
                continue
            try:
                if isinstance(fld.widget, ForeignKeyWidget):
                    value = cell_text(raw.get(fld.column_name))
                    max_length = _key_max_length(fld.widget)
                    if max_length and len(value) > max_length:
                        raise ValueError(_("At most %(n)d characters.") % {"n": max_length})
                else:
                    value = fld.widget.clean(raw.get(fld.column_name), row=raw)
            except ValueError as exc:
                errors.append(RowError(row_number, fld.column_name, str(exc)))
                continue
            except ArithmeticError:  # OverflowError, decimal.InvalidOperation: a number far out of range
                errors.append(RowError(row_number, fld.column_name, _("The value is out of range.")))
                continue
            if value in (None, "") and fld.column_name in self.required_columns:
                errors.append(RowError(row_number, fld.column_name, _("This column must not be empty.")))
                continue
            values[fld.attribute] = value
        return values


def _key_max_length(widget):
    """The length a foreign key's text may have (a new centre or vendor is created with it)."""
    try:
        return widget.model._meta.get_field(widget.field).max_length
    except Exception:  # noqa: BLE001 - a key through a relation path: no bound known
        return None


def cell_problem(value):
    """Why a raw cell is refused whatever its column, or None: text longer than an Excel
    cell holds, or with control characters (NUL cannot even be stored in PostgreSQL)."""
    if isinstance(value, str):
        if len(value) > MAX_CELL_CHARS:
            return _("The cell holds more than %(n)d characters, more than Excel allows in a cell.") % {
                "n": MAX_CELL_CHARS
            }
        if has_control_characters(value):
            return str(CONTROL_CHARACTERS_MESSAGE)
    elif isinstance(value, float) and not math.isfinite(value):
        return _("Not a number.")
    return None


def duplicate_key_errors(rows, key, column):
    """Errors for rows whose key already appeared in an earlier row of the file."""
    first_seen = {}
    errors = []
    for row_number, values in rows:
        value = values.get(key)
        if not value:
            continue
        if value in first_seen:
            errors.append(
                RowError(
                    row_number,
                    column,
                    _("%(value)s appears again (first on row %(first)d).")
                    % {"value": value, "first": first_seen[value]},
                )
            )
        else:
            first_seen[value] = row_number
    return errors


class _Rollback(Exception):
    """Raised inside a chunked import's transaction to undo what earlier chunks wrote."""


def import_rows_in_chunks(table, result, *, clean_row, process, chunk_size, dry_run, finish=None):
    """Run a streaming import's rows through one transaction, all or nothing: each row of
    `table` is counted in `result.total` and cleaned by `clean_row(row number, raw, errors)`,
    which returns its values and appends its RowErrors to `errors`; every `chunk_size` rows,
    and once for the rest, `process([(row number, values)], errors)` checks them and writes
    them unless dry_run or `result` has errors. Then `finish()`, if given. Everything written
    is rolled back on dry_run or any error, and a rejected file keeps no counts nor preview."""
    try:
        with transaction.atomic():
            rows, errors = [], []
            for row_number, raw in table.rows:
                result.total += 1
                rows.append((row_number, clean_row(row_number, raw, errors)))
                if len(rows) >= chunk_size:
                    process(rows, errors)
                    rows, errors = [], []
            process(rows, errors)
            if finish is not None:
                finish()
            if result.errors or dry_run:
                raise _Rollback
    except _Rollback:
        pass
    if result.errors:
        result.preview = []
        result.created = result.updated = result.unchanged = 0


@dataclass(frozen=True)
class SpreadsheetImport:
    """An import the admin and the commands can run.

    `run(table, dry_run=...)` validates the table and, unless dry_run or any error,
    writes it; it returns an ImportResult.
    """

    key: str
    label: str
    permission: str
    # The header row is the first row holding all of these (title rows may precede it).
    header_markers: tuple[str, ...]
    required_headers: tuple[str, ...]
    all_headers: tuple[str, ...]
    run: callable
    help_text: str = ""
    # run() gets a StreamTable (rows read one by one) instead of a Table.
    streaming: bool = False
    # Data rows a file may have; None: settings.IMPORT_MAX_ROWS when streaming, else
    # settings.IMPORT_MAX_ROWS_SMALL (the whole table is held).
    max_rows: int | None = None
    # () -> [(label, url)]: narrower imports of the same layout offered on the upload page
    # (e.g. straight into one question bank, without a 题库 column).
    alternatives: callable = None


def registered_imports():
    imports = {}
    for hook in hooks.get_hooks(SPREADSHEET_IMPORT_HOOK):
        spec = hook()
        imports[spec.key] = spec
    return imports


def get_import(key):
    return registered_imports().get(key)


def _cap_errors(result):
    """List at most MAX_LISTED_ERRORS errors (the first ones); count the rest."""
    extra = len(result.errors) - MAX_LISTED_ERRORS
    if extra > 0:
        del result.errors[MAX_LISTED_ERRORS:]
        result.errors_omitted += extra
    return result


def run_import(spec, content, filename, *, dry_run, user=None):
    """Read the file and run the import; a file that cannot be read is one error on row 1.
    `content` is bytes or an open binary file."""
    reader = open_table if spec.streaming else read_table
    limits = Limits.default(large=spec.streaming)
    if spec.max_rows:
        limits = Limits(rows=spec.max_rows, cells=limits.cells, xml_bytes=limits.xml_bytes)
    try:
        table = reader(content, filename, header_markers=spec.header_markers, limits=limits)
    except SpreadsheetError as exc:
        return ImportResult(errors=[RowError(1, _("File"), str(exc))], dry_run=dry_run)
    try:
        # A large import keeps many rows alive between its chunks: the cyclic collector
        # walking them again and again was a fifth of a million-rating import.
        with gc_paused():
            return _cap_errors(spec.run(table, dry_run=dry_run, user=user))
    except SpreadsheetError as exc:
        # A streamed file that turns out unreadable half-way: the import's transaction
        # was rolled back.
        return ImportResult(
            total=len(table), errors=[RowError(table.header_row, _("File"), str(exc))], dry_run=dry_run
        )
    except IntegrityError:
        # Another import wrote the same keys at the same moment: nothing of ours was kept.
        return ImportResult(
            total=len(table),
            errors=[RowError(table.header_row, _("File"), _("Another import changed the same records at the same time; nothing was written. Try again."))],
            dry_run=dry_run,
        )

