"""Playwright (sync API) driving Debian's chromium package. Never `playwright install`:
the browser is /usr/bin/chromium from apt (`make test` and `.ci/run` install it)."""

import os
from pathlib import Path

import pytest

from .axe import AxeRecorder

CHROMIUM = Path(os.environ.get("FRONTLINE_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
SCREENSHOTS = Path(__file__).resolve().parent.parent.parent / "docs" / "screenshots"

DESKTOP = {"width": 1280, "height": 800}
MOBILE = {"width": 390, "height": 844}


@pytest.fixture(scope="session")
def chromium_path():
    if not CHROMIUM.exists():
        message = f"{CHROMIUM} is missing: apt-get install chromium fonts-noto-cjk (make test does this)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return str(CHROMIUM)


@pytest.fixture(scope="session")
def browser(chromium_path):
    from playwright.sync_api import sync_playwright

    # Playwright's sync API keeps an asyncio loop running in this thread; Django's ORM
    # (used by the test's own fixtures and their teardown) refuses to run beside one
    # unless told it is safe, which it is here: the ORM calls are ordinary sync calls.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=chromium_path, args=CHROMIUM_ARGS)
            yield browser
            browser.close()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture
def axe_recorder():
    return AxeRecorder()


@pytest.fixture
def new_page(browser, axe_recorder):
    """`new_page(viewport=..., **context_options)` → a page in a fresh browser context.
    axe scans every page it loads, and each page's last state at teardown (tests/browser/axe.py)."""
    contexts = []

    def _new_page(viewport=DESKTOP, **options):
        context = browser.new_context(viewport=viewport, locale="zh-CN", timezone_id="Asia/Shanghai", **options)
        context.set_default_timeout(15_000)
        axe_recorder.attach(context)
        contexts.append(context)
        return context.new_page()

    yield _new_page
    try:
        for context in contexts:
            for page in context.pages:
                axe_recorder.scan(page)
    finally:
        for context in contexts:
            context.close()
    failure = axe_recorder.failure()
    if failure:
        pytest.fail(failure, pytrace=False)


@pytest.fixture
def screenshot(tmp_path, axe_recorder):
    """`screenshot(page, "name")` saves name.png: into docs/screenshots (the guides' pictures)
    when FRONTLINE_SCREENSHOTS is set (`make screenshots`), else into the test's tmp dir,
    so that an ordinary test run leaves the working tree alone."""
    directory = SCREENSHOTS if os.environ.get("FRONTLINE_SCREENSHOTS") else tmp_path
    directory.mkdir(parents=True, exist_ok=True)

    def _screenshot(page, name, full_page=False):
        axe_recorder.scan(page)
        path = directory / f"{name}.png"
        size = page.viewport_size
        # Wagtail's admin scrolls inside <main>, not the page, so `full_page` alone would
        # capture one screen of it: the viewport grows to <main>'s height meanwhile.
        inner = page.evaluate("document.querySelector('main')?.scrollHeight || 0") if full_page else 0
        if inner > size["height"]:
            page.set_viewport_size({"width": size["width"], "height": inner})
        try:
            page.screenshot(path=str(path), full_page=full_page, animations="disabled")
        finally:
            if inner > size["height"]:
                page.set_viewport_size(size)
        assert path.stat().st_size > 0
        return path

    return _screenshot
