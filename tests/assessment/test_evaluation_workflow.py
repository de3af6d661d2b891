"""The monthly evaluation workflow: review, approve, reopen, publish, finalize; appeals;
the log (django-simple-history); locking; the appeal window in working days."""

import contextlib
import datetime as dt
import re
from decimal import Decimal
from unittest import mock

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from assessment import selectors, services
from assessment.models import CalendarDay, Evaluation, EvaluationAppeal, EvaluationPeriod, InspectionFinding
from home.models import Notice
from people import roles
from tests import factories
from tests.assessment import builders
from tests.assessment.builders import OCTOBER
from tests.helpers import assert_denied

pytestmark = pytest.mark.django_db
east, west, worked = builders.east, builders.west, builders.worked  # fixtures

STATUS = EvaluationPeriod.Status


@contextlib.contextmanager
def on(day, hour=10):
    """Time travel: timezone.now() (and so localdate) is `day` at `hour`, local time."""
    moment = timezone.make_aware(dt.datetime(day.year, day.month, day.day, hour))
    with mock.patch("django.utils.timezone.now", return_value=moment):
        yield moment


@pytest.fixture
def hr(db):
    return factories.make_user_with_role(roles.HR, "hr-reviewer")


@pytest.fixture
def approver(db):
    return factories.make_user_with_role(roles.HR, "hr-approver")


def _acks(period):
    return [f"已核实第{i + 1}项" for i in range(len(period.blockers))]


def _to_published(hr, approver, day=dt.date(2026, 11, 6)):
    """Compute, review, approve (acknowledging the blockers) and publish October on `day`."""
    with on(day):
        services.evaluations_compute(period=OCTOBER, user=hr)
        period = services.period_review(period="2026-10", user=hr, note="数据已核对")
        period = services.period_approve(period=period, user=approver, signed_off=True, acknowledgements=_acks(period))
        return services.period_publish(period=period, user=hr)


def test_the_happy_path_with_who_when_and_why_in_the_log(worked, hr, approver):
    period = _to_published(hr, approver)
    assert period.status == STATUS.PUBLISHED
    assert (period.reviewed_by, period.approved_by, period.published_by) == (hr, approver, hr)
    assert period.acknowledged_blockers[0]["note"] == "已核实第1项"
    log = selectors.period_log(period)
    actions = [line["action"] for line in reversed(log)]
    assert actions == ["草稿", "已计算", "草稿 → 已复核", "已复核 → 已审批", "已审批 → 已公布"]
    assert log[2]["why"] == "复核：数据已核对" and log[2]["who"] == "hr-reviewer"
    assert "已确认 1 项阻碍" in log[1]["why"]
    # Everyone evaluated with an account is told, with a link to their receipt.
    notices = Notice.objects.filter(key__startswith="evaluations:published:2026-10")
    assert notices.count() == 3
    assert notices.filter(recipient=worked["anna"].user, url="/me/evaluations/2026-10/").exists()


def test_wrong_transitions_are_refused_in_chinese(worked, hr, approver):
    with pytest.raises(ValidationError, match="尚未计算"):
        services.period_review(period="2026-10", user=hr)
    services.evaluations_compute(period=OCTOBER, user=hr)
    with pytest.raises(ValidationError, match="不能审批"):
        services.period_approve(period="2026-10", user=approver, signed_off=True, acknowledgements=["x"])
    with pytest.raises(ValidationError, match="不能发布"):
        services.period_publish(period="2026-10", user=hr)
    period = services.period_review(period="2026-10", user=hr)
    with pytest.raises(ValidationError, match="不能复核"):
        services.period_review(period=period, user=hr)
    with pytest.raises(ValidationError, match="签字确认"):
        services.period_approve(period=period, user=approver, signed_off=False, acknowledgements=_acks(period))
    # A remaining blocker needs a note: W001 has no attendance record.
    with pytest.raises(ValidationError, match="W001"):
        services.period_approve(period=period, user=approver, signed_off=True, acknowledgements=[])
    with pytest.raises(ValidationError, match="不能定稿"):
        services.period_finalize(period=period, user=hr)
    assert EvaluationPeriod.objects.get(month="2026-10").status == STATUS.REVIEWED


@pytest.mark.parametrize("role", [roles.SUPERVISOR, roles.TRAINER, roles.STAFF, roles.VENDOR])
def test_other_roles_may_not_move_a_month(worked, hr, role):
    services.evaluations_compute(period=OCTOBER, user=hr)
    someone = factories.make_user_with_role(role, "someone")
    with pytest.raises(PermissionDenied, match="人事"):
        services.period_review(period="2026-10", user=someone)
    services.period_review(period="2026-10", user=hr)
    with pytest.raises(PermissionDenied):
        services.period_approve(period="2026-10", user=someone, signed_off=True, acknowledgements=["a"])
    with pytest.raises(PermissionDenied):
        services.period_reopen(period="2026-10", user=someone, reason="想改")


def test_approval_locks_the_month_and_a_logged_reopen_unlocks_it(worked, hr, approver):
    services.evaluations_compute(period=OCTOBER, user=hr)
    period = services.period_review(period="2026-10", user=hr)
    services.period_approve(period=period, user=approver, signed_off=True, acknowledgements=_acks(period))
    with pytest.raises(ValidationError, match="不能再重新计算"):
        services.evaluations_compute(period=OCTOBER, user=hr)
    with pytest.raises(ValidationError, match="巡查"):
        services.period_ensure_open(months=["2026-10"], what="巡查")
    with pytest.raises(ValidationError, match="原因"):
        services.period_reopen(period="2026-10", user=hr, reason="  ")
    period = services.period_reopen(period="2026-10", user=hr, reason="十月考勤补录")
    assert period.status == STATUS.DRAFT and period.approved_by is None
    services.period_ensure_open(months=["2026-10"], what="巡查")  # no longer refused
    services.evaluations_compute(period=OCTOBER, user=hr)
    log = selectors.period_log(period)
    assert any(line["why"] == "重新开放：十月考勤补录" and line["who"] == "hr-reviewer" for line in log)
    assert log[0]["why"] == "重新开放后重新计算：十月考勤补录"


def test_the_admin_refuses_a_finding_in_an_approved_month(worked, hr, approver, client):
    services.evaluations_compute(period=OCTOBER, user=hr)
    period = services.period_review(period="2026-10", user=hr)
    services.period_approve(period=period, user=approver, signed_off=True, acknowledgements=_acks(period))
    finding = InspectionFinding.objects.get(staff=worked["anna"])
    client.force_login(hr)
    response = client.post(
        reverse("assessment_findings:delete", args=[finding.pk]), follow=True
    )
    assert InspectionFinding.objects.filter(pk=finding.pk).exists()
    assert "已审批" in response.content.decode()
    response = client.post(
        reverse("assessment_findings:edit", args=[finding.pk]),
        {"staff": worked["anna"].pk, "finding_type": finding.finding_type_id, "method": finding.method,
         "observed_at": "2026-10-15 10:00", "points": "1.00", "note": ""},
    )
    assert response.status_code == 200 and "已审批" in response.content.decode()
    assert InspectionFinding.objects.get(pk=finding.pk).points == Decimal("3.00")


def test_the_appeal_window_is_five_working_days_across_a_weekend_and_a_holiday(worked, hr, approver, client):
    CalendarDay.objects.create(date=dt.date(2026, 11, 9), kind=CalendarDay.Kind.HOLIDAY, name="测试假日")
    period = _to_published(hr, approver, day=dt.date(2026, 11, 6))  # a Friday
    # Mon 9 is a holiday: Tue 10, Wed 11, Thu 12, Fri 13, Mon 16.
    assert period.appeal_deadline == dt.date(2026, 11, 16)
    anna = worked["anna"]
    client.force_login(anna.user)
    url = reverse("assessment:my_evaluation", args=["2026-10"])
    with on(dt.date(2026, 11, 17)):
        page = client.get(url).content.decode()
        assert "data-appeal-form" not in page and "申诉期已结束" in page
        response = client.post(url, {"reason": "太晚了"}, follow=True)
        assert not EvaluationAppeal.objects.exists()
        assert "申诉期已结束" in response.content.decode()
    with on(dt.date(2026, 11, 16), hour=17):
        assert "data-appeal-form" in client.get(url).content.decode()
        client.post(url, {"reason": "巡查扣分有误：当天我在培训"})
    appeal = EvaluationAppeal.objects.get()
    assert appeal.evaluation.staff == anna and appeal.status == EvaluationAppeal.Status.PENDING
    # One open appeal per evaluation: the form is gone, a second one is refused.
    with on(dt.date(2026, 11, 16)):
        assert "data-appeal-form" not in client.get(url).content.decode()
        with pytest.raises(ValidationError, match="已提交"):
            services.evaluation_appeal_submit(evaluation=appeal.evaluation, staff=anna, reason="再次申诉")
    # Finalize waits for the window and for every appeal to be decided.
    with pytest.raises(ValidationError, match="2026-11-16"):
        services.period_finalize(period="2026-10", user=hr, today=dt.date(2026, 11, 16))
    with pytest.raises(ValidationError, match="尚未处理"):
        services.period_finalize(period="2026-10", user=hr, today=dt.date(2026, 11, 17))
    services.evaluation_appeal_decide(appeal=appeal, user=hr, upheld=False, note="巡查记录有照片为证")
    call_command("finalize_evaluations", "--today", "2026-11-17")
    assert EvaluationPeriod.objects.get(month="2026-10").status == STATUS.FINAL
    with on(dt.date(2026, 11, 18)):
        client.force_login(anna.user)  # the session's expiry follows the travelled clock
        response = client.get(url)
    assert response.status_code == 200, response
    page = response.content.decode()
    assert "data-final" in page and "巡查记录有照片为证" in page


def test_an_upheld_appeal_changes_the_pay_sheet_and_the_log_says_why(worked, hr, approver):
    anna = worked["anna"]
    _to_published(hr, approver)
    evaluation = Evaluation.objects.get(staff=anna)
    assert (evaluation.grade, evaluation.pay) == ("basic_pass", Decimal("1876.54"))
    with on(dt.date(2026, 11, 9)):
        appeal = services.evaluation_appeal_submit(evaluation=evaluation, staff=anna, reason="巡查扣分有误")
    with pytest.raises(PermissionDenied):
        services.evaluation_appeal_decide(
            appeal=appeal, user=factories.make_user_with_role(roles.SUPERVISOR, "sup"), upheld=True, note="x"
        )
    with pytest.raises(ValidationError, match="处理意见"):
        services.evaluation_appeal_decide(appeal=appeal, user=hr, upheld=True, note="")
    services.evaluation_appeal_decide(appeal=appeal, user=hr, upheld=True, note="当天在培训，巡查记录撤销")
    period = EvaluationPeriod.objects.get(month="2026-10")
    assert period.status == STATUS.DRAFT
    assert "E001" in period.reopen_reason and "巡查记录撤销" in period.reopen_reason
    # The staff member's receipt is hidden while the month is corrected; the list says why.
    InspectionFinding.objects.filter(staff=anna).delete()
    _to_published(hr, approver, day=dt.date(2026, 11, 10))
    evaluation.refresh_from_db()
    assert (evaluation.discipline, evaluation.grade, evaluation.pay) == (Decimal("86.00"), "pass", Decimal("2345.67"))
    people, _vendors = selectors.pay_sheet("2026-10")
    row = next(r for r in people.dict if r["工号"] == "E001")
    assert (row["等级"], row["绩效工资"]) == ("合格", Decimal("2345.67"))
    lines, _count = selectors.evaluation_figure_log(evaluation=evaluation)
    line = lines[0]
    changes = {str(c["figure"]): (c["before"], c["after"]) for c in line["changes"]}
    assert changes["绩效工资"] == (Decimal("1876.54"), Decimal("2345.67"))
    assert changes["等级"] == ("基本合格", "合格")
    assert line["who"] == "hr-reviewer" and "申诉成立" in line["why"] and "巡查记录撤销" in line["why"]
    # Nobody else's figures changed.
    month_lines, _count = selectors.evaluation_figure_log(period=period)
    assert [m["staff"] for m in month_lines] == ["E001 安娜"]


def test_staff_appeal_only_their_own_and_vendors_read_only(worked, hr, approver, client):
    _to_published(hr, approver)
    anna, bo = worked["anna"], worked["bo"]
    with pytest.raises(PermissionDenied):
        services.evaluation_appeal_submit(evaluation=Evaluation.objects.get(staff=bo), staff=anna, reason="替他申诉")
    with on(dt.date(2026, 11, 9)):
        services.evaluation_appeal_submit(evaluation=Evaluation.objects.get(staff=anna), staff=anna, reason="有误")
    # Chen (no vendor) cannot read Anna's receipt; there is no URL naming another person.
    client.force_login(worked["chen"].user)
    assert client.get(reverse("assessment:my_evaluation", args=["2026-10"])).status_code == 200
    assert "有误" not in client.get(reverse("assessment:my_evaluation", args=["2026-10"])).content.decode()
    manager = factories.make_vendor_manager(worked["vendor"], "union-manager")
    client.force_login(manager)
    page = client.get(reverse("assessment:vendor_evaluations") + "?month=2026-10").content.decode()
    assert 'data-appeal="pending"' in page
    receipt = client.get(reverse("assessment:vendor_evaluation", args=["2026-10", "E001"]))
    text = receipt.content.decode()
    assert "有误" in text and "data-appeal-form" not in text
    assert client.post(reverse("assessment:vendor_evaluation", args=["2026-10", "E001"]), {"reason": "x"}).status_code == 405
    assert client.post(reverse("assessment:my_evaluation", args=["2026-10"]), {"reason": "x"}).status_code == 403
    assert EvaluationAppeal.objects.count() == 1


@pytest.mark.parametrize("key", ["trainer", "supervisor", "staff", "vendor", "judge"])
def test_only_hr_opens_the_month_page_and_the_appeal_queue(worked, hr, approver, role_users, client, key):
    period = _to_published(hr, approver)
    with on(dt.date(2026, 11, 9)):
        appeal = services.evaluation_appeal_submit(
            evaluation=Evaluation.objects.get(staff=worked["anna"]), staff=worked["anna"], reason="有误"
        )
    client.force_login(role_users[key])
    for url in (
        reverse("assessment_evaluation_periods:inspect", args=[period.pk]),
        reverse("assessment_evaluation_appeals:index"),
        reverse("assessment_evaluation_appeals:inspect", args=[appeal.pk]),
    ):
        response = client.get(url)
        assert_denied(response, login_redirect=key in ("staff", "vendor", "judge"))
        assert "1876.54" not in response.content.decode()
    response = client.post(
        reverse("assessment_evaluation_appeals:inspect", args=[appeal.pk]), {"decision": "upheld", "note": "x"}
    )
    assert_denied(response, login_redirect=key in ("staff", "vendor", "judge"))
    assert EvaluationAppeal.objects.get().status == EvaluationAppeal.Status.PENDING


def test_hr_runs_the_month_from_its_page(worked, hr, approver, client):
    services.evaluations_compute(period=OCTOBER, user=hr)
    period = EvaluationPeriod.objects.get(month="2026-10")
    url = reverse("assessment_evaluation_periods:inspect", args=[period.pk])
    client.force_login(hr)
    page = client.get(url).content.decode()
    assert 'data-action="review"' in page and 'data-action="approve"' not in page
    assert "W001" in page  # the blocker
    # The compute runs as a background task (immediate in tests) and leaves its progress.
    client.post(url, {"action": "compute"})
    period.refresh_from_db()
    assert (period.task_state, period.task_percent) == ("done", 100)
    assert client.get(url + "?progress=1").json() == {"state": "done", "percent": 100, "message": ""}
    client.post(url, {"action": "review", "review-note": "核对完毕"})
    client.force_login(approver)
    response = client.post(url, {"action": "approve", "approve-signed_off": "on"})
    assert response.status_code == 400 and "W001" in response.content.decode()
    client.post(url, {"action": "approve", "approve-signed_off": "on", "approve-ack_0": "陈晨本月休产假"})
    period.refresh_from_db()
    assert period.status == STATUS.APPROVED
    page = client.get(url).content.decode()
    assert 'data-action="publish"' in page and 'data-action="reopen"' in page and 'data-action="compute"' not in page
    assert "陈晨本月休产假" in page
    client.post(url, {"action": "publish"})
    period.refresh_from_db()
    assert period.status == STATUS.PUBLISHED
    page = client.get(url).content.decode()
    assert 'data-action="finalize"' not in page  # the appeal window is open
    counts = dict((value, n) for value, _label, n in selectors.grade_counts(period))
    assert sum(counts.values()) == 3


def _people(centre, n, start):
    people = [factories.make_staff(f"Q{start + i:04d}", centre=centre) for i in range(n)]
    for person in people:
        builders.make_normal_days(person, range(1, 3))
    return people


def _month_page_queries(client, django_assert_max_num_queries, hr, approver, extra):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    period = EvaluationPeriod.objects.get(month="2026-10")
    with CaptureQueriesContext(connection) as month_page:
        assert client.get(reverse("assessment_evaluation_periods:inspect", args=[period.pk])).status_code == 200
    with CaptureQueriesContext(connection) as queue:
        assert client.get(reverse("assessment_evaluation_appeals:index")).status_code == 200
    return len(month_page.captured_queries), len(queue.captured_queries)


def test_month_page_and_appeal_queue_queries_do_not_grow_with_headcount(east, hr, approver, client):
    client.force_login(hr)

    def run(people):
        EvaluationPeriod.objects.filter(month="2026-10").delete()
        period = _to_published(hr, approver)
        with on(dt.date(2026, 11, 9)):
            for person in people[:: max(1, len(people) // 5)]:
                services.evaluation_appeal_submit(
                    evaluation=Evaluation.objects.get(staff=person, period=period), staff=person, reason="有误"
                )
        return _month_page_queries(client, None, hr, approver, None)

    few = run(_people(east, 5, 0))
    many = run(_people(east, 5, 100) + _people(east, 45, 200))
    assert few == many


def test_hr_sees_a_persons_changes_on_their_receipt_and_trainers_never_do(worked, hr, approver, client):
    anna = worked["anna"]
    _to_published(hr, approver)
    evaluation = Evaluation.objects.get(staff=anna)
    with on(dt.date(2026, 11, 9)):
        appeal = services.evaluation_appeal_submit(evaluation=evaluation, staff=anna, reason="巡查扣分有误")
    services.evaluation_appeal_decide(appeal=appeal, user=hr, upheld=True, note="巡查记录撤销")
    InspectionFinding.objects.filter(staff=anna).delete()
    services.evaluations_compute(period=OCTOBER, user=hr)
    url = reverse("assessment_evaluations:inspect", args=[evaluation.pk])
    client.force_login(hr)
    page = client.get(url).content.decode()
    assert "1876.54 → 2345.67" in page and "巡查记录撤销" in page and "巡查扣分有误" in page
    client.force_login(factories.make_user_with_role(roles.TRAINER, "trainer-x"))
    response = client.get(url)
    assert_denied(response)
    assert "2345.67" not in response.content.decode()


def test_the_background_compute_is_refused_for_a_locked_month_and_for_other_roles(worked, hr, approver):
    services.evaluations_compute(period=OCTOBER, user=hr)
    with pytest.raises(PermissionDenied):
        services.compute_task_enqueue(period="2026-10", user=factories.make_user_with_role(roles.SUPERVISOR, "s"))
    period = services.period_review(period="2026-10", user=hr)
    with pytest.raises(ValidationError, match="不能重新计算"):
        services.compute_task_enqueue(period="2026-10", user=hr)
    services.period_reopen(period=period, user=hr, reason="补录")
    period = services.compute_task_enqueue(period="2026-10", user=hr)
    assert (period.task_state, period.task_percent) == ("done", 100)


def test_a_commendation_cannot_be_added_to_an_approved_month(worked, hr, approver, client):
    from assessment.models import Commendation

    services.evaluations_compute(period=OCTOBER, user=hr)
    period = services.period_review(period="2026-10", user=hr)
    services.period_approve(period=period, user=approver, signed_off=True, acknowledgements=_acks(period))
    before = Commendation.objects.count()
    client.force_login(hr)
    data = {"staff": worked["bo"].pk, "kind": "letter", "bonus_points": "1.00", "note": "表扬信"}
    response = client.post(reverse("assessment_commendations:add"), data | {"date": "2026-10-20"})
    assert response.status_code == 200 and "已审批" in response.content.decode()
    assert Commendation.objects.count() == before
    client.post(reverse("assessment_commendations:add"), data | {"date": "2026-11-02"})  # an open month
    assert Commendation.objects.count() == before + 1


def test_the_month_page_shows_moments_in_beijing_time_and_a_dash_for_what_has_not_happened(worked, hr, client):
    # 2026-11-05 17:30 in Beijing is 09:30 UTC: the page must say 17:30.
    with on(dt.date(2026, 11, 5), hour=17):
        services.evaluations_compute(period=OCTOBER, user=hr)
    EvaluationPeriod.objects.filter(month="2026-10").update(
        computed_at=timezone.make_aware(dt.datetime(2026, 11, 5, 17, 30))
    )
    period = EvaluationPeriod.objects.get(month="2026-10")
    client.force_login(hr)
    page = client.get(reverse("assessment_evaluation_periods:inspect", args=[period.pk])).content.decode()
    fields = dict(re.findall(r"<dt>\s*(.*?)\s*</dt>\s*<dd>\s*(.*?)\s*</dd>", page, re.S))
    assert fields["计算时间"] == "2026-11-05 17:30"  # one date format everywhere
    assert fields["复核时间"] == fields["审批人"] == "—"
    assert "None" not in fields.values()
