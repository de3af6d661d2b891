"""Reading spreadsheets row by row (home.spreadsheets.open_table) and the error cap of
streaming imports (home.imports.ImportResult.add_errors)."""

import io

import pytest
from openpyxl import Workbook

from home.imports import MAX_LISTED_ERRORS, ImportResult, RowError
from home.spreadsheets import SpreadsheetError, open_table, read_table


def _xlsx(rows):
    workbook = Workbook()
    for row in rows:
        workbook.active.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def test_open_table_finds_the_header_after_title_rows_and_keeps_row_numbers():
    content = _xlsx([["每日统计"], ["统计日期"], ["工号", "日期", None, "备注"], ["A1", "2026-10-08"], [None, None], ["A2", "2026-10-09", "x", "y"]])
    table = open_table(content, "f.xlsx", header_markers=("工号", "日期"))
    assert table.header_row == 3 and table.headers == ["工号", "日期", "", "备注"]
    rows = list(table.rows)
    assert rows == [(4, {"工号": "A1", "日期": "2026-10-08", "备注": ""}), (6, {"工号": "A2", "日期": "2026-10-09", "备注": "y"})]
    assert len(table) == 2
    assert read_table(content, "f.xlsx", header_markers=("工号",)).rows == rows


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030"])
def test_open_table_reads_csv_as_a_stream_in_each_encoding(encoding):
    text = "工号;姓名\nA1;张三\n\nA2;李四\n"
    table = open_table(io.BytesIO(text.encode(encoding)), "f.csv", header_markers=("工号",))
    assert list(table.rows) == [(2, {"工号": "A1", "姓名": "张三"}), (4, {"工号": "A2", "姓名": "李四"})]


def test_a_file_that_is_not_a_workbook_is_refused():
    with pytest.raises(SpreadsheetError):
        open_table(b"not a zip", "f.xlsx", header_markers=("工号",))
    with pytest.raises(SpreadsheetError):
        open_table("工号\n".encode("utf-16"), "f.csv", header_markers=("工号",))


def test_errors_beyond_the_cap_are_counted():
    result = ImportResult()
    result.add_errors([RowError(n, "工号", "x") for n in range(MAX_LISTED_ERRORS - 1)])
    result.add_errors([RowError(n, "工号", "x") for n in range(5)])
    assert len(result.errors) == MAX_LISTED_ERRORS and result.errors_omitted == 4
    assert result.summary()["errors"] == MAX_LISTED_ERRORS + 4 and not result.ok
