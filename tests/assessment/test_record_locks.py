"""The month lock on service records: once a month's evaluations are approved, HR's imports,
corrections and added days of that month are refused with a clear message, and so are new
ratings of that month from the API and the QR page (test_scope_and_locks). Case outcomes
of such a month go through and are listed for HR (test_locked_month_changes)."""

import datetime as dt
import json

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError

from assessment import services
from assessment.models import AttendanceCorrection, AttendanceDay, BadReviewCase, EvaluationPeriod, Rating
from people import roles
from tests import factories

from .builders import make_csv, run

pytestmark = pytest.mark.django_db

RATINGS_HEADER = "办件编号,评价次数,评价时间,经办人工号,窗口编号,事项名称,评价等级,评价渠道,评价内容\n"
LOCKED_TEXT = "2026-10"


def lock(month="2026-10", status=EvaluationPeriod.Status.APPROVED):
    return EvaluationPeriod.objects.create(month=month, status=status)


@pytest.fixture
def hr(db):
    return factories.make_user_with_role(roles.HR, "hr-lock")


def _attendance(staff_no="S10001", day="2026-10-08", in1="09:20"):
    return make_csv(f"工号,日期,上班打卡,下班打卡\n{staff_no},{day},{in1},17:30\n")


@pytest.mark.parametrize(
    "status", [EvaluationPeriod.Status.APPROVED, EvaluationPeriod.Status.PUBLISHED, EvaluationPeriod.Status.FINAL]
)
def test_attendance_import_of_a_locked_month_writes_nothing(staff_member, status):
    lock(status=status)
    result = run("attendance", _attendance(), "g.csv")
    assert not result.ok
    assert LOCKED_TEXT in str(result.errors[0]) and "考勤" in str(result.errors[0])
    assert not AttendanceDay.objects.exists()


def test_draft_and_other_months_stay_open(staff_member):
    lock(status=EvaluationPeriod.Status.DRAFT)
    lock(month="2026-09")
    assert run("attendance", _attendance(), "g.csv").ok
    assert AttendanceDay.objects.count() == 1


def test_a_file_spanning_an_open_and_a_locked_month_is_refused_whole(staff_member):
    lock(month="2026-11")
    text = "工号,日期,上班打卡,下班打卡\nS10001,2026-10-30,09:00,17:30\nS10001,2026-11-02,09:00,17:30\n"
    result = run("attendance", make_csv(text), "g.csv")
    assert not result.ok and "2026-11" in str(result.errors[0])
    assert not AttendanceDay.objects.exists()


def test_import_attendance_command_reports_the_lock(staff_member, tmp_path):
    lock()
    path = tmp_path / "g.csv"
    path.write_bytes(_attendance())
    with pytest.raises(CommandError):
        call_command("import_attendance", str(path))
    assert not AttendanceDay.objects.exists()


def test_correction_and_added_day_are_refused_in_a_locked_month(staff_member, hr):
    assert run("attendance", _attendance(), "g.csv").ok
    day = AttendanceDay.objects.get()
    lock()
    with pytest.raises(ValidationError) as refused:
        services.attendance_day_correct(day=day, user=hr, reason="补卡", in1=dt.time(9), out1=dt.time(17, 30))
    assert LOCKED_TEXT in refused.value.messages[0]
    with pytest.raises(ValidationError):
        services.attendance_day_add(
            staff=staff_member, date=dt.date(2026, 10, 9), user=hr, reason="钉钉未导出", in1=dt.time(9), out1=dt.time(17, 30)
        )
    day.refresh_from_db()
    assert day.status == "late" and not day.corrected
    assert AttendanceDay.objects.count() == 1 and not AttendanceCorrection.objects.exists()
    # Reopened (the workflow sets the status back): the same correction goes through.
    EvaluationPeriod.objects.filter(month="2026-10").update(status=EvaluationPeriod.Status.DRAFT)
    services.attendance_day_correct(day=day, user=hr, reason="补卡", in1=dt.time(9), out1=dt.time(17, 30))
    day.refresh_from_db()
    assert day.status == "normal"


def test_admin_forms_show_the_lock(client, staff_member, hr):
    assert run("attendance", _attendance(), "g.csv").ok
    day = AttendanceDay.objects.get()
    lock()
    client.force_login(hr)
    response = client.post(
        f"/admin/service-records/attendance/day/{day.pk}/correct/", {"in1": "08:59", "out1": "17:30", "reason": "补卡"}
    )
    assert response.status_code == 200 and LOCKED_TEXT in response.content.decode()
    response = client.post(
        "/admin/service-records/attendance/S10001/add-day/",
        {"date": "2026-10-09", "in1": "09:00", "out1": "17:30", "reason": "钉钉未导出"},
    )
    assert response.status_code == 200 and LOCKED_TEXT in response.content.decode()
    assert AttendanceDay.objects.count() == 1


def test_admin_import_screen_shows_the_lock(client, staff_member, hr):
    lock()
    client.force_login(hr)
    upload = SimpleUploadedFile("g.csv", _attendance(), content_type="text/csv")
    response = client.post("/admin/imports/attendance/", {"file": upload}, follow=True)
    page = response.content.decode()
    assert response.status_code == 200 and LOCKED_TEXT in page and "data-import-errors" in page
    assert not AttendanceDay.objects.exists()


def test_hr_ratings_import_of_a_locked_month_is_refused(staff_member, window):
    lock()
    text = RATINGS_HEADER + f"BJ1,1,2026-10-08 10:00,S10001,{window.code},社保,非常满意,短信,\n"
    result = run("ratings", make_csv(text), "r.csv")
    assert not result.ok and LOCKED_TEXT in str(result.errors[0]) and "评价时间" in str(result.errors[0])
    assert not Rating.objects.exists()
    # Another month's ratings import.
    text = RATINGS_HEADER + f"BJ2,1,2026-11-08 10:00,S10001,{window.code},社保,非常满意,短信,\n"
    assert run("ratings", make_csv(text), "r.csv").ok


def test_api_ratings_of_a_locked_month_are_refused_with_409(client, staff_member, window):
    lock()
    _source, token = services.rating_source_create(name="大厅评价器", kind="device")
    body = {"ticket_no": "BJ1", "staff_no": "S10001", "window_code": window.code, "level": "不满意",
            "channel": "评价器", "rated_at": "2026-10-08T10:00:00+08:00"}
    response = client.post(
        "/api/v1/ratings", data=json.dumps(body), content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {token}"
    )
    assert response.status_code == 409
    assert LOCKED_TEXT in response.json()["detail"] and "审批" in response.json()["detail"]
    assert not Rating.objects.exists()
    assert not BadReviewCase.objects.exists()


@pytest.fixture
def closed_case(staff_member, window):
    supervisor = factories.make_user_with_role(roles.SUPERVISOR, "sup-lock")
    window.centre.supervisors.add(supervisor)
    text = RATINGS_HEADER + f"办件九号,1,2026-10-08 10:00,S10001,{window.code},社保,不满意,短信,慢\n"
    assert run("ratings", make_csv(text), "r.csv").ok
    case = BadReviewCase.objects.get()
    services.case_verify(case=case, user=supervisor, verify_note="核实", revisit_note="回访")
    services.case_rectify(case=case, user=supervisor, rectify_note="整改")
    return case, supervisor


def test_case_close_in_the_ratings_locked_month_goes_through_and_is_listed_for_hr(client, closed_case):
    # Daily work does not wait for a reopen (test_locked_month_changes has the whole story).
    case, supervisor = closed_case
    period = lock()
    client.force_login(supervisor)
    response = client.post(
        f"/admin/service-records/cases/{case.pk}/", {"step": "close", "feedback_note": "反馈", "outcome": "confirmed"},
        follow=True,
    )
    assert response.status_code == 200 and "重新开放" in response.content.decode()
    case.refresh_from_db()
    assert case.status == BadReviewCase.Status.CLOSED and case.outcome == "confirmed"
    assert period.changes.get().case == case
    period.refresh_from_db()
    assert period.status == EvaluationPeriod.Status.APPROVED


def test_appeal_decision_in_the_ratings_locked_month_goes_through_and_is_listed(closed_case, staff_member):
    case, supervisor = closed_case
    case = services.case_close(case=case, user=supervisor, feedback_note="反馈", outcome="confirmed")
    services.case_appeal(case=case, staff=staff_member, text="非服务问题")
    period = lock()
    case = services.case_appeal_decide(case=case, user=supervisor, upheld=True, note="政策原因")
    case.refresh_from_db()
    assert case.appeal_status == BadReviewCase.Appeal.UPHELD and case.outcome == "appeal_upheld"
    assert [c.kind for c in period.changes.all()] == ["case_appeal"]
