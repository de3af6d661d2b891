"""Advancing from a preliminary by a score line or the top N: who is out takes no seat in later
rounds and no later online exam, ranks after the finalists and cannot be awarded; a reserve
may be brought back with a logged reason; the organiser does it from the results screen."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from competitions.models import (
    CompetitionPage,
    Entry,
    PanelSeat,
    Round,
    RoundKind,
    RoundStateLog,
    Team,
    TeamMember,
)
from competitions.selectors import competition_standings
from competitions.services import (
    competition_index_page,
    competition_publish,
    entry_reinstate,
    results_dataset,
    round_advance,
    round_scores_import,
    round_scores_import_file,
)
from competitions.services.preliminary import round_exam_candidates
from home.spreadsheets import Table
from people import roles
from tests import factories
from tests.helpers import assert_denied, visible_text

from .conftest import import_sample

pytestmark = pytest.mark.django_db

# The sample's knowledge scores: 1010 90, 1001 88, 1004 88, 1003 86, 1011 82.5, 1002 82.5,
# 1009 78, 1006 78, 1012 78, 1005 75.


@pytest.fixture
def competition(roster, sample_bytes):
    return import_sample(sample_bytes, rounds=("ZS",))


def _round(code):
    return Round.objects.get(competition__code="JS2026", code=code)


def _out():
    return set(Entry.objects.filter(eliminated_in__isnull=False, staff__isnull=False)
               .values_list("staff__staff_no", flat=True))


def _score_the_finals(sample_bytes):
    for code in ("SC", "QJ"):
        assert round_scores_import_file(sample_bytes(f"competition_2026_scores_{code}.xlsx"), "s.xlsx",
                                        competition_code="JS2026", round_code=code, dry_run=False).ok


def test_a_score_line_puts_those_below_it_out_and_off_the_later_panels(competition):
    zs = _round("ZS")
    seated_before = set(PanelSeat.objects.filter(round__code="SC").values_list("entry__staff__staff_no", flat=True))
    assert "CD1005" in seated_before
    zs.qualify_line = 86
    zs.save()

    assert round_advance(round=zs) == (4, 6)

    assert _out() == {"CD1011", "CD1002", "CD1009", "CD1006", "CD1012", "CD1005"}
    for code in ("SC", "QJ"):
        seated = set(PanelSeat.objects.filter(round__code=code).values_list("entry__staff__staff_no", flat=True))
        assert seated == {"CD1010", "CD1001", "CD1004", "CD1003"}
    assert RoundStateLog.objects.filter(round=zs, reason__contains="4").exists()


def test_the_top_n_keeps_those_tied_at_the_cut_and_rerunning_recomputes(competition):
    zs = _round("ZS")
    zs.qualify_top_n = 5
    zs.save()
    assert round_advance(round=zs) == (6, 4)  # 82.5 is shared by the 5th and the 6th
    assert _out() == {"CD1009", "CD1006", "CD1012", "CD1005"}

    zs.qualify_top_n = 1
    zs.save()
    assert round_advance(round=zs) == (1, 9)
    assert Entry.objects.filter(eliminated_in__isnull=True).values_list("staff__staff_no", flat=True).get() == "CD1010"


def test_those_out_rank_after_every_finalist_and_win_nothing(competition, sample_bytes):
    zs = _round("ZS")
    zs.qualify_line = 86
    zs.save()
    round_advance(round=zs)
    _score_the_finals(sample_bytes)  # the sample has final scores for everyone, the out too

    rows = competition_standings(competition=competition).rows
    finalists = [r for r in rows if not r.out_after]
    out = [r for r in rows if r.out_after]
    assert [r.rank for r in finalists] == [1, 2, 3, 4]
    assert sorted(r.rank for r in out) == [5, 6, 7, 8, 9, 10]
    assert all(r.award is None for r in out)
    assert all(r.remark == "未晋级" and r.out_after == "ZS" for r in out)
    # Without the rule some of those out would have been ahead of a finalist on total alone.
    assert max(r.total for r in out) > min(r.total for r in finalists)
    # Among those out, the order is their own total's.
    assert [r.total for r in out] == sorted((r.total for r in out), reverse=True)

    snapshot = competition_publish(competition=competition)
    awarded = set(snapshot.awards.values_list("staff__staff_no", flat=True))
    assert awarded and awarded <= {"CD1010", "CD1001", "CD1004", "CD1003"}
    exported = results_dataset(competition=competition)
    remarks = {row[1]: row[-1] for row in exported}
    assert remarks["CD1005"] == "未晋级" and remarks["CD1010"] == ""


def test_advancing_is_refused_without_a_rule_while_scoring_or_once_published(competition, sample_bytes):
    zs = _round("ZS")
    with pytest.raises(ValidationError, match="未设晋级规则|晋级规则"):
        round_advance(round=zs)
    sc = _round("SC")
    sc.qualify_top_n = 3
    sc.save()
    with pytest.raises(ValidationError, match="评分"):
        round_advance(round=sc)
    zs.qualify_top_n = 3
    zs.save()
    _score_the_finals(sample_bytes)
    competition_publish(competition=competition)
    with pytest.raises(ValidationError, match="已发布"):
        round_advance(round=zs)
    assert not _out()


def test_a_reserve_is_brought_back_with_a_logged_reason(competition):
    zs = _round("ZS")
    zs.qualify_line = 86
    zs.save()
    round_advance(round=zs)
    reserve = Entry.objects.get(staff__staff_no="CD1011")
    with pytest.raises(ValidationError):
        entry_reinstate(entry=reserve, reason="  ")
    with pytest.raises(ValidationError):
        entry_reinstate(entry=reserve, reason="递补\x00")
    assert "CD1011" in _out()

    entry_reinstate(entry=reserve, reason="CD1004 弃权，替补递补")

    assert "CD1011" not in _out()
    assert PanelSeat.objects.filter(round__code="SC", entry=reserve).exists()
    assert RoundStateLog.objects.filter(round=zs, reason__contains="替补递补").exists()
    with pytest.raises(ValidationError):
        entry_reinstate(entry=reserve, reason="again")


def test_a_later_online_round_does_not_seat_those_out(competition):
    zs = _round("ZS")
    zs.qualify_line = 86
    zs.save()
    round_advance(round=zs)
    later = _round("SC")
    candidates = set(round_exam_candidates(round=later).values())
    assert candidates == {"CD1010", "CD1001", "CD1004", "CD1003"}
    assert len(round_exam_candidates(round=zs)) == 10  # the preliminary itself still lists everyone


def test_a_team_that_is_out_takes_its_members_out(roster):

    competition = CompetitionPage(title="团体赛", code="TD2026", year=2026, scoring_mode="team")
    competition_index_page().add_child(instance=competition)
    prelim = Round.objects.create(competition=competition, code="ZS", name="笔试", kind=RoundKind.KNOWLEDGE,
                                  weight=30, qualify_top_n=1)
    Round.objects.create(competition=competition, code="QD", name="抢答", kind=RoundKind.QUIZ, weight=70, sort_order=1)
    teams = {}
    for name, members in {"甲队": ("CD1001", "CD1002"), "乙队": ("CD1003", "CD1004")}.items():
        team = Team.objects.create(competition=competition, name=name)
        Entry.objects.create(competition=competition, team=team)
        for staff_no in members:
            TeamMember.objects.create(competition=competition, team=team, staff=roster[staff_no])
            Entry.objects.create(competition=competition, staff=roster[staff_no])
        teams[name] = team
    rows = [(i, {"参赛者": no, "得分": score}) for i, (no, score) in
            enumerate([("CD1001", 90), ("CD1002", 80), ("CD1003", 70), ("CD1004", 95)], start=2)]
    assert round_scores_import(Table(headers=["参赛者", "得分"], header_row=1, rows=rows), round=prelim,
                               dry_run=False).ok
    prelim.refresh_from_db()

    assert round_advance(round=prelim) == (1, 1)  # 甲队 170, 乙队 165

    assert _out() == {"CD1003", "CD1004"}
    assert Entry.objects.get(team=teams["乙队"]).eliminated_in == prelim
    rows = competition_standings(competition=competition).rows
    assert [(r.label, r.rank) for r in rows] == [("甲队", 1), ("乙队", 2)]


def test_the_organiser_decides_who_advances_on_the_results_screen(client, competition):
    zs = _round("ZS")
    zs.qualify_line = 86
    zs.save()
    url = reverse("competitions_results:results", args=[competition.pk])
    client.force_login(factories.make_user_with_role(roles.HR))
    assert_denied(client.post(reverse("competitions_results:advance", args=[competition.pk, zs.pk])))
    assert not _out()

    client.force_login(factories.make_user_with_role(roles.TRAINER))
    page = visible_text(client.get(url).content.decode())
    assert "86.00 分及以上" in page and "确定晋级名单" in page
    done = client.post(reverse("competitions_results:advance", args=[competition.pk, zs.pk]), follow=True)
    text = visible_text(done.content.decode())
    assert "4 人晋级，6 人未晋级" in text and "6 人未晋级" in text
    assert len(_out()) == 6

    reserve = Entry.objects.get(staff__staff_no="CD1011")
    back = client.post(reverse("competitions_results:reinstate", args=[competition.pk, reserve.pk]),
                       {"reason": "替补递补"}, follow=True)
    assert "重新参加后续轮次" in visible_text(back.content.decode())
    assert "CD1011" not in _out()
