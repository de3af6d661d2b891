"""Accounts and the security baseline: lockout, password rules, idle timeout,
security headers, login and logout."""

from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.contrib.sessions.models import Session
from django.core.exceptions import ValidationError
from django.utils import timezone

LOGIN_URL = "/accounts/login/"
LOCKED = settings.AXES_HTTP_RESPONSE_CODE  # django-axes' lockout status (429 by default)


def _login(client, username, password, ip="10.1.2.3"):
    return client.post(LOGIN_URL, {"username": username, "password": password}, REMOTE_ADDR=ip)


def _fail(client, username, times, ip="10.1.2.3"):
    return [_login(client, username, "Wrong-password-1", ip).status_code for _ in range(times)]


def _assert_locked(response):
    assert response.status_code == LOCKED
    content = response.content.decode()
    assert "锁定" in content or "locked" in content
    assert "30" in content
    assert not response.wsgi_request.user.is_authenticated


# --- lockout (django-axes) -----------------------------------------------------------


def test_lockout_settings():
    assert settings.AXES_FAILURE_LIMIT == 5
    assert settings.AXES_COOLOFF_TIME == 0.5  # hours: 30 minutes
    assert settings.AXES_LOCKOUT_PARAMETERS == [["username", "ip_address"]]
    assert LOCKED == 429


@pytest.mark.django_db
def test_wrong_password_shows_the_form_again(client, staff_member):
    response = _login(client, staff_member.staff_no, "Wrong-password-1")
    assert response.status_code == 200
    assert not response.wsgi_request.user.is_authenticated
    assert response.context["form"].errors


@pytest.mark.django_db
def test_five_failures_lock_the_username_from_that_ip(client, staff_member, password):
    statuses = _fail(client, staff_member.staff_no, 5)
    assert statuses[:4] == [200, 200, 200, 200]
    assert statuses[4] == LOCKED  # the fifth failure already answers with the lockout page
    # The sixth attempt is refused even with the right password.
    _assert_locked(_login(client, staff_member.staff_no, password))
    assert client.get("/me/").status_code == 302
    assert AccessAttempt.objects.filter(username=staff_member.staff_no, ip_address="10.1.2.3").exists()


@pytest.mark.django_db
def test_lockout_is_per_username(client, staff_member, other_staff, password):
    _fail(client, staff_member.staff_no, 5)
    response = _login(client, other_staff.staff_no, password)
    assert response.status_code == 302
    assert response["Location"] == "/me/"


@pytest.mark.django_db
def test_lockout_is_per_ip(client, staff_member, password):
    _fail(client, staff_member.staff_no, 5, ip="10.1.2.3")
    response = _login(client, staff_member.staff_no, password, ip="10.9.9.9")
    assert response.status_code == 302


@pytest.mark.django_db
def test_lockout_ends_after_30_minutes(client, staff_member, password):
    _fail(client, staff_member.staff_no, 5)
    AccessAttempt.objects.update(attempt_time=timezone.now() - timedelta(minutes=31))
    response = _login(client, staff_member.staff_no, password)
    assert response.status_code == 302


@pytest.mark.django_db
def test_right_password_before_the_limit_logs_in_and_resets(client, staff_member, password):
    assert _fail(client, staff_member.staff_no, 4) == [200] * 4
    response = _login(client, staff_member.staff_no, password)
    assert response.status_code == 302
    assert response["Location"] == "/me/"
    client.post("/accounts/logout/")
    # Success reset the count: four more failures do not lock.
    assert _fail(client, staff_member.staff_no, 4) == [200] * 4
    assert _login(client, staff_member.staff_no, password).status_code == 302


@pytest.mark.django_db
def test_login_with_staff_number_lands_on_the_portal(client, staff_member, password):
    response = client.post(LOGIN_URL, {"username": staff_member.staff_no, "password": password}, follow=True)
    assert response.redirect_chain[-1][0] == "/me/"
    assert response.wsgi_request.user == staff_member.user
    assert "183****1008" in response.content.decode()


@pytest.mark.django_db
def test_login_honours_a_safe_next_url_only(client, staff_member, password):
    data = {"username": staff_member.staff_no, "password": password}
    response = client.post(LOGIN_URL, dict(data, next="/accounts/password/change/"))
    assert response["Location"] == "/accounts/password/change/"
    client.post("/accounts/logout/")
    response = client.post(LOGIN_URL, dict(data, next="https://evil.example.com/"))
    assert response["Location"] == "/me/"


# --- password rules --------------------------------------------------------------------


@pytest.mark.parametrize("weak", ["password1", "abcdefgh", "Abcdefgh", "12345678", "Ab1!xy", "ABCDEFG1"])
def test_weak_passwords_are_rejected(weak):
    with pytest.raises(ValidationError):
        validate_password(weak)


@pytest.mark.parametrize("strong", ["Abcdef1!", "Qwmz7Lkp", "lamp-Tree-42", "Frontline-demo-2026"])
def test_strong_passwords_are_accepted(strong):
    validate_password(strong)


@pytest.mark.django_db
def test_password_change_enforces_the_rules(client_for, staff_member, password):
    client = client_for(staff_member.user)
    url = "/accounts/password/change/"
    response = client.post(url, {"old_password": password, "new_password1": "Abcdefgh", "new_password2": "Abcdefgh"})
    assert response.status_code == 200
    assert response.context["form"].errors["new_password2"]

    response = client.post(url, {"old_password": password, "new_password1": "Nw-pass-77", "new_password2": "Nw-pass-77"})
    assert response.status_code == 302
    assert response["Location"] == "/accounts/password/change/done/"
    staff_member.user.refresh_from_db()
    assert staff_member.user.check_password("Nw-pass-77")
    assert client.get("/me/").status_code == 200  # still logged in after the change


# --- sessions ----------------------------------------------------------------------------


def test_session_idle_timeout_settings():
    assert settings.SESSION_COOKIE_AGE == 30 * 60
    assert settings.SESSION_SAVE_EVERY_REQUEST is True
    assert settings.SESSION_COOKIE_HTTPONLY is True


@pytest.mark.django_db
def test_each_request_renews_the_session(client_for, staff_member):
    client = client_for(staff_member.user)
    client.get("/me/")
    session = Session.objects.get(session_key=client.session.session_key)
    Session.objects.filter(pk=session.pk).update(expire_date=timezone.now() + timedelta(minutes=5))
    client.get("/me/")
    renewed = Session.objects.get(pk=session.pk).expire_date
    assert renewed > timezone.now() + timedelta(minutes=29)


@pytest.mark.django_db
def test_idle_session_expires(client_for, staff_member):
    client = client_for(staff_member.user)
    assert client.get("/me/").status_code == 200
    Session.objects.update(expire_date=timezone.now() - timedelta(seconds=1))
    response = client.get("/me/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


# --- headers -----------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("url", ["/", "/accounts/login/"])
def test_security_headers(client, home_page, url):
    response = client.get(url)
    assert response.status_code == 200
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Frame-Options"] == "DENY"
    csp = response["Content-Security-Policy"]
    assert "default-src 'self'" in csp
    assert "frame-ancestors 'none'" in csp
    assert "object-src 'none'" in csp
    # No inline script runs without the request's nonce.
    assert "'unsafe-inline'" not in csp.split("script-src", 1)[1].split(";", 1)[0]


@pytest.mark.django_db
def test_admin_allows_same_origin_frames_and_inline_scripts(client_for, role_users):
    # Wagtail's admin shows previews in a same-origin frame and runs inline scripts.
    response = client_for(role_users["hr"]).get("/admin/")
    assert response["X-Frame-Options"] == "SAMEORIGIN"
    csp = response["Content-Security-Policy"]
    assert "frame-ancestors 'self'" in csp
    assert "'unsafe-inline'" in csp.split("script-src", 1)[1].split(";", 1)[0]


@pytest.mark.django_db
def test_session_and_csrf_cookies_are_http_only(client, staff_member, password):
    response = _login(client, staff_member.staff_no, password)
    assert response.cookies[settings.SESSION_COOKIE_NAME]["httponly"]


# --- logout --------------------------------------------------------------------------------


@pytest.mark.django_db
def test_logout_by_post(client_for, staff_member):
    client = client_for(staff_member.user)
    response = client.post("/accounts/logout/")
    assert response.status_code == 302
    assert response["Location"] == "/"
    assert client.get("/me/").status_code == 302


@pytest.mark.django_db
def test_logout_by_get_is_not_allowed(client_for, staff_member):
    client = client_for(staff_member.user)
    assert client.get("/accounts/logout/").status_code == 405
    assert client.get("/me/").status_code == 200


@pytest.mark.django_db
def test_logout_needs_a_csrf_token(staff_member):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(staff_member.user)
    assert client.post("/accounts/logout/").status_code == 403
    assert client.get("/me/").status_code == 200
