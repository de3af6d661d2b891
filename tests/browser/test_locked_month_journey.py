"""An approved month does not stop daily work, in the browser: the approver explains four
flagged people with one text (ticking them all at once); then a supervisor concludes an
end-of-month bad-review case of that month and is told the approved figures wait for HR;
HR sees "审批后有 1 项变更" at the top of the month's page and previews the recompute.
Screenshots illustrate docs/evaluations.md and docs/service-records.md."""

import re
from decimal import Decimal

import pytest

from assessment import rating_rules as rr
from assessment import services
from assessment.models import BadReviewCase, Evaluation, EvaluationPeriod, PeriodChange
from people import roles
from tests import factories
from tests.assessment import builders
from tests.assessment.builders import OCTOBER
from tests.browser.helpers import admin_log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def month(transactional_db):
    factories.ensure_roles()
    factories.make_home_page()
    centre = factories.make_centre("城东政务服务中心")
    window = factories.make_window("01-01", centre=centre, name="综合受理窗口")
    wang = factories.make_staff("CD0002", name="王磊", window=window, pay_base=Decimal("2000.00"))
    builders.make_normal_days(wang, range(8, 24))
    for n in range(4):  # joined late in October: no attendance, four identical explanations
        factories.make_staff(f"CD01{n:02d}", name=f"新员工{n + 1}", window=window)
    for _i in range(3):
        builders.make_rating(wang, rr.VERY_SATISFIED)
    rating = builders.make_rating(wang, rr.DISSATISFIED, day=30, outcome="")
    hr = factories.make_user_with_role(roles.HR, "hr", first_name="人事专员刘洋")
    supervisor = factories.make_user_with_role(roles.SUPERVISOR, "supervisor", last_name="督查", first_name="赵敏")
    centre.supervisors.add(supervisor)
    case = BadReviewCase.objects.get(rating=rating)
    services.case_verify(case=case, user=supervisor, verify_note="调取录像核实", revisit_note="已回访群众")
    services.case_rectify(case=case, user=supervisor, rectify_note="已约谈整改")
    services.evaluations_compute(period=OCTOBER, user=hr)
    period = services.period_review(period="2026-10", user=hr)
    return {"period": period, "case": case, "wang": wang}


def test_a_case_of_an_approved_month_is_concluded_and_hr_previews_the_recompute(
    live_server, month, new_page, screenshot
):
    base, period = live_server.url, month["period"]
    url = f"{base}/admin/evaluations/months/inspect/{period.pk}/"
    admin = new_page()
    admin_log_in(admin, base, "hr")
    admin.goto(url)
    # Status and actions first, then the details.
    assert admin.locator("[data-month-summary] [data-status=reviewed]").is_visible()
    form = admin.locator("[data-action-form=approve]")
    assert form.locator("[data-approve-blockers] tbody tr").count() == 5  # 4 newcomers + the open case
    form.locator("[data-select-all]").check()
    assert form.locator("input[name=approve-selected]:checked").count() == 5
    admin.fill("input[name=approve-ack_4]", "月末差评，工单处理中")
    admin.fill("input[name=approve-shared_note]", "10月下旬新入职，尚未排班")
    admin.get_by_label(re.compile("我已核对数据")).check()
    form.scroll_into_view_if_needed()
    screenshot(admin, "evaluation-approve-selection")
    form.locator("[data-action=approve]").click()
    admin.locator("[data-status=approved]").wait_for()
    assert "已审批 2026-10：5 人，绩效工资合计" in admin.locator("main").inner_text()
    period.refresh_from_db()
    notes = [item["note"] for item in period.acknowledged_blockers]
    assert notes.count("10月下旬新入职，尚未排班") == 4 and notes.count("月末差评，工单处理中") == 1
    approved = Evaluation.objects.get(staff=month["wang"])

    # The supervisor concludes the end-of-month case of the approved month.
    sup = new_page()
    admin_log_in(sup, base, "supervisor")
    sup.goto(f"{base}/admin/service-records/cases/{month['case'].pk}/")
    assert "仍可办结此工单" in sup.locator("[data-locked-month]").inner_text()
    sup.fill("textarea[name=feedback_note]", "已向群众反馈整改情况")
    sup.select_option("select[name=outcome]", "confirmed")
    sup.get_by_role("button", name="办结工单").click()
    sup.locator("[data-case-outcome]", has_text="属实").wait_for()
    assert "重新开放该月并重新计算后才会体现" in sup.locator("main").inner_text()
    screenshot(sup, "case-approved-month")
    assert PeriodChange.objects.filter(period=period, applied_at__isnull=True).count() == 1

    # HR sees the change at the top of the month's page and previews the recompute.
    admin.goto(url)
    assert "审批后有 1 项变更" in admin.locator("[data-month-summary]").inner_text()
    admin.locator("[data-preview-link]").first.click()
    admin.locator("[data-recompute-preview]").wait_for()
    row = admin.locator("[data-preview-row=CD0002]")
    assert "→" in row.locator("[data-figure=score]").inner_text()
    screenshot(admin, "evaluation-month-changes", full_page=True)
    # Nothing was written by the preview.
    after = Evaluation.objects.get(staff=month["wang"])
    assert (after.score, after.pay, after.computed_at) == (approved.score, approved.pay, approved.computed_at)
    assert EvaluationPeriod.objects.get(pk=period.pk).status == EvaluationPeriod.Status.APPROVED
