"""Logging in, shared by the browser journeys."""

from tests import factories

PORTAL_LOGIN = "/accounts/login/"


def log_in(page, base_url, username, *, password=factories.PASSWORD, next_path=None, landing=None):
    """Log in on the portal's login page and wait for the page it lands on.

    `landing` is a compiled regex or a path (the URL is then `base_url + path`). By default:
    `next_path` when given, else any page other than the login page."""
    url = base_url + PORTAL_LOGIN
    if next_path:
        url += f"?next={next_path}"
    page.goto(url)
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.locator("main form button[type=submit]").click()
    if landing is None:
        landing = next_path
    if landing is None:
        # The form posts to the login page itself: wait until the redirect has left it.
        page.wait_for_url(lambda current: PORTAL_LOGIN not in current)
    elif isinstance(landing, str):
        page.wait_for_url(base_url + landing)
    else:
        page.wait_for_url(landing)


def admin_log_in(page, base_url, username, *, password=factories.PASSWORD):
    """Log in on the Wagtail admin's login page and wait for the admin dashboard."""
    page.goto(f"{base_url}/admin/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.locator("form button[type=submit]").first.click()
    page.wait_for_url(f"{base_url}/admin/")
