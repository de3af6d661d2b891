"""The organiser's admin: rounds, entrants and judges listed for trainers (竞赛组织), not for
staff; a rubric whose maxima do not add up to 100 is refused."""

import pytest
from django.urls import reverse

from competitions.models import Rubric
from competitions.roles import ORGANISE
from competitions.services import competition_import_file
from people import roles
from tests import factories
from tests.helpers import assert_denied

pytestmark = pytest.mark.django_db


@pytest.fixture
def imported(roster, sample_bytes):
    assert competition_import_file(sample_bytes("competition_2026.xlsx"), "c.xlsx", dry_run=False).ok


def test_trainer_sees_rounds_entries_and_judges(client, imported):
    trainer = factories.make_user_with_role(roles.TRAINER)
    assert trainer.has_perm(ORGANISE)
    client.force_login(trainer)
    page = client.get(reverse("competitions_rounds:index")).content.decode()
    assert "实际操作演示" in page and "SC" in page
    assert "CD1001" in client.get(reverse("competitions_entries:index")).content.decode()
    assert "评委戊（企业代表）" in client.get(reverse("competitions_judges:index")).content.decode()


@pytest.mark.parametrize("role", [roles.STAFF, roles.JUDGE, roles.HR])
def test_others_cannot_organise(client, imported, role):
    user = factories.make_user_with_role(role)
    assert not user.has_perm(ORGANISE)
    client.force_login(user)
    response = client.get(reverse("competitions_rounds:index"))
    assert_denied(response, login_redirect=role != roles.HR)


def _rubric_post(maxima):
    data = {"name": "实操评分", "description": "", "criteria-TOTAL_FORMS": str(len(maxima)),
            "criteria-INITIAL_FORMS": "0", "criteria-MIN_NUM_FORMS": "1", "criteria-MAX_NUM_FORMS": "1000"}
    for i, points in enumerate(maxima):
        data.update({f"criteria-{i}-name": f"项{i}", f"criteria-{i}-max_points": str(points),
                     f"criteria-{i}-description": "", f"criteria-{i}-ORDER": str(i + 1), f"criteria-{i}-id": ""})
    return data


def test_rubric_maxima_must_add_up_to_100(client, db):
    client.force_login(factories.make_user_with_role(roles.TRAINER))
    url = reverse("wagtailsnippets_competitions_rubric:add")
    response = client.post(url, _rubric_post([40, 50]))
    assert response.status_code == 200
    assert "100" in response.content.decode() and not Rubric.objects.exists()
    response = client.post(url, _rubric_post([40, 60]))
    assert response.status_code == 302
    assert Rubric.objects.get().maxima() == {"项0": 40, "项1": 60}
