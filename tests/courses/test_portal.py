"""我的学习 (/me/learning/): assigned items with due dates and progress, overdue first,
completed below; policy updates waiting for acknowledgement with a badge in the header;
hours against the annual target; certificates. A fixed number of queries for 1 or 200
assignments, on this page and on a course page."""

import datetime as dt
import json
import re
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from courses import selectors, services
from courses.models import CaseScenarioPage, CoursePage, LessonPage, PolicyUpdatePage, TrainingRecord
from tests.courses.portal_builders import (
    ROLE_PLAY,
    make_assignment,
    make_course,
    make_policy,
    make_scenario,
    make_sections,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def tree(home_page):
    return make_sections(home_page)


@pytest.fixture
def staff_client(client, staff_member):
    client.force_login(staff_member.user)
    return client


def today():
    return timezone.localdate()


def days(n):
    return today() + dt.timedelta(days=n)


def complete_course(staff, course):
    for lesson in course.lessons():
        services.lesson_submit(
            staff=staff, lesson=lesson, answers=[[i for i, c in enumerate(q["choices"], 1) if c["correct"]] for q in lesson.knowledge_questions()]
        )


def test_items_overdue_first_then_by_due_date_and_completed_below(staff_client, staff_member, tree):
    learning, policies = tree
    later = make_course(learning, title="稍后到期的课程", lessons=2)
    overdue = make_course(learning, title="已逾期的课程", lessons=2)
    soon = make_scenario(learning, title="即将到期的案例")
    policy = make_policy(policies, title="待确认的政策")
    done = make_course(learning, title="已完成的课程", lessons=1)
    make_assignment(later, staff_member, days(20))
    make_assignment(overdue, staff_member, days(-2))
    make_assignment(soon, staff_member, days(1))
    make_assignment(policy, staff_member, days(5))
    make_assignment(done, staff_member, days(10))
    services.lesson_submit(staff=staff_member, lesson=later.lessons().first(), answers=[[2]])
    complete_course(staff_member, done)

    html = staff_client.get(reverse("courses:my_learning")).content.decode()
    todo, rest = html.split('id="hours-heading"', 1)
    todo_list = todo.split('id="todo-heading"', 1)[1]
    order = [todo_list.index(t) for t in ("已逾期的课程", "即将到期的案例", "待确认的政策", "稍后到期的课程")]
    assert order == sorted(order)
    assert "已逾期 2 天" in todo and "还剩 1 天" in todo
    assert "已学 1 / 2 课" in todo and 'value="50"' in todo  # progress bar of the half-done course
    assert "已完成的课程" in rest and "已完成的课程" not in todo
    assert "按时" in rest.split('id="done-heading"', 1)[1]
    # The policy update also waits in the acknowledgement box, and in the header badge.
    assert "有 1 条政策更新待您确认" in todo
    assert re.search(r'data-badge="acknowledgements"[^>]*>1</span>', html)
    assert "待完成 4 项" in html and "已逾期 1 项" in html


def test_hours_this_year_against_the_target_and_certificates(staff_client, staff_member, tree):
    course = make_course(tree[0], title="服务礼仪", lessons=1, hours="2.5")
    make_assignment(course, staff_member, days(3))
    complete_course(staff_member, course)
    TrainingRecord.objects.create(
        staff=staff_member, title="岗前培训", date=today(), hours=Decimal("8.0"), mode="offline", source="import", source_key="x"
    )
    TrainingRecord.objects.create(
        staff=staff_member, title="去年", date=today().replace(year=today().year - 1), hours=Decimal("30"), mode="online", source="import", source_key="y"
    )
    html = staff_client.get(reverse("courses:my_learning")).content.decode()
    assert '<strong data-hours="total">10.5</strong> / 90' in html
    assert '<strong data-hours="online">2.5</strong> / 50' in html
    certificate = staff_member.certificates.get()
    assert reverse("courses:certificate", args=[certificate.code]) in html
    assert "服务礼仪" in html.split('id="certificates-heading"', 1)[1]


def test_staff_see_only_their_own_items(staff_client, staff_member, other_staff, tree):
    mine = make_course(tree[0], title="我的课程")
    theirs = make_course(tree[0], title="别人的课程")
    make_assignment(mine, staff_member, days(3))
    make_assignment(theirs, other_staff, days(3))
    complete_course(other_staff, theirs)
    html = staff_client.get(reverse("courses:my_learning")).content.decode()
    assert "我的课程" in html and "别人的课程" not in html
    assert other_staff.certificates.get().code not in html


def test_unpublished_and_withdrawn_items_are_not_listed(staff_client, staff_member, tree):
    hidden = make_course(tree[0], title="已下线课程")
    withdrawn = make_course(tree[0], title="已撤销的指派")
    make_assignment(hidden, staff_member, days(3))
    assignment = make_assignment(withdrawn, staff_member, days(3))
    hidden.unpublish()
    assignment.active = False
    assignment.save()
    html = staff_client.get(reverse("courses:my_learning")).content.decode()
    assert "已下线课程" not in html and "已撤销的指派" not in html
    assert "目前没有待完成的学习任务" in html


def test_the_portal_links_my_learning(staff_client):
    html = staff_client.get(reverse("portal:home")).content.decode()
    assert f'href="{reverse("courses:my_learning")}"' in html


def test_the_badge_counts_assigned_policy_updates_until_acknowledged(staff_client, staff_member, tree, django_assert_max_num_queries):
    first, second = make_policy(tree[1]), make_policy(tree[1], questions=())
    unassigned = make_policy(tree[1])
    for policy in (first, second):
        make_assignment(policy, staff_member, days(7))
    assert selectors.pending_acknowledgement_count(user=staff_member.user) == 2
    with django_assert_max_num_queries(1):
        assert selectors.pending_acknowledgement_count(user=staff_member.user) == 2
    services.policy_acknowledge(staff=staff_member, policy=second)
    assert selectors.pending_acknowledgement_count(user=staff_member.user) == 1
    html = staff_client.get("/").content.decode()
    assert re.search(r'data-badge="acknowledgements"[^>]*>1</span>', html)
    # A new round of the acknowledged one asks again.
    second.acknowledgement_round = 2
    second.save_revision().publish()
    assert selectors.pending_acknowledgement_count(user=staff_member.user) == 2
    assert unassigned.pk not in {i.page.pk for i in selectors.staff_learning_items(staff=staff_member)[0]}


def test_no_badge_for_people_without_a_staff_role(role_users, client_for):
    html = client_for(role_users["trainer"]).get(reverse("portal:home")).content.decode()
    assert 'data-badge="acknowledgements"' not in html
    assert 'data-badge="notices"' in html  # notices are for everyone


def _bulk_pages(learning, policies, n_courses, n_scenarios, n_policies):
    """Live pages made with the tree API only (no revisions): fast enough for hundreds."""
    pages = []
    for n in range(n_courses):
        course = learning.add_child(instance=CoursePage(title=f"批量课程{n}", slug=f"bulk-course-{n}", summary="s", category="etiquette"))
        course.add_child(instance=LessonPage(title="第1课", slug="l1", body=json.dumps([])))
        pages.append(course)
    for n in range(n_scenarios):
        pages.append(
            learning.add_child(
                instance=CaseScenarioPage(
                    title=f"批量案例{n}", slug=f"bulk-case-{n}", category="etiquette", background="<p>b</p>", what_happened="<p>w</p>", analysis="<p>a</p>",
                    steps=json.dumps(ROLE_PLAY),
                )
            )
        )
    for n in range(n_policies):
        pages.append(
            policies.add_child(
                instance=PolicyUpdatePage(title=f"批量政策{n}", slug=f"bulk-policy-{n}", effective_date=today(), summary="s", body="[]")
            )
        )
    return pages


def _count(client, url):
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured)


def test_queries_are_the_same_for_1_and_200_assignments(staff_client, staff_member, tree):
    learning, policies = tree
    first = make_course(learning, title="第一门课", lessons=2)
    make_assignment(first, staff_member, days(5))
    services.lesson_submit(staff=staff_member, lesson=first.lessons().first(), answers=[[2]])
    portal = reverse("courses:my_learning")
    staff_client.get(portal)
    staff_client.get(first.url)
    one = _count(staff_client, portal)
    course_page_one = _count(staff_client, first.url)

    pages = _bulk_pages(learning, policies, 120, 40, 39)
    for n, page in enumerate(pages):
        make_assignment(page, staff_member, days(n % 30 - 10))
    for page in pages[:30]:
        if isinstance(page, CoursePage):
            complete_course(staff_member, page)
    for page in pages[120:130]:
        services.scenario_run_record(staff=staff_member, scenario=page, choices=[1])
    for page in pages[160:170]:
        services.policy_acknowledge(staff=staff_member, policy=page)
    open_items, completed = selectors.staff_learning_items(staff=staff_member)
    assert len(open_items) + len(completed) == 200
    assert staff_member.certificates.count() == 30

    many = _count(staff_client, portal)
    course_page_many = _count(staff_client, first.url)
    assert many == one, (one, many)
    assert course_page_many == course_page_one, (course_page_one, course_page_many)
    print(f"/me/learning/: {one} queries with 1 assignment, {many} with 200; course page {course_page_one}/{course_page_many}")


def test_header_counts_cost_nothing_until_shown(rf, staff_member, django_assert_num_queries):
    from courses.context_processors import header_counts

    request = rf.get("/admin/")
    request.user = staff_member.user
    with django_assert_num_queries(0):
        counts = header_counts(request)["header_counts"]
    with django_assert_num_queries(2):  # the role (once per request), then the count
        assert counts.pending_acknowledgements == 0
    with django_assert_num_queries(1):
        assert counts.unread_notices == 0
