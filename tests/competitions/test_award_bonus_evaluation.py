"""A published competition's awards reach the evaluation of the month of publication, as
bonus points within the month's cap, and the receipt shows them on their own line."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from assessment import services as assessment_services
from assessment.models import Evaluation
from competitions.services import competition_publish
from tests import factories
from tests.helpers import visible_text

pytestmark = pytest.mark.django_db

PUBLISHED = timezone.make_aware(dt.datetime(2026, 11, 20, 10, 0))


@pytest.fixture
def published(scored):
    competition_publish(competition=scored, now=PUBLISHED)


def test_award_bonus_counts_in_the_month_of_publication_only(published, roster):
    assessment_services.evaluations_compute(period="2026-11")
    assessment_services.evaluations_compute(period="2026-10")
    november = {e.staff.staff_no: e for e in Evaluation.objects.filter(period__month="2026-11").select_related("staff")}
    assert november["CD1010"].bonus == Decimal("3.00")
    assert november["CD1003"].bonus == Decimal("2.00") and november["CD1002"].bonus == Decimal("1.00")
    assert november["CD1001"].bonus == Decimal("0.00")
    winner = november["CD1010"]
    assert winner.score == winner.total + Decimal("3.00")
    assert winner.inputs["award_points"] == "3.00"
    october = Evaluation.objects.get(period__month="2026-10", staff=roster["CD1010"])
    assert october.bonus == Decimal("0.00")


def test_the_receipt_names_the_award_bonus(published, roster, client):
    assessment_services.evaluations_compute(period="2026-11")
    winner = Evaluation.objects.get(period__month="2026-11", staff=roster["CD1010"])
    client.force_login(factories.make_user_with_role("人事", "hr-award"))
    response = client.get(f"/admin/evaluations/evaluations/inspect/{winner.pk}/")
    text = visible_text(response.content.decode())
    assert "其中竞赛获奖加分 3.00，表彰加分 0.00" in text
