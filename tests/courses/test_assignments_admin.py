"""学习管理 → 学习任务 in the Wagtail admin: trainers assign courses, case scenarios and
policy updates to an audience; recipients are recorded through courses.services, and
people who join the audience later (roster import, the staff form) get it too."""

import datetime as dt
import io
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from openpyxl import Workbook

from courses import services
from courses.models import Assignment, AssignmentRecipient, ItemKind, LessonPage
from home.spreadsheets import read_table
from people.models import StaffProfile
from people.services import staff_roster_import
from tests import factories
from tests.helpers import visible_text

from .admin_builders import make_course, make_policy, make_scenario, make_sections

pytestmark = pytest.mark.django_db

INDEX = "/admin/learning/assignments/"
ADD = INDEX + "new/"
FUTURE = dt.date(2099, 12, 31)


@pytest.fixture
def learning_sections(home_page):
    return make_sections(home_page)


@pytest.fixture
def course(learning_sections):
    return make_course(learning_sections[0], "服务意识与群众观念")


@pytest.fixture
def org():
    east = factories.make_centre("城东政务服务中心")
    west = factories.make_centre("城西政务服务中心")
    reception = factories.make_post("综合受理")
    people = {
        "e1": factories.make_staff("E1", centre=east, post=reception),
        "e2": factories.make_staff("E2", centre=east),
        "w1": factories.make_staff("W1", centre=west, post=reception),
    }
    return {"east": east, "west": west, "reception": reception, **people}


@pytest.fixture
def trainer(client_for, role_users):
    return client_for(role_users["trainer"])


def form_data(page, **extra):
    data = {"page": page.pk, "due_date": FUTURE.isoformat(), "mandatory": "on", "active": "on", "individual_staff_nos": ""}
    data.update(extra)
    return data


def recipients(assignment):
    return set(assignment.recipients.values_list("staff_no", flat=True))


def test_trainer_assigns_a_course_to_a_centre(trainer, role_users, course, org):
    response = trainer.post(ADD, form_data(course, centres=[org["east"].pk]))
    assert response.status_code == 302
    assignment = Assignment.objects.get()
    assert assignment.kind == ItemKind.COURSE
    assert assignment.created_by == role_users["trainer"]
    assert recipients(assignment) == {"E1", "E2"}

    listing = trainer.get(INDEX).content.decode()
    assert "服务意识与群众观念" in listing
    inspect = visible_text(trainer.get(f"{INDEX}inspect/{assignment.pk}/").content.decode())
    assert "2 名接收人" in inspect and "E1" in inspect and "W1" not in inspect
    assert "城东政务服务中心" in inspect


def test_audience_combines_dimensions_and_named_staff(trainer, course, org):
    trainer.post(
        ADD, form_data(course, centres=[org["east"].pk], posts=[org["reception"].pk], individual_staff_nos="W1")
    )
    assert recipients(Assignment.objects.get()) == {"E1", "W1"}


def test_form_rejects_no_audience_unknown_staff_and_pages_that_cannot_be_assigned(trainer, course, org):
    response = trainer.post(ADD, form_data(course))
    assert response.status_code == 200 and "请选择学习任务的对象" in response.content.decode()
    response = trainer.post(ADD, form_data(course, individual_staff_nos="E1, NOPE9"))
    assert "NOPE9" in response.content.decode()
    lesson = LessonPage.objects.child_of(course).first()
    response = trainer.post(ADD, form_data(lesson, centres=[org["east"].pk]))
    assert "只能指派课程、案例情景和政策更新" in response.content.decode()
    assert not Assignment.objects.exists()


def test_editing_widens_the_audience_and_deactivating_keeps_the_records(trainer, course, org):
    trainer.post(ADD, form_data(course, centres=[org["east"].pk]))
    assignment = Assignment.objects.get()
    response = trainer.post(
        f"{INDEX}edit/{assignment.pk}/", form_data(course, centres=[org["east"].pk, org["west"].pk])
    )
    assert response.status_code == 302
    assert recipients(assignment) == {"E1", "E2", "W1"}

    data = form_data(course, centres=[org["east"].pk])
    del data["active"]
    trainer.post(f"{INDEX}edit/{assignment.pk}/", data)
    assignment.refresh_from_db()
    assert not assignment.active
    assert recipients(assignment) == {"E1", "E2", "W1"}  # nobody's record is dropped
    # An inactive assignment gains nobody.
    factories.make_staff("E3", centre=org["east"])
    assert services.assignments_sync_all() == 0


def test_edit_form_shows_the_staff_numbers_named(trainer, course, org):
    trainer.post(ADD, form_data(course, individual_staff_nos="W1 E2"))
    assignment = Assignment.objects.get()
    page = trainer.get(f"{INDEX}edit/{assignment.pk}/").content.decode()
    assert "E2 W1" in page
    assert "data-audience-count-url" in page


def test_listing_filters_and_search(trainer, learning_sections, org):
    learning, policies = learning_sections
    course = make_course(learning, "一次性告知")
    policy = make_policy(policies, "好差评新规")
    services.assignment_create(page=course, due_date=FUTURE, created_by=None, centres=[org["east"]])
    services.assignment_create(
        page=policy, due_date=dt.date(2020, 1, 31), created_by=None, centres=[org["west"]]
    )

    def titles(query):
        return [t for t in ("一次性告知", "好差评新规") if t in trainer.get(INDEX + query).content.decode()]

    assert titles("") == ["一次性告知", "好差评新规"]
    assert titles("?kind=policy") == ["好差评新规"]
    assert titles("?due=past") == ["好差评新规"]
    assert titles("?due=upcoming") == ["一次性告知"]
    assert titles(f"?centre={org['east'].pk}") == ["一次性告知"]
    assert titles("?q=告知") == ["一次性告知"]


def test_listing_queries_do_not_grow_with_assignments(trainer, learning_sections, org):
    learning, policies = learning_sections
    scenario = make_scenario(learning)

    def queries(count):
        for n in range(count):
            course = make_course(learning, f"课程{n}{count}")
            services.assignment_create(page=course, due_date=FUTURE, created_by=None, centres=[org["east"]])
        services.assignment_create(page=scenario, due_date=FUTURE, created_by=None, individuals=[org["w1"]])
        with CaptureQueriesContext(connection) as ctx:
            assert trainer.get(INDEX).status_code == 200
        return len(ctx.captured_queries)

    assert queries(1) == queries(15)


def roster(rows):
    book = Workbook()
    sheet = book.active
    sheet.append(["工号", "姓名", "服务中心", "岗位", "绩效工资基数"])
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return read_table(out.getvalue(), "roster.xlsx", header_markers=("工号", "姓名"))


def test_new_staff_from_a_roster_import_get_open_assignments(course, org):
    open_one = services.assignment_create(page=course, due_date=FUTURE, created_by=None, centres=[org["east"]])
    closed = services.assignment_create(
        page=course, due_date=dt.date(2020, 1, 1), created_by=None, centres=[org["east"]]
    )
    result = staff_roster_import(
        roster([["E9", "新同事", "城东政务服务中心", "综合受理", 2000], ["W9", "西区新人", "城西政务服务中心", "", 2000]]),
        dry_run=False,
    )
    assert result.ok, result.errors
    assert "E9" in recipients(open_one) and "W9" not in recipients(open_one)
    assert "E9" not in recipients(closed)  # past its due date: not handed to newcomers


def test_staff_created_or_moved_in_the_admin_get_matching_assignments(
    client_for, role_users, course, org, django_capture_on_commit_callbacks
):
    assignment = services.assignment_create(page=course, due_date=FUTURE, created_by=None, centres=[org["west"]])
    hr = client_for(role_users["hr"])
    person = org["e2"]
    data = {
        "staff_no": person.staff_no,
        "name": person.name,
        "centre": org["west"].pk,
        "pay_base": "2000.00",
        "active": "on",
    }
    with django_capture_on_commit_callbacks(execute=True):
        response = hr.post(f"/admin/people/staff/edit/{person.pk}/", data)
    assert response.status_code == 302, response.content.decode()[:2000]
    assert StaffProfile.objects.get(pk=person.pk).centre == org["west"]
    assert "E2" in recipients(assignment)


def test_sync_for_staff_uses_the_recipient_service(course, org):
    assignment = services.assignment_create(page=course, due_date=FUTURE, created_by=None, posts=[org["reception"]])
    newcomer = factories.make_staff("N1", centre=org["west"], post=org["reception"])
    assert services.assignments_sync_for_staff(staff_ids=[newcomer.pk]) == 1
    assert services.assignments_sync_for_staff(staff_ids=[newcomer.pk]) == 0
    assert AssignmentRecipient.objects.filter(assignment=assignment, staff=newcomer).count() == 1


def test_an_assignment_reaching_other_posts_than_the_course_targets_needs_confirming(trainer, course, org):
    counter = factories.make_post("税务窗口")
    course.target_posts.set([org["reception"], counter])
    course.save_revision().publish()
    response = trainer.post(ADD, form_data(course, centres=[org["east"].pk]))
    assert response.status_code == 200
    text = visible_text(response.content.decode())
    assert re.search(r"该课程面向(综合受理、税务窗口|税务窗口、综合受理)；所选对象中有 1 人属于其他岗位", text)
    assert "（E2，无岗位）" in text
    assert not Assignment.objects.exists()

    # Only the target post: no question asked.
    response = trainer.post(ADD, form_data(course, centres=[org["east"].pk], posts=[org["reception"].pk]))
    assert response.status_code == 302
    assert recipients(Assignment.objects.get()) == {"E1"}

    response = trainer.post(ADD, form_data(course, centres=[org["east"].pk], other_posts_confirmed="on"))
    assert response.status_code == 302
    assert recipients(Assignment.objects.latest("pk")) == {"E1", "E2"}
