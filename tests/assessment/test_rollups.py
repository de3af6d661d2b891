"""Quarter and year roll-ups (评先评优): the admin report, its Excel, who may see it and
its constant query count."""

import io
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from openpyxl import load_workbook

from assessment import selectors
from assessment.models import EvaluationPeriod
from tests import factories
from tests.assessment.test_dashboards import data, evaluation  # noqa: F401 - fixture and builder
from tests.helpers import assert_denied, visible_text

pytestmark = pytest.mark.django_db

URL = "/admin/evaluations/dashboards/rollups/"


def by_no(rows):
    return {r["staff_no"]: r for r in rows}


def test_year_roll_up_means_grades_and_quota(data):  # noqa: F811
    counted, rows = selectors.rollup_rows(months=[f"2026-{m:02d}" for m in range(1, 13)])
    assert counted == ["2026-09", "2026-10"]  # November is a draft: not counted
    rows = by_no(rows)
    assert rows["A001"]["score"] == Decimal("92.50") and rows["A001"]["months"] == 2
    # East has 3 people: floor(20% × 3) = 0 places of 优秀.
    assert rows["A001"]["grade_before_quota"] == "excellent" and rows["A001"]["grade"] == "good"
    assert rows["A001"]["demoted"] and rows["A001"]["places"] == 0
    assert (rows["A002"]["score"], rows["A002"]["grade"]) == (Decimal("78.50"), "pass")
    assert (rows["A003"]["score"], rows["A003"]["grade"]) == (Decimal("62.50"), "basic_pass")
    # A veto in October: 不合格 for the year, whatever the mean.
    assert (rows["B001"]["score"], rows["B001"]["veto_months"], rows["B001"]["grade"]) == (Decimal("70.00"), 1, "fail")
    assert rows["B001"]["confirmed_bad_reviews"] == 1


def test_quota_places_grow_with_the_centre(data):  # noqa: F811
    sep, oct_ = EvaluationPeriod.objects.get(month="2026-09"), EvaluationPeriod.objects.get(month="2026-10")
    for i in range(2):
        person = factories.make_staff(f"E{i}", centre=data["east"])
        evaluation(sep, person, "60.00", "basic_pass")
        evaluation(oct_, person, "60.00", "basic_pass")
    _counted, rows = selectors.rollup_rows(months=["2026-10", "2026-11", "2026-12"])
    rows = by_no(rows)
    assert rows["A001"]["score"] == Decimal("95.00") and rows["A001"]["grade"] == "excellent"  # 5 people: 1 place
    assert rows["A001"]["months"] == 1


def test_only_approved_or_later_months_count(data):  # noqa: F811
    EvaluationPeriod.objects.filter(month="2026-10").update(status=EvaluationPeriod.Status.REVIEWED)
    counted, rows = selectors.rollup_rows(months=["2026-09", "2026-10"])
    assert counted == ["2026-09"]
    assert by_no(rows)["A002"]["score"] == Decimal("85.00")


def test_hr_report_and_excel(client, data):  # noqa: F811
    client.force_login(data["hr"])
    response = client.get(URL, {"year": 2026})
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-staff="A001"' in html and 'data-staff="B001"' in html
    assert "2026-11" in visible_text(html)  # listed as not approved yet
    export = client.get(URL, {"year": 2026, "export": "xlsx"})
    rows = list(load_workbook(io.BytesIO(export.content)).active.iter_rows(values_only=True))
    assert rows[0][:6] == ("工号", "姓名", "服务中心", "用工单位", "计入月数", "平均得分")
    a = next(r for r in rows if r[0] == "A001")
    assert a[5] == 92.5 and a[10] == "优秀" and a[11] == "良好"
    quarter = client.get(URL, {"year": 2026, "quarter": 3, "export": "xlsx"})
    rows = list(load_workbook(io.BytesIO(quarter.content)).active.iter_rows(min_row=2, values_only=True))
    assert {r[0]: r[5] for r in rows}["A002"] == 85


def test_supervisor_sees_their_centre_only(client, data):  # noqa: F811
    client.force_login(data["supervisor"])
    html = client.get(URL, {"year": 2026}).content.decode()
    assert 'data-staff="B001"' in html and 'data-staff="A001"' not in html
    html = client.get(URL, {"year": 2026, "centre": data["east"].pk}).content.decode()
    assert 'data-staff="A001"' not in html
    export = client.get(URL, {"year": 2026, "export": "xlsx"})
    rows = list(load_workbook(io.BytesIO(export.content)).active.iter_rows(min_row=2, values_only=True))
    assert [r[0] for r in rows] == ["B001"]


def test_bad_year_gets_an_error(client, data):  # noqa: F811
    client.force_login(data["hr"])
    response = client.get(URL, {"year": "abc"})
    assert response.status_code == 200
    assert 'data-table="rollup"' not in response.content.decode()
    assert "error-message" in response.content.decode()


def test_trainer_is_refused(client, data, role_users):  # noqa: F811
    client.force_login(role_users["trainer"])
    response = client.get(URL, {"year": 2026})
    assert_denied(response)
    assert "A001" not in response.content.decode()


def test_query_count_does_not_grow_with_headcount(data):  # noqa: F811
    months = [f"2026-{m:02d}" for m in range(1, 13)]
    with CaptureQueriesContext(connection) as before:
        selectors.rollup_rows(months=months)
    sep, oct_ = EvaluationPeriod.objects.get(month="2026-09"), EvaluationPeriod.objects.get(month="2026-10")
    for i in range(30):
        person = factories.make_staff(f"Y{i:03d}", centre=factories.make_centre() if i % 10 == 0 else data["east"])
        evaluation(sep, person, "91.00", "excellent")
        evaluation(oct_, person, "89.00", "good")
    with CaptureQueriesContext(connection) as after:
        _counted, rows = selectors.rollup_rows(months=months)
    assert len(after.captured_queries) == len(before.captured_queries)
    assert len(rows) == 34
