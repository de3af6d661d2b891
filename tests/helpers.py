"""Assertions and helpers shared by the tests (builders live in tests/factories.py)."""

import re
import threading
from urllib.parse import parse_qs, urlsplit

from django.conf import settings
from django.contrib.messages import get_messages
from django.shortcuts import resolve_url
from django.urls import reverse
from django.utils import translation

# Wagtail's own wording (wagtail/admin/auth.py), looked up in its catalogue at assert time.
ADMIN_ACCESS_DENIED = "You do not have permission to access the admin."
ADMIN_AREA_DENIED = "Sorry, you do not have permission to access this area."


def _messages(response):
    request = response.wsgi_request
    with translation.override(getattr(request, "LANGUAGE_CODE", settings.LANGUAGE_CODE)):
        # Wagtail renders its messages through a template: compare the text alone.
        return [str(message).strip() for message in get_messages(request)]


def _has_message(response, text):
    request = response.wsgi_request
    with translation.override(getattr(request, "LANGUAGE_CODE", settings.LANGUAGE_CODE)):
        expected = translation.gettext(text)
    return expected in _messages(response)


def assert_denied(response, *, login_redirect=False):
    """Assert that `response` refuses the request, and where the refusal sends the user.

    login_redirect=True: a redirect to the login page with `next=` the refused address: the
    portal's login page for a portal address, the admin's for an /admin/ address. An
    anonymous visitor gets this everywhere; in the Wagtail admin so does a logged-in user
    without admin access (staff, vendor managers, judges), with Wagtail's "You do not have
    permission to access the admin." message.

    login_redirect=False (a logged-in user without the permission): in the Wagtail admin, a
    redirect to the admin home with Wagtail's "Sorry, you do not have permission to access
    this area." message; anywhere else, 403.
    """
    request = response.wsgi_request
    path = request.get_full_path()
    admin_home = reverse("wagtailadmin_home")
    in_admin = request.path.startswith(admin_home)
    location = response.get("Location", "")
    outcome = f"{request.method} {path} as {request.user} answered {response.status_code} {location}"
    if login_redirect:
        login_url = settings.WAGTAILADMIN_LOGIN_URL if in_admin else resolve_url(settings.LOGIN_URL)
        assert response.status_code == 302, outcome
        assert urlsplit(location).path == login_url, outcome
        assert parse_qs(urlsplit(location).query).get("next") == [path], outcome
        if request.user.is_authenticated:
            assert _has_message(response, ADMIN_ACCESS_DENIED), (outcome, _messages(response))
        return
    assert request.user.is_authenticated, f"{outcome}: refusing an anonymous visitor is login_redirect=True"
    if in_admin:
        assert response.status_code == 302 and location == admin_home, outcome
        assert _has_message(response, ADMIN_AREA_DENIED), (outcome, _messages(response))
    else:
        assert response.status_code == 403, outcome


def visible_text(html):
    """The text a reader sees: no scripts, styles, tags or attribute values, so that an
    absence check cannot be fooled by a random CSRF token or CSP nonce."""
    html = re.sub(r"(?is)<(script|style|template)\b.*?</\1>", " ", html)
    return re.sub(r"(?s)<[^>]*>", " ", html)


def run_in_threads(count, target):
    """Run target(index) in `count` threads released together; return their results and
    fail on any exception. Each thread closes its database connections at the end."""
    from django.db import connections

    barrier = threading.Barrier(count)
    results, errors = [], []

    def worker(index):
        try:
            barrier.wait()
            results.append(target(index))
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not errors, errors
    return results
