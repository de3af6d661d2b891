"""Notices and e-mail for new assignments and before due dates: background tasks (the
immediate backend in tests), set-based and idempotent; the notices page and its counts."""

import datetime as dt
import io
import re

import pytest
from django.core import mail
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from courses import services, tasks
from home.models import Notice
from home.services import notices_send
from tests import factories
from tests.courses.portal_builders import make_course, make_policy, make_scenario, make_sections

pytestmark = pytest.mark.django_db


@pytest.fixture
def tree(home_page):
    return make_sections(home_page)


def days(n):
    return timezone.localdate() + dt.timedelta(days=n)


@pytest.fixture
def east():
    return factories.make_centre("城东")


def people(centre, n, email=True):
    result = []
    for _ in range(n):
        person = factories.make_staff(centre=centre)
        if email:
            person.user.email = f"{person.staff_no.lower()}@example.cn"
            person.user.save()
        result.append(person)
    return result


def test_creating_an_assignment_tells_its_recipients_after_the_commit(tree, east, django_capture_on_commit_callbacks):
    course = make_course(tree[0], title="服务礼仪")
    staff = people(east, 3)
    with django_capture_on_commit_callbacks(execute=True):
        assignment = services.assignment_create(page=course, due_date=days(10), created_by=None, centres=[east])
    notices = Notice.objects.filter(key=f"learning:assignment:{assignment.pk}")
    assert sorted(notices.values_list("recipient_id", flat=True)) == sorted(p.user_id for p in staff)
    notice = notices.first()
    assert notice.title == "新的学习任务：服务礼仪" and notice.url == course.url
    assert f"{days(10):%Y-%m-%d}" in notice.body
    assert len(mail.outbox) == 3 and {m.to[0] for m in mail.outbox} == {p.user.email for p in staff}
    assert mail.outbox[0].subject == "新的学习任务：服务礼仪" and course.url in mail.outbox[0].body


def test_only_new_recipients_are_told_and_never_twice(tree, east, django_capture_on_commit_callbacks):
    policy = make_policy(tree[1], title="延时服务新规")
    first = people(east, 2)
    with django_capture_on_commit_callbacks(execute=True):
        assignment = services.assignment_create(page=policy, due_date=days(7), created_by=None, centres=[east])
    assert Notice.objects.count() == 2 and Notice.objects.first().title == "政策更新待确认：延时服务新规"
    newcomer = people(east, 1)[0]
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        assert services.assignments_sync_all() == 1
    assert list(Notice.objects.filter(recipient=newcomer.user).values_list("key", flat=True)) == [f"learning:assignment:{assignment.pk}"]
    assert [m.to for m in mail.outbox] == [[newcomer.user.email]]
    # Running the task again tells nobody.
    assert tasks.notify_new_assignment.enqueue(assignment.pk).return_value == 0
    assert Notice.objects.count() == 3 and len(mail.outbox) == 1
    assert {p.user_id for p in first} < set(Notice.objects.values_list("recipient_id", flat=True))


def test_the_task_is_set_based(tree, east):
    course = make_course(tree[0])
    staff = people(east, 30, email=False)
    assignment = services.assignment_create(page=course, due_date=days(10), created_by=None, centres=[east])
    with CaptureQueriesContext(connection) as captured:
        assert tasks.notify_new_assignment.call(assignment.pk) == 30
    assert len(captured) <= 10, [q["sql"][:80] for q in captured]
    assert Notice.objects.count() == len(staff)
    assert len(mail.outbox) == 0  # nobody has an address


def test_reminders_before_the_due_date_for_items_not_done_once(tree, east, django_capture_on_commit_callbacks):
    soon, later, done_course = make_course(tree[0], title="即将到期"), make_course(tree[0], title="下月到期"), make_course(tree[0], title="已完成", lessons=1)
    policy = make_policy(tree[1], title="待确认政策", questions=())
    idle, busy = people(east, 2)
    for page, due in ((soon, days(2)), (later, days(20)), (done_course, days(1)), (policy, days(0))):
        services.assignment_create(page=page, due_date=due, created_by=None, centres=[east])
    services.lesson_submit(staff=busy, lesson=done_course.lessons().first(), answers=[[2]])
    services.policy_acknowledge(staff=busy, policy=policy)

    with django_capture_on_commit_callbacks(execute=True):  # e-mail goes after the commit
        result = tasks.send_due_reminders.enqueue(days=3)
    assert result.status == "SUCCESSFUL" and result.return_value == 4
    titles = sorted(Notice.objects.filter(recipient=idle.user).values_list("title", flat=True))
    assert titles == sorted(["学习任务即将到期：已完成", "学习任务即将到期：待确认政策", "学习任务即将到期：即将到期"])
    assert sorted(Notice.objects.filter(recipient=busy.user).values_list("title", flat=True)) == ["学习任务即将到期：即将到期"]
    body = Notice.objects.get(recipient=idle.user, title__endswith="即将到期").body
    assert "还剩 2 天" in body
    assert "今天" in Notice.objects.get(recipient=idle.user, title__endswith="待确认政策").body
    assert len(mail.outbox) == 4
    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.send_due_reminders.enqueue(days=3).return_value == 0  # never twice
    assert len(mail.outbox) == 4


def test_the_command_syncs_and_reminds(tree, east):
    course = make_course(tree[0])
    services.assignment_create(page=course, due_date=days(1), created_by=None, centres=[east])
    people(east, 2)  # joined after the assignment was made
    out = io.StringIO()
    call_command("send_learning_reminders", stdout=out)
    assert "sync_assignments: 2" in out.getvalue() and "send_due_reminders: 2" in out.getvalue()
    out = io.StringIO()
    call_command("send_learning_reminders", "--days", "3", stdout=out)
    assert "send_due_reminders: 0" in out.getvalue()


def test_notices_page_lists_mine_and_opening_one_marks_it_read(client, staff_member, other_staff, tree):
    course = make_course(tree[0], title="服务礼仪")
    notices_send(key="a", recipients=[(staff_member.user_id, "")], title="我的通知", body="正文", url=course.url)
    notices_send(key="b", recipients=[(staff_member.user_id, "")], title="外部链接", url="https://evil.example/x")
    notices_send(key="a", recipients=[(other_staff.user_id, "")], title="别人的通知")
    client.force_login(staff_member.user)
    html = client.get(reverse("courses:notices")).content.decode()
    assert "我的通知" in html and "别人的通知" not in html
    assert re.search(r'data-badge="notices"[^>]*>2</span>', html)
    mine = Notice.objects.get(title="我的通知")
    response = client.get(reverse("courses:notice_open", args=[mine.pk]))
    assert response.status_code == 302 and response.url == course.url
    mine.refresh_from_db()
    assert mine.read_at is not None
    outside = Notice.objects.get(title="外部链接")
    assert outside.url == ""  # only paths on this site are kept
    assert client.get(reverse("courses:notice_open", args=[outside.pk])).url == reverse("courses:notices")
    theirs = Notice.objects.get(title="别人的通知")
    assert client.get(reverse("courses:notice_open", args=[theirs.pk])).status_code == 404
    client.post(reverse("courses:notices_read_all"))
    assert not Notice.objects.filter(recipient=staff_member.user, read_at__isnull=True).exists()
    assert Notice.objects.get(pk=theirs.pk).read_at is None
    html = client.get(reverse("courses:notices")).content.decode()
    assert re.search(r'data-badge="notices"[^>]*hidden', html)


def test_notices_need_login(client):
    assert client.get(reverse("courses:notices")).status_code == 302
    assert client.post(reverse("courses:notices_read_all")).status_code == 302


def test_notices_about_a_task_are_read_once_it_is_done(tree, east, django_capture_on_commit_callbacks):
    course = make_course(tree[0], title="服务礼仪", lessons=2)
    policy = make_policy(tree[1], title="延时服务新规", questions=())
    scenario = make_scenario(tree[0], title="材料不全")
    busy, idle = people(east, 2, email=False)
    with django_capture_on_commit_callbacks(execute=True):
        for page in (course, policy, scenario):
            services.assignment_create(page=page, due_date=days(2), created_by=None, centres=[east])
        tasks.send_due_reminders.enqueue(days=3)
    other = notices_send(key="other:event", recipients=[(busy.user_id, "")], title="别的通知")
    assert other == [busy.user_id]
    assert Notice.objects.filter(recipient=busy.user, read_at__isnull=True).count() == 7

    first, second = course.lessons()
    services.lesson_submit(staff=busy, lesson=first, answers=[[2]])
    assert Notice.objects.filter(recipient=busy.user, read_at__isnull=True).count() == 7  # the course is not done yet
    services.lesson_submit(staff=busy, lesson=second, answers=[[2]])
    services.policy_acknowledge(staff=busy, policy=policy)
    services.scenario_run_record(staff=busy, scenario=scenario, choices=[1])

    unread = Notice.objects.filter(recipient=busy.user, read_at__isnull=True)
    assert list(unread.values_list("key", flat=True)) == ["other:event"]
    assert Notice.objects.filter(recipient=idle.user, read_at__isnull=True).count() == 6  # not theirs
