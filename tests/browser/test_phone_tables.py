"""Phones (390 × 844): tables become cards with the key figures and the link on screen, the
records open on the latest month with records, the attendance calendar fits, and the charts
draw from our partial plotly.js bundle, each with a summary in words and its numbers as a table."""

import datetime as dt
import re

import pytest

from assessment import rating_rules as rr
from assessment import services
from assessment.models import BadReviewCase, CalendarDay, Evaluation, Rating
from tests.browser import test_dashboard_journeys
from tests.browser.helpers import admin_log_in, log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

halls = test_dashboard_journeys.halls  # the dashboards' six months of a hall, reused

MOBILE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 800}


def _no_sideways_scroll(page):
    assert page.evaluate("document.scrollingElement.scrollWidth") <= MOBILE["width"]


def _on_screen(locator, *, within_height=False):
    """The element is shown and lies inside the phone's width (and height: no scrolling)."""
    assert locator.is_visible()
    box = locator.bounding_box()
    assert box is not None and box["width"] > 0
    assert box["x"] >= 0 and box["x"] + box["width"] <= MOBILE["width"], box
    if within_height:
        assert box["y"] >= 0 and box["y"] + box["height"] <= MOBILE["height"], box


def _errors(page):
    errors = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: errors.append(str(error)))
    return errors


@pytest.fixture
def case(halls):
    """A closed case of the staff member's May bad review, with a rejected appeal."""
    rating = Rating.objects.get(staff=halls["people"][0], level=rr.DISSATISFIED)
    opened = services.case_open(rating=rating)
    BadReviewCase.objects.filter(pk=opened.pk).update(
        status="closed", outcome="confirmed", appeal_status="rejected"
    )
    CalendarDay.objects.create(date=dt.date(2026, 10, 1), kind="holiday", name="国庆节")
    CalendarDay.objects.create(date=dt.date(2026, 10, 2), kind="holiday")
    return opened


def test_staff_sees_pay_and_the_receipt_link_of_each_month_on_a_phone(live_server, halls, new_page):
    phone = new_page(viewport=MOBILE)
    log_in(phone, live_server.url, "staff", next_path="/me/evaluations/")
    card = phone.locator("[data-evaluations] tr[data-month='2026-10']")
    _on_screen(card.locator("[data-pay]"), within_height=True)
    evaluation = Evaluation.objects.get(staff=halls["people"][0], period__month="2026-10")
    assert card.locator("[data-pay]").inner_text().strip() == str(evaluation.pay)
    # The figure says what it is: the column's heading shown above it.
    assert (
        card.locator("[data-pay]").evaluate("el => getComputedStyle(el, '::before').content") == '"绩效工资"'
    )
    link = card.get_by_role("link", name=re.compile("得分明细"))
    _on_screen(link, within_height=True)
    _no_sideways_scroll(phone)
    # The whole card opens the receipt: a tap on its score, away from the link.
    score = card.locator("td").nth(1).bounding_box()
    phone.mouse.click(score["x"] + score["width"] / 2, score["y"] + score["height"] / 2)
    phone.wait_for_url(re.compile(r"/me/evaluations/2026-10/$"))
    # And the keyboard reaches the same link.
    phone.go_back()
    phone.locator("[data-evaluations] tr[data-month='2026-09'] .row-link").focus()
    phone.keyboard.press("Enter")
    phone.wait_for_url(re.compile(r"/me/evaluations/2026-09/$"))


def test_staff_records_on_a_phone_open_on_the_latest_month_and_show_cases_whole(
    live_server, halls, case, new_page, screenshot
):
    phone = new_page(viewport=MOBILE)
    log_in(phone, live_server.url, "staff", next_path="/me/records/")
    # December (today) has no records yet: the page opens on October, and offers no future month.
    assert phone.locator("[data-month]").inner_text() == "2026-10"
    calendar = phone.locator("[data-calendar]")
    box = calendar.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= MOBILE["width"]
    assert calendar.evaluate("el => el.scrollWidth <= el.clientWidth")
    holiday = phone.locator("[data-date='2026-10-01'] [data-day-kind]")
    assert holiday.inner_text() == "国庆节"
    _on_screen(holiday)
    assert phone.locator("[data-date='2026-10-02'] [data-day-kind]").inner_text() == "节假日"
    assert phone.locator("[data-date='2026-10-03'] [data-day-kind]").inner_text() == "休"  # a Saturday
    assert phone.locator("[data-date='2026-10-05'] [data-day-kind]").count() == 0  # a Monday worked
    row = phone.locator(f"[data-table=cases] tr[data-case='{case.number}']")
    row.scroll_into_view_if_needed()
    for cell, text in (
        ("[data-case-status]", "已办结"),
        ("[data-case-outcome]", "属实"),
        ("[data-case-appeal]", "申诉不成立"),
    ):
        _on_screen(row.locator(cell))
        assert text in row.locator(cell).inner_text()
    _no_sideways_scroll(phone)
    screenshot(phone, "my-records-phone", full_page=True)
    row.scroll_into_view_if_needed()  # the full-page screenshot resized the viewport
    outcome = row.locator("[data-case-outcome]").bounding_box()
    phone.mouse.click(outcome["x"] + outcome["width"] / 2, outcome["y"] + outcome["height"] / 2)
    phone.wait_for_url(re.compile(rf"/me/records/cases/{case.pk}/$"))


@pytest.mark.parametrize(
    ("path", "table"),
    [
        ("/me/vendor/records/", "[data-table=records]"),
        ("/me/vendor/evaluations/", "[data-evaluations]"),
        ("/me/vendor/", "[data-table=staff]"),
        ("/me/vendor/dashboard/", "[data-table=staff]"),
    ],
)
def test_vendor_tables_show_every_column_on_a_phone(live_server, halls, new_page, path, table):
    phone = new_page(viewport=MOBILE)
    log_in(phone, live_server.url, "vendor-dashboard", landing=re.compile(r"/me/$"))
    phone.goto(live_server.url + path)
    first = phone.locator(f"{table} tbody tr").first
    first.wait_for()
    headings = phone.locator(f"{table} thead th").count()
    cells = first.locator("td")
    assert cells.count() == headings
    for i in range(cells.count()):
        _on_screen(cells.nth(i))
    labels = [
        label for label in cells.evaluate_all("cells => cells.map(c => c.dataset.label || '')") if label
    ]
    assert "工号" in labels and "姓名" in labels
    _no_sideways_scroll(phone)


def test_charts_draw_from_the_partial_bundle_and_say_their_data_in_words_and_a_table(
    live_server, halls, new_page
):
    base = live_server.url
    desk = new_page(viewport=DESKTOP)
    errors = _errors(desk)
    admin_log_in(desk, base, "hr-dashboard")
    desk.goto(f"{base}/admin/evaluations/dashboards/")
    scripts = desk.locator("script[src*='plotly']").evaluate_all("els => els.map(e => e.src)")
    assert len(scripts) == 1 and "/static/plotly/plotly-frontline.min" in scripts[0]
    charts = desk.locator(".js-plotly-plot")
    charts.first.locator(".main-svg").first.wait_for()
    assert charts.count() >= 6
    for i in range(charts.count()):
        charts.nth(i).locator(".main-svg").first.wait_for()
        assert charts.nth(i).locator(".trace, .hm, image").count() > 0, f"chart {i} drew no trace"
    # No toolbar (a dozen unnamed tab stops per chart): each chart is one image to screen
    # readers, named by its title and what its data say, with its numbers behind a disclosure.
    charts.first.hover()
    assert desk.locator(".modebar-btn").count() == 0
    heatmap = desk.locator(".chart", has=desk.locator(".hm, image")).first
    drawing = heatmap.locator("[role=img]")
    label = drawing.get_attribute("aria-label")
    assert label.startswith("考勤热力图") and re.search(r"[（(]\d+(\.\d+)?[)）]", label), label  # the highest cell
    table = heatmap.locator("details table")
    assert table.is_hidden()
    heatmap.locator("details summary").click()
    assert table.locator("tbody th[scope=row]").count() > 0
    assert not errors, errors

    phone = new_page(viewport=MOBILE)
    errors = _errors(phone)
    log_in(phone, base, "staff", next_path="/me/dashboard/")
    radar = phone.locator("[data-chart=radar] .js-plotly-plot")
    radar.locator(".main-svg").first.wait_for()
    assert radar.locator(".scatterlayer .trace, .polarlayer .trace").count() > 0
    radar.click()
    assert phone.locator(".modebar-btn").count() == 0
    _no_sideways_scroll(phone)
    assert not errors, errors
