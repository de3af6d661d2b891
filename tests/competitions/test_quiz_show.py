"""The live quiz show: a whole final through the services (必答, 抢答 with a foul and a reopening,
风险题, a correction) into the standings; fouls, retries, stale host actions and corrections;
the JSON endpoints (304 without a query, who may do what)."""

import json
from decimal import Decimal

import pytest
from django.urls import reverse

from competitions.models import (
    QuizBuzz,
    QuizEvent,
    QuizEventKind,
    QuizPhase,
    QuizShow,
    RoundState,
    ScoreSheet,
    ScoreSheetVersion,
)
from competitions.selectors import competition_standings, quiz_show_state
from competitions.services import (
    QuizRefused,
    quiz_buzz,
    quiz_buzz_adjudicate,
    quiz_buzzing_open,
    quiz_event_void,
    quiz_finish,
    quiz_outcome,
    quiz_question_next,
    quiz_results_write,
    quiz_reveal,
    quiz_stake_choose,
    quiz_team_points,
    round_state_change,
)
from people import roles
from tests import factories
from tests.helpers import assert_denied

from .quiz_setup import at, make_quiz, version

pytestmark = pytest.mark.django_db


@pytest.fixture
def quiz(home_page):
    return make_quiz()


@pytest.fixture
def organiser(db):
    return factories.make_user_with_role(roles.TRAINER)


def _show(quiz):
    return QuizShow.objects.get(pk=quiz.show.pk)


def _next(quiz, user=None, **kwargs):
    return quiz_question_next(show=quiz.show, version=version(quiz.show), user=user, **kwargs)


def _open(quiz, now):
    return quiz_buzzing_open(show=quiz.show, version=version(quiz.show), now=now, countdown=3)


def _outcome(quiz, outcome, **kwargs):
    return quiz_outcome(show=quiz.show, version=version(quiz.show), outcome=outcome, **kwargs)


def test_a_whole_final_gives_the_points_of_the_rules_and_reaches_the_standings(quiz, organiser):
    a, b, c = quiz.teams
    # 必答: each team in turn — A right +10, B wrong 0, C over time 0.
    for outcome in ("correct", "wrong", "timeout"):
        _next(quiz, organiser)
        _outcome(quiz, outcome, user=organiser)
    # 抢答 4: 开始抢答 at T0 opens at T0 + 3 s. C buzzes during the countdown: a foul (−10).
    _next(quiz, organiser)
    _open(quiz, at(0))
    assert quiz_buzz(show=quiz.show, entry=c, request_id="c1", now=at(1000)).foul
    quiz_buzz(show=quiz.show, entry=a, request_id="a1", now=at(3050))
    quiz_buzz(show=quiz.show, entry=b, request_id="b1", now=at(3040))
    # Too early to decide: the settle window after the first valid buzz has not passed.
    assert quiz_buzz_adjudicate(show=quiz.show, now=at(3100)).phase == QuizPhase.BUZZING
    show = quiz_buzz_adjudicate(show=quiz.show, now=at(3240))
    assert (show.phase, show.answering_id) == (QuizPhase.ANSWERING, b.pk)
    state = quiz_show_state(show)
    # The queue in the order received: C's foul (no gap), B first, A 10 ms later (近同时).
    assert [(row["name"], row["foul"], row["gap_ms"], row["near"]) for row in state["buzzes"]] == [
        ("丙队", True, None, False), ("乙队", False, 0.0, False), ("甲队", False, 10.0, True)]
    _outcome(quiz, "wrong", user=organiser)  # B −10; the question waits to be opened again
    assert _show(quiz).phase == QuizPhase.QUESTION
    _open(quiz, at(10000))
    # B answered and C fouled: they cannot answer it any more.
    with pytest.raises(QuizRefused):
        quiz_buzz(show=quiz.show, entry=b, request_id="b2", now=at(13010))
    with pytest.raises(QuizRefused):
        quiz_buzz(show=quiz.show, entry=c, request_id="c2", now=at(13010))
    quiz_buzz(show=quiz.show, entry=a, request_id="a2", now=at(13020))
    quiz_buzz_adjudicate(show=quiz.show, now=at(13300))
    _outcome(quiz, "correct", user=organiser)  # A +10
    # 抢答 5: A wins alone and is right; 抢答 6: nobody buzzes, the answer is revealed.
    _next(quiz, organiser)
    _open(quiz, at(20000))
    quiz_buzz(show=quiz.show, entry=a, request_id="a3", now=at(23500))
    quiz_buzz_adjudicate(show=quiz.show, now=at(24000))
    _outcome(quiz, "correct", user=organiser)
    _next(quiz, organiser)
    _open(quiz, at(30000))
    quiz_reveal(show=quiz.show, version=version(quiz.show), user=organiser)
    # 风险题 7: A bets 30 from its device and is right; 风险题 8: B declines.
    _next(quiz, organiser)
    with pytest.raises(QuizRefused):
        _outcome(quiz, "correct", user=organiser)  # no stake yet
    quiz_stake_choose(show=quiz.show, entry=a, stake=30)
    _outcome(quiz, "correct", user=organiser)
    _next(quiz, organiser)
    quiz_stake_choose(show=quiz.show, entry=b, stake=None)
    assert _show(quiz).phase == QuizPhase.REVEALED
    # The host corrects B's wrong answer on 抢答 4, with a reason.
    wrong = QuizEvent.objects.get(show=quiz.show, entry=b, kind=QuizEventKind.WRONG, question=quiz.questions[3])
    quiz_event_void(show=quiz.show, version=version(quiz.show), event=wrong, reason="评委复核：答案可接受",
                    user=organiser)

    # A 100 + 10 + 10 + 10 + 30 = 160; B 100 + 0 (−10 voided) + 0 (declined) = 100; C 100 + 0 − 10 = 90.
    assert quiz_team_points(quiz.show) == {a.pk: 160, b.pk: 100, c.pk: 90}
    state = quiz_show_state(quiz.show.pk)
    assert [(row["name"], row["points"], row["round_score"]) for row in state["scoreboard"]] == [
        ("甲队", 160, "100.00"), ("乙队", 100, "62.50"), ("丙队", 90, "56.25")]
    kinds = [(e["name"], e["kind"], e["points"], bool(e["voided_by"])) for e in state["events"]]
    assert ("乙队", "wrong", -10, True) in kinds and ("丙队", "foul", -10, False) in kinds
    assert all(e["by"] == organiser.username for e in state["events"] if e["kind"] not in ("foul", "declined"))

    quiz_finish(show=quiz.show, version=version(quiz.show), user=organiser)
    quiz.round.refresh_from_db()
    assert quiz.round.state == RoundState.REVIEW
    sheets = dict(ScoreSheet.objects.filter(round=quiz.round, judge__isnull=True).values_list("entry_id", "total"))
    assert sheets == {a.pk: Decimal("160.00"), b.pk: Decimal("100.00"), c.pk: Decimal("90.00")}
    rows = {r.label: r for r in competition_standings(competition=quiz.competition).rows}
    # Round score × team size (2): 100 × 2, 62.5 × 2, 56.25 × 2.
    assert (rows["甲队"].rounds["QD"], rows["乙队"].rounds["QD"], rows["丙队"].rounds["QD"]) == (
        Decimal("200.00"), Decimal("125.00"), Decimal("112.50"))
    assert [r.label for r in competition_standings(competition=quiz.competition).rows] == ["甲队", "乙队", "丙队"]


def test_results_written_again_keep_versions_with_the_reason_and_stop_once_confirmed(quiz, organiser):
    a = quiz.teams[0]
    _next(quiz, organiser)
    _outcome(quiz, "correct", user=organiser)
    assert quiz_results_write(show=quiz.show, user=organiser, reason="中场公布") == 3
    assert quiz_results_write(show=quiz.show, user=organiser) == 0  # nothing changed
    event = QuizEvent.objects.get(show=quiz.show, entry=a)
    quiz_event_void(show=quiz.show, version=version(quiz.show), event=event, reason="主持人误判", user=organiser)
    assert quiz_results_write(show=quiz.show, user=organiser, reason="更正后") == 1
    sheet = ScoreSheet.objects.get(round=quiz.round, entry=a)
    assert (sheet.total, sheet.version) == (Decimal("100.00"), 2)
    assert list(ScoreSheetVersion.objects.filter(sheet=sheet).values_list("number", "total", "reason")) == [
        (1, Decimal("110.00"), "中场公布"), (2, Decimal("100.00"), "更正后")]
    for state in (RoundState.SCORING, RoundState.REVIEW, RoundState.CONFIRMED):
        round_state_change(round=quiz.round, to_state=state)
    with pytest.raises(QuizRefused):
        quiz_results_write(show=quiz.show, user=organiser)


def test_a_buzz_before_the_opening_is_a_foul_and_the_team_cannot_win_the_question(quiz):
    a, b, _c = quiz.teams
    for _i in range(4):  # three 必答 questions shown and skipped, then 抢答 4
        _next(quiz) if _i == 3 else (_next(quiz), quiz_reveal(show=quiz.show, version=version(quiz.show)))
    # Before 开始抢答 at all, and during the countdown: both fouls.
    first = quiz_buzz(show=quiz.show, entry=a, request_id="early", now=at(0))
    assert first.foul
    _open(quiz, at(100))
    assert quiz_buzz(show=quiz.show, entry=b, request_id="b", now=at(3099)).foul
    # A taps again once open: its foul counts once and it cannot buzz for the question.
    again = quiz_buzz(show=quiz.show, entry=a, request_id="late", now=at(3200))
    assert (again.created, again.foul, again.buzz.pk) == (False, True, first.buzz.pk)
    assert quiz_buzz_adjudicate(show=quiz.show, now=at(9000)).phase == QuizPhase.BUZZING  # nobody valid
    fouls = QuizEvent.objects.filter(show=quiz.show, kind=QuizEventKind.FOUL)
    assert sorted(fouls.values_list("entry_id", "points")) == sorted([(a.pk, -10), (b.pk, -10)])
    assert quiz_team_points(quiz.show)[a.pk] == 90


def test_retried_and_double_tapped_buzzes_count_once(quiz):
    a, b, _c = quiz.teams
    _next(quiz, question=quiz.questions[3])
    _open(quiz, at(0))
    before = version(quiz.show)
    first = quiz_buzz(show=quiz.show, entry=a, request_id="r-1", now=at(3010))
    retry = quiz_buzz(show=quiz.show, entry=a, request_id="r-1", now=at(3400))
    tap = quiz_buzz(show=quiz.show, entry=a, request_id="r-2", now=at(3020))
    assert first.created and not retry.created and not tap.created
    assert retry.buzz.pk == tap.buzz.pk == first.buzz.pk and retry.buzz.received_at == at(3010)
    assert first.decide_at is not None and tap.decide_at is None
    assert QuizBuzz.objects.filter(question=quiz.questions[3]).count() == 1
    assert version(quiz.show) == before + 1
    # A retry arriving after the decision still answers with the team's buzz.
    quiz_buzz(show=quiz.show, entry=b, request_id="b-1", now=at(3030))
    quiz_buzz_adjudicate(show=quiz.show, now=at(3300))
    assert not quiz_buzz(show=quiz.show, entry=b, request_id="b-1", now=at(3500)).created
    # A later buzz is recorded for the queue; it does not take the floor.
    late = quiz_buzz(show=quiz.show, entry=quiz.teams[2], request_id="c-1", now=at(3500))
    assert late.created and not late.foul and _show(quiz).answering_id == a.pk


def test_a_buzz_received_first_but_processed_after_the_decision_still_wins(quiz):
    a, b, _c = quiz.teams
    _next(quiz, question=quiz.questions[3])
    _open(quiz, at(0))
    quiz_buzz(show=quiz.show, entry=a, request_id="a", now=at(3020))
    quiz_buzz_adjudicate(show=quiz.show, now=at(3300))
    assert _show(quiz).answering_id == a.pk
    # B's request was received at 3010 ms but its worker ran late.
    quiz_buzz(show=quiz.show, entry=b, request_id="b", now=at(3010))
    assert _show(quiz).answering_id == b.pk
    queue = quiz_show_state(quiz.show.pk)["buzzes"]
    assert [(row["entry"], row["winner"], row["gap_ms"]) for row in queue] == [(b.pk, True, 0.0), (a.pk, False, 10.0)]
    _outcome(quiz, "wrong")
    assert list(QuizEvent.objects.filter(show=quiz.show).values_list("entry_id", "points")) == [(b.pk, -10)]


def test_a_host_action_on_an_older_version_is_refused(quiz, organiser):
    _next(quiz, organiser)
    seen = version(quiz.show)
    quiz_outcome(show=quiz.show, version=seen, outcome="correct", user=organiser)
    with pytest.raises(QuizRefused) as refused:
        quiz_outcome(show=quiz.show, version=seen, outcome="correct", user=organiser)
    assert refused.value.stale and refused.value.version == seen + 1
    assert QuizEvent.objects.filter(show=quiz.show).count() == 1


def test_a_correction_voids_the_event_with_a_reason_once(quiz, organiser):
    a = quiz.teams[0]
    _next(quiz, organiser)
    _outcome(quiz, "correct", user=organiser)
    event = QuizEvent.objects.get(show=quiz.show)
    for reason in ("", "   ", "x" * 501):
        with pytest.raises(QuizRefused):
            quiz_event_void(show=quiz.show, version=version(quiz.show), event=event, reason=reason, user=organiser)
    quiz_event_void(show=quiz.show, version=version(quiz.show), event=event, reason="记分员按错", user=organiser)
    event.refresh_from_db()
    void = event.voided_by
    assert (void.kind, void.reason, void.by, void.entry_id, void.points) == ("void", "记分员按错", organiser, a.pk, 0)
    assert quiz_team_points(quiz.show)[a.pk] == 100
    with pytest.raises(QuizRefused):
        quiz_event_void(show=quiz.show, version=version(quiz.show), event=event, reason="再来一次", user=organiser)
    with pytest.raises(QuizRefused):
        quiz_event_void(show=quiz.show, version=version(quiz.show), event=void, reason="撤销更正", user=organiser)


def test_risk_stake_is_chosen_once_by_the_team_whose_turn_it_is(quiz):
    a, b, _c = quiz.teams
    _next(quiz, question=quiz.questions[6])  # 风险题 for A
    team_view = quiz_show_state(quiz.show.pk, audience="team", entry_id=a.pk)
    assert team_view["me"]["choose_stake"] and team_view["question"]["text"] == ""  # stake before the question
    for team, stake in ((b, 20), (a, 25), (a, "abc")):
        with pytest.raises(QuizRefused):
            quiz_stake_choose(show=quiz.show, entry=team, stake=stake)
    quiz_stake_choose(show=quiz.show, entry=a, stake=20)
    quiz_stake_choose(show=quiz.show, entry=a, stake=20)  # the same tap again changes nothing
    with pytest.raises(QuizRefused):
        quiz_stake_choose(show=quiz.show, entry=a, stake=30)
    _outcome(quiz, "wrong")
    assert quiz_team_points(quiz.show)[a.pk] == 80
    assert QuizEvent.objects.get(show=quiz.show).stake == 20


def test_screens_and_teams_see_the_answer_only_once_revealed(quiz):
    _next(quiz, question=quiz.questions[3])
    for audience in ("screen", "team"):
        state = quiz_show_state(quiz.show.pk, audience=audience, entry_id=quiz.teams[0].pk)
        assert "answer" not in state["question"] and "teams" not in state and "events" not in state
    assert quiz_show_state(quiz.show.pk)["question"]["answer"] == "答案4"
    quiz_reveal(show=quiz.show, version=version(quiz.show))
    assert quiz_show_state(quiz.show.pk, audience="screen")["question"]["answer"] == "答案4"


# --- the JSON endpoints -----------------------------------------------------------------------------


def _post(client, url, data):
    return client.post(url, json.dumps(data), content_type="application/json")


def _join(client, quiz, team_index):
    code = quiz.show.team_access.get(entry=quiz.teams[team_index]).code
    response = _post(client, reverse("competitions:quiz_join", args=[quiz.show.pk]), {"code": code.lower()})
    assert response.status_code == 200, response.content
    return response.json()


def test_an_unchanged_poll_answers_304_without_a_query(quiz, organiser, client, django_assert_num_queries):
    client.force_login(organiser)
    url = reverse("competitions:quiz_host_state", args=[quiz.show.pk])
    first = client.get(url)
    assert first.status_code == 200
    data = first.json()
    assert data["version"] == version(quiz.show) and data["server_time"] > 0
    with django_assert_num_queries(0):
        unchanged = client.get(url, {"v": data["version"]})
    assert unchanged.status_code == 304 and int(unchanged["X-Server-Time"]) > 0
    # A host action moves the version: the same poll now gets the new state.
    moved = _post(client, reverse("competitions:quiz_host_action", args=[quiz.show.pk, "next"]),
                  {"version": data["version"]})
    assert moved.status_code == 200 and moved.json()["question"]["order"] == 1
    changed = client.get(url, {"v": data["version"]})
    assert changed.status_code == 200 and changed.json()["version"] == data["version"] + 1
    # Team devices and the big screen poll the same way.
    team = factories.make_staff().user
    client.force_login(team)
    state = _join(client, quiz, 0)
    screen = reverse("competitions:quiz_screen_state", args=[quiz.show.pk, quiz.show.screen_token])
    for poll in (reverse("competitions:quiz_team_state", args=[quiz.show.pk]), screen):
        with django_assert_num_queries(0):
            assert client.get(poll, {"v": state["version"]}).status_code == 304


def test_two_host_tabs_with_the_same_version_apply_a_point_once(quiz, organiser, client):
    client.force_login(organiser)
    _next(quiz, organiser)
    url = reverse("competitions:quiz_host_action", args=[quiz.show.pk, "outcome"])
    seen = version(quiz.show)
    assert _post(client, url, {"version": seen, "outcome": "correct"}).status_code == 200
    second = _post(client, url, {"version": seen, "outcome": "correct"})
    assert second.status_code == 409 and second.json()["version"] == seen + 1 and second.json()["error"]
    assert QuizEvent.objects.filter(show=quiz.show).count() == 1


def test_a_team_device_buzzes_only_for_its_own_team(quiz, client):
    a, b, _c = quiz.teams
    _next(quiz, question=quiz.questions[3])
    buzz = reverse("competitions:quiz_buzz", args=[quiz.show.pk])
    # Not joined: refused.
    assert _post(client, buzz, {"request_id": "x"}).status_code == 403
    wrong_code = _post(client, reverse("competitions:quiz_join", args=[quiz.show.pk]), {"code": "AAAAAAAA"})
    assert wrong_code.status_code == 400
    _join(client, quiz, 0)
    # Naming team B in the request changes nothing: the buzz is the joined team's (a foul here).
    response = _post(client, buzz, {"request_id": "x", "team": b.pk, "entry": b.pk})
    assert response.status_code == 200 and response.json()["buzz"]["foul"]
    assert list(QuizBuzz.objects.values_list("entry_id", flat=True)) == [a.pk]
    assert response.json()["me"]["entry"] == a.pk and response.json()["me"]["barred"]
    # A device joined for another show is not joined for this one.
    other = make_quiz(teams=("丁队", "戊队"), questions=[("buzzer", None)])
    assert _post(client, reverse("competitions:quiz_buzz", args=[other.show.pk]), {"request_id": "y"}).status_code == 403
    # The team may not run host actions.
    assert _post(client, reverse("competitions:quiz_host_action", args=[quiz.show.pk, "reveal"]),
                 {"version": version(quiz.show)}).status_code == 302  # anonymous: to the login page


def test_staff_cannot_run_the_show_and_a_wrong_screen_token_is_404(quiz, client):
    staff = factories.make_staff().user
    client.force_login(staff)
    for response in (
        _post(client, reverse("competitions:quiz_host_action", args=[quiz.show.pk, "next"]),
              {"version": version(quiz.show)}),
        client.get(reverse("competitions:quiz_host_state", args=[quiz.show.pk])),
        client.post(reverse("competitions:quiz_start", args=[quiz.round.pk])),
    ):
        assert_denied(response, login_redirect=False)
    assert QuizEvent.objects.count() == 0 and _show(quiz).phase == QuizPhase.LOBBY
    bad = reverse("competitions:quiz_screen_state", args=[quiz.show.pk, "not-the-token"])
    assert client.get(bad).status_code == 404
    good = client.get(reverse("competitions:quiz_screen_state", args=[quiz.show.pk, quiz.show.screen_token]))
    assert good.status_code == 200 and "teams" not in good.json() and "screen_token" not in good.json()


def test_the_host_console_starts_the_show_and_lists_join_codes(home_page, organiser, client):
    quiz = make_quiz(start=False)
    client.force_login(organiser)
    response = client.post(reverse("competitions:quiz_start", args=[quiz.round.pk]))
    assert response.status_code == 200
    data = response.json()
    assert [t["name"] for t in data["teams"]] == ["甲队", "乙队", "丙队"]
    assert len({t["code"] for t in data["teams"]}) == 3 and data["phase"] == "lobby"
    assert [q["segment"] for q in data["questions"]][:4] == ["required", "required", "required", "buzzer"]
    # Starting again returns the same show.
    assert client.post(reverse("competitions:quiz_start", args=[quiz.round.pk])).json()["show"] == data["show"]
    malformed = client.post(reverse("competitions:quiz_host_action", args=[data["show"], "void"]), "[",
                            content_type="application/json")
    assert malformed.status_code == 400
