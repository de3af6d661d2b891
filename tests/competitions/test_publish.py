"""Standings, publication (frozen snapshot, awards, bonus for the evaluation), reopen and
export; the standings' query count does not grow with entrants."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from competitions.models import (
    Award,
    CompetitionPage,
    Entry,
    Judge,
    JudgeAssignment,
    ResultSnapshot,
    Round,
    RoundKind,
    RoundState,
    RoundStateLog,
    ScoreSheet,
    Team,
    TeamMember,
)
from competitions.selectors import award_bonus_for_period, competition_standings, published_snapshot
from competitions.services import (
    competition_import_file,
    competition_publish,
    competition_reopen,
    results_dataset,
)
from tests import factories

from .conftest import read_sheets

pytestmark = pytest.mark.django_db

NOW = timezone.make_aware(dt.datetime(2026, 11, 20, 10, 0))




def test_publish_freezes_names_awards_and_hands_the_bonus(scored, roster):
    snapshot = competition_publish(competition=scored, now=NOW)
    awards = {a.staff.staff_no: (a.level, a.bonus) for a in Award.objects.select_related("staff")}
    assert awards == {"CD1010": (1, Decimal("3")), "CD1003": (2, Decimal("2")), "CD1002": (3, Decimal("1"))}
    assert set(Round.objects.values_list("state", flat=True)) == {RoundState.PUBLISHED}
    # A later correction does not change the published standings.
    ScoreSheet.objects.filter(round__code="ZS", entry__staff__staff_no="CD1005").update(total=Decimal("100"))
    assert published_snapshot(competition=scored) == snapshot.data
    assert competition_standings(competition=scored).rows[0].label == "CD1005"
    assert results_dataset(competition=scored)[0][1] == "CD1010"
    # The bonus reaches the evaluation of the month of publication, and only that month.
    ids = [p.pk for p in roster.values()]
    november = award_bonus_for_period(start=dt.date(2026, 11, 1), end=dt.date(2026, 11, 30), staff_ids=ids)
    assert november == {roster["CD1010"].pk: Decimal("3.00"), roster["CD1003"].pk: Decimal("2.00"),
                        roster["CD1002"].pk: Decimal("1.00")}
    start = timezone.make_aware(dt.datetime(2026, 11, 1))
    end = timezone.make_aware(dt.datetime(2026, 12, 1))
    assert award_bonus_for_period(start=start, end=end, staff_ids=ids) == november
    assert award_bonus_for_period(start=dt.date(2026, 12, 1), end=dt.date(2026, 12, 31), staff_ids=ids) == {}
    assert award_bonus_for_period(start=start, end=end, staff_ids=[roster["CD1001"].pk]) == {}


def test_publishing_twice_is_refused_and_reopen_is_logged(scored, roster):
    competition_publish(competition=scored, now=NOW)
    with pytest.raises(ValidationError):
        competition_publish(competition=scored, now=NOW)
    with pytest.raises(ValidationError):
        competition_reopen(competition=scored, reason=" ")
    competition_reopen(competition=scored, reason="成绩录入有误")
    assert published_snapshot(competition=scored) is None
    ids = [p.pk for p in roster.values()]
    assert award_bonus_for_period(start=dt.date(2026, 11, 1), end=dt.date(2026, 11, 30), staff_ids=ids) == {}
    log = RoundStateLog.objects.filter(round__code="SC").order_by("pk").last()
    assert (log.from_state, log.to_state, log.reason) == (RoundState.PUBLISHED, RoundState.REVIEW, "成绩录入有误")
    assert log.is_reopen
    competition_publish(competition=scored, now=NOW)
    assert ResultSnapshot.objects.count() == 2 and Award.objects.filter(snapshot__withdrawn_at__isnull=True).count() == 3


def test_publish_refused_while_a_round_is_being_scored(roster, sample_bytes):
    assert competition_import_file(sample_bytes("competition_2026.xlsx"), "c.xlsx", dry_run=False).ok
    competition = CompetitionPage.objects.get()
    with pytest.raises(ValidationError) as refused:
        competition_publish(competition=competition)
    assert "ZS" in str(refused.value)
    assert not ResultSnapshot.objects.exists()


def test_export_columns(scored, tmp_path):
    call_command("publish_competition", "--competition", "JS2026")
    out = tmp_path / "results.xlsx"
    call_command("export_competition_results", "--competition", "JS2026", "--out", str(out))
    rows = list(read_sheets(out.read_bytes()).values())[0]
    assert rows[0][:8] == ["名次", "参赛者", "姓名", "业务知识笔试", "实际操作演示", "应急情况处理（情景模拟）", "总分", "奖项"]
    assert rows[1][:8] == [1, "CD1010", "参赛10", 90, 87, 80.67, 86, "一等奖"]
    assert [r[0] for r in rows[1:]] == list(range(1, 11))
    assert rows[4][7] in (None, "")


def test_withdrawn_entrant_has_no_rank(scored):
    Entry.objects.filter(staff__staff_no="CD1010").update(remark="withdrawn")
    rows = competition_standings(competition=scored).rows
    assert rows[0].label == "CD1003" and rows[0].award == 1
    assert rows[-1].label == "CD1010" and rows[-1].rank is None and rows[-1].remark == "弃权"


def _competition(n_entrants, *, code):
    """A competition with a knowledge round and a practical round judged by 5 judges."""
    from competitions.services import competition_index_page

    centre = factories.make_centre()
    competition = CompetitionPage(title=f"竞赛{code}", code=code, year=2026)
    competition_index_page().add_child(instance=competition)
    knowledge = Round.objects.create(competition=competition, code="ZS", name="笔试", kind=RoundKind.KNOWLEDGE,
                                     weight=30, state=RoundState.REVIEW)
    practical = Round.objects.create(competition=competition, code="SC", name="实操", kind=RoundKind.PRACTICAL,
                                     weight=40, state=RoundState.REVIEW)
    judges = [Judge.objects.create(competition=competition, user=factories.make_user(), name=f"评委{i}") for i in range(5)]
    for judge in judges:
        JudgeAssignment.objects.create(round=practical, judge=judge)
    sheets = []
    for i in range(n_entrants):
        staff = factories.make_staff(centre=centre)
        entry = Entry.objects.create(competition=competition, staff=staff)
        sheets.append(ScoreSheet(round=knowledge, entry=entry, total=Decimal(60 + i % 40)))
        sheets.extend(ScoreSheet(round=practical, judge=j, entry=entry, total=Decimal(70 + (i + k) % 30))
                      for k, j in enumerate(judges))
    ScoreSheet.objects.bulk_create(sheets)
    return competition


def test_standings_query_count_does_not_grow_with_entrants(db):
    small = _competition(10, code="S10")
    large = _competition(300, code="S300")
    counts = []
    for competition in (small, large):
        with CaptureQueriesContext(connection) as queries:
            standings = competition_standings(competition=competition)
        counts.append(len(queries))
        assert all(r.total is not None for r in standings.rows)
    assert counts[0] == counts[1] <= 6
    assert len(competition_standings(competition=large).rows) == 300


def test_team_standings_sum_members_and_scale_team_rounds(db):
    from competitions.services import competition_index_page

    competition = CompetitionPage(title="团队赛", code="TD", year=2026, scoring_mode="team")
    competition_index_page().add_child(instance=competition)
    knowledge = Round.objects.create(competition=competition, code="ZS", name="笔试", kind=RoundKind.KNOWLEDGE,
                                     weight=30, state=RoundState.REVIEW)
    quiz = Round.objects.create(competition=competition, code="QD", name="抢答", kind=RoundKind.QUIZ, weight=30,
                                state=RoundState.REVIEW)
    teams = {}
    scores = {"甲队": ([80, 90], 150), "乙队": ([85, 85], 120), "丙队": ([70, 60], -20)}
    for name, (members, points) in scores.items():
        team = Team.objects.create(competition=competition, name=name)
        team_entry = Entry.objects.create(competition=competition, team=team)
        teams[name] = team_entry
        for value in members:
            staff = factories.make_staff()
            TeamMember.objects.create(competition=competition, team=team, staff=staff)
            entry = Entry.objects.create(competition=competition, staff=staff)
            ScoreSheet.objects.create(round=knowledge, entry=entry, total=Decimal(value))
        ScoreSheet.objects.create(round=quiz, entry=team_entry, total=Decimal(points))
    standings = competition_standings(competition=competition)
    rows = {r.label: r for r in standings.rows}
    # 甲: knowledge 80 + 90 = 170; quiz 150/150 × 100 = 100 × 2 members = 200; (30×170 + 30×200)/60 = 185
    assert rows["甲队"].rounds == {"ZS": Decimal("170.00"), "QD": Decimal("200.00")}
    assert rows["甲队"].total == Decimal("185.00")
    # 乙: 170; 120/150 × 100 = 80 × 2 = 160; total 165
    assert rows["乙队"].total == Decimal("165.00")
    # 丙: 130; below 0 → 0; total 65
    assert rows["丙队"].rounds["QD"] == Decimal("0.00") and rows["丙队"].total == Decimal("65.00")
    assert [r.label for r in standings.rows] == ["甲队", "乙队", "丙队"]
    assert len(standings.individual_rows) == 6
    snapshot = competition_publish(competition=competition, now=NOW)
    assert Award.objects.filter(snapshot=snapshot, level=1).count() == 2  # each member of 甲队
    assert Award.objects.filter(snapshot=snapshot).count() == 6


def test_ties_share_a_rank_after_practical_and_knowledge(db):
    from competitions.services import competition_index_page

    competition = CompetitionPage(title="并列", code="TIE", year=2026)
    competition_index_page().add_child(instance=competition)
    zs = Round.objects.create(competition=competition, code="ZS", name="笔试", kind=RoundKind.KNOWLEDGE, weight=50,
                              state=RoundState.REVIEW)
    sc = Round.objects.create(competition=competition, code="SC", name="实操", kind=RoundKind.PRACTICAL, weight=50,
                              state=RoundState.REVIEW)
    people = {}
    for label, (k, p) in {"A": (80, 90), "B": (90, 80), "C": (80, 90), "D": (70, 70)}.items():
        staff = factories.make_staff(f"TIE{label}")
        entry = Entry.objects.create(competition=competition, staff=staff)
        ScoreSheet.objects.create(round=zs, entry=entry, total=k)
        ScoreSheet.objects.create(round=sc, entry=entry, total=p)
        people[label] = entry
    rows = {r.label: r for r in competition_standings(competition=competition).rows}
    # All of A, B, C total 85: A and C have the higher practical score and share rank 1.
    assert (rows["TIEA"].rank, rows["TIEC"].rank, rows["TIEB"].rank, rows["TIED"].rank) == (1, 1, 3, 4)
    # Shared first place: both get the 1st prize; rank 3 gets the 3rd.
    assert (rows["TIEA"].award, rows["TIEC"].award, rows["TIEB"].award, rows["TIED"].award) == (1, 1, 3, None)
