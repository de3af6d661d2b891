"""A live quiz show final in one browser with separate contexts: the host's console, the big
screen and three team phones run 必答, 抢答 (with a foul: a phone buzzes during the countdown)
and 风险题 (a team chooses its stake on its phone); a phone reloads mid-round and keeps its
state; a point is undone with a reason; the big screen's final standings equal the totals of
the event log. Screenshots illustrate docs/quiz-show.md."""

import re

import pytest

from competitions.models import QuizEvent, QuizEventKind, QuizShow
from people import roles
from tests import factories
from tests.browser.conftest import MOBILE
from tests.browser.helpers import log_in
from tests.competitions.quiz_setup import make_quiz

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

FULL_HD = {"width": 1920, "height": 1080}
HOST = {"width": 1440, "height": 1000}
QUESTIONS = [("required", 0), ("required", 1), ("required", 2), ("buzzer", None), ("risk", 0), ("risk", 1)]


def phase(page, name):
    page.wait_for_selector(f'[data-phase="{name}"]')


def event_log_totals(show):
    """Each team's points from the event log alone: base 100 plus every event not voided."""
    totals = {}
    for event in QuizEvent.objects.filter(show=show).select_related("entry__team"):
        name = event.entry.team.name
        totals.setdefault(name, 100)
        if event.kind != QuizEventKind.VOID and event.voided_by_id is None:
            totals[name] += event.points
    return totals


def test_a_final_runs_on_the_host_console_the_big_screen_and_three_team_phones(
    live_server, new_page, screenshot, settings
):
    settings.QUIZ_COUNTDOWN_SECONDS = 3
    settings.QUIZ_SETTLE_MS = 50
    base = live_server.url
    factories.make_home_page()
    quiz = make_quiz(start=False, questions=QUESTIONS)
    a, b, c = quiz.teams
    organiser = factories.make_user_with_role(roles.TRAINER, "host", first_name="主持人")

    # The host starts the show from the console.
    host = new_page(viewport=HOST)
    host_path = f"/competitions/quiz/rounds/{quiz.round.pk}/host/"
    log_in(host, base, organiser.username, next_path=host_path)
    host.locator("[data-quiz-start] button[type=submit]").click()
    host.wait_for_selector("[data-quiz-host]")
    phase(host, "lobby")
    show = QuizShow.objects.get(round=quiz.round)
    codes = dict(show.team_access.values_list("entry_id", "code"))
    screen_link = host.locator("[data-screen-link]").get_attribute("href")
    team_link = host.locator("[data-team-link]").get_attribute("href")

    # The big screen: the lobby, with the teams and how to join.
    screen = new_page(viewport=FULL_HD)
    screen.goto(screen_link)
    screen.wait_for_selector('body[data-view="lobby"][data-phase="lobby"]')
    assert screen.locator("[data-lobby-teams] li").all_inner_texts() == ["甲队", "乙队", "丙队"]
    screenshot(screen, "quiz-screen-lobby")

    # Three phones join with their codes (the first one mistypes it first).
    phones = {}
    for entry in (a, b, c):
        phone = new_page(viewport=MOBILE, is_mobile=True, has_touch=True)
        phone.goto(team_link)
        if entry is a:
            phone.fill("#join-code", "AAAAAAAA")
            phone.locator("[data-join-form] button[type=submit]").click()
            phone.wait_for_selector("[data-join-error]")
            assert phone.locator("[data-join-error]").inner_text() == "本场比赛没有使用此加入码的参赛队。"
            phone.fill("#join-code", codes[entry.pk].lower())
            screenshot(phone, "quiz-team-join")
        else:
            phone.fill("#join-code", codes[entry.pk])
        phone.locator("[data-join-form] button[type=submit]").click()
        phone.wait_for_selector(f'[data-team-name]:text-is("{entry.team.name}")')
        phones[entry.pk] = phone
    phone_a, phone_b, phone_c = phones[a.pk], phones[b.pk], phones[c.pk]

    # 必答: each team in turn — A right (+10), B wrong (0), C over time (0). Keyboard only.
    for key, team in (("c", a), ("w", b), ("t", c)):
        host.keyboard.press("n")
        phase(host, "answering")
        host.wait_for_selector(f'[data-score-entry="{team.pk}"].is-floor')
        if team is a:
            screen.wait_for_selector('body[data-view="question"][data-phase="answering"]')
            screenshot(host, "quiz-host-required")
        host.keyboard.press(key)
        phase(host, "revealed")
    screen.wait_for_selector(f'[data-mini-entry="{a.pk}"] .qs-mini-points:text-is("110")')

    # 抢答: the question is shown, the phones warn that an early buzz is a foul.
    host.keyboard.press("n")
    phase(host, "question")
    phase(phone_c, "question")
    assert phone_c.locator("[data-foul-warning]").is_visible()
    assert phone_c.locator("[data-buzz]").is_enabled()
    screenshot(phone_c, "quiz-team-waiting")
    # 开始抢答: a countdown everywhere; C buzzes during it: a foul (−10), C may not answer.
    host.keyboard.press("s")
    phone_c.wait_for_selector('[data-clock][data-state="countdown"]')
    phone_c.locator("[data-buzz]").click()
    phone_c.wait_for_selector('[data-buzz][data-state="buzzed"]')
    assert phone_c.locator("[data-buzz]").is_disabled()
    host.wait_for_selector(f'[data-buzz-entry="{c.pk}"].is-foul')
    # Once open, A then B buzz; the server's receipt order decides: A has the floor.
    phone_a.wait_for_selector('[data-clock][data-state="open"]')
    phone_a.locator("[data-buzz]").click()
    phone_b.locator("[data-buzz]").click()
    phase(host, "answering")
    host.wait_for_selector(f'[data-buzz-entry="{b.pk}"]')
    rows = host.locator("[data-buzzes] tr")
    assert [rows.nth(i).get_attribute("data-buzz-entry") for i in range(3)] == [str(c.pk), str(a.pk), str(b.pk)]
    assert host.locator(f'[data-buzz-entry="{a.pk}"]').get_attribute("class") == "is-winner"
    gap = float(host.locator(f'[data-buzz-entry="{b.pk}"] [data-gap]').inner_text())
    assert gap > 0
    assert (host.locator(f'[data-buzz-entry="{b.pk}"]').get_attribute("data-near") == "true") == (gap < 30)
    phone_a.wait_for_selector('[data-buzz][data-state="buzzed"]')
    screen.wait_for_selector('[data-floor]:has-text("甲队")')
    screenshot(screen, "quiz-screen-buzz")
    screenshot(host, "quiz-host-buzz")
    screenshot(phone_a, "quiz-team-won")

    # B's phone reloads mid-round: still joined, same points, its buzz still counted.
    points_b = phone_b.locator("[data-points]").inner_text()
    phone_b.reload()
    phone_b.wait_for_selector('[data-team-name]:text-is("乙队")')
    phone_b.wait_for_selector('[data-buzz][data-state="buzzed"]')
    assert phone_b.locator("[data-join-form]").count() == 0
    assert phone_b.locator("[data-points]").inner_text() == points_b
    assert phone_b.locator("[data-buzz]").is_disabled()

    host.keyboard.press("c")  # A right: +10
    phase(host, "revealed")
    screen.wait_for_selector("[data-answer-box]:not([hidden])")

    # 风险题 for A: it chooses 20 on its phone, then answers right (+20).
    host.keyboard.press("n")
    phase(host, "answering")
    phone_a.wait_for_selector("[data-stake-choice]:not([hidden])")
    assert phone_b.locator("[data-stake-choice]").is_hidden()
    screenshot(phone_a, "quiz-team-stake")
    phone_a.locator('[data-stake="20"]').click()
    phone_a.wait_for_selector("[data-stake-choice][hidden]", state="attached")
    host.wait_for_selector('[data-action="correct"]:enabled')
    host.keyboard.press("c")
    phase(host, "revealed")
    # 风险题 for B: it declines on its phone.
    host.keyboard.press("n")
    phase(host, "answering")
    phone_b.wait_for_selector("[data-stake-choice]:not([hidden])")
    phone_b.locator('[data-stake="0"]').click()
    phase(host, "revealed")

    # The host undoes C's foul with a reason (the event stays, voided).
    foul = QuizEvent.objects.get(show=show, entry=c, kind=QuizEventKind.FOUL)
    host.locator(f'[data-void="{foul.pk}"]').click()
    host.wait_for_selector("[data-void-dialog][open]")
    # Letters typed in the reason are text, not shortcuts.
    before = QuizShow.objects.get(pk=show.pk).version
    host.locator("[data-void-reason]").press_sequentially("nscwtr")
    assert host.locator("[data-void-reason]").input_value() == "nscwtr"
    assert QuizShow.objects.get(pk=show.pk).version == before
    host.fill("[data-void-reason]", "裁判复核：按键故障，不算犯规")
    screenshot(host, "quiz-host-undo")
    host.locator("[data-void-form] button[type=submit]").click()
    host.wait_for_selector(f'[data-event="{foul.pk}"].is-voided')
    foul.refresh_from_db()
    assert foul.voided_by.reason == "裁判复核：按键故障，不算犯规" and foul.voided_by.by == organiser

    # A second console tab that has not seen the latest change: its action is refused (409),
    # it says so and shows the current state.
    second = host.context.new_page()
    second.goto(base + host_path)
    phase(second, "revealed")
    state_url = re.compile(r".*/host/state/\?v=\d+$")
    second.route(state_url, lambda route: route.fulfill(status=304, headers={"X-Server-Time": "0"}))
    host.locator('input[name=screen_mode][value="lobby"]').check()
    screen.wait_for_selector('body[data-view="lobby"]')
    second.locator('input[name=screen_mode][value="scoreboard"]').check()
    second.wait_for_selector('[data-message][data-kind="stale"]:not([hidden])')
    second.unroute(state_url)
    second.wait_for_selector('input[name=screen_mode][value="lobby"]:checked')
    assert QuizShow.objects.get(pk=show.pk).screen_mode == "lobby"
    second.close()

    # The big screen switches to the scoreboard, then the host finishes the show.
    host.locator('input[name=screen_mode][value="scoreboard"]').check()
    screen.wait_for_selector('body[data-view="scoreboard"]')
    host.locator("[data-finish]").click()
    host.locator("[data-finish-form] button[type=submit]").click()
    phase(host, "finished")
    screen.wait_for_selector('body[data-phase="finished"]')
    screenshot(screen, "quiz-screen-final")
    screenshot(host, "quiz-host-finished", full_page=True)

    # The big screen's standings are the event log's totals: A 140, B 100, C 100 (foul undone).
    totals = event_log_totals(show)
    assert totals == {"甲队": 140, "乙队": 100, "丙队": 100}
    board = {}
    for row in screen.locator("[data-board] tr").all():
        name = row.locator(".qs-name").inner_text()
        board[name] = int(row.locator("[data-points]").inner_text())
    assert board == totals
    assert re.sub(r"\D", "", phone_a.locator("[data-points]").inner_text()) == "140"
    # And the phones end too.
    phase(phone_c, "finished")
    assert phone_c.locator("[data-buzz]").is_disabled()
