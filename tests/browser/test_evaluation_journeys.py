"""The monthly evaluation in the browser: HR computes, reviews, approves and publishes a
month; `staff` reads the receipt on a phone and appeals; HR upholds the appeal, corrects the
input, recomputes in the background and publishes again; the pay changes and the log says
why. Screenshots illustrate docs/evaluations.md."""

import re
from decimal import Decimal

import pytest

from assessment.models import Evaluation, EvaluationAppeal, EvaluationPeriod, InspectionFinding
from people import roles
from tests import factories
from tests.assessment import builders
from tests.browser.helpers import admin_log_in, log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

MOBILE = {"width": 390, "height": 844}


@pytest.fixture
def month(transactional_db):
    factories.ensure_roles()
    factories.make_home_page()
    centre = factories.make_centre("城东政务服务中心")
    window = factories.make_window("01-01", centre=centre, name="综合受理窗口")
    staff = factories.make_staff(
        "CD0001", name="陈思雨", window=window, user=factories.make_user("staff", roles_=[roles.STAFF]),
        pay_base=Decimal("2000.00"),
    )
    colleague = factories.make_staff("CD0002", name="王磊", window=window)
    factories.make_staff("CD0003", name="李娜", window=window)  # no attendance: a blocker
    for person in (staff, colleague):
        builders.make_normal_days(person, range(8, 24))
    finding = builders.make_finding(staff, "25.00", day=15)
    hr = factories.make_user_with_role(roles.HR, "hr", first_name="人事专员刘洋")
    return {"staff": staff, "finding": finding, "hr": hr}


def _step(page, action, status):
    page.locator(f"[data-action={action}]").click()
    page.wait_for_load_state()
    page.locator(f"[data-status={status}]").wait_for()


def _review_approve_publish(page, screenshot=None):
    _step(page, "review", "reviewed")
    page.get_by_label(re.compile("我已核对数据")).check()
    page.fill("input[name=approve-ack_0]", "李娜本月产假，无考勤属正常")
    if screenshot:
        page.locator("[data-action-form=approve]").scroll_into_view_if_needed()
        screenshot(page, "evaluation-approve")
    _step(page, "approve", "approved")
    _step(page, "publish", "published")


def test_hr_runs_the_month_staff_appeals_and_an_upheld_appeal_changes_the_pay(live_server, month, new_page, screenshot):
    base = live_server.url
    admin = new_page()
    admin_log_in(admin, base, "hr")
    admin.goto(f"{base}/admin/evaluations/compute/")
    admin.fill("input[name=month]", "2026-10")
    admin.locator("main form button[type=submit]").click()
    admin.wait_for_url(re.compile(r"/admin/evaluations/months/inspect/\d+/$"))
    admin.locator("[data-status=draft]").wait_for()
    assert "CD0003 李娜" in admin.locator("[data-blockers]").inner_text()
    screenshot(admin, "evaluation-month-draft", full_page=True)
    _review_approve_publish(admin, screenshot)
    screenshot(admin, "evaluation-month-published", full_page=True)
    period = EvaluationPeriod.objects.get(month="2026-10")
    assert period.status == EvaluationPeriod.Status.PUBLISHED
    evaluation = Evaluation.objects.get(staff=month["staff"])
    assert (evaluation.discipline, evaluation.grade, evaluation.pay) == (Decimal("75.00"), "pass", Decimal("2000.00"))

    # `staff` reads the receipt on a phone and appeals.
    phone = new_page(viewport=MOBILE)
    log_in(phone, base, "staff", landing=re.compile(r"/me/$"))
    phone.goto(f"{base}/me/evaluations/2026-10/")
    phone.locator("[data-receipt]").wait_for()
    assert phone.locator("[data-pay]").inner_text() == "2000.00"
    phone.fill("textarea[name=reason]", "10月15日我在参加业务培训，没有离岗，巡查记录有误。")
    screenshot(phone, "evaluation-appeal-phone", full_page=True)
    phone.get_by_role("button", name="提交申诉").click()
    phone.wait_for_load_state()
    phone.locator("[data-appeal=pending]").wait_for()
    appeal = EvaluationAppeal.objects.get()

    # HR upholds it from the queue: the month goes back to draft, with the decision as the reason.
    admin.goto(f"{base}/admin/evaluations/appeals/")
    admin.get_by_role("link", name=re.compile("陈思雨")).first.click()
    admin.wait_for_url(re.compile(rf"/admin/evaluations/appeals/inspect/{appeal.pk}/$"))
    admin.locator("input[name=decision][value=upheld]").check()
    admin.fill("textarea[name=note]", "经核实当天在培训，巡查记录撤销")
    screenshot(admin, "evaluation-appeal-decide", full_page=True)
    admin.get_by_role("button", name="保存处理结果").click()
    admin.wait_for_url(re.compile(r"/admin/evaluations/months/inspect/\d+/$"))
    admin.locator("[data-status=draft]").wait_for()
    assert "巡查记录撤销" in admin.locator("[data-reopen-reason]").inner_text()

    # HR removes the wrong finding, recomputes in the background, and runs the month again.
    admin.goto(f"{base}/admin/records/findings/delete/{month['finding'].pk}/")
    admin.locator("main form [type=submit]").first.click()
    admin.wait_for_url(re.compile(r"/admin/records/findings/$"))
    assert not InspectionFinding.objects.exists()
    admin.goto(f"{base}/admin/evaluations/months/inspect/{period.pk}/")
    admin.locator("[data-action=compute]").click()
    admin.wait_for_load_state()
    admin.locator("[data-progress][data-state=done]").wait_for()
    _review_approve_publish(admin)
    log = admin.locator("[data-figure-log]").inner_text()
    assert "CD0001 陈思雨" in log and "2000.00 → 2200.00" in log and "巡查记录撤销" in log
    admin.locator("[data-figure-log]").scroll_into_view_if_needed()
    screenshot(admin, "evaluation-log")

    # The staff member sees the new pay and the decision.
    phone.goto(f"{base}/me/evaluations/2026-10/")
    phone.locator("[data-receipt]").wait_for()
    assert phone.locator("[data-pay]").inner_text() == "2200.00"
    assert "巡查记录撤销" in phone.locator("[data-appeals]").inner_text()
    screenshot(phone, "evaluation-receipt-phone", full_page=True)
