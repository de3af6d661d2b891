"""The bad-review case listing in the admin: filters, pages, the ledger download, centre
scope, and no hand-made cases."""

import csv
import datetime as dt
import io
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from openpyxl import load_workbook

from assessment import services
from assessment.models import BadReviewCase, Rating
from assessment.viewsets.cases import LEDGER_COLUMNS
from people import roles
from tests import factories
from tests.helpers import assert_denied

pytestmark = pytest.mark.django_db
URL = "/admin/service-records/cases/"
LEDGER_HEADINGS = [heading for _key, heading, _value in LEDGER_COLUMNS]


def _at(year, month, day):
    return timezone.make_aware(dt.datetime(year, month, day, 10, 0))


@pytest.fixture
def centres(db):
    east = factories.make_centre("城东服务中心")
    west = factories.make_centre("城西服务中心")
    return {
        "east": east,
        "west": west,
        "east_window": factories.make_window("E01", centre=east),
        "west_window": factories.make_window("W01", centre=west),
        "east_person": factories.make_staff("E1001", name="东一号", centre=east),
        "west_person": factories.make_staff("W2001", name="西一号", centre=west),
    }


def make_case(person, window, ticket, *, rated_at=None, opened_at=None):
    source = services.builtin_source(services.IMPORT_SOURCE_CODES["gb"])
    rated_at = rated_at or timezone.now()
    rating = Rating.objects.create(
        source=source, ticket_no=ticket, level=4, channel="短信", staff=person, window=window,
        window_code=window.code, matter="社保", rated_at=rated_at, comment="慢",
    )
    return services.case_open(rating=rating, opened_at=opened_at or rated_at)


def _text(response):
    return response.content.decode()


def _export_rows(response):
    book = load_workbook(io.BytesIO(b"".join(response.streaming_content)), read_only=True)
    return [list(row) for row in book.active.iter_rows(values_only=True)]


def test_the_listing_shows_open_cases_unless_asked_for_a_status(client_for, centres):
    c = centres
    open_case = make_case(c["east_person"], c["east_window"], "OPEN1")
    closed = make_case(c["east_person"], c["east_window"], "CLOSED1")
    BadReviewCase.objects.filter(pk=closed.pk).update(status=BadReviewCase.Status.CLOSED, outcome="confirmed")
    client = client_for(factories.make_user_with_role(roles.HR, "hr-list"))

    default = _text(client.get(URL))
    assert open_case.number in default and closed.number not in default
    every = _text(client.get(URL, {"status": ""}))
    assert open_case.number in every and closed.number in every
    only_closed = _text(client.get(URL, {"status": "closed"}))
    assert open_case.number not in only_closed and closed.number in only_closed


def test_filters_overdue_appeal_centre_and_month(client_for, centres):
    c = centres
    late = make_case(c["east_person"], c["east_window"], "LATE1", rated_at=_at(2026, 9, 1))
    recent = make_case(c["east_person"], c["east_window"], "NOW1")
    appealed = make_case(c["east_person"], c["east_window"], "APPEAL1")
    BadReviewCase.objects.filter(pk=appealed.pk).update(
        status=BadReviewCase.Status.CLOSED, outcome="confirmed", appeal_status=BadReviewCase.Appeal.PENDING
    )
    west = make_case(c["west_person"], c["west_window"], "WEST1")
    client = client_for(factories.make_user_with_role(roles.HR, "hr-filters"))

    overdue = _text(client.get(URL, {"overdue": "true"}))
    assert late.number in overdue and recent.number not in overdue
    appeals = _text(client.get(URL, {"status": "", "appeal_status": "pending"}))
    assert appealed.number in appeals and late.number not in appeals and recent.number not in appeals
    west_only = _text(client.get(URL, {"centre": c["west"].pk}))
    assert west.number in west_only and recent.number not in west_only
    september = _text(client.get(URL, {"month": "2026-09"}))
    assert late.number in september and recent.number not in september and west.number not in september


def test_the_listing_has_pages_and_the_export_every_filtered_row(client_for, centres):
    c = centres
    cases = [make_case(c["east_person"], c["east_window"], f"T{i:03d}") for i in range(55)]
    closed = cases.pop()
    BadReviewCase.objects.filter(pk=closed.pk).update(status=BadReviewCase.Status.CLOSED, outcome="confirmed")
    client = client_for(factories.make_user_with_role(roles.HR, "hr-pages"))

    first, second = _text(client.get(URL)), _text(client.get(URL, {"p": 2}))
    on_first = {case.number for case in cases if case.number in first}
    on_second = {case.number for case in cases if case.number in second}
    assert len(on_first) == 50 and len(on_second) == 4 and not on_first & on_second

    response = client.get(URL, {"export": "xlsx"})
    assert response.status_code == 200
    rows = _export_rows(response)
    assert rows[0] == LEDGER_HEADINGS
    assert sorted(row[0] for row in rows[1:]) == sorted(case.number for case in cases)
    row = next(r for r in rows[1:] if r[0] == cases[0].number)
    assert row[LEDGER_HEADINGS.index("工号")] == "E1001" and row[LEDGER_HEADINGS.index("服务中心")] == "城东服务中心"

    text = b"".join(client.get(URL, {"status": "closed", "export": "csv"}).streaming_content).decode("utf-8-sig")
    lines = list(csv.reader(io.StringIO(text)))
    assert lines[0] == LEDGER_HEADINGS and [line[0] for line in lines[1:]] == [closed.number]


def test_a_supervisor_never_sees_another_centres_cases_in_the_list_or_the_export(client_for, centres):
    c = centres
    east = make_case(c["east_person"], c["east_window"], "EAST1")
    west = make_case(c["west_person"], c["west_window"], "WEST1")
    supervisor = factories.make_user_with_role(roles.SUPERVISOR, "sup-east")
    c["east"].supervisors.add(supervisor)
    client = client_for(supervisor)

    for query in ({}, {"status": ""}, {"centre": c["west"].pk}, {"q": "W2001"}):
        listing = _text(client.get(URL, query))
        assert west.number not in listing, query
    assert east.number in _text(client.get(URL))
    for query in ({"export": "xlsx"}, {"export": "xlsx", "status": "", "centre": c["west"].pk}):
        numbers = [row[0] for row in _export_rows(client.get(URL, query))[1:]]
        assert west.number not in numbers, query
    assert [row[0] for row in _export_rows(client.get(URL, {"export": "xlsx"}))[1:]] == [east.number]
    assert client.get(reverse("assessment_cases:inspect", args=[west.pk])).status_code == 404


def test_the_case_listing_runs_the_same_queries_for_5_and_30_cases(client_for, centres):
    c = centres
    client = client_for(factories.make_user_with_role(roles.HR, "hr-queries"))
    counts = []
    for total in (5, 30):
        while BadReviewCase.objects.count() < total:
            person = factories.make_staff(centre=c["east"])
            make_case(person, c["east_window"], f"Q{BadReviewCase.objects.count():03d}")
        with CaptureQueriesContext(connection) as queries:
            assert client.get(URL).status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1], counts


def test_cases_are_never_added_edited_or_deleted_by_hand(client_for, centres):
    case = make_case(centres["east_person"], centres["east_window"], "HAND1")
    for name, args in (("add", []), ("edit", [case.pk]), ("delete", [case.pk])):
        with pytest.raises(NoReverseMatch):
            reverse(f"assessment_cases:{name}", args=args)
    client = client_for(factories.make_user(is_superuser=True, is_staff=True))
    page = _text(client.get(URL))
    assert "/admin/service-records/cases/new/" not in page
    assert client.post(f"{URL}new/", {}).status_code == 404
    assert client.get(f"{URL}edit/{case.pk}/").status_code == 404


def test_who_may_not_see_cases_is_refused(client_for, centres):
    case = make_case(centres["east_person"], centres["east_window"], "DENY1")
    trainer = client_for(factories.make_user_with_role(roles.TRAINER, "trainer-cases"))
    assert_denied(trainer.get(URL))
    assert_denied(trainer.get(reverse("assessment_cases:inspect", args=[case.pk])))


def test_the_admin_home_figures_open_the_cases_they_count(client_for, centres):
    c = centres
    factories.make_home_page()
    late = make_case(c["east_person"], c["east_window"], "LATE1", rated_at=_at(2026, 9, 1))
    recent = make_case(c["east_person"], c["east_window"], "NOW1")
    appealed = make_case(c["east_person"], c["east_window"], "APPEAL1")
    BadReviewCase.objects.filter(pk=appealed.pk).update(
        status=BadReviewCase.Status.CLOSED, outcome="confirmed", appeal_status=BadReviewCase.Appeal.PENDING
    )
    client = client_for(factories.make_user_with_role(roles.HR, "hr-home"))
    home = _text(client.get(reverse("wagtailadmin_home")))
    links = [href.replace("&amp;", "&") for href in re.findall(r'href="(/admin/service-records/cases/[^"]*)"', home)]
    assert len(links) == 3
    listed = [{case.number for case in (late, recent, appealed) if case.number in _text(client.get(link))} for link in links]
    assert listed == [{late.number, recent.number}, {late.number}, {appealed.number}]
