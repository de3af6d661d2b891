"""Inspection photos are private files: stored outside the public media folder under a
random name, shown to HR, to the supervisors of the staff member's centre and to the staff
member concerned, and to nobody else (issue 12, item 2)."""

import io
import re

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from assessment.models import FindingType, InspectionFinding
from home.private_files import private_storage
from people import roles
from tests import factories

STORED_NAME = re.compile(r"^inspections/\d{4}/\d{2}/[0-9a-f]{32}\.png$")


def _png():
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), "red").save(buffer, "PNG")
    return buffer.getvalue()


@pytest.fixture(autouse=True)
def empty_storages(settings):
    settings.STORAGES = {**settings.STORAGES}


@pytest.fixture
def supervisor(centre):
    user = factories.make_user_with_role(roles.SUPERVISOR, "sup-photo")
    centre.supervisors.add(user)
    return user


@pytest.fixture
def finding(client, supervisor, staff_member):
    kind = FindingType.objects.create(name="玩手机", points="3.00")
    client.force_login(supervisor)
    data = {
        "staff": staff_member.pk,
        "finding_type": kind.pk,
        "method": "mystery",
        "observed_at": "2026-10-09 10:30:00",
        "note": "暗访发现",
        "photo": SimpleUploadedFile("张晓梅-玩手机.png", _png(), content_type="image/png"),
    }
    response = client.post("/admin/records/findings/new/", data)
    assert response.status_code == 302, response.content[:500]
    client.logout()
    return InspectionFinding.objects.get()


def _get(client, user, url):
    client.logout()
    if user is not None:
        client.force_login(user)
    return client.get(url)


def test_a_photo_is_stored_privately_under_an_unguessable_name(finding):
    name = finding.photo.name
    assert STORED_NAME.match(name), name
    assert "张晓梅" not in name and "evidence" not in name
    assert private_storage.exists(name) and not default_storage.exists(name)
    assert finding.photo.url == f"/private/{name}"


def test_who_sees_a_photo(client, finding, supervisor, staff_member, other_staff, vendor_manager, centre):
    url = f"/private/{finding.photo.name}"
    other_centre = factories.make_centre("城西政务服务中心")
    other_supervisor = factories.make_user_with_role(roles.SUPERVISOR, "sup-west")
    other_centre.supervisors.add(other_supervisor)
    allowed = {
        "hr": factories.make_user_with_role(roles.HR, "hr-photo"),
        "admin": factories.make_user_with_role(roles.ADMIN, "admin-photo"),
        "supervisor of the centre": supervisor,
        "the staff member": staff_member.user,
    }
    refused = {
        "anonymous": None,
        "supervisor of another centre": other_supervisor,
        "another staff member": other_staff.user,
        "vendor manager": vendor_manager,
        "trainer": factories.make_user_with_role(roles.TRAINER, "trainer-photo"),
    }
    for who, user in allowed.items():
        response = _get(client, user, url)
        assert response.status_code == 200, who
        assert response["Content-Type"] == "image/png" and response["Content-Disposition"].startswith("inline")
        assert response["X-Content-Type-Options"] == "nosniff"
        assert b"".join(response.streaming_content) == _png()
    for who, user in refused.items():
        for address in (url, f"/media/{finding.photo.name}"):
            assert _get(client, user, address).status_code in (403, 404), (who, address)


def test_the_staff_member_finds_the_photo_in_their_records(client, finding, staff_member):
    client.force_login(staff_member.user)
    page = client.get("/me/records/?month=2026-10").content.decode()
    assert f'href="/private/{finding.photo.name}"' in page


def test_the_admin_links_the_photo_through_the_guarded_view(client, finding, supervisor):
    client.force_login(supervisor)
    page = client.get(f"/admin/records/findings/edit/{finding.pk}/").content.decode()
    assert f"/private/{finding.photo.name}" in page and "/media/inspections" not in page
    response = client.get(f"/admin/records/findings/inspect/{finding.pk}/")
    assert response.status_code == 200 and "/media/inspections" not in response.content.decode()


def test_deleting_a_finding_deletes_its_photo(finding, django_capture_on_commit_callbacks):
    name = finding.photo.name
    with django_capture_on_commit_callbacks(execute=True):
        finding.delete()
    assert not private_storage.exists(name)


def test_replacing_a_photo_deletes_the_old_one(finding, django_capture_on_commit_callbacks):
    old = finding.photo.name
    with django_capture_on_commit_callbacks(execute=True):
        finding.photo = SimpleUploadedFile("new.png", _png(), content_type="image/png")
        finding.save()
    assert finding.photo.name != old and private_storage.exists(finding.photo.name)
    assert not private_storage.exists(old)
