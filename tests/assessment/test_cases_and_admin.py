"""Bad-review cases, admin screens, the portal, selectors and the permission matrix."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from assessment import selectors, services
from assessment.models import BadReviewCase, CalendarDay, Commendation, FindingType, InspectionFinding, Rating
from people import roles
from tests import factories
from tests.helpers import assert_denied

from .builders import make_csv, run

pytestmark = pytest.mark.django_db
HEADER = "办件编号,评价次数,评价时间,经办人工号,窗口编号,事项名称,评价等级,评价渠道,评价内容\n"


@pytest.fixture
def bad_case(staff_member, window):
    supervisor = factories.make_user_with_role(roles.SUPERVISOR, "sup-1")
    window.centre.supervisors.add(supervisor)
    run("ratings", make_csv(HEADER + f"办件九号,1,2026-10-08 10:00,{staff_member.staff_no},{window.code},社保,不满意,短信,慢\n"), "r.csv")
    case = BadReviewCase.objects.get()
    return case, supervisor


def test_case_deadlines_count_working_days_across_weekends_and_holidays(staff_member, window):
    CalendarDay.objects.create(date=dt.date(2026, 10, 2), kind="holiday", name="国庆节")
    rating = Rating.objects.create(
        source=services.builtin_source(services.QR_SOURCE_CODE), level=5, staff=staff_member, window=window,
        rated_at=timezone.now(),
    )
    opened = timezone.make_aware(dt.datetime(2026, 9, 30, 16, 0))  # a Wednesday
    case = services.case_open(rating=rating, opened_at=opened)
    # Thu 1 Oct works, Fri 2 Oct is a holiday, the weekend rests: 2 working days → Mon 5 Oct.
    assert case.verify_due == dt.date(2026, 10, 5)
    assert case.feedback_due == dt.date(2026, 10, 8)
    assert case.overdue(today=dt.date(2026, 10, 6))
    assert not case.overdue(today=dt.date(2026, 10, 5))


def test_supervisor_works_a_case_to_an_outcome_and_staff_appeals(bad_case, staff_member):
    case, supervisor = bad_case
    outsider = factories.make_user_with_role(roles.SUPERVISOR, "sup-other")
    with pytest.raises(PermissionDenied):
        services.case_verify(case=case, user=outsider, verify_note="x", revisit_note="y")
    with pytest.raises(ValidationError):
        services.case_rectify(case=case, user=supervisor, rectify_note="too early")
    services.case_verify(case=case, user=supervisor, verify_note="调取录像核实", revisit_note="电话回访群众")
    services.case_rectify(case=case, user=supervisor, rectify_note="加强一次性告知培训")
    case = services.case_close(case=case, user=supervisor, feedback_note="已向群众反馈", outcome="confirmed")
    assert case.status == BadReviewCase.Status.CLOSED and case.outcome == "confirmed"
    assert case.appeal_due is not None
    period = selectors.Period(2026, 10)
    assert selectors.rating_summaries(period=period, staff=[staff_member.pk])[staff_member.pk].confirmed_dissatisfied == 1

    case = services.case_appeal(case=case, staff=staff_member, text="群众对政策不满，非服务问题")
    assert case.appeal_status == "pending"
    case = services.case_appeal_decide(case=case, user=supervisor, upheld=True, note="经复核属政策原因")
    assert case.outcome == BadReviewCase.Outcome.APPEAL_UPHELD
    summary = selectors.rating_summaries(period=period, staff=[staff_member.pk])[staff_member.pk]
    assert summary.valid_count == 0 and summary.confirmed_dissatisfied == 0
    assert [e.action for e in case.events.all()] == ["opened", "verified", "rectified", "closed", "appealed", "appeal_decided"]


def test_appeal_window_closes(bad_case, staff_member, other_staff):
    case, _supervisor = bad_case
    with pytest.raises(PermissionDenied):
        services.case_appeal(case=case, staff=other_staff, text="not mine")
    case.status = BadReviewCase.Status.CLOSED
    case.outcome = "confirmed"
    case.appeal_due = dt.date(2020, 1, 1)
    case.save()
    with pytest.raises(ValidationError):
        services.case_appeal(case=case, staff=staff_member, text="too late")


def test_admin_case_screens(client, bad_case):
    case, supervisor = bad_case
    client.force_login(supervisor)
    listing = client.get("/admin/service-records/cases/")
    assert listing.status_code == 200 and case.number in listing.content.decode()
    url = f"/admin/service-records/cases/{case.pk}/"
    assert client.get(url).status_code == 200
    client.post(url, {"step": "verify", "verify_note": "核实", "revisit_note": "回访"})
    client.post(url, {"step": "rectify", "rectify_note": "整改"})
    client.post(url, {"step": "close", "feedback_note": "反馈", "outcome": "unfounded"})
    case.refresh_from_db()
    assert case.outcome == "unfounded"
    ledger = client.get("/admin/service-records/cases/?status=&export=xlsx")
    assert ledger.status_code == 200 and ledger["Content-Type"].startswith("application/vnd.openxml")
    # Another centre's supervisor does not see the case.
    client.force_login(factories.make_user_with_role(roles.SUPERVISOR, "sup-3"))
    assert client.get(url).status_code == 404


def test_monthly_sheet_and_correction_in_the_admin(client, staff_member):
    hr = factories.make_user_with_role(roles.HR, "hr-2")
    run("attendance", make_csv("工号,日期,上班打卡,下班打卡\nS10001,2026-10-08,09:20,17:30\n"), "g.csv")
    client.force_login(hr)
    sheet = client.get("/admin/service-records/attendance/?month=2026-10")
    assert sheet.status_code == 200 and "S10001" in sheet.content.decode()
    export = client.get("/admin/service-records/attendance/?month=2026-10&export=xlsx")
    assert export.status_code == 200
    person = client.get("/admin/service-records/attendance/S10001/?month=2026-10")
    assert person.status_code == 200
    day = staff_member.attendance_days.get()
    response = client.post(
        f"/admin/service-records/attendance/day/{day.pk}/correct/", {"in1": "08:59", "out1": "17:30", "reason": "补卡审批"}
    )
    assert response.status_code == 302
    day.refresh_from_db()
    assert day.status == "normal" and day.corrections.count() == 1


def test_hr_adds_a_day_from_the_person_month(client, staff_member):
    hr = factories.make_user_with_role(roles.HR, "hr-add-day")
    run("attendance", make_csv("工号,日期,上班打卡,下班打卡\nS10001,2026-10-08,09:00,17:30\n"), "g.csv")
    client.force_login(hr)
    month = client.get("/admin/service-records/attendance/S10001/?month=2026-10").content.decode()
    assert 'data-add-day="2026-10-09"' in month and 'data-add-day="2026-10-08"' not in month
    url = "/admin/service-records/attendance/S10001/add-day/"
    form = client.get(f"{url}?date=2026-10-09")
    assert form.status_code == 200 and 'value="2026-10-09"' in form.content.decode()
    missing_reason = client.post(url, {"date": "2026-10-09", "in1": "09:00", "out1": "17:30"})
    assert missing_reason.status_code == 200 and staff_member.attendance_days.count() == 1
    response = client.post(url, {"date": "2026-10-09", "in1": "09:16", "out1": "17:30", "reason": "钉钉未导出"})
    assert response.status_code == 302 and "month=2026-10" in response["Location"]
    day = staff_member.attendance_days.get(date="2026-10-09")
    assert day.status == "late" and day.corrections.get().reason == "钉钉未导出"
    duplicate = client.post(url, {"date": "2026-10-08", "in1": "09:00", "out1": "17:30", "reason": "再补"})
    assert duplicate.status_code == 200 and "更正该日" in duplicate.content.decode()
    history = client.get(f"/admin/service-records/attendance/day/{day.pk}/correct/").content.decode()
    assert "钉钉未导出" in history and "人事补录" in history


def test_qr_sheet(client, window):
    client.force_login(factories.make_user_with_role(roles.HR, "hr-3"))
    response = client.get("/admin/service-records/qr-codes/")
    assert response.status_code == 200
    assert "data:image/svg+xml" in response.content.decode()
    assert f"/rate/{window.code}/" in response.content.decode()


def test_staff_sees_own_records_without_who_rated(client, bad_case, staff_member, other_staff):
    case, _supervisor = bad_case
    client.force_login(staff_member.user)
    page = client.get("/me/records/?month=2026-10")
    assert page.status_code == 200
    assert "办件九号" not in page.content.decode()  # no ticket numbers
    assert client.get(f"/me/records/cases/{case.pk}/").status_code == 200
    response = client.post(f"/me/records/cases/{case.pk}/", {"text": "非本人办理"})
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.appeal_status == "pending"
    client.force_login(other_staff.user)
    assert client.get(f"/me/records/cases/{case.pk}/").status_code == 404


def test_portal_chart_script_carries_the_csp_nonce(client, staff_member):
    import re

    client.force_login(staff_member.user)
    response = client.get("/me/records/")
    nonce = re.search(r"'nonce-([^']+)'", response["Content-Security-Policy"]).group(1)
    scripts = re.findall(r"<script([^>]*)>", response.content.decode())
    inline = [attrs for attrs in scripts if "src=" not in attrs]
    assert inline and all(f'nonce="{nonce}"' in attrs for attrs in inline)


def test_vendor_sees_only_their_company(client, vendor_manager, staff_member, other_staff):
    client.force_login(vendor_manager)
    page = client.get("/me/vendor/records/").content.decode()
    assert staff_member.staff_no in page and other_staff.staff_no not in page


def test_selectors_use_a_fixed_number_of_queries(centre):
    def build(n):
        people = [factories.make_staff(centre=centre) for _ in range(n)]
        for _ in people:
            services.builtin_source(services.QR_SOURCE_CODE)
        return people

    period = selectors.Period(2026, 10)
    counts = []
    for n in (1, 6):
        people = build(n)
        with CaptureQueriesContext(connection) as ctx:
            selectors.attendance_summaries(period=period, staff=[p.pk for p in people])
            selectors.rating_summaries(period=period, staff=[p.pk for p in people])
            selectors.finding_summaries(period=period, staff=[p.pk for p in people])
            selectors.bonus_points(period=period, staff=[p.pk for p in people])
        counts.append(len(ctx))
    assert counts[0] == counts[1] <= 7


def test_findings_and_bonus(staff_member):
    when = timezone.make_aware(dt.datetime(2026, 10, 9, 10))
    phone = FindingType.objects.create(name="玩手机", points="3.00")
    leave = FindingType.objects.create(name="擅自离岗超过1小时", points="10.00", veto=True)
    InspectionFinding.objects.create(staff=staff_member, finding_type=phone, observed_at=when)
    InspectionFinding.objects.create(staff=staff_member, finding_type=leave, observed_at=when)
    Commendation.objects.create(staff=staff_member, date=dt.date(2026, 10, 12), bonus_points="2.00")
    period = selectors.Period(2026, 10)
    finding = selectors.finding_summaries(period=period, staff=[staff_member.pk])[staff_member.pk]
    assert (str(finding.points), finding.veto, finding.count) == ("13.00", True, 2)
    assert str(selectors.bonus_points(period=period, staff=[staff_member.pk])[staff_member.pk]) == "2.00"
    summary = selectors.attendance_summaries(period=period, staff=[staff_member.pk])[staff_member.pk]
    assert not summary.has_records


LOGIN, ADMIN_LOGIN, DENIED = "login", "admin-login", "denied"
USERS = ["anonymous", "staff", "trainer", "hr", "supervisor", "vendor", "judge", "admin"]
# fmt: off
MATRIX = {
    #                                        anon         staff        trainer hr   superv. vendor       judge        admin
    "/rate/A01/":                            [200,         200,         200,    200, 200,    200,         200,         200],
    "/me/records/":                          [LOGIN,       200,         403,    403, 403,    403,         403,         403],
    "/me/vendor/records/":                   [LOGIN,       403,         403,    403, 403,    200,         403,         403],
    "/admin/service-records/attendance/":    [ADMIN_LOGIN, ADMIN_LOGIN, DENIED, 200, 200,    ADMIN_LOGIN, ADMIN_LOGIN, 200],
    "/admin/service-records/cases/":         [ADMIN_LOGIN, ADMIN_LOGIN, DENIED, 200, 200,    ADMIN_LOGIN, ADMIN_LOGIN, 200],
    "/admin/service-records/qr-codes/":      [ADMIN_LOGIN, ADMIN_LOGIN, DENIED, 200, DENIED, ADMIN_LOGIN, ADMIN_LOGIN, 200],
    "/admin/records/ratings/":               [ADMIN_LOGIN, ADMIN_LOGIN, DENIED, 200, 200,    ADMIN_LOGIN, ADMIN_LOGIN, 200],
    "/admin/records/rules/":                 [ADMIN_LOGIN, ADMIN_LOGIN, DENIED, 200, DENIED, ADMIN_LOGIN, ADMIN_LOGIN, 200],
    "/admin/records/findings/new/":          [ADMIN_LOGIN, ADMIN_LOGIN, DENIED, DENIED, 200, ADMIN_LOGIN, ADMIN_LOGIN, 200],
    "/admin/records/commendations/new/":     [ADMIN_LOGIN, ADMIN_LOGIN, DENIED, 200, DENIED, ADMIN_LOGIN, ADMIN_LOGIN, 200],
    "/admin/imports/attendance/":            [ADMIN_LOGIN, ADMIN_LOGIN, DENIED, 200, DENIED, ADMIN_LOGIN, ADMIN_LOGIN, 200],
    "/admin/imports/ratings/":               [ADMIN_LOGIN, ADMIN_LOGIN, DENIED, 200, DENIED, ADMIN_LOGIN, ADMIN_LOGIN, 200],
    "/admin/service-records/attendance/S10001/add-day/":
                                             [ADMIN_LOGIN, ADMIN_LOGIN, DENIED, 200, DENIED, ADMIN_LOGIN, ADMIN_LOGIN, 200],
}
# fmt: on
CASES = [(url, user, outcome) for url, outcomes in MATRIX.items() for user, outcome in zip(USERS, outcomes, strict=False)]


@pytest.mark.parametrize("url, user_key, expected", CASES, ids=[f"{u}-{k}" for u, k, _ in CASES])
def test_permission_matrix(client_for, role_users, home_page, window, url, user_key, expected):
    user = None if user_key == "anonymous" else role_users[user_key]
    response = client_for(user).get(url)
    if expected in (LOGIN, ADMIN_LOGIN):
        assert_denied(response, login_redirect=True)
    elif expected == DENIED:
        assert_denied(response)
    else:
        assert response.status_code == expected, response.content[:300]


def _png():
    import io

    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), "red").save(buffer, "PNG")
    return buffer.getvalue()


def test_supervisor_records_a_finding_with_a_photo(client, staff_member):
    from django.core.files.uploadedfile import SimpleUploadedFile

    supervisor = factories.make_user_with_role(roles.SUPERVISOR, "sup-photo")
    staff_member.centre.supervisors.add(supervisor)  # findings only about their centres' staff
    kind = FindingType.objects.create(name="玩手机", points="3.00")
    client.force_login(supervisor)
    data = {"staff": staff_member.pk, "finding_type": kind.pk, "method": "mystery", "observed_at": "2026-10-09 10:30:00", "note": "暗访发现"}
    not_image = SimpleUploadedFile("a.png", b"not an image", content_type="image/png")
    response = client.post("/admin/records/findings/new/", {**data, "photo": not_image})
    assert response.status_code == 200 and InspectionFinding.objects.count() == 0
    photo = SimpleUploadedFile("evidence.png", _png(), content_type="image/png")
    response = client.post("/admin/records/findings/new/", {**data, "photo": photo})
    assert response.status_code == 302, response.content[:500]
    finding = InspectionFinding.objects.get()
    assert finding.recorded_by == supervisor and str(finding.points) == "3.00" and finding.photo


def test_admin_lists_use_a_fixed_number_of_queries(client, centre, window):
    hr = factories.make_user_with_role(roles.HR, "hr-q")
    client.force_login(hr)

    def add_people(n):
        rows = []
        for _ in range(n):
            person = factories.make_staff(centre=centre, window=window)
            rows.append(f"{person.staff_no},2026-10-08,09:20,17:30\n")
            rows.append(f"{person.staff_no},2026-10-09,09:00,17:00\n")
        assert run("attendance", make_csv("工号,日期,上班打卡,下班打卡\n" + "".join(rows)), "g.csv").ok
        ratings = "".join(
            f"Q{person_no}{i},1,2026-10-08 10:00,{person_no},{window.code},社保,不满意,短信,慢\n"
            for i, person_no in enumerate(r.split(",")[0] for r in rows[::2])
        )
        assert run("ratings", make_csv(HEADER + ratings), "r.csv").ok

    counts = {}
    for n in (1, 8):
        add_people(n)
        for url in ("/admin/service-records/attendance/?month=2026-10", "/admin/service-records/cases/?status="):
            with CaptureQueriesContext(connection) as ctx:
                assert client.get(url).status_code == 200
            counts.setdefault(url, []).append(len(ctx))
    for url, (few, many) in counts.items():
        assert few == many, (url, few, many)


def test_hr_creates_a_rating_source_and_sees_its_token_once(client):
    from assessment.models import RatingSource
    from assessment.models.ratings import hash_token

    client.force_login(factories.make_user_with_role(roles.HR, "hr-src"))
    response = client.post(
        "/admin/records/sources/new/",
        {"name": "大厅评价器", "code": "hall-device", "kind": "device", "direction": "gb", "active": "on"},
        follow=True,
    )
    assert response.status_code == 200
    source = RatingSource.objects.get(code="hall-device")
    shown = [str(m) for m in response.context["messages"] if "hall" in str(m) or "大厅" in str(m)]
    token = shown[0].rsplit(" ", 1)[-1].rsplit("：", 1)[-1]
    assert source.token_hash == hash_token(token)
    assert token not in client.get("/admin/records/sources/").content.decode()
