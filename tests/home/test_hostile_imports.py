"""Issue 12, item 6: hostile spreadsheets get row errors, never a 500, in bounded memory.

NUL in a name crashed the confirm step on PostgreSQL; 1e30 as a pay base crashed on the
column's max_digits; a 2 KB xlsx declaring a million rows made calamine allocate the whole
rectangle; a CSV cell over 128 KiB raised csv.Error; a million bad rows listed a million
messages."""

import io
import time
import zipfile
from datetime import date

import openpyxl
import pytest
from django.test import override_settings

from assessment.models import Rating
from exams.models import Question
from home.imports import MAX_LISTED_ERRORS, get_import, run_import
from home.spreadsheets import SpreadsheetError, open_table
from people.imports import STAFF_ROSTER_IMPORT
from people.models import ServiceCentre, StaffProfile

pytestmark = pytest.mark.django_db

ROSTER = ["工号", "姓名", "手机号", "身份证号", "服务中心", "窗口编号", "窗口名称", "用工单位", "岗位", "入职日期", "绩效工资基数"]
RATINGS = "办件编号,评价次数,评价时间,经办人工号,窗口编号,事项名称,评价等级,评价渠道,评价内容\n"


def roster_row(staff_no, **overrides):
    row = {
        "工号": staff_no, "姓名": "王芳", "手机号": "13800138000", "身份证号": "110101199003071234",
        "服务中心": "城东政务服务中心", "窗口编号": "01-01", "窗口名称": "企业开办窗口",
        "用工单位": "安信人力资源有限公司", "岗位": "企业开办", "入职日期": date(2021, 3, 1), "绩效工资基数": 2000,
    }
    row.update(overrides)
    return row


def xlsx(rows, headers=ROSTER):
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(headers)
    for row in rows:
        sheet.append([row.get(h) for h in headers] if isinstance(row, dict) else row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def roster(content, name="roster.xlsx", dry_run=False):
    return run_import(STAFF_ROSTER_IMPORT, content, name, dry_run=dry_run)


def messages(result):
    return [str(e) for e in result.errors]


def test_nul_in_a_name_or_a_centre_is_a_row_error_and_nothing_is_written():
    # openpyxl refuses to write NUL, so the cells come through CSV (as HR's exports may).
    text = ",".join(ROSTER) + "\n"
    text += "A1,王\x00芳,13800138000,110101199003071234,城东政务服务中心,01-01,企业开办窗口,安信,企业开办,2021-03-01,2000\n"
    text += "A2,李四,13800138001,110101199003071234,城东\x00中心,01-02,综合窗口,安信,企业开办,2021-03-01,2000\n"
    result = roster(text.encode(), "roster.csv")
    assert not result.ok
    found = messages(result)
    assert any(m.startswith("第2行 姓名") and "控制字符" in m for m in found), found
    assert any(m.startswith("第3行 服务中心") and "控制字符" in m for m in found), found
    assert not StaffProfile.objects.exists() and not ServiceCentre.objects.exists()


def test_a_pay_base_of_1e30_or_nan_is_a_row_error():
    result = roster(xlsx([roster_row("A1", 绩效工资基数="1e30"), roster_row("A2", 绩效工资基数="NaN"),
                          roster_row("A3", 绩效工资基数=1e30), roster_row("A4", 绩效工资基数="1e500000")]))
    found = messages(result)
    assert [m.split(" ")[0] for m in found] == ["第2行", "第3行", "第4行", "第5行"], found
    assert all("绩效工资基数" in m for m in found)
    assert not StaffProfile.objects.exists()


def test_a_cell_over_excels_limit_is_refused_in_xlsx_and_csv():
    huge = "长" * (128 * 1024 + 1)
    result = roster(xlsx([roster_row("A1", 姓名=huge)]))
    assert not result.ok
    assert messages(result)[0].startswith("第2行 姓名")
    assert all(len(m) < 300 for m in messages(result))  # the cell is not echoed back
    text = ",".join(ROSTER) + "\nA1," + "x" * (140 * 1024) + ",13800138000\n"
    result = roster(text.encode(), "roster.csv")
    assert not result.ok and "第2行" in messages(result)[0]
    assert all(len(m) < 300 for m in messages(result))


def test_a_centre_name_longer_than_the_column_is_a_row_error():
    result = roster(xlsx([roster_row("A1", 服务中心="中" * 101)]))
    assert any(m.startswith("第2行 服务中心") for m in messages(result))
    assert not ServiceCentre.objects.exists()


def test_ratings_with_nan_infinite_or_absurd_levels_and_times_are_row_errors(staff_member, window):
    rows = [
        ["R1", 1, "2026-10-08 10:00", staff_member.staff_no, window.code, "社保", "NaN", "短信", ""],
        ["R2", 1, "2026-10-08 10:00", staff_member.staff_no, window.code, "社保", "1e500000", "短信", ""],
        ["R3", 1, "2026-10-08 10:00", staff_member.staff_no, window.code, "社保", float("inf"), "短信", ""],
        ["R4", "inf", "2026-10-08 10:00", staff_member.staff_no, window.code, "社保", "满意", "短信", ""],
        ["R5", 1, 1e300, staff_member.staff_no, window.code, "社保", "满意", "短信", ""],
        ["R6", 1, "0001-01-01 00:00", staff_member.staff_no, window.code, "社保", "满意", "短信", ""],
    ]
    headers = RATINGS.strip().split(",")
    started = time.monotonic()
    result = run_import(get_import("ratings"), xlsx(rows, headers), "r.xlsx", dry_run=False)
    assert time.monotonic() - started < 5
    rows_with_errors = sorted({e.row for e in result.errors})
    assert rows_with_errors == [2, 3, 4, 5, 6, 7], messages(result)
    # openpyxl cannot even write a control character: HR's CSV can carry one.
    text = RATINGS + f"R7,1,2026-10-08 10:00,{staff_member.staff_no},{window.code},社保,满意,短信,好\x07\n"
    result = run_import(get_import("ratings"), text.encode(), "r.csv", dry_run=False)
    assert [e.row for e in result.errors] == [2] and "控制字符" in messages(result)[0]
    assert not Rating.objects.exists()


def _sparse_xlsx(far_cell):
    """A few hundred bytes declaring a sheet that runs to `far_cell` (as a hostile file does)."""
    sheet = (
        '<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        '<sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>工号</t></is></c><c r="B1" t="inlineStr"><is><t>姓名</t></is></c>'
        f'<c r="{far_cell}" t="inlineStr"><is><t>x</t></is></c></row></sheetData></worksheet>'
    )
    parts = {
        "[Content_Types].xml": '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>',
        "_rels/.rels": '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>',
        "xl/workbook.xml": '<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>',
        "xl/_rels/workbook.xml.rels": '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>',
        "xl/worksheets/sheet1.xml": sheet,
    }
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in parts.items():
            archive.writestr(name, text)
    return buffer.getvalue()


@pytest.mark.parametrize("far_cell", ["Z1000000", "XFD1048576", "C2000000", "XFD100000"])
def test_a_tiny_xlsx_declaring_a_huge_sheet_is_refused_before_it_is_read(far_cell):
    content = _sparse_xlsx(far_cell)
    assert len(content) < 3000
    started = time.monotonic()
    result = roster(content)
    assert time.monotonic() - started < 2  # calamine would allocate 800 MB … 500 GB first
    assert not result.ok
    assert "拆分" in messages(result)[0]


def test_a_million_real_rows_are_refused_at_the_row_limit_while_streaming():
    text = RATINGS + "".join(f"T{i},1,2026-10-08 10:00,S1,01-01,社保,满意,短信,\n" for i in range(30))
    with override_settings(IMPORT_MAX_ROWS=10):
        result = run_import(get_import("ratings"), text.encode(), "r.csv", dry_run=True)
    assert not result.ok
    assert "超过 10 行" in messages(result)[0]
    with override_settings(IMPORT_MAX_ROWS_SMALL=5):
        result = roster(xlsx([roster_row(f"A{i}") for i in range(8)]))
    assert not result.ok and "超过 5 行" in messages(result)[0]


def test_open_table_stops_at_the_limit_without_reading_the_rest():
    from home.spreadsheets import Limits

    rows = ("h1,h2\n" + "a,b\n" * 100).encode()
    table = open_table(rows, "x.csv", header_markers=("h1",), limits=Limits(rows=10, cells=10**6, xml_bytes=10**6))
    with pytest.raises(SpreadsheetError):
        list(table.rows)
    assert table.count == 10


def test_listed_errors_are_capped_with_a_total():
    rows = [roster_row(f"A{i}", 手机号="123") for i in range(MAX_LISTED_ERRORS + 50)]
    result = roster(xlsx(rows))
    assert len(result.errors) == MAX_LISTED_ERRORS
    assert result.error_count >= MAX_LISTED_ERRORS + 50


def test_question_and_training_imports_refuse_nul_cells(staff_member):
    questions = "题库,题型,题干,选项A,选项B,答案\n题库一,单选,题干\x00一,甲,乙,A\n"
    result = run_import(get_import("questions"), questions.encode(), "q.csv", dry_run=False)
    assert not result.ok and "控制字符" in messages(result)[0]
    assert not Question.objects.exists()
    training = f"工号,培训名称,日期,学时,形式\n{staff_member.staff_no},消防\x00培训,2026-10-08,2,线下\n"
    result = run_import(get_import("training"), training.encode(), "t.csv", dry_run=False)
    assert not result.ok and "控制字符" in messages(result)[0]
