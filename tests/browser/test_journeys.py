"""End-to-end journeys in headless Debian chromium against the live test server.

The screenshots taken here illustrate the user guides (docs/)."""

import io
import re

import pytest
from django.core.management import call_command

from people.models import StaffProfile

DEMO_PASSWORD = "Frontline-demo-2026"

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SITE_TITLE = "窗口服务能力提升平台"
MOBILE = {"width": 390, "height": 844}


@pytest.fixture
def site_data(transactional_db):
    """The demo site as `make run` shows it: `load_initial_data`'s home page, organisation
    and accounts (the `staff` account is a window staff member)."""
    call_command("load_initial_data", stdout=io.StringIO())
    staff = StaffProfile.objects.select_related("user").get(user__username="staff")
    return {"staff": staff, "username": "staff", "password": DEMO_PASSWORD}


def test_home_login_and_masked_profile(live_server, site_data, new_page, screenshot):
    staff = site_data["staff"]
    page = new_page()

    # The public home page, in Chinese.
    page.goto(live_server.url + "/")
    assert page.locator("h1").first.inner_text().strip() == SITE_TITLE
    assert SITE_TITLE in page.title()
    assert page.locator("html").get_attribute("lang") == "zh-hans"
    screenshot(page, "home")

    # 登录 (log in) from the page header.
    page.locator("header").get_by_role("link", name=re.compile("登录")).click()
    page.wait_for_url(re.compile(r"/accounts/login/"))
    assert page.get_by_role("heading", name=re.compile("登录")).is_visible()
    page.fill("input[name=username]", site_data["username"])
    page.fill("input[name=password]", site_data["password"])
    screenshot(page, "login")
    page.locator("main form button[type=submit]").click()

    # The staff portal shows the profile, masked.
    page.wait_for_url(re.compile(r"/me/$"))
    profile = page.locator(".profile-card")
    assert profile.is_visible()
    assert page.locator("[data-field=staff_no]").inner_text().strip() == staff.staff_no
    assert page.locator("[data-field=phone]").inner_text().strip() == staff.phone[:3] + "****" + staff.phone[-4:]
    assert page.locator("[data-field=id_number]").inner_text().strip() == staff.id_number[:3] + "*" * 11 + staff.id_number[-4:]
    body = page.locator("body").inner_text()
    assert staff.name in body
    assert staff.phone not in body
    assert staff.id_number not in body
    assert staff.phone not in page.content()
    screenshot(page, "portal-profile", full_page=True)

    # The same portal on a phone (same session).
    mobile = new_page(
        viewport=MOBILE,
        is_mobile=True,
        has_touch=True,
        device_scale_factor=2,
        storage_state=page.context.storage_state(),
    )
    mobile.goto(live_server.url + "/me/")
    assert mobile.locator("[data-field=phone]").inner_text().strip() == staff.phone[:3] + "****" + staff.phone[-4:]
    # Nothing overflows sideways on a 390px screen.
    assert mobile.evaluate("document.documentElement.scrollWidth") <= MOBILE["width"]
    screenshot(mobile, "portal-profile-mobile")


def test_wrong_password_stays_on_login_page(live_server, site_data, new_page):
    page = new_page()
    # Inline, not helpers.log_in: the test is about staying on the login page.
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=username]", site_data["username"])
    page.fill("input[name=password]", "Wrong-password-1")
    page.locator("main form button[type=submit]").click()
    assert "/accounts/login/" in page.url
    assert page.locator("[role=alert]").first.is_visible()
    page.goto(live_server.url + "/me/")
    assert "/accounts/login/" in page.url


def test_static_assets_are_served_locally(live_server, site_data, new_page):
    """Every request the home page makes stays on our own server (no CDN)."""
    page = new_page()
    requested = []
    page.on("request", lambda request: requested.append(request.url))
    failed = []
    page.on("requestfailed", lambda request: failed.append(request.url))
    page.goto(live_server.url + "/", wait_until="networkidle")
    assert requested
    assert all(url.startswith(live_server.url) or url.startswith("data:") for url in requested), requested
    assert not failed
    response = page.request.get(live_server.url + "/static/plotly/plotly-frontline.min.js")
    assert response.ok
