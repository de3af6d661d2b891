"""Browser journeys of HR, supervisors and vendor managers, ending with a new staff member
activating the account HR created. Screenshots illustrate docs/hr.md, docs/vendor.md and
docs/supervisor-trainer.md."""

import io
import re
from datetime import date

import openpyxl
import pytest
from django.urls import reverse

from people import roles
from people.models import StaffProfile
from tests import factories
from tests.browser.helpers import admin_log_in, log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

HEADERS = ["工号", "姓名", "手机号", "身份证号", "服务中心", "窗口编号", "窗口名称", "用工单位", "岗位", "入职日期", "绩效工资基数"]
PEOPLE = [
    ("CD1001", "孟芳嘉", "18337291008", "500235199511084936", "01-01", "企业开办窗口", "安信人力资源有限公司", "企业开办"),
    ("CD1002", "薛娟", "18438688713", "50023519770210770X", "01-02", "社保医保窗口", "恒达劳务派遣有限公司", "社保医保"),
    ("CD1003", "胡轩", "15384242483", "500235199812018839", "01-03", "税务窗口", "安信人力资源有限公司", "税务"),
    ("CD1004", "朱强军", "13605587243", "500235198110136561", "01-01", "企业开办窗口", "", "企业开办"),
]


def roster(rows):
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(HEADERS)
    for staff_no, name, phone, id_number, window, window_name, vendor, post in rows:
        sheet.append([staff_no, name, phone, id_number, "城东政务服务中心", window, window_name, vendor, post, date(2021, 3, 1), 2000])
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


def test_hr_imports_roster_and_new_staff_activates_account(live_server, new_page, screenshot):
    factories.make_home_page()
    factories.make_user_with_role(roles.HR, "hr", first_name="晓燕", last_name="周")
    base = live_server.url
    page = new_page()
    admin_log_in(page, base, "hr")

    # A file with a bad row: every error listed, nothing written.
    bad = list(PEOPLE)
    bad[1] = bad[1][:2] + ("1843868",) + bad[1][3:]
    bad[2] = ("",) + bad[2][1:]
    upload(page, base, "名册-有错误.xlsx", roster(bad))
    errors = page.locator("[data-import-errors]")
    assert "第3行 手机号" in errors.inner_text()
    assert "第4行 工号" in errors.inner_text()
    screenshot(page, "admin-import-errors")
    assert StaffProfile.objects.count() == 0

    # The corrected file: preview, then confirm.
    upload(page, base, "名册.xlsx", roster(PEOPLE))
    assert "4" in page.locator("[data-import-summary]").inner_text()
    assert page.get_by_text("CD1003").is_visible()
    screenshot(page, "admin-import-preview", full_page=True)
    page.get_by_role("button", name="确认导入").click()
    page.wait_for_selector("[data-import-status=imported]")
    assert StaffProfile.objects.count() == 4

    page.goto(f"{base}{reverse('people_staff:index')}")
    assert page.get_by_text("18337291008").is_visible()  # HR sees personal data in full
    screenshot(page, "admin-staff-list")

    # The activation sheet for the new staff.
    ids = "&".join(f"id={pk}" for pk in StaffProfile.objects.order_by("staff_no").values_list("pk", flat=True))
    action = reverse("wagtail_bulk_action", args=["people", "staffprofile", "activation_sheet"])
    page.goto(f"{base}{action}?{ids}")
    page.locator("main form [type=submit]").first.click()
    page.wait_for_selector(".activation-card__url a")
    screenshot(page, "activation-sheet", full_page=True)
    link = page.locator(".activation-card__url a").first.get_attribute("href")

    # The first person opens the link on their phone, sets a password, and logs in.
    phone = new_page(viewport={"width": 390, "height": 844})
    phone.goto(link)
    phone.fill("input[name=new_password1]", "Chuangkou-2026")
    phone.fill("input[name=new_password2]", "Chuangkou-2026")
    phone.get_by_role("button", name="设置密码").click()
    phone.wait_for_url(re.compile(r"/accounts/activate/done/$"))
    log_in(phone, base, "CD1001", password="Chuangkou-2026", landing="/me/")
    assert "孟芳嘉" in phone.locator("main h1").inner_text()
    assert "183****1008" in phone.content()

    # The link works once: the account now has a password, and the page says so.
    again = new_page()
    again.goto(link)
    assert again.get_by_text("该账号已激活").is_visible()
    assert again.locator("input[type=password]").count() == 0


def test_supervisor_sees_staff_masked(live_server, new_page, screenshot):
    centre = factories.make_centre("城东政务服务中心")
    vendor = factories.make_vendor("安信人力资源有限公司")
    for staff_no, name, phone, id_number, *_rest in PEOPLE:
        factories.make_staff(staff_no, name=name, centre=centre, vendor=vendor, phone=phone, id_number=id_number)
    factories.make_user_with_role(roles.SUPERVISOR, "supervisor", first_name="建华", last_name="王")
    page = new_page()
    admin_log_in(page, live_server.url, "supervisor")
    page.goto(f"{live_server.url}{reverse('people_staff:index')}")
    content = page.content()
    assert "183****1008" in content and "18337291008" not in content
    screenshot(page, "admin-staff-list-masked")


def test_vendor_manager_sees_only_own_company(live_server, new_page, screenshot):
    factories.make_home_page()
    east = factories.make_centre("城东政务服务中心")
    west = factories.make_centre("城西政务服务中心")
    ours = factories.make_vendor("安信人力资源有限公司")
    theirs = factories.make_vendor("恒达劳务派遣有限公司")
    for index, (staff_no, name, phone, id_number, *_rest) in enumerate(PEOPLE):
        factories.make_staff(
            staff_no,
            name=name,
            centre=east if index % 2 else west,
            vendor=ours if index != 1 else theirs,
            phone=phone,
            id_number=id_number,
        )
    factories.make_vendor_manager(ours, "vendor")
    page = new_page()
    log_in(page, live_server.url, "vendor", landing=re.compile(r"/me/$"))
    page.get_by_role("link", name="本单位人员").click()
    page.wait_for_url(re.compile(r"/me/vendor/$"))
    page.wait_for_load_state()
    content = page.content()
    assert "孟芳嘉" in content and "薛娟" not in content  # 薛娟 works for another vendor
    assert "183****1008" in content and "18337291008" not in content
    screenshot(page, "vendor-staff")
