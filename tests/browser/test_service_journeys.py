"""Service records in the browser: a citizen rates a window on a phone (a bad rating opens a
case), and a supervisor works that case in the admin. Screenshots illustrate
docs/service-records.md."""

import re
from pathlib import Path

import pytest

from assessment.models import AttendanceDay, BadReviewCase
from people import roles
from tests import factories
from tests.browser.helpers import admin_log_in, log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

MOBILE = {"width": 390, "height": 844}


@pytest.fixture
def hall(transactional_db):
    factories.ensure_roles()
    factories.make_home_page()
    centre = factories.make_centre("城东政务服务中心")
    window = factories.make_window("01-01", centre=centre, name="综合受理窗口")
    staff = factories.make_staff("CD1001", name="陈思雨", window=window)
    supervisor = factories.make_user_with_role(roles.SUPERVISOR, "supervisor-b", first_name="督查员")
    centre.supervisors.add(supervisor)
    return {"window": window, "staff": staff, "supervisor": supervisor}


def test_citizen_rates_a_window_on_a_phone_and_a_supervisor_handles_the_case(live_server, hall, new_page, screenshot):
    page = new_page(viewport=MOBILE)
    page.goto(f"{live_server.url}/rate/01-01/")
    assert "综合受理窗口" in page.content()
    reasons = page.locator("[data-rate-reasons]")
    assert reasons.is_hidden()  # shown only for a bad rating
    screenshot(page, "rate-phone", full_page=True)

    page.get_by_label("非常不满意").check()
    reasons.wait_for(state="visible")
    page.get_by_label("等待时间太长").check()
    page.get_by_label("陈思雨").check()  # the name only: 工号 is a login name
    assert "CD1001" not in page.content()
    screenshot(page, "rate-phone-bad", full_page=True)
    page.get_by_role("button", name="提交评价").click()
    page.wait_for_url(re.compile(r"/rate/01-01/thanks/"))
    page.locator("[data-rated]").wait_for()

    case = BadReviewCase.objects.get()
    assert case.staff == hall["staff"] and case.rating.reasons == "等待时间太长"

    admin = new_page()
    admin_log_in(admin, live_server.url, "supervisor-b")
    admin.goto(f"{live_server.url}/admin/service-records/cases/")
    admin.locator("[data-case-list]").wait_for()
    screenshot(admin, "cases-list")
    admin.get_by_role("link", name=case.number).click()
    admin.wait_for_url(re.compile(rf"/cases/{case.pk}/$"))
    admin.fill("textarea[name=verify_note]", "调取录像，当日排队较长")
    admin.fill("textarea[name=revisit_note]", "已电话回访群众，致歉并说明")
    admin.get_by_role("button", name="保存核实情况").click()
    admin.locator("textarea[name=rectify_note]").wait_for()
    admin.fill("textarea[name=rectify_note]", "高峰时段增开窗口")
    admin.get_by_role("button", name="保存整改情况").click()
    admin.locator("textarea[name=feedback_note]").wait_for()
    admin.fill("textarea[name=feedback_note]", "已向群众反馈整改情况")
    admin.select_option("select[name=outcome]", "confirmed")
    screenshot(admin, "case-close")
    admin.get_by_role("button", name="办结工单").click()
    admin.locator("[data-case-outcome]", has_text="属实").wait_for()
    case.refresh_from_db()
    assert case.status == BadReviewCase.Status.CLOSED and case.outcome == "confirmed"

    # The staff member sees the case in their portal (never who rated) and appeals.
    staff_page = new_page(viewport=MOBILE)
    log_in(staff_page, live_server.url, "CD1001", landing=re.compile(r"/me/$"))
    staff_page.get_by_role("link", name=re.compile("我的服务记录")).click()
    staff_page.wait_for_url(re.compile(r"/me/records/"))
    staff_page.locator("[data-valid-ratings]").wait_for()
    screenshot(staff_page, "my-records", full_page=True)
    staff_page.get_by_role("link", name=case.number).click()
    staff_page.wait_for_url(re.compile(rf"/me/records/cases/{case.pk}/$"))
    staff_page.fill("textarea[name=text]", "当日系统故障导致排队，非本人服务问题")
    staff_page.get_by_role("button", name="提交申诉").click()
    staff_page.locator("[data-appeal-status]", has_text="申诉待处理").wait_for()
    case.refresh_from_db()
    assert case.appeal_status == "pending"


SAMPLE = Path(__file__).resolve().parent.parent / "assessment" / "samples" / "attendance_dingtalk_daily_2026-10.xlsx"


def test_hr_imports_the_dingtalk_sample_and_sees_the_monthly_sheet(live_server, new_page, screenshot):
    factories.ensure_roles()
    factories.make_home_page()
    east = factories.make_centre("城东政务服务中心")
    for i in range(1, 31):
        factories.make_staff(f"CD{1000 + i}", centre=east)
    factories.make_user_with_role(roles.HR, "hr-b", first_name="人事")
    base = live_server.url
    page = new_page()
    admin_log_in(page, base, "hr-b")

    page.goto(f"{base}/admin/imports/attendance/")
    page.set_input_files(
        "input[type=file]",
        {
            "name": SAMPLE.name,
            "mimeType": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            "buffer": SAMPLE.read_bytes(),
        },
    )
    page.get_by_role("button", name="校验文件").click()
    page.wait_for_url(re.compile(r"/admin/imports/attendance/\d+/$"))
    assert "930" in page.locator("[data-import-summary]").inner_text()
    screenshot(page, "attendance-import-preview")
    page.get_by_role("button", name="确认导入").click()
    page.wait_for_selector("[data-import-status=imported]")
    assert AttendanceDay.objects.count() == 930

    page.goto(f"{base}/admin/service-records/attendance/?month=2026-10")
    sheet = page.locator("[data-monthly-sheet]")
    sheet.wait_for()
    assert "CD1030" in sheet.inner_text()
    screenshot(page, "attendance-monthly-sheet")
    page.get_by_role("link", name="CD1001").click()
    page.wait_for_url(re.compile(r"/attendance/CD1001/"))
    page.locator("[data-person-month]").wait_for()
    assert "审批" in page.locator("[data-person-month]").inner_text()
    screenshot(page, "attendance-person-month", full_page=True)


    # A day DingTalk did not export: HR adds it from the person's month, with a reason.
    AttendanceDay.objects.filter(staff__staff_no="CD1001", date="2026-10-09").delete()
    page.reload()
    page.locator("[data-add-day='2026-10-09']").click()
    page.wait_for_url(re.compile(r"/attendance/CD1001/add-day/\?date=2026-10-09$"))
    page.fill("input[name=in1]", "09:12")
    page.fill("input[name=out1]", "17:35")
    page.fill("input[name=reason]", "钉钉未导出该日记录")
    screenshot(page, "attendance-add-day")
    page.get_by_role("button", name="补录该日").click()
    page.wait_for_url(re.compile(r"/attendance/CD1001/\?month=2026-10$"))
    page.locator("[data-person-month]").wait_for()
    added = AttendanceDay.objects.get(staff__staff_no="CD1001", date="2026-10-09")
    assert (added.status, added.late_minutes, added.source) == ("late", 12, "manual")
    assert added.corrections.get().reason == "钉钉未导出该日记录"
