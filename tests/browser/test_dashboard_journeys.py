"""The evaluation dashboards in the browser: HR opens the dashboard, filters a centre and
downloads a table as Excel; a staff member opens their dashboard on a phone. Screenshots
illustrate docs/dashboards.md."""

import datetime as dt
import io
import re
from decimal import Decimal

import openpyxl
import pytest

from assessment import attendance_rules as ar
from assessment import rating_rules as rr
from assessment import scoring
from assessment.models import AttendanceDay, EvaluationPeriod
from people import roles
from tests import factories
from tests.assessment.test_dashboards import evaluation, local, rating
from tests.browser.helpers import admin_log_in, log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

MOBILE = {"width": 390, "height": 844}
MONTHS = ["2026-05", "2026-06", "2026-07", "2026-08", "2026-09", "2026-10"]
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林"


@pytest.fixture
def halls(transactional_db):
    factories.ensure_roles()
    factories.make_home_page()
    centres = [factories.make_centre(name) for name in ("城东政务服务中心", "城西政务服务中心", "高新区政务服务中心")]
    vendors = [factories.make_vendor(name) for name in ("安信人力资源服务有限公司", "恒达劳务派遣有限公司")]
    people = []
    for i in range(18):
        people.append(factories.make_staff(
            "staff" if i == 0 else f"CD{1000 + i}", name=f"{SURNAMES[i]}{'晓明丽华' [i % 4]}{'一二三' [i % 3]}",
            centre=centres[i % 3], vendor=vendors[i % 2] if i % 5 else None,
        ))
    periods = [EvaluationPeriod.objects.create(month=m, status=EvaluationPeriod.Status.FINAL) for m in MONTHS]
    for m, period in enumerate(periods):
        for i, person in enumerate(people):
            score = Decimal(60 + (i * 7 + m * 5) % 41) + Decimal("0.50")
            if i == 4 and m == len(MONTHS) - 1:
                score = Decimal("58.00")
            grade = scoring.grade_for(score)
            components = tuple(min(Decimal(100), score + Decimal(delta)) for delta in (3, 8, -6, 10))
            evaluation(period, person, str(score), grade, components=components, inputs={
                "components": {k: {"value": str(v)} for k, v in zip("RDTL", components, strict=True)},
                "attendance": {"counts": {"late": i % 3}},
            })
    for i, person in enumerate(people):
        for m in range(6):
            month = 5 + m
            rating(person, rr.VERY_SATISFIED if (i + m) % 4 else rr.SATISFIED, local(2026, month, 10, 10))
            if (i + m) % 7 == 0:
                rating(person, rr.DISSATISFIED, local(2026, month, 12, 15))
        for day in range(1, 32):
            date = dt.date(2026, 10, day)
            if date.weekday() < 5:
                status = ar.LATE if (i * 3 + day) % 11 == 0 else ar.NORMAL
                AttendanceDay.objects.create(staff=person, date=date, source=AttendanceDay.Source.MANUAL, status=status)
    factories.make_user_with_role(roles.HR, "hr-dashboard")
    factories.make_vendor_manager(vendors[0], "vendor-dashboard")
    return {"centres": centres, "people": people, "vendors": vendors}


def test_hr_filters_the_dashboard_and_downloads_excel(live_server, halls, new_page, screenshot):
    page = new_page()
    admin_log_in(page, live_server.url, "hr-dashboard")
    page.get_by_role("link", name="评价看板").first.click()
    page.wait_for_url(re.compile(r"/admin/evaluations/dashboards/"))
    page.locator("[data-chart=grades] .plot-container").wait_for()
    assert page.locator("[data-table=grades] tbody tr").count() == 3
    screenshot(page, "dashboard-hr")

    page.select_option("#id_centre", label="城西政务服务中心")
    page.get_by_role("button", name="查看").click()
    page.wait_for_url(re.compile(r"centre="))
    page.locator("[data-chart=trend] .plot-container").wait_for()
    rows = page.locator("[data-table=grades] tbody tr")
    assert rows.count() == 1 and "城西政务服务中心" in rows.first.inner_text()
    attention = page.locator("[data-table=attention]").inner_text()
    assert "CD1004" in attention  # 58.00 in October: 不合格
    page.locator("[data-section=heatmap]").scroll_into_view_if_needed()
    screenshot(page, "dashboard-hr-centre", full_page=True)

    with page.expect_download() as download_info:
        page.locator("[data-export=attention]").click()
    download = download_info.value
    assert download.suggested_filename.endswith(".xlsx")
    with open(download.path(), "rb") as downloaded:
        sheet = openpyxl.load_workbook(io.BytesIO(downloaded.read())).active
    values = list(sheet.iter_rows(values_only=True))
    assert values[0][:2] == ("工号", "姓名")
    assert {row[2] for row in values[1:]} == {"城西政务服务中心"}

    page.goto(f"{live_server.url}/admin/evaluations/dashboards/rollups/?year=2026&quarter=3")
    page.locator("[data-table=rollup]").wait_for()
    assert page.locator("[data-table=rollup] tbody tr").count() == 18
    screenshot(page, "dashboard-rollups")


def test_staff_opens_their_dashboard_on_a_phone(live_server, halls, new_page, screenshot):
    base = live_server.url
    phone = new_page(viewport=MOBILE)
    log_in(phone, base, "staff", landing=re.compile(r"/me/$"))
    phone.get_by_role("link", name=re.compile("我的看板")).first.click()
    phone.wait_for_url(re.compile(r"/me/dashboard/$"))
    phone.locator("[data-chart=radar] .plot-container").wait_for()
    assert phone.locator("[data-table=trend] tbody tr").count() == len(MONTHS)
    text = phone.locator("main").inner_text()
    assert halls["people"][1].name not in text  # nobody else's name
    # Nothing wider than the phone: the page does not scroll sideways.
    assert phone.evaluate("document.documentElement.scrollWidth") <= MOBILE["width"] + 1
    screenshot(phone, "dashboard-staff-phone", full_page=True)
    phone.get_by_role("link", name="我的评价单").click()
    phone.wait_for_url(re.compile(r"/me/evaluations/$"))


def test_vendor_manager_reads_their_company_scorecard(live_server, halls, new_page, screenshot):
    base = live_server.url
    page = new_page()
    log_in(page, base, "vendor-dashboard", landing=re.compile(r"/me/$"))
    page.goto(f"{base}/me/vendor/dashboard/")
    page.locator("[data-chart=trend] .plot-container").wait_for()
    ours = {p.staff_no for p in halls["people"] if p.vendor_id == halls["vendors"][0].pk}
    shown = set(page.locator("[data-table=staff] tbody tr").evaluate_all("rows => rows.map(r => r.dataset.staff)"))
    assert shown == ours
    assert halls["vendors"][1].name not in page.locator("main").inner_text()
    screenshot(page, "dashboard-vendor", full_page=True)
