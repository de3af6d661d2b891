"""Locked months do not stop daily work (issue 13, item 9).

A supervisor concludes a bad-review case whose rating falls in an approved month: the case is
saved, the approved evaluations stay exactly as they were, and the month lists the change
for HR ("审批后有 N 项变更"). HR previews what a reopen and recompute would change (per
person before → after, nothing written); the reopen and recompute take the change in and
clear the list. The approver explains a selection of flagged people with one text (logged
per person), and each step on the month page says what it did, with numbers.
"""

import re
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from assessment import rating_rules as rr
from assessment import selectors, services
from assessment.models import BadReviewCase, Evaluation, EvaluationPeriod, PeriodChange, SchemeVersion
from people import roles
from tests import factories
from tests.assessment import builders
from tests.assessment.builders import OCTOBER
from tests.helpers import assert_denied, visible_text

pytestmark = pytest.mark.django_db
east, west, worked = builders.east, builders.west, builders.worked  # fixtures

STATUS = EvaluationPeriod.Status
FIGURES = ("score", "grade", "coefficient", "pay", "ratings", "total", "computed_at")


@pytest.fixture
def hr(db):
    return factories.make_user_with_role(roles.HR, "hr-month")


@pytest.fixture
def supervisor(worked):
    user = factories.make_user_with_role(roles.SUPERVISOR, "sup-east")
    worked["anna"].centre.supervisors.add(user)
    return user


@pytest.fixture
def pending_case(worked, supervisor):
    """Bo's 不满意 of 2026-10-12, verified and rectified, waiting for its outcome (the usual
    end-of-month case); October is then computed, reviewed and approved."""
    bo = worked["bo"]
    for _i in range(3):
        builders.make_rating(bo, rr.VERY_SATISFIED)
    rating = builders.make_rating(bo, rr.DISSATISFIED, outcome="")
    case = BadReviewCase.objects.get(rating=rating)
    services.case_verify(case=case, user=supervisor, verify_note="调取录像核实", revisit_note="已回访")
    services.case_rectify(case=case, user=supervisor, rectify_note="已约谈整改")
    return case


def _approve(hr, notes=None):
    services.evaluations_compute(period=OCTOBER, user=hr)
    period = services.period_review(period="2026-10", user=hr)
    notes = notes or [f"已核实第{i + 1}项" for i in range(len(period.blockers))]
    return services.period_approve(period=period, user=hr, signed_off=True, acknowledgements=notes)


def _figures():
    return {
        staff_no: rest
        for staff_no, *rest in Evaluation.objects.order_by("staff__staff_no").values_list("staff__staff_no", *FIGURES)
    }


def _page(client, period, query=""):
    return client.get(reverse("assessment_evaluation_periods:inspect", args=[period.pk]) + query)


def _text(response):
    return visible_text(response.content.decode())


def test_a_case_of_an_approved_month_is_concluded_and_listed_without_changing_the_evaluations(
    worked, supervisor, pending_case, hr, client
):
    period = _approve(hr)
    before = _figures()
    history = Evaluation.history.count()
    client.force_login(supervisor)
    # The case page says so before the supervisor concludes.
    page = _text(client.get(reverse("assessment_cases:inspect", args=[pending_case.pk])))
    assert "2026-10 的考核结果已审批。您仍可办结此工单" in page
    response = client.post(
        reverse("assessment_cases:inspect", args=[pending_case.pk]),
        {"step": "close", "feedback_note": "已向群众反馈", "outcome": "confirmed"},
        follow=True,
    )
    page = _text(response)
    assert response.status_code == 200
    assert "已保存" in page and "2026-10" in page and "重新开放该月并重新计算后才会体现" in page
    pending_case.refresh_from_db()
    assert (pending_case.status, pending_case.outcome) == ("closed", "confirmed")
    # The approved month is untouched: same figures, no new history, still approved.
    assert _figures() == before and Evaluation.history.count() == history
    period.refresh_from_db()
    assert period.status == STATUS.APPROVED
    change = PeriodChange.objects.get()
    assert (change.period, change.kind, change.case, change.staff, change.by) == (
        period, PeriodChange.Kind.CASE_CLOSED, pending_case, worked["bo"], supervisor
    )
    assert change.applied_at is None and change.period_status == STATUS.APPROVED
    assert pending_case.number in change.summary and "属实" in change.summary
    # HR sees it at the top of the month's page.
    client.force_login(hr)
    page = _text(_page(client, period))
    assert "审批后有 1 项变更" in page and change.summary in page and "预览重新计算" in page
    # Imports of the month's ratings stay refused.
    with pytest.raises(Exception, match="2026-10"):
        services.period_ensure_open(months=["2026-10"], what="好差评")


def test_appeal_and_suspicion_decisions_of_a_published_month_are_listed(worked, supervisor, pending_case, hr):
    from assessment.models import Rating

    period = services.period_publish(period=_approve(hr), user=hr)
    case = services.case_close(case=pending_case, user=supervisor, feedback_note="已反馈", outcome="confirmed")
    assert case.period_change.period == period
    services.case_appeal(case=case, staff=worked["bo"], text="群众误评")
    # A suspicious rating of the month, decided after publication.
    held = builders.make_rating(worked["anna"], rr.VERY_DISSATISFIED, day=25, outcome="")
    Rating.objects.filter(pk=held.pk).update(suspicion=Rating.Suspicion.PENDING)
    case = services.case_appeal_decide(case=case, user=supervisor, upheld=True, note="系政策原因")
    assert case.outcome == BadReviewCase.Outcome.APPEAL_UPHELD
    services.case_suspicion_decide(case=held.case, user=supervisor, accept=False, note="同号段连续差评")
    kinds = list(PeriodChange.objects.order_by("pk").values_list("kind", "period_status"))
    assert kinds == [("case_closed", "published"), ("case_appeal", "published"), ("suspicion", "published")]
    assert [c.staff for c in selectors.pending_period_changes(period)] == [worked["anna"], worked["bo"], worked["bo"]]


def test_the_preview_shows_who_would_change_writes_nothing_and_the_reopen_applies_it(
    worked, supervisor, pending_case, hr, client
):
    period = _approve(hr)
    services.case_close(case=pending_case, user=supervisor, feedback_note="已反馈", outcome="confirmed")
    before = _figures()
    counts = (
        Evaluation.objects.count(), Evaluation.history.count(), EvaluationPeriod.history.count(),
        SchemeVersion.objects.count(), PeriodChange.objects.filter(applied_at__isnull=True).count(),
    )
    client.force_login(hr)
    response = _page(client, period, "?preview=1")
    assert response.status_code == 200
    html = response.content.decode()
    # Exactly Bo: his confirmed 不满意 lowers R; Anna and Chen would not change.
    assert re.findall(r'data-preview-row="([^"]+)"', html) == ["E002"]
    preview = services.evaluations_recompute_preview(period=period, user=hr)
    [row] = preview.rows
    bo_before = Evaluation.objects.get(staff=worked["bo"])
    assert row["before"]["score"] == bo_before.score and row["before"]["pay"] == bo_before.pay
    assert row["after"]["score"] < row["before"]["score"] and "score" in row["changed"]
    assert f'{row["before"]["score"]} → {row["after"]["score"]}' in _text(response)
    assert "重新计算预览" in _text(response) and "本月绩效工资合计" in _text(response)
    # Nothing was written: the same rows, figures, history and pending list.
    assert _figures() == before
    assert counts == (
        Evaluation.objects.count(), Evaluation.history.count(), EvaluationPeriod.history.count(),
        SchemeVersion.objects.count(), PeriodChange.objects.filter(applied_at__isnull=True).count(),
    )
    period.refresh_from_db()
    assert period.status == STATUS.APPROVED

    # Reopen (with a reason) and recompute: the preview's "after" is what the month gets.
    url = reverse("assessment_evaluation_periods:inspect", args=[period.pk])
    response = client.post(url, {"action": "reopen", "reopen-reason": "纳入十月末差评工单结论"}, follow=True)
    assert "1 项审批后变更待重新计算后计入" in _text(response)
    response = client.post(url, {"action": "compute"}, follow=True)
    assert "审批后的 1 项变更已计入" in _text(response)
    bo_after = Evaluation.objects.get(staff=worked["bo"])
    assert (bo_after.score, bo_after.grade, bo_after.coefficient, bo_after.pay) == (
        row["after"]["score"], row["after"]["grade"], row["after"]["coefficient"], row["after"]["pay"]
    )
    others = {k: v for k, v in _figures().items() if k != "E002"}
    assert {k: v[:4] for k, v in others.items()} == {k: v[:4] for k, v in before.items() if k != "E002"}
    change = PeriodChange.objects.get()
    assert change.applied_at is not None and change.applied_by == hr
    assert selectors.pending_period_changes(period) == []
    assert "审批后有" not in _text(_page(client, period))
    # A later preview finds nothing left to change.
    assert services.evaluations_recompute_preview(period=period, user=hr).rows == []


@pytest.mark.parametrize("role", [roles.SUPERVISOR, roles.TRAINER, roles.STAFF, roles.VENDOR])
def test_only_hr_may_preview_a_recompute(worked, hr, role, client):
    period = _approve(hr)
    someone = factories.make_user_with_role(role, "someone")
    with pytest.raises(PermissionDenied):
        services.evaluations_recompute_preview(period=period, user=someone)
    client.force_login(someone)
    response = _page(client, period, "?preview=1")
    assert_denied(response, login_redirect=role in (roles.STAFF, roles.VENDOR))
    assert "data-recompute-preview" not in response.content.decode()


def test_one_explanation_for_a_selection_is_logged_for_each_person(worked, east, hr, client):
    # Five more people without any attendance record: six "no attendance" blockers with Chen.
    for n in range(5):
        factories.make_staff(f"E1{n:02d}", name=f"新人{n}", centre=east)
    services.evaluations_compute(period=OCTOBER, user=hr)
    period = services.period_review(period="2026-10", user=hr)
    blockers = [selectors.describe_blocker(b) for b in period.blockers]
    assert len(blockers) == 6
    url = reverse("assessment_evaluation_periods:inspect", args=[period.pk])
    client.force_login(hr)
    page = client.get(url).content.decode()
    assert page.count('name="approve-selected"') == 6 and 'name="approve-shared_note"' in page
    # Ticked without an explanation, or an explanation for nothing ticked: refused, still reviewed.
    response = client.post(url, {"action": "approve", "approve-signed_off": "on", "approve-selected": ["0", "1"]})
    assert response.status_code == 400 and "请为勾选的 2 项填写说明" in _text(response)
    response = client.post(url, {"action": "approve", "approve-signed_off": "on", "approve-shared_note": "新入职"})
    assert response.status_code == 400 and "请勾选该说明适用的项" in _text(response)
    # Four ticked with one text, one typed on its own line (it wins), one left: refused.
    data = {
        "action": "approve", "approve-signed_off": "on", "approve-selected": ["1", "2", "3", "4"],
        "approve-shared_note": "十月下旬新入职，尚未排班", "approve-ack_0": "陈晨本月休产假",
        "approve-ack_2": "已调岗待补录",
    }
    response = client.post(url, data)
    assert response.status_code == 400 and blockers[5] in _text(response)
    period.refresh_from_db()
    assert period.status == STATUS.REVIEWED
    data["approve-selected"] = ["1", "2", "3", "4", "5"]
    response = client.post(url, data, follow=True)
    period.refresh_from_db()
    assert period.status == STATUS.APPROVED
    assert period.acknowledged_blockers == [
        {"blocker": blockers[0], "note": "陈晨本月休产假"},
        {"blocker": blockers[1], "note": "十月下旬新入职，尚未排班"},
        {"blocker": blockers[2], "note": "已调岗待补录"},
        *({"blocker": text, "note": "十月下旬新入职，尚未排班"} for text in blockers[3:]),
    ]
    assert "已为 6 项阻碍填写说明" in _text(response)
    assert "已确认 6 项阻碍" in selectors.period_log(period)[0]["why"]


def test_each_step_of_the_month_says_what_it_did_with_numbers(worked, hr, client):
    services.evaluations_compute(period=OCTOBER, user=hr)
    period = EvaluationPeriod.objects.get(month="2026-10")
    url = reverse("assessment_evaluation_periods:inspect", args=[period.pk])
    client.force_login(hr)

    def pay_total():
        total = sum(Evaluation.objects.values_list("pay", flat=True), Decimal("0"))
        return f"¥ {total:,.2f}"

    text = _text(client.post(url, {"action": "compute"}, follow=True))
    assert f"已计算 2026-10：3 人，绩效工资合计 {pay_total()}，1 项待处理" in text
    # Status, figures and actions come before the details on the page.
    html = client.get(url).content.decode()
    assert html.index("data-status=") < html.index('data-action="review"') < html.index("data-grade-counts")
    assert "已评价 3 人" in _text(client.get(url))
    text = _text(client.post(url, {"action": "review"}, follow=True))
    assert f"已复核 2026-10：3 人，绩效工资合计 {pay_total()}，审批前有 1 项待处理" in text
    text = _text(client.post(url, {"action": "approve", "approve-signed_off": "on", "approve-ack_0": "产假"}, follow=True))
    assert f"已审批 2026-10：3 人，绩效工资合计 {pay_total()}。已为 1 项阻碍填写说明" in text
    response = client.get(reverse("assessment_pay_sheet:export", args=["2026-10"]))
    assert response.status_code == 200
    assert f"已导出 2026-10 绩效工资表：3 人，绩效工资合计 {pay_total()}" in _text(client.get(url))
    text = _text(client.post(url, {"action": "publish"}, follow=True))
    period.refresh_from_db()
    assert "已发布 2026-10：3 人可查看得分明细" in text and f"申诉截止 {period.appeal_deadline:%Y-%m-%d}" in text
    text = _text(client.post(url, {"action": "reopen", "reopen-reason": "更正考勤"}, follow=True))
    assert "已将 2026-10 重新开放为草稿：3 人的结果可重新计算，0 项审批后变更" in text


def test_the_preview_is_set_based(east, hr):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def preview_queries(n, start):
        for i in range(n):
            person = factories.make_staff(f"Q{start + i:04d}", centre=east)
            builders.make_normal_days(person, range(1, 3))
            builders.make_rating(person, rr.DISSATISFIED, outcome=BadReviewCase.Outcome.CONFIRMED)
        EvaluationPeriod.objects.filter(month="2026-10").delete()
        _approve(hr)
        with CaptureQueriesContext(connection) as queries:
            preview = services.evaluations_recompute_preview(period="2026-10", user=hr)
        assert preview.rows == []
        return len(queries.captured_queries)

    assert preview_queries(3, 0) == preview_queries(30, 100)


def test_a_case_of_a_final_month_is_concluded_and_the_supervisor_is_told_it_stays(
    supervisor, pending_case, hr, client
):
    period = _approve(hr)
    EvaluationPeriod.objects.filter(pk=period.pk).update(status=STATUS.FINAL)
    client.force_login(supervisor)
    response = client.post(
        reverse("assessment_cases:inspect", args=[pending_case.pk]),
        {"step": "close", "feedback_note": "已反馈", "outcome": "confirmed"},
        follow=True,
    )
    assert "2026-10 的评价已定稿，结果保持不变" in _text(response)
    assert PeriodChange.objects.get().period_status == STATUS.FINAL
    # A month that is not approved records nothing: the next compute counts the outcome.
    EvaluationPeriod.objects.filter(pk=period.pk).update(status=STATUS.DRAFT)
    services.case_appeal(case=pending_case, staff=pending_case.staff, text="误评")
    case = services.case_appeal_decide(case=pending_case, user=supervisor, upheld=False, note="维持")
    assert case.period_change is None and PeriodChange.objects.count() == 1
