"""Import uploads are private: stored outside the public media folder under a random name,
served only to the roles that run that import, and deleted once the import is done or
abandoned (issue 12, item 2)."""

import re
from datetime import timedelta
from io import StringIO

import pytest
from django.conf import settings
from django.core.checks import run_checks
from django.core.exceptions import SuspiciousFileOperation
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage, storages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.http import Http404
from django.test import RequestFactory, override_settings
from django.utils import timezone
from django.views.static import serve

from home.models import ImportBatch
from home.private_files import private_storage
from home.services import _stored_names
from people import roles
from people.models import StaffProfile
from tests import factories
from tests.people.test_roster_import import roster_row, xlsx

UPLOAD_URL = "/admin/imports/staff/"
ROSTER_NAME = "人员名册-含身份证号.xlsx"
STORED_NAME = re.compile(r"^imports/\d{4}/\d{2}/[0-9a-f]{32}\.xlsx$")


def _upload(client, content, name=ROSTER_NAME):
    response = client.post(UPLOAD_URL, {"file": SimpleUploadedFile(name, content)})
    assert response.status_code == 302, response.content[:300]
    return ImportBatch.objects.latest("pk"), response.url


@pytest.fixture(autouse=True)
def empty_storages(settings):
    """A fresh in-memory storage for each test (setting STORAGES again resets them)."""
    settings.STORAGES = {**settings.STORAGES}


@pytest.fixture
def hr(db):
    return factories.make_user_with_role(roles.HR, "hr-private")


@pytest.fixture
def roster():
    return xlsx([roster_row("CD1001"), roster_row("CD1002", "李强")])


@pytest.fixture
def previewed(client, hr, roster):
    client.force_login(hr)
    batch, batch_url = _upload(client, roster)
    client.logout()
    return batch, batch_url


def test_an_upload_is_stored_privately_under_an_unguessable_name(previewed, roster):
    batch, _url = previewed
    name = batch.file.name
    assert batch.status == ImportBatch.Status.PREVIEWED
    assert STORED_NAME.match(name), name
    assert "人员名册" not in name and "roster" not in name
    assert batch.original_name == ROSTER_NAME and batch.permission == "people.add_staffprofile"
    assert storages["private"].open(name).read() == roster
    assert not default_storage.exists(name)
    # Two uploads of the same file get different names.
    other = ImportBatch.objects.create(kind="staff", original_name=ROSTER_NAME, sha256="x")
    other.file.save(ROSTER_NAME, ContentFile(roster), save=True)
    assert other.file.name != name and STORED_NAME.match(other.file.name)
    # Its URL is the guarded view, never /media/.
    assert batch.file.url == f"/private/{name}"


@pytest.mark.parametrize("who", ["anonymous", "staff", "supervisor", "trainer", "vendor"])
def test_nobody_but_hr_gets_the_roster(client, previewed, who, staff_member, vendor_manager):
    batch, _url = previewed
    users = {
        "staff": staff_member.user,
        "supervisor": factories.make_user_with_role(roles.SUPERVISOR, "sup-private"),
        "trainer": factories.make_user_with_role(roles.TRAINER, "trainer-private"),
        "vendor": vendor_manager,
    }
    if who != "anonymous":
        client.force_login(users[who])
    old_style = f"/media/imports/{timezone.now():%Y/%m}/{ROSTER_NAME}"
    for url in (f"/private/{batch.file.name}", f"/media/{batch.file.name}", old_style):
        response = client.get(url)
        assert response.status_code in (403, 404), url
        assert b"CD1001" not in b"".join(getattr(response, "streaming_content", [response.content]))


def test_hr_downloads_the_upload_through_the_guarded_view(client, hr, previewed, roster):
    batch, batch_url = previewed
    client.force_login(hr)
    page = client.get(batch_url).content.decode()
    assert f'href="/private/{batch.file.name}"' in page

    response = client.get(f"/private/{batch.file.name}")
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == roster
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "no-store" in response["Cache-Control"]
    # The old public address serves nothing, even to HR.
    assert client.get(f"/media/{batch.file.name}").status_code == 404


@override_settings(PRIVATE_MEDIA_X_ACCEL_PREFIX="/_private/")
def test_behind_nginx_the_view_checks_and_nginx_sends_the_file(client, hr, previewed, staff_member):
    batch, _url = previewed
    client.force_login(hr)
    response = client.get(f"/private/{batch.file.name}")
    assert response.status_code == 200
    assert response["X-Accel-Redirect"] == f"/_private/{batch.file.name}"
    assert response.content == b""
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["X-Content-Type-Options"] == "nosniff"

    client.force_login(staff_member.user)
    response = client.get(f"/private/{batch.file.name}")
    assert response.status_code == 404 and "X-Accel-Redirect" not in response


def test_after_confirm_the_file_is_gone_and_the_record_stays(
    client, hr, previewed, django_capture_on_commit_callbacks
):
    batch, batch_url = previewed
    name = batch.file.name
    client.force_login(hr)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(batch_url, {"action": "confirm"})
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.IMPORTED and StaffProfile.objects.count() == 2
    assert not batch.file and not private_storage.exists(name)
    assert batch.original_name == ROSTER_NAME and batch.summary["created"] == 2
    assert client.get(f"/private/{name}").status_code == 404
    assert ROSTER_NAME in client.get("/admin/imports/").content.decode()


def test_a_file_with_errors_is_never_kept(client, hr):
    client.force_login(hr)
    batch, batch_url = _upload(client, xlsx([roster_row("CD1001", 手机号="1")]))
    assert batch.status == ImportBatch.Status.INVALID and not batch.file
    assert "第2行 手机号" in client.get(batch_url).content.decode()
    assert _stored_names(private_storage, "imports") == []


def test_cancel_deletes_the_file_and_imports_nothing(client, hr, previewed, django_capture_on_commit_callbacks):
    batch, batch_url = previewed
    name = batch.file.name
    client.force_login(hr)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(batch_url, {"action": "cancel"})
    assert response.status_code == 302 and response.url == UPLOAD_URL
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.CANCELLED and not batch.file
    assert not private_storage.exists(name) and StaffProfile.objects.count() == 0
    # Confirming it afterwards imports nothing.
    client.post(batch_url, {"action": "confirm"})
    assert StaffProfile.objects.count() == 0


def test_purge_abandons_old_previews_and_removes_old_public_uploads(client, hr, roster):
    client.force_login(hr)
    old, old_url = _upload(client, roster)
    old_name = old.file.name
    fresh, _url = _upload(client, xlsx([roster_row("CD2001")]))
    ImportBatch.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(hours=25))
    # An older version's upload, still in the public media folder.
    legacy = ImportBatch.objects.create(
        kind="staff", original_name="roster.xlsx", sha256="x", status=ImportBatch.Status.IMPORTED,
        file="imports/2025/01/roster.xlsx",
    )
    default_storage.save("imports/2025/01/roster.xlsx", ContentFile(roster))
    out = StringIO()
    call_command("purge_import_files", stdout=out)
    assert "abandoned: 1" in out.getvalue() or "1" in out.getvalue()

    old.refresh_from_db()
    fresh.refresh_from_db()
    legacy.refresh_from_db()
    assert old.status == ImportBatch.Status.EXPIRED and not old.file
    assert not private_storage.exists(old_name) and fresh.file
    assert private_storage.exists(fresh.file.name)
    assert not default_storage.exists("imports/2025/01/roster.xlsx") and not legacy.file
    assert legacy.original_name == "roster.xlsx"
    # The abandoned preview can no longer be confirmed.
    client.post(old_url, {"action": "confirm"}, follow=True)
    assert StaffProfile.objects.count() == 0
    old.refresh_from_db()
    assert old.status == ImportBatch.Status.EXPIRED
    # Running it again changes nothing.
    call_command("purge_import_files", stdout=StringIO())
    fresh.refresh_from_db()
    assert private_storage.exists(fresh.file.name)


def test_purge_deletes_stray_private_uploads(db):
    private_storage.save("imports/2025/01/" + "a" * 32 + ".xlsx", ContentFile(b"x"))
    from home.services import import_files_purge

    expired, deleted = import_files_purge(now=timezone.now() + timedelta(days=2))
    assert (expired, deleted) == (0, 1)
    assert not private_storage.exists("imports/2025/01/" + "a" * 32 + ".xlsx")


def test_dev_media_serving_cannot_reach_private_files(tmp_path, hr, roster, client):
    """With files on disk as in `make run`: /media/ serves MEDIA_ROOT, which does not hold
    the private folder."""
    media, private = tmp_path / "media", tmp_path / "private_media"
    stores = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": media}},
        "private": {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": private}},
    }
    with override_settings(STORAGES=stores, MEDIA_ROOT=media, PRIVATE_MEDIA_ROOT=private):
        client.force_login(hr)
        batch, _url = _upload(client, roster)
        assert (private / batch.file.name).read_bytes() == roster
        assert not list(media.rglob("*.xlsx"))
        request = RequestFactory().get(f"/media/{batch.file.name}")
        for path in (batch.file.name, f"../private_media/{batch.file.name}"):
            with pytest.raises((Http404, SuspiciousFileOperation)):
                serve(request, path, document_root=settings.MEDIA_ROOT)
        response = client.get(f"/private/{batch.file.name}")
        assert response.status_code == 200 and b"".join(response.streaming_content) == roster


def test_settings_keep_the_private_folder_out_of_public_ones():
    media = __import__("pathlib").Path(settings.MEDIA_ROOT).resolve()
    private = __import__("pathlib").Path(settings.PRIVATE_MEDIA_ROOT).resolve()
    assert not private.is_relative_to(media) and not media.is_relative_to(private)
    assert not [e for e in run_checks() if e.id.startswith("home.")]
    with override_settings(PRIVATE_MEDIA_ROOT=media / "private"):
        assert [e.id for e in run_checks() if e.id.startswith("home.")] == ["home.E002"]


def test_production_keeps_private_files_apart_and_hands_them_to_nginx():
    from tests.test_settings import PRODUCTION_ENV, _run_manage

    code = (
        "from django.conf import settings as s; "
        "print(s.STORAGES['private']['OPTIONS']['location'], s.MEDIA_ROOT, s.PRIVATE_MEDIA_X_ACCEL_PREFIX)"
    )
    env = dict(PRODUCTION_ENV, DJANGO_MEDIA_ROOT="/srv/f/media", DJANGO_PRIVATE_MEDIA_ROOT="/srv/f/private_media")
    result = _run_manage("shell", "--no-imports", "-c", code, env_extra=env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["/srv/f/private_media", "/srv/f/media", "/_private/"]
    # An overlap is refused by the system checks.
    env["DJANGO_PRIVATE_MEDIA_ROOT"] = "/srv/f/media/private"
    result = _run_manage("check", env_extra=env)
    assert result.returncode != 0 and "home.E002" in result.stderr + result.stdout
