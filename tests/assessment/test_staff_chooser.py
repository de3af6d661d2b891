"""The finding and commendation forms choose the person with a searchable chooser of the
user's centres' staff, not a select of every person."""

import pytest

from people import roles
from tests import factories
from tests.helpers import assert_denied

pytestmark = pytest.mark.django_db

CHOOSER = "/admin/records/staff-chooser/"


@pytest.fixture
def two_centres():
    east, west = factories.make_centre("城东"), factories.make_centre("城西")
    return {
        "east": east,
        "west": west,
        "zhang": factories.make_staff("E100", name="张三", centre=east),
        "li": factories.make_staff("E101", name="李四", centre=east),
        "wang": factories.make_staff("W200", name="王五", centre=west),
    }


def _supervisor_of(centre, username):
    supervisor = factories.make_user_with_role(roles.SUPERVISOR, username)
    centre.supervisors.add(supervisor)
    return supervisor


def test_the_finding_form_uses_the_chooser_not_a_select_of_everyone(client_for, two_centres):
    supervisor = client_for(_supervisor_of(two_centres["east"], "sup-east"))
    form = supervisor.get("/admin/records/findings/new/").content.decode()
    assert 'data-chooser-url="/admin/records/staff-chooser/"' in form
    assert "王五" not in form and "张三" not in form  # no list of people in the page
    hr = client_for(factories.make_user_with_role(roles.HR, "hr-form"))
    form = hr.get("/admin/records/commendations/new/").content.decode()
    assert 'data-chooser-url="/admin/records/staff-chooser/"' in form and "王五" not in form


def test_the_chooser_searches_by_staff_number_or_name_within_the_users_centres(client_for, two_centres):
    client = client_for(_supervisor_of(two_centres["east"], "sup-east"))
    listing = client.get(CHOOSER + "results/").content.decode()
    assert "张三" in listing and "李四" in listing and "王五" not in listing
    by_name = client.get(CHOOSER + "results/", {"q": "李"}).content.decode()
    assert "李四" in by_name and "张三" not in by_name
    by_number = client.get(CHOOSER + "results/", {"q": "e100"}).content.decode()
    assert "张三" in by_number and "李四" not in by_number
    # Another centre's person cannot be fetched through the chooser either.
    assert client.get(f"{CHOOSER}chosen/{two_centres['wang'].pk}/").status_code == 404
    assert client.get(f"{CHOOSER}chosen/{two_centres['zhang'].pk}/").status_code == 200

    hr = client_for(factories.make_user_with_role(roles.HR, "hr-chooser"))
    assert "王五" in hr.get(CHOOSER + "results/", {"q": "王"}).content.decode()


def test_a_trainer_finds_nobody_and_staff_cannot_open_the_chooser(client_for, two_centres, role_users):
    trainer = client_for(role_users["trainer"])
    assert "张三" not in trainer.get(CHOOSER + "results/").content.decode()
    assert_denied(client_for(role_users["staff"]).get(CHOOSER), login_redirect=True)
