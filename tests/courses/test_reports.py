"""Trainer reports: completion and overdue by centre, post and item, satisfaction with
courses, acknowledgement coverage of policy updates, their Excel exports, and constant
query counts."""

import datetime as dt
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from openpyxl import load_workbook

from courses import selectors, services
from tests import factories
from tests.helpers import visible_text

from .admin_builders import (
    make_acknowledgement,
    make_completion,
    make_course,
    make_feedback,
    make_policy,
    make_scenario,
    make_sections,
)

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 12, 10)
REPORTS = "/admin/learning/reports/"


def at(day, hour=10):
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour)))


@pytest.fixture(autouse=True)
def fixed_today(monkeypatch):
    monkeypatch.setattr(timezone, "localdate", lambda *a, **k: TODAY)


@pytest.fixture
def world(home_page):
    learning, policies = make_sections(home_page)
    east = factories.make_centre("城东政务服务中心")
    west = factories.make_centre("城西政务服务中心")
    reception = factories.make_post("综合受理")
    tax = factories.make_post("税务")
    e1 = factories.make_staff("E1", name="=HYPERLINK(\"http://x\")", centre=east, post=reception)
    e2 = factories.make_staff("E2", centre=east, post=tax)
    w1 = factories.make_staff("W1", centre=west, post=reception)
    course = make_course(learning, "服务礼仪")
    policy = make_policy(policies, "好差评新规")
    unassigned = make_policy(policies, "窗口纪律", round=1)
    services.assignment_create(page=course, due_date=dt.date(2026, 11, 30), created_by=None, centres=[east, west])
    services.assignment_create(page=policy, due_date=dt.date(2027, 1, 31), created_by=None, centres=[east])
    make_completion(e1, course, at(dt.date(2026, 11, 20)))  # on time
    make_completion(e2, course, at(dt.date(2026, 12, 5)))  # late
    make_acknowledgement(e1, policy, at(dt.date(2026, 12, 1)))
    make_acknowledgement(w1, unassigned, at(dt.date(2026, 12, 1)))
    make_acknowledgement(e1, unassigned, at(dt.date(2026, 12, 1)))
    make_feedback(e1, course, 5, "很实用")
    make_feedback(e2, course, 4, "=cmd|' /C calc'!A0")
    make_feedback(w1, course, 3)
    return locals()


def by_label(rows):
    return {row["label"]: row for row in rows}


def test_completion_by_centre_post_and_item(world):
    centres = by_label(selectors.completion_by("centre"))
    east, west = centres["城东政务服务中心"], centres["城西政务服务中心"]
    assert (east["total"], east["on_time"], east["late"], east["pending"], east["overdue"]) == (4, 2, 1, 1, 0)
    assert (west["total"], west["completed"], west["overdue"]) == (1, 0, 1)
    assert east["rate"] == 75

    posts = by_label(selectors.completion_by("post"))
    assert posts["综合受理"]["total"] == 3 and posts["税务"]["total"] == 2

    items = by_label(selectors.completion_by("course"))
    assert (items["服务礼仪"]["on_time"], items["服务礼仪"]["late"], items["服务礼仪"]["overdue"]) == (1, 1, 1)
    assert items["好差评新规"]["pending"] == 1

    # Filters: centre, item, due period.
    only_west = selectors.completion_by("course", centre_ids=[world["west"].pk])
    assert [(r["label"], r["total"]) for r in only_west] == [("服务礼仪", 1)]
    november = selectors.completion_by("centre", due_from=dt.date(2026, 11, 1), due_to=dt.date(2026, 11, 30))
    assert sum(r["total"] for r in november) == 3


def test_report_page_draws_the_charts_and_filters(client_for, role_users, world):
    client = client_for(role_users["trainer"])
    page = client.get(REPORTS).content.decode()
    for key in ("centre", "post", "course"):
        assert f'id="chart-{key}"' in page
    assert "/static/plotly/plotly-frontline.min.js" in page
    assert "逾期未完成" in page and "按服务中心" in page
    filtered = client.get(REPORTS, {"centre": world["west"].pk}).content.decode()
    assert "城东政务服务中心</td>" not in filtered and "城西政务服务中心</td>" in filtered


def test_excel_export_has_the_tables_and_a_safe_detail_sheet(client_for, role_users, world):
    response = client_for(role_users["supervisor"]).get(REPORTS, {"export": "xlsx"})
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    book = load_workbook(io.BytesIO(response.content))
    assert book.sheetnames == ["按服务中心", "按岗位", "按学习项目", "人员明细"]
    centres = list(book["按服务中心"].iter_rows(values_only=True))
    assert centres[0][:3] == ("服务中心", "应完成", "已完成")
    assert ("城西政务服务中心", 1, 0, 0, 0, 0, 1, 0) in centres
    detail = list(book["人员明细"].iter_rows(values_only=True))
    assert detail[0] == ("工号", "姓名", "服务中心", "岗位", "学习项目", "类型", "必修", "截止日期", "完成时间", "状态")
    statuses = {(row[0], row[4]): row[9] for row in detail[1:]}
    assert statuses == {
        ("E1", "服务礼仪"): "按时完成",
        ("E1", "好差评新规"): "按时完成",
        ("E2", "服务礼仪"): "逾期完成",
        ("E2", "好差评新规"): "未到期未完成",
        ("W1", "服务礼仪"): "逾期未完成",
    }
    names = {row[1] for row in detail[1:]}
    assert "'=HYPERLINK(\"http://x\")" in names  # a formula is written as text
    # Completed at 10:00 Beijing time (02:00 UTC), whatever the server's own time zone.
    completed = {(row[0], row[4]): row[8] for row in detail[1:]}
    assert completed[("E1", "服务礼仪")] == "2026-11-20 10:00"


def test_feedback_averages_distribution_and_comments(client_for, role_users, world):
    [row] = selectors.feedback_by_course()
    assert (row["title"], row["count"], str(row["mean"]), row["distribution"]) == ("服务礼仪", 3, "4.00", [0, 0, 1, 1, 1])
    client = client_for(role_users["hr"])
    page = client.get(REPORTS + "feedback/").content.decode()
    assert 'id="chart-feedback"' in page and "很实用" in page and "4.00" in page
    assert "测试员" not in page  # comments are shown without names
    book = load_workbook(io.BytesIO(client.get(REPORTS + "feedback/", {"export": "xlsx"}).content))
    comments = [row[2] for row in book["学员意见"].iter_rows(min_row=2, values_only=True)]
    assert "'=cmd|' /C calc'!A0" in comments


def test_policy_coverage_by_centre_and_who_has_not_acknowledged(client_for, role_users, world):
    ours = [world["east"].pk, world["west"].pk]  # role_users brings a third centre
    coverage = {item["policy"].title: item for item in selectors.policy_acknowledgement_coverage(centre_ids=ours)}
    assigned = coverage["好差评新规"]
    assert [(r["centre"], r["expected"], r["acknowledged"]) for r in assigned["rows"]] == [("城东政务服务中心", 2, 1)]
    # Not assigned: nobody is asked yet (as in the portal), whoever read it anyway.
    assert coverage["窗口纪律"]["rows"] == [] and coverage["窗口纪律"]["expected"] == 0
    policy = world["unassigned"]
    services.assignment_create(
        page=policy, due_date=dt.date(2027, 1, 31), created_by=None, centres=[world["east"], world["west"]]
    )
    coverage = {item["policy"].title: item for item in selectors.policy_acknowledgement_coverage(centre_ids=ours)}
    assert [(r["centre"], r["expected"], r["acknowledged"]) for r in coverage["窗口纪律"]["rows"]] == [
        ("城东政务服务中心", 2, 1),
        ("城西政务服务中心", 1, 1),
    ]
    # A substantive revision asks everyone again: the old round no longer counts.
    policy.acknowledgement_round = 2
    policy.save_revision().publish()
    coverage = {item["policy"].title: item for item in selectors.policy_acknowledgement_coverage(centre_ids=ours)}
    assert coverage["窗口纪律"]["acknowledged"] == 0
    assert [p.staff_no for p in selectors.policy_not_acknowledged(policy)] == ["E1", "E2", "W1"]

    missing = selectors.policy_not_acknowledged(world["policy"])
    assert [p.staff_no for p in missing] == ["E2"]
    client = client_for(role_users["trainer"])
    page = visible_text(client.get(f"{REPORTS}policies/{world['policy'].pk}/missing/").content.decode())
    assert "E2" in page and "E1" not in page
    book = load_workbook(io.BytesIO(client.get(f"{REPORTS}policies/{world['policy'].pk}/missing/", {"export": "xlsx"}).content))
    assert [row[0] for row in book.active.iter_rows(min_row=2, values_only=True)] == ["E2"]
    overview = client.get(REPORTS + "policies/").content.decode()
    assert 'id="chart-policies"' in overview and "好差评新规" in overview


def test_report_queries_do_not_grow_with_people_and_items(client_for, role_users, home_page):
    learning, policies = make_sections(home_page)
    client = client_for(role_users["trainer"])
    centre = factories.make_centre("城北政务服务中心")

    def grow(people, items):
        staff = [factories.make_staff(centre=centre) for _ in range(people)]
        for n in range(items):
            course = make_course(learning, f"课程{people}-{n}")
            scenario = make_scenario(learning, f"案例{people}-{n}")
            policy = make_policy(policies, f"政策{people}-{n}")
            for page in (course, scenario, policy):
                services.assignment_create(page=page, due_date=dt.date(2026, 12, 1), created_by=None, centres=[centre])
            make_completion(staff[0], course, at(dt.date(2026, 11, 1)))
            make_acknowledgement(staff[-1], policy, at(dt.date(2026, 11, 2)))
            make_feedback(staff[0], course, 4, "好")

    def queries():
        counts = []
        for url in (REPORTS, REPORTS + "?export=xlsx", REPORTS + "feedback/", REPORTS + "policies/"):
            with CaptureQueriesContext(connection) as ctx:
                assert client.get(url).status_code == 200
            counts.append(len(ctx.captured_queries))
        return counts

    grow(1, 1)
    small = queries()
    grow(12, 4)
    assert queries() == small
