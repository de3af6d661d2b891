"""HR's pay month in the browser (issue 13, items 6 and 7): a roster with 生效日期 shows each
change before → after in the preview; the approved month's page downloads 导出绩效工资表,
whose figures are numbers with two decimals, a 合计 row and the approval stamp.
Screenshots illustrate docs/hr.md and docs/evaluations.md."""

import datetime as dt
import io
import re
from decimal import Decimal

import openpyxl
import pytest

from assessment import services
from assessment.models import EvaluationPeriod
from people import roles
from people.models import StaffPayBase
from tests import factories
from tests.assessment import builders
from tests.browser.helpers import admin_log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

HEADERS = ["工号", "姓名", "服务中心", "入职日期", "绩效工资基数", "生效日期"]


def roster(rows):
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(HEADERS)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def upload(page, base_url, name, content):
    page.goto(f"{base_url}/admin/imports/staff/")
    page.set_input_files(
        "input[type=file]",
        {"name": name, "mimeType": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "buffer": content},
    )
    page.get_by_role("button", name="校验文件").click()
    page.wait_for_url(re.compile(r"/admin/imports/staff/\d+/$"))


def test_hr_sees_dated_changes_and_downloads_the_approved_pay_sheet(live_server, new_page, screenshot):
    factories.ensure_roles()
    factories.make_home_page()
    hr = factories.make_user_with_role(roles.HR, "hr", first_name="晓燕", last_name="周")
    base = live_server.url
    page = new_page()
    admin_log_in(page, base, "hr")

    hired = dt.date(2024, 3, 1)
    upload(page, base, "名册.xlsx", roster([("CD1001", "孟芳嘉", "城东政务服务中心", hired, 1850, None)]))
    page.get_by_role("button", name="确认导入").click()
    page.wait_for_selector("[data-import-status=imported]")
    person = StaffPayBase.objects.select_related("staff").get().staff
    builders.make_normal_days(person, range(1, 31))

    # October is computed and approved; then December's roster raises the base from 12-01.
    services.evaluations_compute(period="2026-10", user=hr)
    services.period_review(period="2026-10", user=hr)
    services.period_approve(period="2026-10", user=hr, signed_off=True)
    upload(page, base, "十二月名册.xlsx", roster([("CD1001", "孟芳嘉", "城西政务服务中心", hired, 2500, dt.date(2026, 12, 1))]))
    changes = page.locator("[data-import-changes]").inner_text()
    assert "绩效工资基数 1850.00 → 2500.00，自 2026-12-01 起" in changes
    assert "服务中心 城东政务服务中心 → 城西政务服务中心，自 2026-12-01 起" in changes
    screenshot(page, "admin-import-changes", full_page=True)
    page.get_by_role("button", name="确认导入").click()
    page.wait_for_selector("[data-import-status=imported]")

    period = EvaluationPeriod.objects.get(month="2026-10")
    page.goto(f"{base}/admin/evaluations/months/inspect/{period.pk}/")
    page.locator("[data-status=approved]").wait_for()
    screenshot(page, "evaluation-month-approved")
    with page.expect_download() as download_info:
        page.locator("[data-pay-sheet]").click()
    download = download_info.value
    assert download.suggested_filename == "pay-sheet-2026-10.xlsx"
    with open(download.path(), "rb") as handle:
        book = openpyxl.load_workbook(io.BytesIO(handle.read()))
    sheet = book["绩效工资"]
    rows = [[cell for cell in row] for row in sheet.iter_rows()]
    header = [cell.value for cell in rows[0]]
    person_row = dict(zip(header, rows[1], strict=False))
    # October keeps October's base, whatever December's roster says.
    assert Decimal(str(person_row["绩效工资基数"].value)) == Decimal("1850")
    assert person_row["绩效工资"].number_format == "0.00"
    assert rows[2][0].value == "合计"
    assert any(str(row[0].value).startswith("审批：周晓燕") for row in rows[3:] if row[0].value)
