"""The records pages (/me/records/, the vendor's records) open on the latest month with
records, never offer a month after the current one, and label rest days and holidays."""

import datetime as dt
import re

import pytest
from django.utils import timezone

from assessment import selectors
from assessment.models import AttendanceDay, CalendarDay, Commendation

pytestmark = pytest.mark.django_db


def _months_ago(n):
    period = selectors.Period.current()
    for _i in range(n):
        period = period.previous()
    return period


def _day(staff, date, status="normal"):
    return AttendanceDay.objects.create(staff=staff, date=date, source="manual", status=status)


def _shown_month(html):
    return re.search(r"<strong data-month>([0-9-]+)</strong>", html).group(1)


def test_my_records_open_on_the_latest_month_with_records(client, staff_member):
    earlier = _months_ago(3)
    latest = _months_ago(2)
    _day(staff_member, earlier.first + dt.timedelta(days=2))
    Commendation.objects.create(
        staff=staff_member, date=latest.first + dt.timedelta(days=5), bonus_points="1.00"
    )
    client.force_login(staff_member.user)
    html = client.get("/me/records/").content.decode()
    assert _shown_month(html) == str(latest)
    assert f'href="?month={latest.next()}"' in html  # later months can still be opened
    # An explicit month is kept.
    assert _shown_month(client.get(f"/me/records/?month={earlier}").content.decode()) == str(earlier)


def test_my_records_without_any_record_open_on_the_current_month(client, staff_member):
    client.force_login(staff_member.user)
    assert _shown_month(client.get("/me/records/").content.decode()) == str(selectors.Period.current())


def test_no_future_month_is_offered_or_shown(client, staff_member):
    current = selectors.Period.current()
    client.force_login(staff_member.user)
    html = client.get(f"/me/records/?month={current}").content.decode()
    assert "data-next-month" not in html and f"?month={current.next()}" not in html
    assert f'href="?month={current.previous()}"' in html
    future = client.get(f"/me/records/?month={current.next().next()}").content.decode()
    assert _shown_month(future) == str(current)
    assert "data-next-month" not in future


def test_the_vendor_records_open_on_the_latest_month_and_offer_no_future_month(
    client, staff_member, vendor_manager
):
    latest = _months_ago(1)
    _day(staff_member, latest.first + dt.timedelta(days=3))
    client.force_login(vendor_manager)
    html = client.get("/me/vendor/records/").content.decode()
    assert _shown_month(html) == str(latest)
    current = selectors.Period.current()
    html = client.get(f"/me/vendor/records/?month={current.next()}").content.decode()
    assert _shown_month(html) == str(current) and "data-next-month" not in html


def test_a_rating_or_finding_dated_in_a_later_month_than_today_does_not_open_it(staff_member):
    # Only records up to the current month count: nothing is dated after today.
    today = timezone.localdate()
    _day(staff_member, today + dt.timedelta(days=40))
    _day(staff_member, _months_ago(4).first)
    assert selectors.latest_record_month(staff=[staff_member.pk]) == _months_ago(4)


def test_the_calendar_labels_rest_days_holidays_and_adjusted_workdays(client, staff_member):
    month = selectors.Period(2026, 10)
    CalendarDay.objects.create(date=dt.date(2026, 10, 1), kind="holiday", name="国庆节")
    CalendarDay.objects.create(date=dt.date(2026, 10, 2), kind="holiday")
    CalendarDay.objects.create(date=dt.date(2026, 10, 10), kind="workday", name="国庆调休")
    _day(staff_member, dt.date(2026, 10, 9), status="late")
    client.force_login(staff_member.user)
    html = client.get(f"/me/records/?month={month}").content.decode()
    cells = {
        date: body
        for date, body in re.findall(
            r'data-date="(2026-10-\d\d)">(.*?)</div>\s*(?=<div class="att-day|\s*</div>)', html, re.DOTALL
        )
    }

    def kind(date):
        found = re.search(r'data-day-kind="(\w+)"[^>]*>([^<]*)<', cells[date])
        return found.groups() if found else None

    assert kind("2026-10-01") == ("holiday", "国庆节")
    assert kind("2026-10-02") == ("holiday", "节假日")
    assert kind("2026-10-03") == ("rest", "休")  # a Saturday
    assert kind("2026-10-04") == ("rest", "休")
    assert kind("2026-10-10") == ("workday", "班")  # a Saturday that is worked
    assert kind("2026-10-09") is None and "迟到" in cells["2026-10-09"]
    assert kind("2026-10-12") is None  # an ordinary Monday
