"""The organisation directory's Wagtail admin screens: masking, export, editing, activation."""

import csv
import io
import re

import pytest
from django.contrib.auth.models import Permission
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from people import roles
from people.models import StaffProfile
from people.viewsets import ACTIVATION_SHEET_ACTION
from tests import factories
from tests.helpers import assert_denied

pytestmark = pytest.mark.django_db

STAFF_PHONE = "18312341008"
STAFF_PHONE_MASKED = "183****1008"
STAFF_ID_NUMBER = "33010219900101123X"
STAFF_ID_NUMBER_MASKED = "330***********123X"
NEW_PASSWORD = "Xk9!pass-word"

STAFF_INDEX_URL = "people_staff:index"
ACTIVATION_URL = reverse("wagtail_bulk_action", args=["people", "staffprofile", ACTIVATION_SHEET_ACTION])


def staff_edit_url(profile):
    return reverse("people_staff:edit", args=[profile.pk])


def export_rows(response):
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(body)))


def edit_form_data(profile, **changes):
    """The staff edit form as the browser would post it."""
    data = {
        "staff_no": profile.staff_no,
        "name": profile.name,
        "phone": profile.phone,
        "id_number": profile.id_number,
        "centre": profile.centre_id,
        "window": profile.window_id or "",
        "vendor": profile.vendor_id or "",
        "post": profile.post_id or "",
        "hire_date": profile.hire_date.isoformat() if profile.hire_date else "",
        "pay_base": str(profile.pay_base),
    }
    if profile.active:
        data["active"] = "on"
    data.update(changes)
    return {key: value for key, value in data.items() if value is not None}


# Listing and masking


def test_hr_sees_unmasked_phone_in_listing(client_for, role_users, staff_member):
    response = client_for(role_users["hr"]).get(reverse(STAFF_INDEX_URL))
    assert response.status_code == 200
    html = response.content.decode()
    assert staff_member.name in html
    assert STAFF_PHONE in html


def test_supervisor_sees_masked_phone_in_listing(client_for, role_users, staff_member):
    response = client_for(role_users["supervisor"]).get(reverse(STAFF_INDEX_URL))
    assert response.status_code == 200
    html = response.content.decode()
    assert staff_member.name in html
    assert STAFF_PHONE not in html
    assert STAFF_PHONE_MASKED in html


def test_supervisor_cannot_find_staff_by_hidden_phone_digits(client_for, role_users, staff_member):
    supervisor = client_for(role_users["supervisor"])
    by_phone = supervisor.get(reverse(STAFF_INDEX_URL), {"q": "1234"})
    assert staff_member.name not in by_phone.content.decode()
    by_name = supervisor.get(reverse(STAFF_INDEX_URL), {"q": staff_member.name[:2]})
    assert staff_member.name in by_name.content.decode()


def test_hr_finds_staff_by_phone(client_for, role_users, staff_member, other_staff):
    response = client_for(role_users["hr"]).get(reverse(STAFF_INDEX_URL), {"q": "1234"})
    html = response.content.decode()
    assert staff_member.name in html
    assert other_staff.name not in html


def test_listing_filters_by_vendor(client_for, role_users, staff_member, other_staff, vendor):
    response = client_for(role_users["hr"]).get(reverse(STAFF_INDEX_URL), {"vendor": vendor.pk})
    html = response.content.decode()
    assert staff_member.name in html
    assert other_staff.name not in html


def test_supervisor_inspect_view_is_masked_and_trainer_sees_no_pay(client_for, role_users, staff_member):
    url = reverse("people_staff:inspect", args=[staff_member.pk])
    supervisor_html = client_for(role_users["supervisor"]).get(url).content.decode()
    assert STAFF_PHONE_MASKED in supervisor_html
    assert STAFF_PHONE not in supervisor_html
    assert STAFF_ID_NUMBER_MASKED in supervisor_html
    assert STAFF_ID_NUMBER not in supervisor_html

    trainer_response = client_for(role_users["trainer"]).get(url)
    assert trainer_response.status_code == 200
    assert "2000.00" not in trainer_response.content.decode()

    hr_html = client_for(role_users["hr"]).get(url).content.decode()
    assert STAFF_PHONE in hr_html
    assert STAFF_ID_NUMBER in hr_html


def test_listing_query_count_does_not_grow_with_staff(client_for, role_users, centre, vendor):
    hr_client = client_for(role_users["hr"])
    url = reverse(STAFF_INDEX_URL)
    post = factories.make_post()

    def count_queries(total_staff):
        while StaffProfile.objects.count() < total_staff:
            window = factories.make_window(centre=centre)
            factories.make_staff(centre=centre, window=window, vendor=vendor, post=post)
        hr_client.get(url)  # warm per-process caches (content types, permissions)
        with CaptureQueriesContext(connection) as queries:
            response = hr_client.get(url)
        assert response.status_code == 200
        return len(queries)

    assert count_queries(30) <= count_queries(5)


# Export


def test_export_is_masked_for_supervisor(client_for, role_users, staff_member):
    response = client_for(role_users["supervisor"]).get(reverse(STAFF_INDEX_URL), {"export": "csv"})
    assert response.status_code == 200
    [row] = export_rows(response)
    assert row["工号"] == staff_member.staff_no
    assert row["手机号"] == STAFF_PHONE_MASKED
    assert row["身份证号"] == STAFF_ID_NUMBER_MASKED
    assert "绩效工资基数" not in row


def test_export_is_unmasked_for_hr(client_for, role_users, staff_member):
    response = client_for(role_users["hr"]).get(reverse(STAFF_INDEX_URL), {"export": "csv"})
    assert response.status_code == 200
    [row] = export_rows(response)
    assert row["手机号"] == STAFF_PHONE
    assert row["身份证号"] == STAFF_ID_NUMBER
    assert row["服务中心"] == staff_member.centre.name
    assert row["窗口编号"] == staff_member.window.code
    assert row["绩效工资基数"] == "2000.00"


def test_xlsx_export_is_masked_for_supervisor(client_for, role_users, staff_member):
    from openpyxl import load_workbook

    response = client_for(role_users["supervisor"]).get(reverse(STAFF_INDEX_URL), {"export": "xlsx"})
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    header, row = [[cell.value for cell in r] for r in sheet.iter_rows()]
    record = dict(zip(header, row, strict=True))
    assert record["手机号"] == STAFF_PHONE_MASKED
    assert STAFF_PHONE not in [str(value) for value in row]


def test_staff_without_vendor_exports_empty_vendor(client_for, role_users, centre):
    factories.make_staff("S30003", centre=centre, vendor=None)
    response = client_for(role_users["hr"]).get(reverse(STAFF_INDEX_URL), {"export": "csv"})
    [row] = [row for row in export_rows(response) if row["工号"] == "S30003"]
    assert row["用工单位"] == ""
    assert row["窗口编号"] == ""


def test_other_directory_listings_and_exports_work(client_for, role_users, staff_member):
    factories.make_post("综合受理")
    hr_client = client_for(role_users["hr"])
    for name in (
        "people_service_centres",
        "people_windows",
        "people_vendor_companies",
        "people_posts",
        "people_vendor_managers",
    ):
        url = reverse(f"{name}:index")
        assert hr_client.get(url).status_code == 200, name
        export = hr_client.get(url, {"export": "csv"})
        assert export.status_code == 200, name
        assert export_rows(export), name


# Editing


def test_trainer_cannot_edit_staff(client_for, role_users, staff_member):
    trainer = client_for(role_users["trainer"])
    url = staff_edit_url(staff_member)
    assert_denied(trainer.get(url))
    response = trainer.post(url, edit_form_data(staff_member, name="改名"))
    assert_denied(response)
    staff_member.refresh_from_db()
    assert staff_member.name == "张晓梅"


def test_deactivating_a_profile_deactivates_the_account_and_back(client_for, role_users, staff_member):
    hr_client = client_for(role_users["hr"])
    url = staff_edit_url(staff_member)

    response = hr_client.post(url, edit_form_data(staff_member, active=None))
    assert response.status_code == 302, response.context["form"].errors if response.context else ""
    staff_member.refresh_from_db()
    staff_member.user.refresh_from_db()
    assert staff_member.active is False
    assert staff_member.user.is_active is False

    hr_client.post(url, edit_form_data(staff_member, active="on"))
    staff_member.refresh_from_db()
    staff_member.user.refresh_from_db()
    assert staff_member.active is True
    assert staff_member.user.is_active is True


def test_editor_without_personal_data_permission_neither_sees_nor_overwrites_it(client_for, staff_member):
    editor = factories.make_user("desk-editor")
    editor.user_permissions.add(
        *Permission.objects.filter(
            content_type__app_label="people", codename__in=["change_staffprofile", "view_staffprofile"]
        ),
        Permission.objects.get(content_type__app_label="wagtailadmin", codename="access_admin"),
    )
    editor_client = client_for(editor)
    url = staff_edit_url(staff_member)

    form_html = editor_client.get(url).content.decode()
    assert STAFF_PHONE not in form_html
    assert STAFF_ID_NUMBER not in form_html

    response = editor_client.post(
        url, edit_form_data(staff_member, name="张晓梅（新）", phone="13900000000", id_number="", pay_base="1")
    )
    assert response.status_code == 302
    staff_member.refresh_from_db()
    assert staff_member.name == "张晓梅（新）"
    assert staff_member.phone == STAFF_PHONE
    assert staff_member.id_number == STAFF_ID_NUMBER
    assert str(staff_member.pay_base) == "2000.00"


def test_hr_creates_staff_with_an_account_without_password(client_for, role_users, centre):
    response = client_for(role_users["hr"]).post(
        reverse("people_staff:add"),
        {
            "staff_no": "S40004",
            "name": "王芳",
            "phone": "13712345678",
            "id_number": "",
            "centre": centre.pk,
            "hire_date": "2025-01-02",
            "pay_base": "1800.00",
            "active": "on",
        },
    )
    assert response.status_code == 302
    profile = StaffProfile.objects.select_related("user").get(staff_no="S40004")
    assert profile.user.username == "S40004"
    assert profile.user.is_active
    assert not profile.user.has_usable_password()
    assert profile.user.groups.filter(name=roles.STAFF).exists()


def test_new_staff_number_may_not_take_an_existing_username(client_for, role_users, centre):
    response = client_for(role_users["hr"]).post(
        reverse("people_staff:add"),
        {"staff_no": "hr-user", "name": "重名", "centre": centre.pk, "pay_base": "0", "active": "on"},
    )
    assert response.status_code == 200
    assert "staff_no" in response.context["form"].errors
    assert not StaffProfile.objects.filter(staff_no="hr-user").exists()


# Admin access


def test_window_staff_are_refused_by_the_admin(client_for, staff_member):
    staff_client = client_for(staff_member.user)
    response = staff_client.get("/admin/")
    assert response.status_code == 302
    assert "/login/" in response["Location"]
    assert staff_client.get(reverse(STAFF_INDEX_URL)).status_code == 302


def test_organisation_menu_links_roster_import_for_hr_only(client_for, role_users):
    hr_html = client_for(role_users["hr"]).get("/admin/").content.decode()
    assert "/admin/imports/staff/" in hr_html
    assert "/admin/people/staff/" in hr_html
    supervisor_html = client_for(role_users["supervisor"]).get("/admin/").content.decode()
    assert "/admin/people/staff/" in supervisor_html
    assert "/admin/imports/staff/" not in supervisor_html


# Activation links


def activation_link_from_sheet(html):
    match = re.search(r'href="(http://testserver/accounts/activate/[^"]+)"', html)
    assert match, "no activation link on the sheet"
    return match.group(1)


def test_activation_sheet_link_sets_the_first_password(client_for, role_users, centre):
    newcomer = factories.make_staff("S50005", name="陈静", centre=centre)
    newcomer.user.set_unusable_password()
    newcomer.user.save()
    hr_client = client_for(role_users["hr"])

    confirm = hr_client.get(ACTIVATION_URL, {"id": newcomer.pk})
    assert confirm.status_code == 200
    assert "陈静" in confirm.content.decode()

    sheet = hr_client.post(f"{ACTIVATION_URL}?id={newcomer.pk}")
    assert sheet.status_code == 200
    assert "no-store" in sheet["Cache-Control"]
    html = sheet.content.decode()
    assert "<svg" in html  # the QR code
    assert "data-password-set" not in html  # the "already activated" flag
    link = activation_link_from_sheet(html)

    newcomer_client = Client()
    form_page = newcomer_client.get(link, follow=True)
    assert form_page.status_code == 200
    assert form_page.context["validlink"]
    set_password_url = form_page.redirect_chain[-1][0]
    done = newcomer_client.post(
        set_password_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}
    )
    assert done.status_code == 302

    newcomer.user.refresh_from_db()
    assert newcomer.user.check_password(NEW_PASSWORD)
    login = newcomer_client.post(reverse("login"), {"username": "S50005", "password": NEW_PASSWORD})
    assert login.status_code == 302
    assert newcomer_client.session["_auth_user_id"] == str(newcomer.user.pk)

    # The link worked once.
    assert not Client().get(link, follow=True).context["validlink"]


def test_activation_sheet_flags_activated_staff_and_skips_inactive(
    client_for, role_users, staff_member, centre
):
    leaver = factories.make_staff("S60006", name="刘洋", centre=centre, active=False)
    leaver.user.set_unusable_password()
    leaver.user.save()
    response = client_for(role_users["hr"]).post(f"{ACTIVATION_URL}?id={staff_member.pk}&id={leaver.pk}")
    html = response.content.decode()
    assert html.count("data-password-set") == 1  # the "already activated" flag
    # An activated account gets no activation link (HR prints a password reset instead).
    assert "/accounts/activate/" not in html
    assert "刘洋" in html


def test_select_all_honours_the_listing_filter(client_for, role_users, staff_member, other_staff, vendor):
    response = client_for(role_users["hr"]).get(ACTIVATION_URL, {"id": "all", "vendor": vendor.pk})
    html = response.content.decode()
    assert staff_member.name in html
    assert other_staff.name not in html


def test_supervisor_cannot_issue_activation_links(client_for, role_users, staff_member):
    supervisor = client_for(role_users["supervisor"])
    assert_denied(supervisor.get(ACTIVATION_URL, {"id": staff_member.pk}))
    sheet = supervisor.post(f"{ACTIVATION_URL}?id={staff_member.pk}")
    assert_denied(sheet)
    assert "/accounts/activate/" not in sheet.content.decode()


def test_activation_sheet_logs_each_link_in_fixed_queries(client_for, role_users, centre):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from wagtail.models import ModelLogEntry

    from people.admin_views import ACTIVATION_LINK_LOG_ACTION

    def issue(count, prefix):
        people = [factories.make_staff(f"{prefix}{i:03d}", centre=centre) for i in range(count)]
        for person in people:  # not activated yet: activation links are for them only
            person.user.set_unusable_password()
            person.user.save(update_fields=["password"])
        query = "&".join(f"id={p.pk}" for p in people)
        with CaptureQueriesContext(connection) as ctx:
            assert client_for(role_users["hr"]).post(f"{ACTIVATION_URL}?{query}").status_code == 200
        return people, len(ctx.captured_queries)

    warm_up, _queries = issue(1, "W")  # fills per-process caches (content types)
    few, few_queries = issue(2, "L")
    many, many_queries = issue(12, "M")
    assert many_queries == few_queries
    logged = ModelLogEntry.objects.filter(action=ACTIVATION_LINK_LOG_ACTION, user=role_users["hr"])
    assert sorted(logged.values_list("object_id", flat=True)) == sorted(str(p.pk) for p in warm_up + few + many)
