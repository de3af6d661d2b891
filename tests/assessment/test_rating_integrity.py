"""Nobody can erase or plant ratings (supersession per source), the public rating page cannot be
flooded or shut (client address through the trusted proxy, shared counters, 可疑 bursts), and
the page shows no 工号."""

import importlib
import json

import pytest
from django.apps import apps as django_apps
from django.core.cache import cache
from django.test import Client
from django.utils import timezone

from assessment import abuse, selectors, services
from assessment.models import BadReviewCase, CaseEvent, Evaluation, EvaluationPeriod, Rating
from people import roles
from tests import factories

from .builders import make_csv, run

pytestmark = pytest.mark.django_db

HEADER = "办件编号,评价次数,评价时间,经办人工号,窗口编号,事项名称,评价等级,评价渠道,评价内容\n"
PROXY = "10.0.0.2"  # our nginx, as gunicorn sees it


def api_post(client, token, **body):
    payload = {
        "ticket_no": "BJ-1", "staff_no": "CD1001", "window_code": "01-01", "level": "非常满意", "channel": "短信",
        "rated_at": timezone.localtime().isoformat(), **body,
    }
    return client.post(
        "/api/v1/ratings", data=json.dumps(payload), content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {token}"
    )


@pytest.fixture
def feed(db):
    _source, token = services.rating_source_create(name="省好差评系统", kind="feed")
    return token


def _summary(staff):
    return selectors.rating_summaries(period=selectors.Period.current(), staff=[staff.pk])[staff.pk]


# --- 1. Supersession stays within one source ------------------------------------------


def test_a_qr_rating_with_a_feeds_ticket_leaves_the_feeds_bad_rating_counted(client, sample_staff, feed):
    staff = sample_staff["staff"]["CD1001"]
    assert api_post(client, feed, ticket_no="BJ2026-0007", level="非常不满意").status_code == 201
    feed_rating = Rating.objects.get()
    # The citizen page, given the feed's ticket number: before, this superseded the feed's rating.
    response = Client().post("/rate/01-01/", {"level": 1, "ticket_no": "BJ2026-0007"})
    assert response.status_code == 302
    feed_rating.refresh_from_db()
    assert not feed_rating.superseded
    assert selectors.valid_ratings().filter(pk=feed_rating.pk).exists()
    qr = Rating.objects.exclude(pk=feed_rating.pk).get()
    assert (qr.ticket_no, qr.citizen_ticket_no) == ("", "BJ2026-0007")  # information only, never a key
    summary = _summary(staff)
    assert summary.level_counts[5] == 1  # the 非常不满意 still counts in R


def test_a_qr_rating_cannot_touch_a_feeds_rating_of_an_approved_month(client, sample_staff, feed):
    staff = sample_staff["staff"]["CD1001"]
    assert api_post(client, feed, ticket_no="BJ2026-0008", level="非常不满意").status_code == 201
    month = selectors.Period.current()
    services.evaluations_compute(period=month)
    r_before = Evaluation.objects.get(staff=staff).ratings
    EvaluationPeriod.objects.filter(month=str(month)).update(status=EvaluationPeriod.Status.APPROVED)
    Client().post("/rate/01-01/", {"level": 1, "ticket_no": "BJ2026-0008"})
    feed_rating = Rating.objects.get(ticket_no="BJ2026-0008")
    assert not feed_rating.superseded
    assert _summary(staff).level_counts[5] == 1
    assert r_before == 0 and Evaluation.objects.get(staff=staff).ratings == r_before


def test_an_api_source_cannot_supersede_another_sources_rating(client, sample_staff, feed):
    _other, other_token = services.rating_source_create(name="大厅评价器", kind="device")
    assert api_post(client, feed, ticket_no="T-9", level="非常不满意").status_code == 201
    # Another source sends the same ticket with a higher 评价次数.
    assert api_post(client, other_token, ticket_no="T-9", assess_number=2, level="非常满意").status_code == 201
    first = Rating.objects.get(ticket_no="T-9", assess_number=1)
    assert not first.superseded
    assert not Rating.objects.get(ticket_no="T-9", assess_number=2).superseded
    # A spreadsheet import (its own source) cannot either.
    text = HEADER + f"T-9,3,{timezone.localtime():%Y-%m-%d %H:%M},CD1001,01-01,社保,满意,短信,\n"
    assert run("ratings", make_csv(text), "r.csv").ok
    first.refresh_from_db()
    assert not first.superseded
    assert _summary(sample_staff["staff"]["CD1001"]).valid_count == 3


def test_within_one_source_the_highest_assess_number_still_wins(client, sample_staff, feed):
    assert api_post(client, feed, ticket_no="T-5", level="非常不满意").status_code == 201
    assert api_post(client, feed, ticket_no="T-5", assess_number=3, level="满意").status_code == 201
    assert api_post(client, feed, ticket_no="T-5", assess_number=2, level="基本满意").status_code == 201
    flags = dict(Rating.objects.values_list("assess_number", "superseded"))
    assert flags == {1: True, 2: True, 3: False}
    assert _summary(sample_staff["staff"]["CD1001"]).valid_count == 1


def test_the_data_migration_recomputes_supersession_per_source(sample_staff, feed):
    staff = sample_staff["staff"]["CD1001"]
    feed_source = services.builtin_source(services.IMPORT_SOURCE_CODES["gb"])
    qr = services.builtin_source(services.QR_SOURCE_CODE)
    other, _token = services.rating_source_create(name="另一来源")
    now = timezone.now()
    # As the old rule left them: the feed's rating superseded by a QR rating and another
    # source's follow-up of the same ticket.
    victim = Rating.objects.create(source=feed_source, ticket_no="X1", level=5, staff=staff, rated_at=now, superseded=True)
    planted = Rating.objects.create(source=qr, ticket_no="X1", assess_number=2, level=1, staff=staff, rated_at=now)
    same_a = Rating.objects.create(source=other, ticket_no="Y1", level=4, staff=staff, rated_at=now)
    same_b = Rating.objects.create(source=other, ticket_no="Y1", assess_number=2, level=2, staff=staff, rated_at=now)
    migration = importlib.import_module("assessment.migrations.0010_supersession_per_source")
    migration.recompute(django_apps, None)
    victim.refresh_from_db(), planted.refresh_from_db(), same_a.refresh_from_db(), same_b.refresh_from_db()
    assert not victim.superseded
    assert (planted.ticket_no, planted.citizen_ticket_no, planted.superseded) == ("", "X1", False)
    assert same_a.superseded and not same_b.superseded


# --- 3. The public page: client address, shared counters, 可疑 bursts ------------------


@pytest.fixture
def behind_one_proxy(settings):
    settings.AXES_IPWARE_META_PRECEDENCE_ORDER = ["HTTP_X_FORWARDED_FOR", "REMOTE_ADDR"]
    settings.AXES_IPWARE_PROXY_COUNT = 1
    settings.RATE_PAGE_LIMITS = {**settings.RATE_PAGE_LIMITS, "ip-window": (3, 600)}
    return settings


def _post_via_proxy(forwarded_for, level=1, **data):
    """A rating from a phone with no cookies at all, through our nginx."""
    return Client().post(
        "/rate/01-01/", {"level": level, **data}, REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=forwarded_for
    )


def test_a_forged_x_forwarded_for_does_not_evade_the_address_limit(sample_staff, behind_one_proxy):
    # nginx appends the real peer (203.0.113.9) to whatever the client sent.
    codes = [_post_via_proxy(f"198.18.0.{i}, 203.0.113.9").status_code for i in range(5)]
    assert codes == [302, 302, 302, 429, 429]
    assert Rating.objects.count() == 3


def test_the_login_lockout_reads_the_client_address_through_the_same_setting(rf, behind_one_proxy):
    from axes.helpers import get_client_ip_address

    from home.client_address import client_ip

    request = rf.post("/accounts/login/", REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR="1.2.3.4, 203.0.113.9")
    assert get_client_ip_address(request) == client_ip(request) == "203.0.113.9"
    behind_one_proxy.AXES_IPWARE_PROXY_COUNT = 0  # no proxy of ours: the header is the client's own
    assert get_client_ip_address(request) == PROXY


def test_one_clients_burst_does_not_lock_out_another_client_behind_the_proxy(sample_staff, behind_one_proxy):
    for _i in range(4):
        _post_via_proxy("203.0.113.9")
    assert _post_via_proxy("203.0.113.9").status_code == 429
    # Before, every request had the proxy's REMOTE_ADDR: one burst answered 429 to every citizen.
    assert _post_via_proxy("198.51.100.7").status_code == 302
    assert _post_via_proxy("2001:db8::7").status_code == 302


def test_dropping_the_device_cookie_does_not_evade_the_limits(sample_staff, settings):
    settings.RATE_PAGE_LIMITS = {**settings.RATE_PAGE_LIMITS, "ip-window": (4, 600)}
    client = Client()
    codes = []
    for _i in range(6):
        client.cookies.clear()  # a new "device" every time
        codes.append(client.post("/rate/01-01/", {"level": 1}, REMOTE_ADDR="203.0.113.20").status_code)
    assert codes == [302, 302, 302, 302, 429, 429]
    # The device cookie still counts as an extra signal: one phone, one window, twice.
    phone = Client()
    assert [phone.post("/rate/01-02/", {"level": 1}, REMOTE_ADDR="203.0.113.21").status_code for _i in range(3)] == [
        302, 302, 429,
    ]


def test_the_counters_live_in_the_shared_cache(sample_staff, settings):
    settings.RATE_PAGE_LIMITS = {**settings.RATE_PAGE_LIMITS, "ip": (2, 600)}
    # Two ratings taken by other workers: what they counted is in the cache, not in their memory.
    assert abuse.admit(window_code="01-05", device="other-phone-1", ip="203.0.113.30")
    assert abuse.admit(window_code="01-06", device="other-phone-2", ip="203.0.113.30")
    assert Client().post("/rate/01-01/", {"level": 1}, REMOTE_ADDR="203.0.113.30").status_code == 429
    cache.clear()
    assert Client().post("/rate/01-01/", {"level": 1}, REMOTE_ADDR="203.0.113.30").status_code == 302


@pytest.fixture
def rated_person(sample_staff):
    window = sample_staff["windows"]["01-03"]
    person = factories.make_staff("CDW01", name="王小明", window=window)
    supervisor = factories.make_user_with_role(roles.SUPERVISOR, "sup-burst")
    window.centre.supervisors.add(supervisor)
    return person, supervisor


def _bad(person, ip, level=5):
    return Client().post(
        "/rate/01-03/", {"level": level, "reasons": ["态度不好"], "staff_no": person.pk}, REMOTE_ADDR=ip
    )


def test_a_burst_of_bad_ratings_from_one_network_is_held_out_of_r_until_accepted(client, rated_person):
    person, supervisor = rated_person
    assert _bad(person, "198.51.100.50", level=1).status_code == 302  # a good rating from elsewhere
    for host in (11, 12, 13):  # three phones of one /24, within the hour
        assert _bad(person, f"203.0.113.{host}").status_code == 302
    assert _bad(person, "192.0.2.1", level=4).status_code == 302  # another network: not suspicious
    suspicious = Rating.objects.filter(suspicion=Rating.Suspicion.PENDING)
    assert suspicious.count() == 3
    summary = _summary(person)
    assert summary.valid_count == 2 and summary.level_counts[5] == 0  # R sees only the two others
    services.evaluations_compute(period=selectors.Period.current())
    assert Evaluation.objects.get(staff=person).ratings == 65  # (100 + 30) / 2, none of the held ones

    # The case page shows the flag and lets the supervisor accept or reject, with a reason.
    first, second, third = suspicious.order_by("pk")
    client.force_login(supervisor)
    page = client.get(f"/admin/service-records/cases/{first.case.pk}/")
    assert "可疑" in page.content.decode() and "data-suspicion-form" in page.content.decode()
    url = f"/admin/service-records/cases/{first.case.pk}/"
    assert client.post(url, {"step": "suspicion", "accept": "1", "suspicion_note": ""}).status_code == 200  # needs why
    assert client.post(url, {"step": "suspicion", "accept": "1", "suspicion_note": "已回访，属实"}).status_code == 302
    url = f"/admin/service-records/cases/{second.case.pk}/"
    assert client.post(url, {"step": "suspicion", "accept": "0", "suspicion_note": "同一号段连续刷差评"}).status_code == 302
    first.refresh_from_db(), second.refresh_from_db()
    assert (first.suspicion, second.suspicion) == ("accepted", "rejected")
    summary = _summary(person)
    assert summary.valid_count == 3 and summary.level_counts[5] == 1  # the accepted one counts again
    second.case.refresh_from_db()
    assert (second.case.status, second.case.outcome) == ("closed", "unfounded")
    events = CaseEvent.objects.filter(action__startswith="suspicion").order_by("pk")
    assert [(e.action, e.by, e.note) for e in events] == [
        ("suspicion_accepted", supervisor, "已回访，属实"),
        ("suspicion_rejected", supervisor, "同一号段连续刷差评"),
    ]
    # The third waits: its case cannot be closed until someone decides.
    case = third.case
    services.case_verify(case=case, user=supervisor, verify_note="核实", revisit_note="回访")
    services.case_rectify(case=case, user=supervisor, rectify_note="无")
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        services.case_close(case=case, user=supervisor, feedback_note="已反馈", outcome="confirmed")


def test_bad_ratings_spread_over_more_than_an_hour_are_not_suspicious(rated_person, monkeypatch, settings):
    person, _supervisor = rated_person
    clock = [1_000_000.0]
    monkeypatch.setattr(abuse, "_now", lambda: clock[0])
    for host in (11, 12):
        assert _bad(person, f"203.0.113.{host}").status_code == 302
    clock[0] += settings.RATING_BURST_SECONDS + 1
    assert _bad(person, "203.0.113.13").status_code == 302
    assert not Rating.objects.filter(suspicion=Rating.Suspicion.PENDING).exists()
    # Two more within the hour of the third make a burst of three: those three are held.
    clock[0] += 60
    assert _bad(person, "203.0.113.14").status_code == 302
    clock[0] += 60
    assert _bad(person, "203.0.113.15").status_code == 302
    held = Rating.objects.filter(suspicion=Rating.Suspicion.PENDING).order_by("pk")
    assert held.count() == 3 and BadReviewCase.objects.count() == 5


def test_the_burst_numbers_are_settings(rated_person, settings):
    person, _supervisor = rated_person
    settings.RATING_BURST_COUNT = 2
    _bad(person, "2001:db8:1:2::10")
    _bad(person, "2001:db8:1:2::99")  # the same /64
    assert Rating.objects.filter(suspicion=Rating.Suspicion.PENDING).count() == 2


# --- 7. The public page shows names and the window, never a 工号 -----------------------


def test_the_rating_page_shows_names_and_the_window_but_no_staff_number(client, sample_staff):
    window = sample_staff["windows"]["01-04"]
    person = factories.make_staff("CDZ9001", name="李四", window=window)
    page = client.get("/rate/01-04/").content.decode()
    assert "李四" in page and "01-04" in page
    assert "CDZ9001" not in page  # neither shown nor sent as a value
    response = client.post("/rate/01-04/", {"level": 2, "staff_no": person.pk})
    assert response.status_code == 302
    assert Rating.objects.get().staff == person
    thanks = client.get(response["Location"]).content.decode()
    assert "01-04" in thanks and "CDZ9001" not in thanks
