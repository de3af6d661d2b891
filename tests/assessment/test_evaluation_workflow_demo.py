"""The evaluations part of load_initial_data: the demo months computed, reviewed, approved
and published by people, with one appeal in progress by `staff`; running it again changes
nothing."""

import io

import pytest
from django.core.management import call_command
from django.urls import reverse

from assessment.demo import DEMO_APPEAL, demo_periods
from assessment.models import Evaluation, EvaluationAppeal, EvaluationPeriod

pytestmark = pytest.mark.django_db(transaction=False)


def test_demo_months_are_published_with_one_appeal_and_a_rerun_changes_nothing(client):
    call_command("load_initial_data", stdout=io.StringIO())
    months = [str(p) for p in demo_periods()]
    periods = {p.month: p for p in EvaluationPeriod.objects.filter(month__in=months)}
    assert set(periods) == set(months)
    for period in periods.values():
        assert period.status == EvaluationPeriod.Status.PUBLISHED
        assert period.reviewed_by.username == "hr" and period.approved_by.username == "admin"
        assert period.appeal_deadline is not None
    appeal = EvaluationAppeal.objects.get()
    assert appeal.evaluation.staff.user.username == "staff" and appeal.evaluation.period.month == months[-1]
    assert appeal.status == EvaluationAppeal.Status.PENDING and appeal.reason == DEMO_APPEAL
    figures = list(Evaluation.objects.order_by("pk").values_list("pk", "score", "pay"))
    history = Evaluation.history.count()

    call_command("load_initial_data", stdout=io.StringIO())
    assert list(Evaluation.objects.order_by("pk").values_list("pk", "score", "pay")) == figures
    assert Evaluation.history.count() == history and EvaluationAppeal.objects.count() == 1

    client.force_login(appeal.evaluation.staff.user)
    page = client.get(reverse("assessment:my_evaluation", args=[months[-1]])).content.decode()
    assert DEMO_APPEAL in page and "人事尚未处理" in page
