"""The competitions part of load_initial_data: last year's competition, judged by six judges
per entrant (recusal by centre), published with awards; the demo staff member sees their
result in the portal; this year's team final is a quiz show ready to run; running it again
changes nothing."""

import pytest
from django.db.models import Count
from django.utils import timezone

from competitions.models import (
    Award,
    CompetitionPage,
    Entry,
    JudgeAssignment,
    PanelSeat,
    QuizPhase,
    QuizQuestion,
    QuizShow,
    QuizTeamAccess,
    ResultSnapshot,
    RoundKind,
    RoundState,
    ScoreSheet,
    Team,
    TeamMember,
)
from competitions.selectors import competition_standings
from home.demo import load_initial_data


@pytest.mark.django_db
def test_last_years_competition_is_published_once(home_page, client):
    load_initial_data()
    year = timezone.localdate().year - 1
    competition = CompetitionPage.objects.get(code=f"JS{year}")
    assert competition.published_at is not None and competition.published_at.year == year
    assert set(competition.rounds.values_list("state", flat=True)) == {RoundState.PUBLISHED}
    assert Entry.objects.filter(competition=competition).count() == 12
    # Six judges per entrant: the staff judge of the same centre is recused.
    for entry in Entry.objects.filter(competition=competition).select_related("staff__centre"):
        seats = PanelSeat.objects.filter(entry=entry, round__code="SC").select_related("judge")
        assert seats.count() == 6
        assert all(s.judge.centre_id != entry.staff.centre_id for s in seats)
    assert Award.objects.filter(competition=competition).values_list("level", flat=True).distinct().count() == 3
    snapshot = ResultSnapshot.objects.get(competition=competition, withdrawn_at__isnull=True)
    assert snapshot.data == competition_standings(competition=competition).as_data()
    staff_row = next(r for r in snapshot.data["rows"] if r["label"] == "CD0001")
    assert staff_row["award"] is not None
    # The demo staff member sees it in the portal.
    client.force_login(Entry.objects.get(competition=competition, staff__staff_no="CD0001").staff.user)
    html = client.get("/me/competitions/").content.decode()
    assert f'data-competition="JS{year}"' in html and "data-award" in html
    counts = (ScoreSheet.objects.count(), Award.objects.count(), ResultSnapshot.objects.count())
    load_initial_data()
    assert (ScoreSheet.objects.count(), Award.objects.count(), ResultSnapshot.objects.count()) == counts


@pytest.mark.django_db
def test_this_years_competition_is_under_way(home_page):
    load_initial_data()
    year = timezone.localdate().year
    competition = CompetitionPage.objects.get(code=f"JS{year}")
    assert competition.published_at is None
    states = dict(competition.rounds.values_list("code", "state"))
    assert states == {"ZS": RoundState.CONFIRMED, "SC": RoundState.OPEN, "QJ": RoundState.REVIEW}
    # The practical round waits for the judges' phones: seven judges, the `judge` account among
    # them and chief judge of the judged rounds; nobody has scored it yet.
    judges = set(PanelSeat.objects.filter(round__competition=competition, round__code="SC")
                 .values_list("judge__user__username", flat=True))
    assert len(judges) == 7 and "judge" in judges
    assert not ScoreSheet.objects.filter(round__competition=competition, round__code="SC").exists()
    assert set(JudgeAssignment.objects.filter(round__competition=competition, is_chief=True)
               .values_list("round__code", "judge__user__username")) == {("SC", "judge"), ("QJ", "judge")}
    assert ScoreSheet.objects.filter(round__competition=competition, round__code="QJ").count() == 12 * 6
    sheets = ScoreSheet.objects.count()
    load_initial_data()
    assert ScoreSheet.objects.count() == sheets


@pytest.mark.django_db
def test_the_team_final_is_ready_to_run(home_page):
    load_initial_data()
    year = timezone.localdate().year
    competition = CompetitionPage.objects.get(code=f"TD{year}")
    assert competition.is_team
    rnd = competition.rounds.get(code="QD")
    assert rnd.kind == RoundKind.QUIZ
    # Four teams of three window staff.
    teams = Team.objects.filter(competition=competition)
    assert teams.count() == 4
    assert sorted(TeamMember.objects.filter(competition=competition).values("team").annotate(n=Count("pk"))
                  .values_list("n", flat=True)) == [3, 3, 3, 3]
    # 4 必答 (one per team), 6 抢答, 4 风险题 (one per team), 2 加赛, in that order.
    questions = list(QuizQuestion.objects.filter(round=rnd).order_by("order"))
    assert [q.segment for q in questions] == (["required"] * 4 + ["buzzer"] * 6 + ["risk"] * 4
                                              + ["sudden_death"] * 2)
    team_entries = set(Entry.objects.filter(competition=competition, team__isnull=False).values_list("pk", flat=True))
    for segment in ("required", "risk"):
        assert {q.team_id for q in questions if q.segment == segment} == team_entries
    assert all(q.team_id is None for q in questions if q.segment in ("buzzer", "sudden_death"))
    assert all(q.text and q.answer for q in questions)
    # The show is started: every team has its join code.
    show = QuizShow.objects.get(round=rnd)
    assert show.phase == QuizPhase.LOBBY
    codes = list(QuizTeamAccess.objects.filter(show=show).values_list("entry_id", "code"))
    assert {entry for entry, _code in codes} == team_entries and all(len(code) == 8 for _entry, code in codes)
    counts = (QuizQuestion.objects.count(), QuizShow.objects.count(), QuizTeamAccess.objects.count(),
              Entry.objects.count())
    load_initial_data()
    assert (QuizQuestion.objects.count(), QuizShow.objects.count(), QuizTeamAccess.objects.count(),
            Entry.objects.count()) == counts
    assert set(QuizTeamAccess.objects.filter(show=show).values_list("entry_id", "code")) == set(codes)
