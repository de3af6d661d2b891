"""Moderation of learning content with Wagtail's own workflow: a trainer writes and submits
(培训师 cannot publish in the learning sections), a senior trainer (培训审核) approves, which
publishes; scheduled publishing works for a course."""

import datetime as dt
import io

import pytest
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.utils import timezone
from wagtail.models import GroupApprovalTask, WorkflowPage, WorkflowState

from courses import services
from courses.demo_admin import load_learning_admin
from courses.models import CoursePage
from home.demo import Tally
from people import roles
from tests import factories

from .admin_builders import make_sections

pytestmark = pytest.mark.django_db


@pytest.fixture
def learning_sections(home_page):
    return make_sections(home_page)


@pytest.fixture
def trainer():
    return factories.make_user_with_role(roles.TRAINER, "plain-trainer")


@pytest.fixture
def lead():
    user = factories.make_user_with_role(roles.TRAINER, "lead-trainer")
    user.groups.add(Group.objects.get(name=services.SENIOR_TRAINER_GROUP))
    return user


def course_form(course, **extra):
    data = {
        "title": course.title,
        "slug": course.slug,
        "summary": course.summary,
        "category": course.category,
        "hours": "2.0",
        "delivery": "online",
        "pass_percent": "80",
        "comments-TOTAL_FORMS": "0",
        "comments-INITIAL_FORMS": "0",
        "comments-MIN_NUM_FORMS": "0",
        "comments-MAX_NUM_FORMS": "1000",
    }
    data.update(extra)
    return data


@pytest.fixture
def draft(learning_sections):
    learning, _policies = learning_sections
    course = learning.add_child(
        instance=CoursePage(title="一次性告知", slug="tell-once", summary="一次讲清", category="business_skills", live=False)
    )
    course.save_revision()
    return course


def test_sections_carry_the_learning_workflow_and_the_right_permissions(learning_sections, trainer, lead):
    learning, policies = learning_sections
    for section in (learning, policies):
        workflow = WorkflowPage.objects.get(page=section).workflow
        assert workflow.name == services.LEARNING_WORKFLOW
        task = GroupApprovalTask.objects.get(workflow_tasks__workflow=workflow)
        assert list(task.groups.values_list("name", flat=True)) == [services.SENIOR_TRAINER_GROUP]
        assert section.permissions_for_user(trainer).can_add_subpage()
        assert not section.permissions_for_user(trainer).can_publish()
        assert section.permissions_for_user(lead).can_publish()
    # Idempotent: running it again makes nothing new.
    services.learning_sections_ensure(home=learning.get_parent())
    assert WorkflowPage.objects.filter(workflow__name=services.LEARNING_WORKFLOW).count() == 2
    assert GroupApprovalTask.objects.filter(name=services.LEARNING_WORKFLOW_TASK).count() == 1


def test_trainer_submits_and_the_senior_trainer_approves(client, draft, trainer, lead):
    client.force_login(trainer)
    edit = client.get(f"/admin/pages/{draft.pk}/edit/").content.decode()
    assert 'name="action-submit"' in edit
    assert 'name="action-publish"' not in edit

    # Publishing directly is refused: the page stays a draft.
    client.post(f"/admin/pages/{draft.pk}/edit/", course_form(draft, **{"action-publish": "1"}))
    assert not CoursePage.objects.get(pk=draft.pk).live

    response = client.post(f"/admin/pages/{draft.pk}/edit/", course_form(draft, summary="一次讲清、讲全", **{"action-submit": "1"}))
    assert response.status_code == 302
    state = WorkflowState.objects.get(base_content_type__model="page", object_id=str(draft.pk))
    assert state.status == WorkflowState.STATUS_IN_PROGRESS
    assert not CoursePage.objects.get(pk=draft.pk).live

    # The trainer cannot approve their own submission.
    task_state = state.current_task_state
    url = f"/admin/pages/workflow/action/{draft.pk}/approve/{task_state.pk}/"
    client.post(url, {})
    assert not CoursePage.objects.get(pk=draft.pk).live

    client.force_login(lead)
    dashboard = client.get("/admin/").content.decode()
    assert "一次性告知" in dashboard  # awaiting the lead's review
    response = client.post(url, {})
    assert response.status_code in (200, 302)
    page = CoursePage.objects.get(pk=draft.pk)
    assert page.live and page.summary == "一次讲清、讲全"
    state.refresh_from_db()
    assert state.status == WorkflowState.STATUS_APPROVED


def test_a_scheduled_course_goes_live_at_its_time(client, draft, lead):
    go_live = timezone.now() + dt.timedelta(days=2)
    client.force_login(lead)
    data = course_form(draft, go_live_at=timezone.localtime(go_live).strftime("%Y-%m-%d %H:%M"), **{"action-publish": "1"})
    client.post(f"/admin/pages/{draft.pk}/edit/", data)
    page = CoursePage.objects.get(pk=draft.pk)
    assert not page.live
    assert page.get_latest_revision().approved_go_live_at is not None

    call_command("publish_scheduled", stdout=io.StringIO())
    assert not CoursePage.objects.get(pk=draft.pk).live
    later = go_live + dt.timedelta(minutes=1)
    original_now = timezone.now
    try:
        timezone.now = lambda: later
        call_command("publish_scheduled", stdout=io.StringIO())
    finally:
        timezone.now = original_now
    assert CoursePage.objects.get(pk=draft.pk).live


def test_demo_has_a_plain_trainer_and_a_senior_trainer(home_page):
    factories.ensure_roles()
    factories.make_user_with_role(roles.TRAINER, "trainer")
    accounts = load_learning_admin(Tally())
    assert [a.username for a in accounts] == ["trainer_lead"]
    lead = factories.get_user_model().objects.get(username="trainer_lead")
    assert set(lead.groups.values_list("name", flat=True)) == {roles.TRAINER, services.SENIOR_TRAINER_GROUP}
    assert lead.check_password("Frontline-demo-2026")
    trainer = factories.get_user_model().objects.get(username="trainer")
    assert services.SENIOR_TRAINER_GROUP not in trainer.groups.values_list("name", flat=True)
    load_learning_admin(Tally())  # idempotent
    assert WorkflowPage.objects.filter(workflow__name=services.LEARNING_WORKFLOW).count() == 2
