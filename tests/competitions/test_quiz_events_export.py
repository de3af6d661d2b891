"""The quiz show's event log in Excel: every point with who, when (Asia/Shanghai) and why, in
the order made, a voided event naming its correction, each team's totals as the scoreboard has
them; a fixed number of queries however many events; organisers only; 404 without a show."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils.translation import gettext as _

from competitions.models import QuizEvent, QuizEventKind
from competitions.services import (
    quiz_buzz,
    quiz_buzz_adjudicate,
    quiz_buzzing_open,
    quiz_event_void,
    quiz_outcome,
    quiz_question_next,
    quiz_stake_choose,
    quiz_team_points,
)
from people import roles
from tests import factories
from tests.helpers import assert_denied

from .conftest import read_sheets
from .quiz_setup import at, make_quiz, version

pytestmark = pytest.mark.django_db

HEADER = ["序号", "时间", "题号", "环节", "队伍", "结果", "分值", "风险分", "撤销（被哪条更正）", "原因", "操作人"]


@pytest.fixture
def host(db):
    return factories.make_user_with_role(roles.TRAINER, first_name="主持人")


@pytest.fixture
def played(home_page, host):
    """必答 1 甲 right, 必答 2 乙 wrong, 抢答 4: 丙 buzzes early (foul), 甲 wins and is right,
    风险题 7 甲 bets 20 and is right, 加赛 9 乙 right; then 乙's wrong answer is voided."""
    quiz = make_quiz()
    a, b, c = quiz.teams
    show = quiz.show

    def next_(**kwargs):
        quiz_question_next(show=show, version=version(show), user=host, **kwargs)

    def outcome(result, ms):
        quiz_outcome(show=show, version=version(show), outcome=result, user=host, now=at(ms))

    next_()
    outcome("correct", 1000)
    next_()
    outcome("wrong", 2000)
    next_(question=quiz.questions[3])
    quiz_buzzing_open(show=show, version=version(show), now=at(10000), countdown=3)
    quiz_buzz(show=show, entry=c, request_id="c", now=at(11000))
    quiz_buzz(show=show, entry=a, request_id="a", now=at(13010))
    quiz_buzz_adjudicate(show=show, now=at(13500))
    outcome("correct", 14000)
    next_(question=quiz.questions[6])
    quiz_stake_choose(show=show, entry=a, stake=20)
    outcome("correct", 20000)
    next_(question=quiz.questions[8])
    quiz_buzzing_open(show=show, version=version(show), now=at(30000), countdown=3)
    quiz_buzz(show=show, entry=b, request_id="b", now=at(33100))
    quiz_buzz_adjudicate(show=show, now=at(33500))
    outcome("correct", 34000)
    wrong = QuizEvent.objects.get(show=show, kind=QuizEventKind.WRONG)
    quiz_event_void(show=show, version=version(show), event=wrong, reason="复核：答案可接受", user=host, now=at(40000))
    return quiz


def _url(quiz):
    return reverse("competitions_results:quiz_events", args=[quiz.competition.pk, quiz.round.pk])


def test_the_event_log_is_every_point_in_order_with_its_correction_and_the_totals(client, played, host):
    client.force_login(host)
    response = client.get(_url(played))
    assert response.status_code == 200
    assert response["Content-Disposition"].endswith(f'{played.competition.code}-QD-quiz-events.xlsx"')
    sheets = read_sheets(response.content)
    events, totals = sheets.values()
    assert events[0] == HEADER
    a, b, c = played.teams
    day = at(0).astimezone(dt.timezone(dt.timedelta(hours=8))).strftime("%Y-%m-%d")
    correct, wrong, foul, void = (str(QuizEventKind(k).label) for k in ("correct", "wrong", "foul", "void"))
    assert events[1:] == [
        [1, f"{day} 10:00:01.000", 1, "必答", "甲队", correct, 10, None, None, None, "主持人"],
        [2, f"{day} 10:00:02.000", 2, "必答", "乙队", wrong, 0, None, _("Voided by no. %(n)d") % {"n": 7}, None,
         "主持人"],
        [3, f"{day} 10:00:11.000", 4, "抢答", "丙队", foul, -10, None, None,
         _("Buzzed before the question was opened"), _("Team buzzer")],
        [4, f"{day} 10:00:14.000", 4, "抢答", "甲队", correct, 10, None, None, None, "主持人"],
        [5, f"{day} 10:00:20.000", 7, "风险", "甲队", correct, 20, 20, None, None, "主持人"],
        [6, f"{day} 10:00:34.000", 9, "加赛", "乙队", correct, 10, None, None, None, "主持人"],
        [7, f"{day} 10:00:40.000", 2, "必答", "乙队", void, 0, None, _("Corrects no. %(n)d") % {"n": 2},
         "复核：答案可接受", "主持人"],
    ]
    # Totals: 100 + points not voided (加赛 apart), as the scoreboard and the standings have them.
    assert totals[0] == ["队伍", "基础分", "得分变化", "总分", "加赛得分", "本轮成绩（0–100）"]
    points = quiz_team_points(played.show)
    assert points == {a.pk: 140, b.pk: 100, c.pk: 90}
    assert [row[:5] for row in totals[1:]] == [["甲队", 100, 40, 140, 0], ["乙队", 100, 0, 100, 10],
                                               ["丙队", 100, -10, 90, 0]]
    assert [float(row[5]) for row in totals[1:]] == [100.0, pytest.approx(71.43), pytest.approx(64.29)]


def test_the_export_runs_a_fixed_number_of_queries(client, played, host):
    client.force_login(host)
    url = _url(played)
    client.get(url)  # sessions, permissions and content types warmed up
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    # Fifty more events (by several users) change nothing in the number of queries.
    show = played.show
    last = QuizEvent.objects.filter(show=show).order_by("-show_version").first().show_version
    users = [factories.make_user_with_role(roles.TRAINER) for _i in range(3)]
    QuizEvent.objects.bulk_create([
        QuizEvent(show=show, question=played.questions[4], entry=played.teams[n % 3], kind=QuizEventKind.WRONG,
                  points=-10, show_version=last + 1 + n, by=users[n % 3], at=at(50000 + n))
        for n in range(50)])
    with CaptureQueriesContext(connection) as many:
        response = client.get(url)
    assert len(next(iter(read_sheets(response.content).values()))) == 1 + 7 + 50
    # Session, user and permissions, the competition, the round, the show, its teams, its events.
    assert len(few) <= 13
    assert len(many) == len(few), ([q["sql"][:150] for q in few.captured_queries], [q["sql"][:150] for q in many.captured_queries])


@pytest.mark.parametrize("role", [None, roles.STAFF, roles.JUDGE, roles.HR, roles.SUPERVISOR])
def test_only_organisers_export_the_event_log(client, played, role):
    if role is not None:
        client.force_login(factories.make_user_with_role(role))
    assert_denied(client.get(_url(played)), login_redirect=role not in (roles.HR, roles.SUPERVISOR))


def test_a_round_without_a_show_has_no_event_log(client, home_page, host):
    quiz = make_quiz(start=False)
    client.force_login(host)
    assert client.get(_url(quiz)).status_code == 404
    # Nor does a round of another competition, or one that is not a quiz round.
    other = make_quiz()
    assert client.get(reverse("competitions_results:quiz_events",
                              args=[quiz.competition.pk, other.round.pk])).status_code == 404
