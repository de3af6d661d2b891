"""Two HR users (or the button and the background task) computing the same month at once,
on PostgreSQL: one evaluation per person, the figures of a single compute, every change
logged once."""

import pytest
from django.db import connection

from assessment import services
from assessment.models import Evaluation, EvaluationPeriod
from tests.assessment import builders
from tests.assessment.builders import OCTOBER
from tests.helpers import run_in_threads

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks and real concurrency need PostgreSQL"),
]
east, west, worked = builders.east, builders.west, builders.worked  # fixtures


def _figures():
    return {
        e.staff.staff_no: (e.ratings, e.discipline, e.tests, e.learning, e.score, e.grade, e.pay)
        for e in Evaluation.objects.select_related("staff")
    }


def test_two_computes_of_a_new_month_at_once_write_it_once(worked):
    results = run_in_threads(3, lambda i: services.evaluations_compute(period=OCTOBER))
    # The period row is locked: the first creates the evaluations, the others wait and update them.
    assert sorted((r.created, r.updated) for r in results) == [(0, 3), (0, 3), (3, 0)]
    assert EvaluationPeriod.objects.filter(month="2026-10").count() == 1
    assert Evaluation.objects.count() == 3
    history = Evaluation.history.model.objects
    assert history.filter(history_type="+").count() == 3 and history.filter(history_type="~").count() == 6

    together = _figures()
    Evaluation.history.all().delete()
    Evaluation.objects.all().delete()
    services.evaluations_compute(period=OCTOBER)
    assert _figures() == together
