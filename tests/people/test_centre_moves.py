"""Centre moves: recorded when a profile's centre changes (roster import, admin form) and
read back as the centres a person worked at on each day of a span."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from people.models import CentreMove, ServiceCentre, StaffProfile
from people.selectors import centre_segments
from people.services import centre_moves_record
from tests import factories
from tests.helpers import assert_denied
from tests.people.test_admin_directory import edit_form_data, staff_edit_url
from tests.people.test_roster_import import import_bytes, roster_row, xlsx

pytestmark = pytest.mark.django_db

OCT_1, OCT_31 = dt.date(2026, 10, 1), dt.date(2026, 10, 31)


def test_roster_import_records_a_move_when_the_centre_changes_and_only_then():
    import_bytes(xlsx([roster_row("CD1001"), roster_row("CD1002", "李强", 窗口编号="01-02")]))
    assert not CentreMove.objects.exists()

    moved = roster_row("CD1001", 服务中心="城西政务服务中心", 窗口编号="02-01", 窗口名称="社保窗口")
    result = import_bytes(xlsx([moved, roster_row("CD1002", "李强", 窗口编号="01-02")]))

    assert result.ok, result.errors
    move = CentreMove.objects.select_related("from_centre", "to_centre", "staff").get()
    assert move.staff.staff_no == "CD1001"
    assert (move.from_centre.name, move.to_centre.name) == ("城东政务服务中心", "城西政务服务中心")
    assert move.moved_on == timezone.localdate()

    import_bytes(xlsx([moved, roster_row("CD1002", "李强", 窗口编号="01-02")]))
    assert CentreMove.objects.count() == 1, "re-importing the same roster records no second move"


def test_hr_changing_the_centre_in_the_admin_records_who_moved_whom(client_for, role_users, staff_member):
    other = factories.make_centre("城北政务服务中心")
    hr = role_users["hr"]
    response = client_for(hr).post(
        staff_edit_url(staff_member), edit_form_data(staff_member, centre=other.pk, window="")
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    move = CentreMove.objects.get(staff=staff_member)
    assert (move.from_centre_id, move.to_centre_id, move.recorded_by) == (staff_member.centre_id, other.pk, hr)

    client_for(hr).post(staff_edit_url(staff_member), edit_form_data(StaffProfile.objects.get(pk=staff_member.pk)))
    assert CentreMove.objects.filter(staff=staff_member).count() == 1, "saving without a centre change adds none"


def test_hr_corrects_a_move_date_but_other_roles_cannot_see_moves(client_for, role_users, staff_member):
    east, west = staff_member.centre, factories.make_centre("城西政务服务中心")
    centre_moves_record(moves=[(staff_member.pk, east.pk, west.pk)], moved_on=dt.date(2026, 10, 20))
    move = CentreMove.objects.get()
    index = reverse("people_centre_moves:index")

    response = client_for(role_users["hr"]).get(index)
    assert response.status_code == 200 and staff_member.name in response.content.decode()
    response = client_for(role_users["hr"]).post(
        reverse("people_centre_moves:edit", args=[move.pk]), {"moved_on": "2026-10-12"}
    )
    assert response.status_code == 302
    move.refresh_from_db()
    assert move.moved_on == dt.date(2026, 10, 12)

    for role in ("trainer", "supervisor", "staff", "vendor"):
        assert_denied(client_for(role_users[role]).get(index), login_redirect=role in ("staff", "vendor"))


def test_segments_split_a_month_at_each_move_in_two_queries(django_assert_num_queries):
    east, west, north = (factories.make_centre(n) for n in ("城东", "城西", "城北"))
    stayed = factories.make_staff(centre=east)
    moved_once = factories.make_staff(centre=west)
    moved_twice = factories.make_staff(centre=north)
    moved_later = factories.make_staff(centre=west)
    moved_before = factories.make_staff(centre=west)
    centre_moves_record(moves=[(moved_once.pk, east.pk, west.pk)], moved_on=dt.date(2026, 10, 20))
    centre_moves_record(moves=[(moved_twice.pk, east.pk, west.pk)], moved_on=dt.date(2026, 10, 10))
    centre_moves_record(moves=[(moved_twice.pk, west.pk, north.pk)], moved_on=dt.date(2026, 10, 25))
    centre_moves_record(moves=[(moved_later.pk, east.pk, west.pk)], moved_on=dt.date(2026, 11, 3))
    centre_moves_record(moves=[(moved_before.pk, east.pk, west.pk)], moved_on=dt.date(2026, 9, 3))

    ids = [p.pk for p in (stayed, moved_once, moved_twice, moved_later, moved_before)]
    with django_assert_num_queries(2):
        segments = centre_segments(staff_ids=ids, start=OCT_1, end=OCT_31)

    assert stayed.pk not in segments and moved_before.pk not in segments
    assert segments[moved_once.pk] == [(east.pk, OCT_1, dt.date(2026, 10, 19)), (west.pk, dt.date(2026, 10, 20), OCT_31)]
    assert segments[moved_twice.pk] == [
        (east.pk, OCT_1, dt.date(2026, 10, 9)),
        (west.pk, dt.date(2026, 10, 10), dt.date(2026, 10, 24)),
        (north.pk, dt.date(2026, 10, 25), OCT_31),
    ]
    # Moved after the month: all of October was at the old centre.
    assert segments[moved_later.pk] == [(east.pk, OCT_1, OCT_31)]
    assert ServiceCentre.objects.count() == 3
