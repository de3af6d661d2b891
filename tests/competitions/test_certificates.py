"""Award certificates: the awarded staff member's printable page (A4 landscape print CSS, the
verification code and an inline QR code of the public verification URL), the public
verification page (masked name; withdrawn results are invalid; unknown or hostile codes are a
plain 404), and the 查看证书 link on /me/competitions/."""

import datetime as dt
import re
from decimal import Decimal

import pytest
import segno
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation

from competitions.models import (
    Award,
    CompetitionPage,
    Entry,
    Round,
    RoundKind,
    RoundState,
    ScoreSheet,
    Team,
    TeamMember,
)
from competitions.selectors import award_by_code
from competitions.services import (
    competition_index_page,
    competition_publish,
    competition_reopen,
)
from tests import factories
from tests.helpers import assert_denied, visible_text

pytestmark = pytest.mark.django_db

MINE = "/me/competitions/"
NOW = timezone.make_aware(dt.datetime(2026, 11, 20, 10, 0))
REOPENED = timezone.make_aware(dt.datetime(2026, 11, 25, 9, 0))


def _(msgid):
    """The page's wording of `msgid` (the site's language)."""
    with translation.override("zh-hans"):
        return translation.gettext(msgid)


@pytest.fixture
def published(scored):
    """The sample competition, published: CD1010 first, CD1003 second, CD1002 third."""
    competition_publish(competition=scored, now=NOW)
    return scored


@pytest.fixture
def winner_award(published, roster):
    return Award.objects.get(staff=roster["CD1010"])


def _certificate_url(code):
    return reverse("competitions:certificate", args=[code])


def _verify_url(code):
    return reverse("competitions:certificate_verify", args=[code])


def _html(response, status=200):
    assert response.status_code == status, response.content[:300]
    return response.content.decode()


def test_the_winner_sees_a_printable_certificate_with_code_and_qr(client_for, published, roster, winner_award):
    html = _html(client_for(roster["CD1010"].user).get(_certificate_url(winner_award.code)))
    text = visible_text(html)
    assert "参赛10" in text and "CD1010" in text and "一等奖" in text
    assert published.title in text and "2026" in text
    assert "2026-11-20" in text  # the publication date
    assert winner_award.code in text
    verify_url = "http://testserver" + _verify_url(winner_award.code)
    svg = re.search(r"<svg.*?</svg>", html, re.S).group(0)
    assert svg == segno.make(verify_url, error="m").svg_inline(scale=4, border=2, dark="#111827")
    assert f'href="{verify_url}"' in html
    assert "certificate.css" in html and "data-print" in html  # the A4 landscape print sheet and button
    assert "<script>" not in html  # the print button is wired from a static file (CSP)
    assert _("Window Service Capability Platform") in text  # the issuing organisation (no site settings here)


def test_the_code_is_read_in_any_case(client_for, roster, winner_award):
    client = client_for(roster["CD1010"].user)
    assert client.get(_certificate_url(winner_award.code.lower())).status_code == 200


def test_nobody_else_sees_the_certificate_page(client_for, roster, winner_award, role_users):
    url = _certificate_url(winner_award.code)
    assert_denied(client_for(None).get(url), login_redirect=True)
    # Another awarded staff member, with a certificate of their own: not this one.
    response = client_for(roster["CD1003"].user).get(url)
    assert response.status_code == 404 and "参赛10" not in response.content.decode()
    own = Award.objects.get(staff=roster["CD1003"]).code
    assert client_for(roster["CD1003"].user).get(_certificate_url(own)).status_code == 200
    assert_denied(client_for(role_users["trainer"]).get(url))  # no staff profile


def test_public_verification_shows_a_masked_name_competition_level_and_date(client_for, published, winner_award):
    html = _html(client_for(None).get(_verify_url(winner_award.code)))
    assert 'data-status="valid"' in html and _("Valid certificate") in html
    assert '<dd data-field="name">参***</dd>' in html
    assert "参赛10" not in html and "CD1010" not in html  # neither the full name nor the 工号
    assert f'<dd data-field="competition">{published.title}</dd>' in html
    assert '<dd data-field="level">一等奖</dd>' in html
    assert '<dd data-field="date">2026-11-20</dd>' in html


def test_lowercase_and_spaces_in_the_code_are_forgiven(client_for, winner_award):
    typed = " ".join([winner_award.code[:4].lower(), winner_award.code[4:8], winner_award.code[8:].lower()])
    assert 'data-status="valid"' in _html(client_for(None).get(_verify_url(typed)))


def test_reopened_results_make_the_certificate_invalid(client_for, published, roster, winner_award):
    competition_reopen(competition=published, reason="成绩录入有误，张三分数重算", now=REOPENED)
    html = _html(client_for(None).get(_verify_url(winner_award.code)))
    assert 'data-status="withdrawn"' in html and _("Certificate withdrawn: not valid") in html
    assert '<dd data-field="withdrawn">2026-11-25</dd>' in html
    assert _("Valid certificate") not in html and "data-field=\"level\"" not in html
    assert "成绩录入有误" not in html  # the reason is internal
    # The owner's page says so too: no QR code to print, no print button.
    html = _html(client_for(roster["CD1010"].user).get(_certificate_url(winner_award.code)))
    assert "data-withdrawn" in html and _("This certificate was withdrawn") in html
    assert "<svg" not in html and "data-print" not in html
    # Published again: a new certificate, valid; the old code stays withdrawn.
    competition_publish(competition=published, now=REOPENED)
    new = Award.objects.get(staff=roster["CD1010"], snapshot__withdrawn_at__isnull=True)
    assert new.code != winner_award.code
    assert 'data-status="valid"' in _html(client_for(None).get(_verify_url(new.code)))
    assert 'data-status="withdrawn"' in _html(client_for(None).get(_verify_url(winner_award.code)))


def test_an_unknown_code_is_a_clear_404(client_for, winner_award):
    html = _html(client_for(None).get(_verify_url("NOSUCHCODE23")), status=404)
    assert 'data-status="unknown"' in html and "NOSUCHCODE23" in html
    assert _("No award certificate has this verification code") in html and 'data-status="valid"' not in html


@pytest.mark.parametrize("code", ["A" * 5000, "%00ABC%1B", "ABC%07X", "%3Cscript%3Ealert(1)",
                                  "%E2%80%AEABC", "ABC%27%20OR%201%3D1"])
def test_hostile_codes_are_a_plain_404(client_for, winner_award, code):
    with CaptureQueriesContext(connection) as queries:
        response = client_for(None).get(f"/competitions/certificates/verify/{code}/")
    html = _html(response, status=404)
    assert 'data-status="unknown"' in html
    assert "<script>alert" not in html and "\x00" not in html and "\x1b" not in html
    assert not any("competitions_award" in q["sql"] for q in queries)  # never reaches the database


def test_award_by_code_reads_one_query(winner_award, django_assert_num_queries):
    with django_assert_num_queries(1):
        award = award_by_code(winner_award.code.lower())
        assert (award.staff.name, award.competition.year, award.snapshot.withdrawn_at, award.entry.team) == (
            "参赛10", 2026, None, None)


def test_my_competitions_links_my_certificate_only_while_valid(client_for, published, roster, winner_award):
    html = _html(client_for(roster["CD1010"].user).get(MINE))
    links = re.findall(r'href="([^"]+)" data-certificate', html)
    assert links == [_certificate_url(winner_award.code)]
    assert _("View certificate") in html
    # No award, no certificate.
    assert "data-certificate" not in _html(client_for(roster["CD1001"].user).get(MINE))
    competition_reopen(competition=published, reason="复核", now=REOPENED)
    assert "data-certificate" not in _html(client_for(roster["CD1010"].user).get(MINE))


def test_a_team_members_certificate_names_the_team(client_for, home_page):
    competition = CompetitionPage(title="团队赛", code="TD", year=2026, scoring_mode="team")
    competition_index_page().add_child(instance=competition)
    knowledge = Round.objects.create(competition=competition, code="ZS", name="笔试", kind=RoundKind.KNOWLEDGE,
                                     weight=100, state=RoundState.REVIEW)
    members = {}
    for name, values in {"先锋队": (80, 90), "奋进队": (70, 60)}.items():
        team = Team.objects.create(competition=competition, name=name)
        Entry.objects.create(competition=competition, team=team)
        for value in values:
            staff = factories.make_staff()
            TeamMember.objects.create(competition=competition, team=team, staff=staff)
            entry = Entry.objects.create(competition=competition, staff=staff)
            ScoreSheet.objects.create(round=knowledge, entry=entry, total=Decimal(value))
            members[value] = staff
    competition_publish(competition=competition, now=NOW)
    award = Award.objects.get(staff=members[80])
    html = _html(client_for(members[80].user).get(_certificate_url(award.code)))
    assert "先锋队" in visible_text(html) and "一等奖" in visible_text(html)
    html = _html(client_for(None).get(_verify_url(award.code)))
    assert '<dd data-field="team">先锋队</dd>' in html and '<dd data-field="level">一等奖</dd>' in html


def _awarded_competition(index, staff):
    competition = CompetitionPage(title=f"竞赛{index}", code=f"Q{index}", year=2020 + index)
    competition_index_page().add_child(instance=competition)
    rnd = Round.objects.create(competition=competition, code="ZS", name="笔试", kind=RoundKind.KNOWLEDGE,
                               weight=100, state=RoundState.REVIEW)
    for person, score in ((staff, 95), (factories.make_staff(), 60)):
        entry = Entry.objects.create(competition=competition, staff=person)
        ScoreSheet.objects.create(round=rnd, entry=entry, total=Decimal(score))
    competition_publish(competition=competition, now=NOW)


def test_certificate_links_do_not_add_queries_per_competition(client_for, home_page):
    counts = []
    for n in (1, 4):
        staff = factories.make_staff()
        for i in range(n):
            _awarded_competition(len(counts) * 10 + i, staff)
        client = client_for(staff.user)
        client.get(MINE)  # warm the session and site caches
        with CaptureQueriesContext(connection) as queries:
            html = _html(client.get(MINE))
        assert html.count("data-certificate") == n
        counts.append(len(queries))
    assert counts[0] == counts[1], counts
