"""The demo (`load_initial_data`) gives the demo staff member a meaningful 我的学习: open,
overdue and completed items, a certificate, hours, two policy updates to acknowledge and
notices; a second run changes nothing."""

import io

import pytest
from django.core.management import call_command
from django.urls import reverse

from courses import selectors
from courses.models import Assignment, AssignmentRecipient, Certificate, ScenarioRun, TrainingRecord
from home.models import Notice
from people.models import StaffProfile

pytestmark = pytest.mark.django_db(transaction=True)  # notices are sent after the commit


def load():
    call_command("load_initial_data", stdout=io.StringIO())


def figures():
    return {
        model.__name__: model.objects.count()
        for model in (Assignment, AssignmentRecipient, Certificate, ScenarioRun, TrainingRecord, Notice)
    }


def test_demo_staff_has_a_meaningful_portal(client):
    load()
    staff = StaffProfile.objects.get(user__username="staff")
    open_items, completed = selectors.staff_learning_items(staff=staff)
    kinds = {item.kind for item in open_items}
    assert kinds == {"course", "scenario", "policy"}
    assert any(item.overdue for item in open_items)
    assert any(item.kind == "course" and 0 < item.percent < 100 for item in open_items)
    assert any(item.kind == "course" for item in completed) and any(item.kind == "scenario" for item in completed)
    assert selectors.pending_acknowledgement_count(user=staff.user) == 2
    assert staff.certificates.count() == 1
    hours = selectors.staff_hours_this_year(staff=staff)
    assert hours["total"] > hours["online"] > 0
    # One notice per learning item (the evaluation notices come from the assessment demo).
    learning_notices = Notice.objects.filter(recipient=staff.user).exclude(key__startswith="evaluations:")
    assert learning_notices.count() == len(open_items) + len(completed)

    client.force_login(staff.user)
    html = client.get(reverse("courses:my_learning")).content.decode()
    assert "已逾期" in html and "我的证书" in html

    before = figures()
    load()
    assert figures() == before
