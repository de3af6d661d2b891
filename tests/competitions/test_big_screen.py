"""The big screen (大屏) of a competition: a public, full-screen view for a projector that shows
only the published snapshot (podium and standings), never the live standings, and says so
before publication or after a reopen."""

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation
from wagtail.models import PageViewRestriction

from competitions.models import (
    CompetitionPage,
    Entry,
    Round,
    RoundKind,
    RoundState,
    ScoreSheet,
    Team,
    TeamMember,
)
from competitions.selectors import competition_standings
from competitions.services import (
    competition_index_page,
    competition_publish,
    competition_reopen,
)
from tests import factories
from tests.helpers import visible_text

pytestmark = pytest.mark.django_db

NOW = timezone.make_aware(dt.datetime(2026, 11, 20, 10, 0))


def zh(msgid):
    """A message as the (Chinese) screen shows it."""
    with translation.override("zh-hans"):
        return translation.gettext(msgid)


NOT_PUBLISHED = "Results not yet published"




def screen(client, page):
    response = client.get(page.big_screen_url)
    assert response.status_code == 200
    return response.content.decode()


def table_rows(html):
    """The standings table's rows as lists of cell texts."""
    rows = []
    for row in re.findall(r"(?s)<tr data-row.*?</tr>", html):
        cells = re.findall(r"(?s)<td[^>]*>(.*?)</td>", row)
        rows.append([" ".join(re.sub(r"(?s)<[^>]*>", " ", cell).split()) for cell in cells])
    return rows


def podium(html, level):
    """The texts of one podium step (1, 2 or 3), or None when the step is not shown."""
    found = re.search(rf'(?s)data-podium="{level}">(.*?)</div>', html)
    return " ".join(visible_text(found.group(1)).split()) if found else None


def individual_competition(scores, *, code):
    """A competition with one knowledge round, scored: {entrant's name: score}."""
    competition = CompetitionPage(title=f"竞赛{code}", code=code, year=2026)
    competition_index_page().add_child(instance=competition)
    knowledge = Round.objects.create(competition=competition, code="ZS", name="笔试", kind=RoundKind.KNOWLEDGE,
                                     weight=30, state=RoundState.REVIEW)
    centre = factories.make_centre()
    sheets = []
    for name, score in scores.items():
        entry = Entry.objects.create(competition=competition, staff=factories.make_staff(name=name, centre=centre))
        sheets.append(ScoreSheet(round=knowledge, entry=entry, total=Decimal(score)))
    ScoreSheet.objects.bulk_create(sheets)
    return competition


def test_before_publication_the_screen_shows_no_score(client, scored):
    html = screen(client, scored)
    text = visible_text(html)
    assert scored.title in text and zh(NOT_PUBLISHED) in text
    live = competition_standings(competition=scored).rows
    assert live and live[0].total is not None
    for row in live:  # the live standings are scored, yet none of them is on the screen
        assert row.name not in text and str(row.total) not in text
    assert zh("First prize") not in text and "<table" not in html
    # The competition page links to the big screen only once there is something to show.
    assert scored.big_screen_url not in client.get(scored.url).content.decode()


def test_published_screen_shows_the_podium_and_the_standings(client, scored):
    competition_publish(competition=scored, now=NOW)
    html = screen(client, scored)
    assert podium(html, 1) == f"{zh('First prize')} 参赛10 86.00"
    assert podium(html, 2) == f"{zh('Second prize')} 参赛3 84.60"
    assert podium(html, 3) == f"{zh('Third prize')} 参赛2 84.25"
    rows = table_rows(html)
    assert rows[0] == ["1", "参赛10", "90.00", "87.00", "80.67", "86.00", zh("First prize")]
    assert [row[0] for row in rows] == [str(n) for n in range(1, 11)]
    assert [row[-1] for row in rows[3:]] == ["—"] * 7
    text = visible_text(html)
    assert zh(NOT_PUBLISHED) not in text
    assert "CD1010" not in html  # names, as on the public page; never the 工号
    # The competition page now links to it.
    assert f'href="{scored.big_screen_url}"' in client.get(scored.url).content.decode()


def test_a_later_correction_and_a_reopen_never_reach_the_screen(client, scored):
    competition_publish(competition=scored, now=NOW)
    published = screen(client, scored)
    # A correction after publication changes the live standings only.
    ScoreSheet.objects.filter(round__code="ZS", entry__staff__staff_no="CD1005").update(total=Decimal("100"))
    live_first = competition_standings(competition=scored).rows[0]
    assert live_first.name == "参赛5"
    html = screen(client, scored)
    assert table_rows(html)[0][:2] == ["1", "参赛10"] and str(live_first.total) not in html
    assert re.search(r'data-version="(\w+)"', html).group(1) == re.search(r'data-version="(\w+)"', published).group(1)

    competition_reopen(competition=scored, reason="成绩录入有误")
    reopened = screen(client, scored)
    text = visible_text(reopened)
    assert zh(NOT_PUBLISHED) in text and "参赛10" not in text and "参赛5" not in text
    assert str(live_first.total) not in reopened and "<table" not in reopened
    # The screen's fingerprint changed, so a projector showing the old results reloads.
    assert re.search(r'data-version="(\w+)"', reopened).group(1) != re.search(r'data-version="(\w+)"', html).group(1)

    competition_publish(competition=scored, now=NOW)
    assert table_rows(screen(client, scored))[0][:2] == ["1", "参赛5"]


def test_team_competition_shows_teams_and_their_members(client, home_page):
    competition = CompetitionPage(title="团队赛", code="TD", year=2026, scoring_mode="team")
    competition_index_page().add_child(instance=competition)
    knowledge = Round.objects.create(competition=competition, code="ZS", name="笔试", kind=RoundKind.KNOWLEDGE,
                                     weight=30, state=RoundState.REVIEW)
    for team_name, members in {"甲队": {"张一": 90, "李二": 80}, "乙队": {"王三": 70, "赵四": 60}}.items():
        team = Team.objects.create(competition=competition, name=team_name)
        Entry.objects.create(competition=competition, team=team)
        for n, (name, score) in enumerate(members.items()):
            staff = factories.make_staff(f"TD{team.pk}{n}", name=name)
            TeamMember.objects.create(competition=competition, team=team, staff=staff)
            entry = Entry.objects.create(competition=competition, staff=staff)
            ScoreSheet.objects.create(round=knowledge, entry=entry, total=Decimal(score))
    assert zh(NOT_PUBLISHED) in visible_text(screen(client, competition))

    competition_publish(competition=competition, now=NOW)
    html = screen(client, competition)
    assert podium(html, 1) == f"{zh('First prize')} 甲队 张一、李二 170.00"
    assert podium(html, 2) == f"{zh('Second prize')} 乙队 王三、赵四 130.00"
    assert table_rows(html) == [
        ["1", "甲队", "张一、李二", "170.00", "170.00", zh("First prize")],
        ["2", "乙队", "王三、赵四", "130.00", "130.00", zh("Second prize")],
    ]
    assert "<th class=\"col-members\"" in html


def test_names_are_escaped(client, home_page):
    competition = individual_competition({"<script>alert(1)</script>": 90, "正常名字": 80}, code="XSS")
    competition_publish(competition=competition, now=NOW)
    html = screen(client, competition)
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert table_rows(html)[0][1] == "&lt;script&gt;alert(1)&lt;/script&gt;"


def test_query_count_does_not_grow_with_entrants(client, home_page, django_assert_max_num_queries):
    small = individual_competition({f"选手{i}": 60 + i for i in range(3)}, code="Q3")
    large = individual_competition({f"选手{i}": 60 + i % 40 for i in range(120)}, code="Q120")
    counts = []
    for competition in (small, large):
        competition_publish(competition=competition, now=NOW)
        client.get(competition.big_screen_url)  # the site's root paths are cached after the first request
        with CaptureQueriesContext(connection) as queries, django_assert_max_num_queries(9):
            assert len(table_rows(screen(client, competition))) in (3, 120)
        counts.append(len(queries))
    assert counts[0] == counts[1]


def test_screen_is_private_when_the_page_is(client, scored):
    competition_publish(competition=scored, now=NOW)
    PageViewRestriction.objects.create(page=scored, restriction_type=PageViewRestriction.LOGIN)
    response = client.get(scored.big_screen_url)
    assert response.status_code == 302 and "参赛10" not in response.content.decode()
