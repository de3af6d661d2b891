"""Evaluation dashboards: the aggregates on a small built dataset, who may see what,
constant query counts, the Excel downloads and pay hidden from roles without pay."""

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from assessment import attendance_rules as ar
from assessment import rating_rules as rr
from assessment import scoring, selectors, services
from assessment.models import AttendanceDay, Evaluation, EvaluationPeriod, Rating, RatingSource
from people import roles
from tests import factories
from tests.helpers import assert_denied, visible_text

pytestmark = pytest.mark.django_db

HR_URL = "/admin/evaluations/dashboards/"
RANGE = {"start": "2026-09", "end": "2026-10"}
PUBLISHED = EvaluationPeriod.Status.PUBLISHED


def evaluation(period, person, score, grade, *, veto=False, centre=None, inputs=None, components=(None,) * 4):
    version = services.scheme_default_version()
    rules = scoring.DEFAULT_RULES
    r, d, t, learning = components
    return Evaluation.objects.create(
        period=period, staff=person, centre=centre or person.centre, vendor=person.vendor, scheme_version=version,
        inputs=inputs or {}, ratings=r, discipline=d, tests=t, learning=learning, total=Decimal(score),
        score=Decimal(score), veto=veto, grade_before_quota=grade, grade=grade,
        coefficient=rules.coefficients[grade], pay_base=Decimal("2000.00"),
        pay=scoring.round2(Decimal("2000") * rules.coefficients[grade]), computed_at=timezone.now(),
    )


def rating(person, level, moment, channel=""):
    source = RatingSource.objects.get_or_create(code="dash", defaults={"name": "看板测试"})[0]
    return Rating.objects.create(source=source, ticket_no=f"D{Rating.objects.count() + 1:06d}", level=level,
                                 staff=person, rated_at=moment, channel=channel)


def local(*args):
    return timezone.make_aware(dt.datetime(*args))


@pytest.fixture
def data(db):
    east, west = factories.make_centre("东区中心"), factories.make_centre("西区中心")
    v1, v2 = factories.make_vendor("甲劳务公司"), factories.make_vendor("乙人力公司")
    a = factories.make_staff("A001", name="安然", centre=east, vendor=v1)
    b = factories.make_staff("A002", name="白露", centre=east, vendor=v1)
    c = factories.make_staff("A003", name="陈晨", centre=east, vendor=v2)
    d = factories.make_staff("B001", name="丁一", centre=west, vendor=v2)
    sep = EvaluationPeriod.objects.create(month="2026-09", status=PUBLISHED)
    oct_ = EvaluationPeriod.objects.create(month="2026-10", status=PUBLISHED)
    nov = EvaluationPeriod.objects.create(month="2026-11", status=EvaluationPeriod.Status.DRAFT)
    evaluation(sep, a, "90.00", "excellent", components=(Decimal("90"), Decimal("100"), None, None))
    evaluation(sep, b, "85.00", "good")
    evaluation(sep, c, "70.00", "pass")
    evaluation(sep, d, "80.00", "good")
    evaluation(oct_, a, "95.00", "excellent", components=(Decimal("94"), Decimal("96"), None, Decimal("100")))
    evaluation(oct_, b, "72.00", "pass", components=(Decimal("80"), Decimal("60"), None, None))
    evaluation(oct_, c, "55.00", "fail", inputs={
        "components": {"R": {"value": "70.00"}, "D": {"value": "36.00"}, "T": {"value": None}},
        "attendance": {"counts": {"late": 4, "absent_full_day": 3}},
    })
    evaluation(oct_, d, "60.00", "fail", veto=True, inputs={
        "findings": [{"name": "脱岗", "veto": True}, {"name": "着装", "veto": False}],
        "ratings": {"confirmed_bad_reviews": {"dissatisfied": 1, "very_dissatisfied": 0}},
    })
    evaluation(nov, a, "40.00", "fail")  # a draft month: never shown to staff
    # Ratings of October: a has 非常满意 ×2 (one at 00:30 on 1 October, Shanghai time) and 不满意;
    # d has 满意; a system default rating does not count.
    rating(a, rr.VERY_SATISFIED, local(2026, 10, 1, 0, 30))
    rating(a, rr.VERY_SATISFIED, local(2026, 10, 12, 10))
    rating(a, rr.DISSATISFIED, local(2026, 10, 13, 10))
    rating(d, rr.SATISFIED, local(2026, 10, 14, 10))
    rating(d, rr.VERY_DISSATISFIED, local(2026, 10, 15, 10), channel=rr.SYSTEM_DEFAULT_CHANNEL)
    rating(b, rr.SATISFIED, local(2026, 9, 30, 23, 0))
    for day, person, status in [(8, a, ar.NORMAL), (9, a, ar.NORMAL), (8, c, ar.LATE), (9, c, ar.NORMAL),
                                (10, c, ar.REST), (8, d, ar.APPROVED)]:
        AttendanceDay.objects.create(staff=person, date=dt.date(2026, 10, day), source=AttendanceDay.Source.MANUAL,
                                     status=status)
    supervisor = factories.make_user_with_role(roles.SUPERVISOR, "sup-west")
    west.supervisors.add(supervisor)
    return {"east": east, "west": west, "v1": v1, "v2": v2, "a": a, "b": b, "c": c, "d": d,
            "supervisor": supervisor, "hr": factories.make_user_with_role(roles.HR, "hr-dash")}


def month_range():
    return selectors.MonthRange.parse("2026-09", "2026-10")


# --- The numbers ---------------------------------------------------------------------------


def test_grade_distribution_histogram_and_trend(data):
    everyone = selectors.DashboardScope()
    assert selectors.grade_distribution(everyone, "2026-10") == [
        ("东区中心", {"excellent": 1, "good": 0, "pass": 1, "basic_pass": 0, "fail": 1}),
        ("西区中心", {"excellent": 0, "good": 0, "pass": 0, "basic_pass": 0, "fail": 1}),
    ]
    bins = dict(((low, high), n) for low, high, n in selectors.score_histogram(everyone, "2026-10"))
    assert bins[(50, 60)] == 1 and bins[(60, 70)] == 1 and bins[(70, 80)] == 1 and bins[(90, 100)] == 1
    assert sum(bins.values()) == 4
    trend = selectors.score_trend(everyone, month_range())
    assert trend == [
        {"month": "2026-09", "count": 4, "mean": Decimal("81.25"), "median": Decimal("82.50")},
        {"month": "2026-10", "count": 4, "mean": Decimal("70.50"), "median": Decimal("66.00")},
    ]
    east_only = selectors.DashboardScope(centre_ids=(data["east"].pk,))
    assert [r["median"] for r in selectors.score_trend(east_only, month_range())] == [Decimal("85.00"), Decimal("72.00")]
    components = selectors.component_trend(everyone, month_range())
    assert components[1] == {"month": "2026-10", "R": Decimal("87.00"), "D": Decimal("78.00"), "T": None,
                             "L": Decimal("100.00")}


def test_attention_list_reasons_from_the_receipt(data):
    total, rows = selectors.attention_list(selectors.DashboardScope(), "2026-10")
    assert total == 3
    by_no = {r["staff_no"]: r for r in rows}
    assert list(by_no) == ["A003", "B001", "A002"]  # lowest score first
    assert "A001" not in by_no
    assert any("D 36.00" in reason for reason in by_no["A003"]["reasons"])
    lowest, fell, attendance = by_no["A003"]["reasons"]
    assert "70.00" in fell and "55.00" in fell
    assert "7" in attendance and "36" not in attendance  # 4 late + 3 full-day absences
    assert any("脱岗" in reason and "着装" not in reason for reason in by_no["B001"]["reasons"])
    assert any("85.00" in reason and "72.00" in reason for reason in by_no["A002"]["reasons"])
    assert by_no["A002"]["previous"] == Decimal("85.00")


def test_a_pending_appeal_puts_a_person_on_the_attention_list(data):
    from assessment.models import EvaluationAppeal

    appealed = Evaluation.objects.get(period__month="2026-10", staff=data["a"])
    EvaluationAppeal.objects.create(evaluation=appealed, reason="评价有误")
    total, rows = selectors.attention_list(selectors.DashboardScope(), "2026-10")
    assert total == 4
    row = next(r for r in rows if r["staff_no"] == "A001")
    assert row["appeal_pending"] and len(row["reasons"]) == 1


def test_rating_trend_groups_by_month_in_shanghai_time(data):
    rows = selectors.rating_trend(selectors.DashboardScope(), month_range())
    september, october = rows
    assert september["valid"] == 1  # 23:00 on 30 September, Shanghai time
    assert october == {"month": "2026-10", "valid": 4, "satisfied": 3, "bad": 1, "mean_points": Decimal("77.50"),
                       "satisfied_share": Decimal("75.00"), "bad_rate": Decimal("25.00")}
    west = selectors.rating_trend(selectors.DashboardScope(centre_ids=(data["west"].pk,)), month_range())
    assert west[1]["valid"] == 1 and west[1]["bad"] == 0


def test_attendance_heatmap_and_vendor_scorecards(data):
    heatmap = selectors.attendance_heatmap(selectors.DashboardScope(), "2026-10")
    assert heatmap["centres"] == ["东区中心"]  # the west's only day is an approved one
    row = dict(zip(heatmap["days"], heatmap["shares"][0], strict=True))
    assert row[dt.date(2026, 10, 8)] == Decimal("50.00")  # a on time, c late
    assert row[dt.date(2026, 10, 9)] == Decimal("0.00")
    assert row[dt.date(2026, 10, 10)] is None  # a rest day is not a working day
    assert heatmap["counts"][0][7] == (1, 2)


def test_vendor_scorecards(data):
    cards = selectors.vendor_scorecards(selectors.DashboardScope(), "2026-10", with_pay=True)
    assert [c["vendor"] for c in cards] == ["乙人力公司", "甲劳务公司"]  # by name
    by_name = {c["vendor"]: c for c in cards}
    v1, v2 = by_name["甲劳务公司"], by_name["乙人力公司"]
    assert (v1["headcount"], v1["mean"], v1["pay_total"]) == (2, Decimal("83.50"), Decimal("4400.00"))
    assert v1["bad_rate"] == Decimal("33.33") and v1["late_rate"] == Decimal("0.00")
    assert (v2["headcount"], v2["mean"], v2["late_rate"]) == (2, Decimal("57.50"), Decimal("50.00"))
    assert v2["grades"]["fail"] == Decimal("100.00")
    no_pay = selectors.vendor_scorecards(selectors.DashboardScope(), "2026-10", with_pay=False)
    assert all("pay_total" not in c for c in no_pay)


def test_figures_carry_the_numbers(data):
    from assessment import charts

    everyone = selectors.DashboardScope()
    figure = charts.grade_distribution_figure(selectors.grade_distribution(everyone, "2026-10"))
    fail = next(t for t in figure.data if t.marker.color == charts.GRADE_COLOURS["fail"])
    assert list(fail.y) == [1, 1]
    trend = charts.score_trend_figure(selectors.score_trend(everyone, month_range()))
    assert list(trend.data[0].y) == [81.25, 70.5] and list(trend.data[1].y) == [82.5, 66.0]
    radar = charts.component_radar_figure({"R": 90, "D": 80, "T": None, "L": 100}, {"R": 70, "D": 75, "T": 60, "L": 50})
    assert list(radar.data[0].r) == [90, 80, None, 100, 90] and list(radar.data[1].r) == [70, 75, 60, 50, 70]


# --- Who may see what -----------------------------------------------------------------------


def test_hr_sees_every_centre_and_pay(client, data):
    client.force_login(data["hr"])
    response = client.get(HR_URL, RANGE)
    assert response.status_code == 200
    text = visible_text(response.content.decode())
    assert "陈晨" in text and "丁一" in text and "东区中心" in text and "西区中心" in text
    assert "4400.00" in text  # the pay total of 甲劳务公司
    assert 'data-pay-total' in response.content.decode()


def test_hr_filters_a_centre(client, data):
    client.force_login(data["hr"])
    response = client.get(HR_URL, {**RANGE, "centre": data["west"].pk})
    html = response.content.decode()
    text = visible_text(html)
    assert "丁一" in text and "陈晨" not in text
    grades = html[html.index('data-table="grades"'):html.index('data-section="histogram"')]
    assert "西区中心" in grades and "东区中心" not in grades


def test_supervisor_sees_their_centre_only_and_no_pay(client, data):
    client.force_login(data["supervisor"])
    response = client.get(HR_URL, RANGE)
    assert response.status_code == 200
    html = response.content.decode()
    text = visible_text(html)
    assert "丁一" in text
    assert "陈晨" not in text and "白露" not in text and "东区中心" not in text
    assert "data-pay-total" not in html and "2400.00" not in text
    # Asking for another centre falls back to their own.
    text = visible_text(client.get(HR_URL, {**RANGE, "centre": data["east"].pk}).content.decode())
    assert "陈晨" not in text
    export = client.get(HR_URL, {**RANGE, "export": "vendors"})
    headers = [c.value for c in load_workbook(io.BytesIO(export.content)).active[1]]
    assert "绩效工资合计" not in headers
    rollups = client.get(HR_URL + "rollups/", {"year": 2026})
    assert rollups.status_code == 200 and "陈晨" not in visible_text(rollups.content.decode())


@pytest.mark.parametrize("key", ["trainer", "judge", "staff", "vendor"])
def test_other_roles_cannot_open_the_hr_dashboard(client, data, role_users, key):
    client.force_login(role_users[key])
    for url in (HR_URL, HR_URL + "rollups/"):
        response = client.get(url, RANGE)
        assert_denied(response, login_redirect=key != "trainer")
        assert "陈晨" not in visible_text(response.content.decode())


def test_anonymous_is_sent_to_login(client, data):
    assert client.get(HR_URL).status_code == 302
    response = client.get(reverse("assessment:my_dashboard"))
    assert response.status_code == 302 and "login" in response["Location"]


def test_staff_sees_only_their_own_published_months(client, data):
    client.force_login(data["a"].user)
    response = client.get(reverse("assessment:my_dashboard"))
    assert response.status_code == 200
    html = response.content.decode()
    text = visible_text(html)
    assert 'data-month="2026-09"' in html and 'data-month="2026-10"' in html
    assert "2026-11" not in text and "40.00" not in text  # the draft month
    assert "陈晨" not in text and "白露" not in text
    assert reverse("assessment:my_evaluations") in html
    # The centre mean of October (east: 95, 72, 55) next to mine.
    assert "74.00" in text
    export = client.get(reverse("assessment:my_dashboard"), {"export": "xlsx"})
    rows = list(load_workbook(io.BytesIO(export.content)).active.iter_rows(values_only=True))
    assert [r[0] for r in rows[1:3]] == ["2026-09", "2026-10"] and len(rows) == 4


def test_people_without_a_profile_cannot_open_the_staff_dashboard(client, data, role_users):
    client.force_login(role_users["trainer"])
    assert client.get(reverse("assessment:my_dashboard")).status_code == 403


def test_vendor_manager_sees_their_company_only(client, data):
    manager = factories.make_vendor_manager(data["v1"], "v1-manager")
    client.force_login(manager)
    response = client.get(reverse("assessment:vendor_dashboard"), RANGE)
    assert response.status_code == 200
    html = response.content.decode()
    text = visible_text(html)
    assert "安然" in text and "白露" in text
    assert "陈晨" not in text and "丁一" not in text and "乙人力公司" not in text
    assert "57.50" not in text  # the other company's mean
    assert "83.50" in text and "4400.00" in text
    export = client.get(reverse("assessment:vendor_dashboard"), {**RANGE, "export": "staff"})
    names = [r[1] for r in load_workbook(io.BytesIO(export.content)).active.iter_rows(min_row=2, values_only=True)]
    assert sorted(names) == ["安然", "白露"]


def test_vendor_dashboard_refuses_others(client, data, role_users):
    for key in ("staff", "trainer", "hr"):
        client.force_login(role_users[key])
        assert client.get(reverse("assessment:vendor_dashboard")).status_code == 403


def test_vendor_manager_sees_no_draft_month(client, data):
    EvaluationPeriod.objects.filter(month="2026-10").update(status=EvaluationPeriod.Status.APPROVED)
    manager = factories.make_vendor_manager(data["v1"], "v1-manager")
    client.force_login(manager)
    html = client.get(reverse("assessment:vendor_dashboard")).content.decode()
    assert 'data-month="2026-09"' in html and 'data-month="2026-10"' not in html


def test_bad_range_gets_a_clear_error(client, data):
    client.force_login(data["hr"])
    response = client.get(HR_URL, {"start": "2026-10", "end": "2026-09"})
    assert response.status_code == 200
    assert "data-filter-error" in response.content.decode()


# --- Excel -----------------------------------------------------------------------------------


def test_excel_exports_match_the_tables_and_are_formula_safe(client, data):
    data["c"].name = "=HYPERLINK(\"http://x\")"
    data["c"].save()
    client.force_login(data["hr"])
    response = client.get(HR_URL, {**RANGE, "export": "attention"})
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    rows = list(load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))
    assert rows[0][:3] == ("工号", "姓名", "服务中心")
    assert rows[1][0] == "A003" and rows[1][1].startswith("'=")
    assert rows[1][4] == 55 and rows[1][6] == "不合格"
    trend = load_workbook(io.BytesIO(client.get(HR_URL, {**RANGE, "export": "trend"}).content)).active
    assert [c.value for c in trend[3]][:4] == ["2026-10", 4, 70.5, 66]
    grades = load_workbook(io.BytesIO(client.get(HR_URL, {**RANGE, "export": "grades"}).content)).active
    assert [c.value for c in grades[2]] == ["东区中心", 1, 0, 1, 0, 1, 3]
    for key in ("histogram", "satisfaction", "heatmap", "vendors"):
        book = load_workbook(io.BytesIO(client.get(HR_URL, {**RANGE, "export": key}).content))
        assert book.active.max_row >= 2, key


# --- Query counts ----------------------------------------------------------------------------


def _queries(client, url, params):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url, params)
    assert response.status_code == 200
    return len(ctx.captured_queries)


def test_query_counts_do_not_grow_with_headcount(client, data):
    client.force_login(data["hr"])
    manager = factories.make_vendor_manager(data["v1"], "v1-manager")
    _queries(client, HR_URL, RANGE)  # warm caches (site, settings)
    hr_before = _queries(client, HR_URL, RANGE)
    client.force_login(manager)
    _queries(client, reverse("assessment:vendor_dashboard"), RANGE)
    vendor_before = _queries(client, reverse("assessment:vendor_dashboard"), RANGE)
    client.force_login(data["a"].user)
    _queries(client, reverse("assessment:my_dashboard"), {})
    staff_before = _queries(client, reverse("assessment:my_dashboard"), {})
    sep, oct_ = EvaluationPeriod.objects.get(month="2026-09"), EvaluationPeriod.objects.get(month="2026-10")
    for i in range(30):
        person = factories.make_staff(f"X{i:03d}", centre=data["east"], vendor=data["v1"])
        evaluation(sep, person, "88.00", "good")
        evaluation(oct_, person, "58.00", "fail")
        rating(person, rr.SATISFIED, local(2026, 10, 20, 9))
        AttendanceDay.objects.create(staff=person, date=dt.date(2026, 10, 9), source=AttendanceDay.Source.MANUAL,
                                     status=ar.LATE)
    client.force_login(data["hr"])
    assert _queries(client, HR_URL, RANGE) == hr_before
    client.force_login(manager)
    assert _queries(client, reverse("assessment:vendor_dashboard"), RANGE) == vendor_before
    client.force_login(data["a"].user)
    assert _queries(client, reverse("assessment:my_dashboard"), {}) == staff_before


def test_closed_months_rating_counts_are_kept_open_months_are_live(data):
    scope, months = selectors.DashboardScope(), selectors.MonthRange.parse("2026-10", "2026-11")
    assert [r["valid"] for r in selectors.rating_trend(scope, months)] == [4, 0]
    rating(data["a"], rr.SATISFIED, local(2026, 11, 3, 10))  # November is a draft: counted at once
    # October is published: its ratings can no longer change through the services, so its
    # counts are kept (a rating written behind the services' back does not show) …
    rating(data["a"], rr.SATISFIED, local(2026, 10, 3, 10))
    assert [r["valid"] for r in selectors.rating_trend(scope, months)] == [4, 1]
    # … until the month is recomputed after a reopen.
    EvaluationPeriod.objects.filter(month="2026-10").update(computed_at=timezone.now())
    assert [r["valid"] for r in selectors.rating_trend(scope, months)] == [5, 1]


def test_closed_months_evaluation_figures_are_kept_until_a_recompute(data):
    """An approved (or later) month's evaluations change only through a logged reopen and a
    recompute, so the dashboards keep its figures; a draft month is always read live."""
    scope, months = selectors.DashboardScope(), selectors.MonthRange.parse("2026-09", "2026-11")

    def figures():
        return (
            selectors.score_trend(scope, months),
            selectors.component_trend(scope, months),
            selectors.grade_distribution(scope, "2026-10"),
            selectors.score_histogram(scope, "2026-10"),
            [(c["vendor"], c["headcount"], c["mean"]) for c in selectors.vendor_scorecards(scope, "2026-10", with_pay=True)],
        )

    before = figures()
    assert [(r["month"], r["count"]) for r in before[0]] == [("2026-09", 4), ("2026-10", 4), ("2026-11", 1)]
    # Written behind the services' back: October (published) keeps its figures, November
    # (a draft) shows the change at once.
    Evaluation.objects.filter(period__month="2026-10").update(score=Decimal("10.00"), grade="fail")
    Evaluation.objects.filter(period__month="2026-11").update(score=Decimal("20.00"))
    kept = figures()
    assert kept[1:] == before[1:]
    assert kept[0][:2] == before[0][:2] and kept[0][2]["mean"] == Decimal("20.00")
    # A recompute after a reopen (a new compute time) reads October again.
    EvaluationPeriod.objects.filter(month="2026-10").update(computed_at=timezone.now())
    trend, _components, grades, _histogram, vendors = figures()
    assert trend[1]["mean"] == Decimal("10.00")
    assert all(counts["fail"] == sum(counts.values()) for _centre, counts in grades)
    assert {mean for _vendor, _n, mean in vendors} == {Decimal("10.00")}


def test_a_month_published_after_approval_reaches_the_portal_dashboards(data):
    """Vendors and staff see published months only: the kept figures of an approved month
    must not hide it from them once it is published."""
    EvaluationPeriod.objects.filter(month="2026-10").update(status=EvaluationPeriod.Status.APPROVED)
    vendor_scope = selectors.DashboardScope(vendor_id=data["v1"].pk, statuses=EvaluationPeriod.VISIBLE_TO_STAFF)
    assert selectors.grade_distribution(vendor_scope, "2026-10") == []
    EvaluationPeriod.objects.filter(month="2026-10").update(status=PUBLISHED)
    assert dict(selectors.grade_distribution(vendor_scope, "2026-10"))["东区中心"]["excellent"] == 1
