"""Issue 12 item 7 and issue 13 item 4: an IP-wide login limit against password spraying,
logins by 工号 in any letter case (a case slip is no failure, and case variants count as one
account), and activation links only for accounts without a password; HR resets a forgotten
password with a one-time link that ends every session of the account."""

import re

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.contrib.sessions.models import Session
from django.test import Client
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from wagtail.models import ModelLogEntry

from people.admin_views import RESET_LINK_LOG_ACTION
from people.viewsets import ACTIVATION_SHEET_ACTION, RESET_SHEET_ACTION
from tests import factories
from tests.helpers import assert_denied

pytestmark = pytest.mark.django_db

LOGIN_URL = "/accounts/login/"
LOCKED = settings.AXES_HTTP_RESPONSE_CODE
NEW_PASSWORD = "Xk9!pass-word"
ACTIVATION_URL = reverse("wagtail_bulk_action", args=["people", "staffprofile", ACTIVATION_SHEET_ACTION])
RESET_URL = reverse("wagtail_bulk_action", args=["people", "staffprofile", RESET_SHEET_ACTION])


def _login(client, username, password, ip="10.1.2.3"):
    return client.post(LOGIN_URL, {"username": username, "password": password}, REMOTE_ADDR=ip)


# --- password spraying: an IP-wide limit ------------------------------------------------------


def test_the_ip_wide_limit_is_above_the_per_account_one():
    assert settings.AXES_IP_FAILURE_LIMIT == 30 > settings.AXES_FAILURE_LIMIT


def test_password_spraying_from_one_address_locks_that_address(client, centre, password):
    accounts = [factories.make_staff(f"SP{i:03d}", centre=centre) for i in range(10)]
    bystander = factories.make_staff("SP999", centre=centre)
    statuses = []
    for _round in range(4):  # 4 guesses per account: never the per-account limit of 5
        for person in accounts:
            statuses.append(_login(client, person.staff_no, "Wrong-password-1").status_code)
    assert statuses[:29] == [200] * 29
    assert LOCKED in statuses[29:]
    # The address is locked for everyone, even with a right password ...
    assert _login(client, bystander.staff_no, password).status_code == LOCKED
    # ... and only that address.
    response = _login(Client(), bystander.staff_no, password, ip="10.9.9.9")
    assert response.status_code == 302


def test_fewer_failures_than_the_ip_limit_lock_nobody_else(client, centre, password):
    accounts = [factories.make_staff(f"SQ{i:03d}", centre=centre) for i in range(7)]
    for person in accounts:
        for _guess in range(4):
            assert _login(client, person.staff_no, "Wrong-password-1").status_code == 200
    assert AccessAttempt.objects.filter(ip_address="10.1.2.3").count() == 7
    other = factories.make_staff("SQ999", centre=centre)
    assert _login(client, other.staff_no, password).status_code == 302


def test_one_accounts_success_does_not_clear_the_addresses_count(client, centre, password):
    """An attacker's own account logging in between guesses resets only its own count."""
    accounts = [factories.make_staff(f"SR{i:03d}", centre=centre) for i in range(8)]
    own = factories.make_staff("SR999", centre=centre)
    for person in accounts[:7]:
        for _guess in range(4):
            _login(client, person.staff_no, "Wrong-password-1")
        assert _login(Client(), own.staff_no, password).status_code == 302
    _login(client, accounts[7].staff_no, "Wrong-password-1")
    _login(client, accounts[7].staff_no, "Wrong-password-1")
    # 30 failures from the address in the cool-off time, whatever logged in between: locked.
    assert _login(client, own.staff_no, password).status_code == LOCKED


# --- 工号 in any letter case --------------------------------------------------------------------


def test_login_by_staff_number_ignores_letter_case(client, centre, password):
    person = factories.make_staff("CD1001", centre=centre)
    response = _login(client, "cd1001", password)
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(person.user.pk)
    assert not AccessAttempt.objects.exists()  # no failure was counted


def test_case_variants_count_toward_one_accounts_lockout(client, centre, password):
    factories.make_staff("CD1002", centre=centre)
    statuses = [
        _login(client, name, "Wrong-password-1").status_code
        for name in ("cd1002", "CD1002", "Cd1002", "cD1002", "cd1002")
    ]
    assert statuses[:4] == [200] * 4 and statuses[4] == LOCKED
    assert _login(client, "CD1002", password).status_code == LOCKED
    assert set(AccessAttempt.objects.values_list("username", flat=True)) == {"CD1002"}


def test_wagtail_admin_login_ignores_letter_case_too(client, password):
    hr = factories.make_user("HrLiu", password=password, roles_=["人事"])
    response = client.post(reverse("wagtailadmin_login"), {"username": "hrliu", "password": password})
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(hr.pk)


# --- activation only without a password; resets end every session -------------------------------


def _activation_link(user):
    uidb64 = urlsafe_base64_encode(force_bytes(user.pk))
    return reverse("account_activate", args=[uidb64, default_token_generator.make_token(user)])


def test_an_activation_link_of_an_account_with_a_password_is_refused(staff_member, password):
    link = _activation_link(staff_member.user)
    client = Client()
    page = client.get(link, follow=True)
    assert page.status_code == 200
    assert not page.context["validlink"]
    assert page.context["already_activated"]
    target = page.redirect_chain[-1][0] if page.redirect_chain else link
    client.post(target, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    staff_member.user.refresh_from_db()
    assert staff_member.user.check_password(password)
    assert not staff_member.user.check_password(NEW_PASSWORD)


def test_no_activation_link_is_issued_for_an_account_with_a_password(client_for, role_users, staff_member, centre):
    newcomer = factories.make_staff("S70007", name="王新", centre=centre)
    newcomer.user.set_unusable_password()
    newcomer.user.save()
    hr = client_for(role_users["hr"])
    confirm = hr.get(ACTIVATION_URL, {"id": staff_member.pk})
    page = confirm.content.decode()
    assert "data-password-set-warning" in page
    assert 'type="submit"' not in page or "打印激活单" not in page  # nothing to print
    sheet = hr.post(f"{ACTIVATION_URL}?id={staff_member.pk}&id={newcomer.pk}").content.decode()
    links = re.findall(r'href="http://testserver(/accounts/activate/[^"]+)"', sheet)
    assert len(links) == 1  # the newcomer's only
    assert staff_member.staff_no in sheet and "data-password-set" in sheet


def test_hr_reset_link_sets_a_new_password_and_ends_every_session(client_for, role_users, staff_member, password):
    # The account is logged in somewhere (perhaps by someone who learned the password).
    elsewhere = Client()
    assert _login(elsewhere, staff_member.staff_no, password).status_code == 302
    assert elsewhere.get("/me/").status_code == 200

    sheet = client_for(role_users["hr"]).post(f"{RESET_URL}?id={staff_member.pk}")
    assert sheet.status_code == 200 and "no-store" in sheet["Cache-Control"]
    match = re.search(r'href="http://testserver(/accounts/reset/[^"]+)"', sheet.content.decode())
    assert match, "no reset link on the sheet"
    link = match.group(1)
    assert ModelLogEntry.objects.filter(action=RESET_LINK_LOG_ACTION, object_id=str(staff_member.pk)).exists()

    owner = Client()
    form_page = owner.get(link, follow=True)
    assert form_page.context["validlink"]
    done = owner.post(form_page.redirect_chain[-1][0], {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert done.status_code == 302
    staff_member.user.refresh_from_db()
    assert staff_member.user.check_password(NEW_PASSWORD)

    # The other login is over, and its session row is gone.
    assert elsewhere.get("/me/").status_code == 302
    assert not [s for s in Session.objects.all() if s.get_decoded().get("_auth_user_id") == str(staff_member.user.pk)]
    # The link worked once.
    assert not Client().get(link, follow=True).context["validlink"]
    assert _login(Client(), staff_member.staff_no, NEW_PASSWORD).status_code == 302


def test_activation_tokens_do_not_work_as_reset_links(staff_member):
    uidb64 = urlsafe_base64_encode(force_bytes(staff_member.user.pk))
    link = reverse("account_reset", args=[uidb64, default_token_generator.make_token(staff_member.user)])
    assert not Client().get(link, follow=True).context["validlink"]


def test_reset_sheet_is_for_accounts_with_a_password_and_hr_only(client_for, role_users, staff_member, centre):
    newcomer = factories.make_staff("S80008", name="赵新", centre=centre)
    newcomer.user.set_unusable_password()
    newcomer.user.save()
    sheet = client_for(role_users["hr"]).post(f"{RESET_URL}?id={newcomer.pk}").content.decode()
    assert "/accounts/reset/" not in sheet
    supervisor = client_for(role_users["supervisor"]).post(f"{RESET_URL}?id={staff_member.pk}")
    assert_denied(supervisor)
    assert "/accounts/reset/" not in supervisor.content.decode()
