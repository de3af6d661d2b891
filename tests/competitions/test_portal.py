"""The staff portal's competitions page (/me/competitions/): a staff member sees the
competitions they are entered in, each round's state and, only once published, their own rank,
total, round scores and award from the frozen snapshot; nobody else's."""

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

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
from competitions.services import (
    competition_index_page,
    competition_publish,
)
from tests import factories

pytestmark = pytest.mark.django_db

URL = "/me/competitions/"
NOW = timezone.make_aware(dt.datetime(2026, 11, 20, 10, 0))




def _text(response):
    assert response.status_code == 200, response.content[:300]
    return response.content.decode()


def _attr(html, name):
    match = re.search(rf"<[^>]* {name}[^>]*>([^<]*)<", html)
    return match.group(1).strip() if match else None


def test_published_results_show_my_rank_total_round_scores_and_award(client_for, scored, roster):
    snapshot = competition_publish(competition=scored, now=NOW)
    html = _text(client_for(roster["CD1010"].user).get(URL))
    assert 'data-competition="JS2026"' in html
    assert (_attr(html, "data-rank"), _attr(html, "data-total"), _attr(html, "data-award")) == ("1", "86.00", "一等奖")
    scores = re.findall(r'data-round="(\w+)".*?data-score>([^<]*)<', html, re.DOTALL)
    assert scores == [("ZS", "90.00"), ("SC", "87.00"), ("QJ", "80.67")]
    assert "2026-11-20" in html
    # Another awarded entrant sees their own row, not the winner's.
    html = _text(client_for(roster["CD1003"].user).get(URL))
    snapshot_row = next(r for r in snapshot.data["rows"] if r["label"] == "CD1003")
    assert (_attr(html, "data-rank"), _attr(html, "data-award")) == ("2", "二等奖")
    assert _attr(html, "data-total") == snapshot_row["total"] != "86.00"
    assert "CD1010" not in html and "参赛10" not in html


def test_before_publication_no_score_is_shown(client_for, scored, roster):
    html = _text(client_for(roster["CD1010"].user).get(URL))
    assert 'data-competition="JS2026"' in html and "data-unpublished" in html
    assert "data-rank" not in html and "data-score" not in html
    assert "86.00" not in html and "90.00" not in html and "87.00" not in html
    # Every round is listed with its state.
    assert re.findall(r'data-round="(\w+)"', html) == ["ZS", "SC", "QJ"]
    assert html.count("审核中") == 3  # the imported rounds are in review


def test_a_staff_member_sees_only_competitions_they_are_entered_in(client_for, scored, roster):
    competition_publish(competition=scored, now=NOW)
    outsider = factories.make_staff("CD9999", name="旁观者")
    html = _text(client_for(outsider.user).get(URL))
    assert "data-competition" not in html and "JS2026" not in html
    other = CompetitionPage(title="另一场竞赛", code="OTHER", year=2026)
    competition_index_page().add_child(instance=other)
    Entry.objects.create(competition=other, staff=outsider)
    html = _text(client_for(roster["CD1010"].user).get(URL))
    assert 'data-competition="OTHER"' not in html
    html = _text(client_for(outsider.user).get(URL))
    assert 'data-competition="OTHER"' in html and 'data-competition="JS2026"' not in html


@pytest.mark.parametrize("user_key", ["trainer", "vendor", "hr", "supervisor", "judge", "admin"])
def test_other_roles_are_refused(client_for, role_users, user_key):
    assert client_for(role_users[user_key]).get(URL).status_code == 403


def test_anonymous_goes_to_login(client_for, db):
    response = client_for(None).get(URL)
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def test_the_portal_card_links_here(client_for, staff_member, home_page):
    html = _text(client_for(staff_member.user).get("/me/"))
    assert f'href="{URL}"' in html


def test_team_member_sees_the_team_result_and_their_own(client_for, home_page):
    competition = CompetitionPage(title="团队赛", code="TD", year=2026, scoring_mode="team")
    competition_index_page().add_child(instance=competition)
    knowledge = Round.objects.create(competition=competition, code="ZS", name="笔试", kind=RoundKind.KNOWLEDGE,
                                     weight=100, state=RoundState.REVIEW)
    people = {}
    for name, values in {"甲队": (80, 90), "乙队": (70, 60)}.items():
        team = Team.objects.create(competition=competition, name=name)
        Entry.objects.create(competition=competition, team=team)
        for value in values:
            staff = factories.make_staff()
            TeamMember.objects.create(competition=competition, team=team, staff=staff)
            entry = Entry.objects.create(competition=competition, staff=staff)
            ScoreSheet.objects.create(round=knowledge, entry=entry, total=Decimal(value))
            people[(name, value)] = staff
    competition_publish(competition=competition, now=NOW)
    html = _text(client_for(people[("甲队", 80)].user).get(URL))
    assert "甲队" in html and "乙队" not in html
    assert (_attr(html, "data-rank"), _attr(html, "data-total"), _attr(html, "data-award")) == ("1", "170.00", "一等奖")
    assert _attr(html, "data-my-rank") == "2"  # 90 beats 80 among individuals


def _published_competition(index, staff):
    competition = CompetitionPage(title=f"竞赛{index}", code=f"Q{index}", year=2020 + index)
    competition_index_page().add_child(instance=competition)
    rounds = [Round.objects.create(competition=competition, code=code, name=code, kind=kind, weight=50,
                                   state=RoundState.REVIEW)
              for code, kind in (("ZS", RoundKind.KNOWLEDGE), ("SC", RoundKind.PRACTICAL))]
    for person in (staff, factories.make_staff()):
        entry = Entry.objects.create(competition=competition, staff=person)
        for rnd in rounds:
            ScoreSheet.objects.create(round=rnd, entry=entry, total=Decimal(80 + index))
    competition_publish(competition=competition, now=NOW)


def test_query_count_does_not_grow_with_competitions(client_for, home_page):
    counts = []
    for n in (1, 5):
        staff = factories.make_staff()
        for i in range(n):
            _published_competition(len(counts) * 10 + i, staff)
        client = client_for(staff.user)
        client.get(URL)  # warm the session and site caches
        with CaptureQueriesContext(connection) as queries:
            html = _text(client.get(URL))
        assert html.count("data-competition=") == n and html.count("data-rank") == n
        counts.append(len(queries))
    assert counts[0] == counts[1], counts


def test_reopened_results_are_no_longer_shown(client_for, scored, roster):
    from competitions.services import competition_reopen

    competition_publish(competition=scored, now=NOW)
    competition_reopen(competition=scored, reason="成绩录入有误")
    html = _text(client_for(roster["CD1010"].user).get(URL))
    assert "data-unpublished" in html and "data-rank" not in html and "86.00" not in html
