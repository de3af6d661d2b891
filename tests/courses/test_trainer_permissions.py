"""Who may use the trainers' admin: assignments (trainers manage; HR and supervisors read),
the learning reports and their exports (trainers, supervisors, HR, admins), the offline
training import (trainers, HR, admins). Nobody sees pay in any of them."""

import datetime as dt

import pytest

from courses import services
from courses.models import Assignment
from tests.helpers import assert_denied

from .admin_builders import make_course, make_feedback, make_policy, make_sections

pytestmark = pytest.mark.django_db

ADMIN_LOGIN = "admin-login"
DENIED = "denied"
USERS = ["anonymous", "staff", "trainer", "hr", "supervisor", "vendor", "judge", "admin"]
OUT = [ADMIN_LOGIN, ADMIN_LOGIN]  # anonymous and staff: no admin at all
NO_ADMIN = [ADMIN_LOGIN, ADMIN_LOGIN]  # vendor and judge

# url: outcome for each of USERS, in that order ({a} is an assignment's id, {p} a policy's).
# fmt: off
MATRIX = {
    #                                              anon/staff  trainer hr      superv. vendor/judge admin
    "/admin/learning/assignments/":                 [*OUT,     200,    200,    200,    *NO_ADMIN,   200],
    "/admin/learning/assignments/new/":             [*OUT,     200,    DENIED, DENIED, *NO_ADMIN,   200],
    "/admin/learning/assignments/edit/{a}/":        [*OUT,     200,    DENIED, DENIED, *NO_ADMIN,   200],
    "/admin/learning/assignments/inspect/{a}/":     [*OUT,     200,    200,    200,    *NO_ADMIN,   200],
    "/admin/learning/assignments/delete/{a}/":      [*OUT,     DENIED, DENIED, DENIED, *NO_ADMIN,   200],
    "/admin/learning/reports/":                     [*OUT,     200,    200,    200,    *NO_ADMIN,   200],
    "/admin/learning/reports/?export=xlsx":         [*OUT,     200,    200,    200,    *NO_ADMIN,   200],
    "/admin/learning/reports/feedback/":            [*OUT,     200,    200,    200,    *NO_ADMIN,   200],
    "/admin/learning/reports/feedback/?export=xlsx": [*OUT,    200,    200,    200,    *NO_ADMIN,   200],
    "/admin/learning/reports/policies/":            [*OUT,     200,    200,    200,    *NO_ADMIN,   200],
    "/admin/learning/reports/policies/{p}/missing/": [*OUT,    200,    200,    200,    *NO_ADMIN,   200],
    "/admin/learning/reports/policies/{p}/missing/?export=xlsx": [*OUT, 200, 200, 200, *NO_ADMIN,   200],
    "/admin/people/audience-count/":                [*OUT,     200,    200,    200,    *NO_ADMIN,   200],
    "/admin/imports/training/":                     [*OUT,     200,    200,    DENIED, *NO_ADMIN,   200],
    "/admin/imports/training/template.xlsx":        [*OUT,     200,    200,    DENIED, *NO_ADMIN,   200],
}
# fmt: on


def test_matrix_rows_are_complete():
    assert all(len(outcomes) == len(USERS) for outcomes in MATRIX.values())


@pytest.fixture
def learning_data(home_page, role_users, staff_member):
    learning, policies = make_sections(home_page)
    course = make_course(learning)
    policy = make_policy(policies)
    assignment = services.assignment_create(
        page=course, due_date=dt.date(2099, 1, 1), created_by=None, centres=[staff_member.centre]
    )
    make_feedback(staff_member, course, 5, "很实用")
    return {"a": assignment.pk, "p": policy.pk}


@pytest.mark.parametrize("url", list(MATRIX), ids=list(MATRIX))
def test_permission_matrix(client_for, role_users, learning_data, url):
    for user_key, expected in zip(USERS, MATRIX[url], strict=True):
        user = None if user_key == "anonymous" else role_users[user_key]
        response = client_for(user).get(url.format(**learning_data))
        where = f"{url} as {user_key}"
        if expected == ADMIN_LOGIN:
            assert_denied(response, login_redirect=True)
        elif expected == DENIED:
            assert_denied(response)
        else:
            assert response.status_code == expected, where


def test_reports_and_exports_show_no_pay(client_for, role_users, learning_data, staff_member):
    staff_member.pay_base = "98765.43"
    staff_member.save()
    client = client_for(role_users["admin"])
    for url in ("/admin/learning/reports/", "/admin/learning/reports/?export=xlsx", f"/admin/learning/assignments/inspect/{learning_data['a']}/"):
        body = client.get(url).content
        assert b"98765" not in body
        assert "绩效".encode() not in body


def menu_labels(client):
    """The admin sidebar's labels (Wagtail renders the menu from JSON props)."""
    return client.get("/admin/").content.decode().encode().decode("unicode_escape", errors="ignore")


def test_menu_shows_learning_admin_by_role(client_for, role_users, learning_data):
    trainer_menu = menu_labels(client_for(role_users["trainer"]))
    assert "学习管理" in trainer_menu and "导入线下培训" in trainer_menu and "学习统计" in trainer_menu
    assert "/help/trainer-learning/" in trainer_menu
    supervisor_menu = menu_labels(client_for(role_users["supervisor"]))
    assert "学习统计" in supervisor_menu and "导入线下培训" not in supervisor_menu


def test_hr_and_supervisors_cannot_create_assignments(client_for, role_users, learning_data, home_page):
    learning = make_sections(home_page)[0]
    course = make_course(learning, "另一门课")
    for key in ("hr", "supervisor"):
        client_for(role_users[key]).post(
            "/admin/learning/assignments/new/",
            {"page": course.pk, "due_date": "2099-01-01", "mandatory": "on", "individual_staff_nos": "S10001"},
        )
    assert not Assignment.objects.filter(page=course).exists()
