"""Pages no other journey visits, each loaded once so that axe (conftest's `new_page`)
scans it: the user guides, the error page, and the staff portal's pages as the demo site
shows them, on a phone."""

import io
from pathlib import Path

import pytest
from django.core.management import call_command

from .helpers import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DOCS = Path(__file__).resolve().parent.parent.parent / "docs"
MOBILE = {"width": 390, "height": 844}
DEMO_PASSWORD = "Frontline-demo-2026"


@pytest.fixture
def site_data(transactional_db):
    call_command("load_initial_data", stdout=io.StringIO())


def test_error_page_and_guides_pass_axe(live_server, site_data, new_page, axe_recorder):
    page = new_page()
    page.goto(live_server.url + "/no-such-page/")
    log_in(page, live_server.url, "staff", password=DEMO_PASSWORD, next_path="/help/")
    guides = ["/help/"] + [f"/help/{path.stem}/" for path in sorted(DOCS.glob("*.md")) if path.stem != "README"]
    for path in guides:
        page.goto(live_server.url + path)
        axe_recorder.scan(page)
    assert "/help/accessibility/" in axe_recorder.scanned  # the statement itself is a guide


def test_staff_portal_on_a_phone_passes_axe(live_server, site_data, new_page, axe_recorder):
    page = new_page(viewport=MOBILE, is_mobile=True, has_touch=True)
    log_in(page, live_server.url, "staff", password=DEMO_PASSWORD, next_path="/me/")
    paths = ["/me/learning/", "/me/notices/", "/me/records/", "/me/evaluations/", "/me/dashboard/"]
    for path in paths:
        page.goto(live_server.url + path)
        axe_recorder.scan(page)
    assert set(paths) <= set(axe_recorder.scanned)
