"""The chief judge's console (/me/judging/rounds/<id>/console/): only the round's chief judge
and organisers get in; it shows the judge × entrant matrix with progress and the dropped
scores struck through, the alert and report queues; it unlocks a sheet with a reason (the
judge then revises: a new version), confirms the round only when every sheet is in and no
alert is open, and takes paper sheets by blind double entry (matching typings only)."""

import re
from decimal import Decimal

import pytest

from competitions.models import (
    PaperEntry,
    PaperOutcome,
    ProblemReport,
    RoundState,
    RoundStateLog,
    ScoreSheet,
    ScoreSheetVersion,
    SheetStatus,
    SheetUnlock,
)
from competitions.selectors import receipt_code
from competitions.services import judge_sheet_submit, problem_report_send
from people import roles
from tests import factories

from .conftest import full_sheet, make_judged_round

pytestmark = pytest.mark.django_db

# 业务准确 (max 40) sets each total: the other criteria are at their maximum (60).
TOTALS = {1: "30", 2: "20", 3: "25", 4: "10", 0: "35"}  # judge index → 90, 80, 85, 70, 95


def _console(rnd):
    return f"/me/judging/rounds/{rnd.pk}/console/"


def _submit_all(setup, entries=None, totals=TOTALS):
    for entry in entries or setup.entries:
        for index, judge in enumerate(setup.judges):
            judge_sheet_submit(round=setup.round, judge=judge, entry=entry,
                               values=full_sheet(业务准确=totals[index]), user=judge.user)


def _html(response):
    assert response.status_code == 200, response.content[:300]
    return response.content.decode()


@pytest.fixture
def organiser(db):
    return factories.make_user_with_role(roles.TRAINER, "organiser")


# --- who gets in -----------------------------------------------------------------------------------


def test_the_chief_judge_and_organisers_open_the_console(client_for, judged, organiser, role_users):
    for user in (judged.chief.user, organiser, role_users["admin"]):
        assert client_for(user).get(_console(judged.round)).status_code == 200
    assert f'href="{_console(judged.round)}"' in _html(client_for(judged.chief.user).get("/me/judging/"))
    assert f'href="{_console(judged.round)}"' in _html(client_for(organiser).get("/me/judging/"))
    assert f'href="{_console(judged.round)}"' not in _html(client_for(judged.judges[1].user).get("/me/judging/"))


@pytest.mark.parametrize("user_key", ["staff", "hr", "supervisor", "vendor", "judge"])
def test_everyone_else_is_refused(client_for, judged, role_users, user_key):
    client = client_for(role_users[user_key])
    base = _console(judged.round)
    assert client.get(base).status_code == 403
    assert client.get(base + "paper/").status_code == 403
    for action in ("confirm/", "open/"):
        assert client.post(base + action).status_code == 403


def test_a_judge_who_is_not_chief_and_the_chief_of_another_round_are_refused(client_for, judged, home_page):
    _submit_all(judged)
    sheet = ScoreSheet.objects.filter(round=judged.round).first()
    other = make_judged_round()
    for user in (judged.judges[1].user, other.chief.user):
        client = client_for(user)
        base = _console(judged.round)
        assert client.get(base).status_code == 403
        assert client.post(f"{base}sheets/{sheet.pk}/", {"reason": "x"}).status_code == 403
        assert client.post(base + "confirm/").status_code == 403
        assert client.post(base + "paper/", {"seat": "1:1"}).status_code == 403
    assert ScoreSheet.objects.get(pk=sheet.pk).status == SheetStatus.SUBMITTED
    assert judged.round.state_log.filter(to_state=RoundState.CONFIRMED).count() == 0


def test_anonymous_goes_to_login(client_for, judged):
    response = client_for(None).get(_console(judged.round))
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


# --- the matrix ------------------------------------------------------------------------------------


def test_the_matrix_shows_progress_and_strikes_the_dropped_scores(client_for, judged):
    _submit_all(judged, entries=judged.entries[:1])
    judge_sheet_submit(round=judged.round, judge=judged.judges[1], entry=judged.entries[1],
                       values=full_sheet(), user=judged.judges[1].user)
    html = _html(client_for(judged.chief.user).get(_console(judged.round)))
    assert re.search(r"data-progress>[^<]*6/15", html)
    row = re.search(rf'<tr data-entry="{judged.entries[0].pk}">(.*?)</tr>', html, re.DOTALL).group(1)
    assert re.findall(r"<del>([\d.]+)</del>", row) == ["95.00", "70.00"]  # the highest and the lowest
    assert row.count("data-dropped") == 2
    assert re.search(r"data-row-progress>5/5<", row)
    assert re.search(r"data-score><strong>85.00</strong>", row)  # (90 + 80 + 85) / 3
    row = re.search(rf'<tr data-entry="{judged.entries[1].pk}">(.*?)</tr>', html, re.DOTALL).group(1)
    assert "<del>" not in row and re.search(r"data-row-progress>1/5<", row)


@pytest.mark.parametrize("entrants", [3, 20])
def test_the_console_takes_a_fixed_number_of_queries(client_for, home_page, django_assert_max_num_queries, entrants):
    setup = make_judged_round(entrants=entrants)
    _submit_all(setup)
    problem_report_send(round=setup.round, judge=setup.judges[2], message="计时器故障")
    client = client_for(setup.chief.user)
    client.get(_console(setup.round))
    with django_assert_max_num_queries(13):
        html = _html(client.get(_console(setup.round)))
    assert len(re.findall(r'<tr data-entry="\d+">', html)) == entrants


def test_alerts_and_reports_are_queued_and_a_report_can_be_marked_handled(client_for, judged):
    # 95, 88, 78 on the first entrant: the highest and the lowest judge are alerted.
    for judge, value in zip(judged.judges[1:4], ("35", "28", "18"), strict=True):
        judge_sheet_submit(round=judged.round, judge=judge, entry=judged.entries[0],
                           values=full_sheet(业务准确=value), user=judge.user)
    report = problem_report_send(round=judged.round, judge=judged.judges[2], entry=judged.entries[1],
                                 message="选手2的话筒没有声音")
    client = client_for(judged.chief.user)
    html = _html(client.get(_console(judged.round)))
    assert html.count('data-alert="open"') == 2 and 'data-open-alerts="2"' in html
    assert "选手2的话筒没有声音" in html and 'data-report="open"' in html
    client.post(f"{_console(judged.round)}reports/{report.pk}/", {"note": "已更换话筒"})
    report.refresh_from_db()
    assert report.resolved_by == judged.chief.user and report.note == "已更换话筒"
    assert 'data-report="handled"' in _html(client.get(_console(judged.round)))
    other = make_judged_round()
    foreign = ProblemReport.objects.create(round=other.round, judge=other.judges[1], message="x")
    assert client.post(f"{_console(judged.round)}reports/{foreign.pk}/").status_code == 404


# --- unlocking ------------------------------------------------------------------------------------


def test_unlock_needs_a_reason_and_lets_the_judge_revise_into_a_new_version(client_for, judged):
    judge, entry = judged.judges[2], judged.entries[0]
    result = judge_sheet_submit(round=judged.round, judge=judge, entry=entry, values=full_sheet(业务准确="30"),
                                user=judge.user)
    sheet = result.sheet
    chief = client_for(judged.chief.user)
    url = f"{_console(judged.round)}sheets/{sheet.pk}/"
    html = _html(chief.get(url))
    assert f"<code data-code>{receipt_code(result.version)}</code>" in html  # the judge's receipt code
    assert "请填写原因。" in _html(chief.post(url, {"reason": " "}))
    assert ScoreSheet.objects.get(pk=sheet.pk).status == SheetStatus.SUBMITTED
    assert chief.post(url, {"reason": "评委误将第二项记错"}).status_code == 302
    sheet.refresh_from_db()
    assert (sheet.status, sheet.version) == (SheetStatus.DRAFT, 1)
    unlock = SheetUnlock.objects.get()
    assert (unlock.version, unlock.reason, unlock.unlocked_by) == (1, "评委误将第二项记错", judged.chief.user)

    client = client_for(judge.user)
    sheet_url = f"/me/judging/rounds/{judged.round.pk}/entrants/{entry.pk}/"
    html = _html(client.get(sheet_url))
    assert "data-unlocked" in html and "评委误将第二项记错" in html and "data-sheet-form" in html
    assert 'value="30"' in html  # the submitted scores to start from
    client.post(sheet_url + "submit/", {f"c:{k}": v for k, v in full_sheet(业务准确="26").items()})
    sheet.refresh_from_db()
    assert (sheet.status, sheet.version, sheet.total) == (SheetStatus.SUBMITTED, 2, Decimal("86.00"))
    versions = list(ScoreSheetVersion.objects.filter(sheet=sheet).order_by("number").values_list("number", "total", "reason"))
    assert versions[0][:2] == (1, Decimal("90.00"))
    assert versions[1][:2] == (2, Decimal("86.00")) and "评委误将第二项记错" in versions[1][2]
    assert "<sup>v2</sup>" in _html(client_for(judged.chief.user).get(_console(judged.round)))


# --- confirming ------------------------------------------------------------------------------------


def test_confirm_is_refused_while_sheets_are_missing_or_alerts_open(client_for, judged):
    chief = client_for(judged.chief.user)
    confirm = _console(judged.round) + "confirm/"
    _submit_all(judged, entries=judged.entries[:2])
    assert "data-cannot-confirm" in _html(chief.get(_console(judged.round)))
    chief.post(confirm)
    judged.round.refresh_from_db()
    assert judged.round.state == RoundState.SCORING
    # Every sheet in, but one entrant's scores differ by 25: its alerts block the confirmation.
    _submit_all(judged, entries=judged.entries[2:], totals={0: "40", 1: "30", 2: "30", 3: "30", 4: "15"})
    chief.post(confirm)
    judged.round.refresh_from_db()
    assert judged.round.state == RoundState.SCORING
    for alert in judged.round.spread_alerts.filter(status="open"):
        client = client_for(alert.judge.user)
        client.post(f"/me/judging/alerts/{alert.pk}/", {"action": "confirm", "reason": "复核无误"})
    chief = client_for(judged.chief.user)  # one test client: log the chief judge in again
    html = _html(chief.get(_console(judged.round)))
    assert "data-confirm-round" in html
    chief.post(confirm)
    judged.round.refresh_from_db()
    assert judged.round.state == RoundState.CONFIRMED
    log = RoundStateLog.objects.get(round=judged.round, to_state=RoundState.CONFIRMED)
    assert log.changed_by == judged.chief.user
    # Frozen: no unlock, no new draft.
    sheet = ScoreSheet.objects.filter(round=judged.round).first()
    chief.post(f"{_console(judged.round)}sheets/{sheet.pk}/", {"reason": "再改"})
    assert ScoreSheet.objects.get(pk=sheet.pk).status == SheetStatus.SUBMITTED
    assert "data-confirmed" in _html(chief.get(_console(judged.round)))


def test_the_chief_judge_opens_a_draft_round(client_for, home_page):
    setup = make_judged_round(state=RoundState.DRAFT)
    judge = client_for(setup.judges[1].user)
    assert f"/me/judging/rounds/{setup.round.pk}/" not in _html(judge.get("/me/judging/"))
    chief = client_for(setup.chief.user)
    assert "data-open-round" in _html(chief.get(_console(setup.round)))
    chief.post(_console(setup.round) + "open/")
    setup.round.refresh_from_db()
    assert setup.round.state == RoundState.OPEN
    assert f"/me/judging/rounds/{setup.round.pk}/" in _html(client_for(setup.judges[1].user).get("/me/judging/"))


# --- paper sheets -----------------------------------------------------------------------------------


def _type(client, setup, judge, entry, values):
    data = {"seat": f"{judge.pk}:{entry.pk}"}
    data.update({f"c:{k}": v for k, v in values.items()})
    return client.post(_console(setup.round) + "paper/", data)


def test_paper_sheets_need_two_matching_typings_by_different_people(client_for, judged, organiser):
    judge, entry = judged.judges[3], judged.entries[0]
    chief = client_for(judged.chief.user)
    _type(chief, judged, judge, entry, full_sheet(业务准确="31"))
    assert not ScoreSheet.objects.exists()
    # Blind: the typing page never shows the first typing, and the console keeps it hidden.
    # (As a value or a shown figure: a database id elsewhere on the page may contain "31".)
    typing_page = _html(chief.get(_console(judged.round) + "paper/"))
    assert 'value="31"' not in typing_page and ">31<" not in typing_page
    html = _html(chief.get(_console(judged.round)))
    assert "data-paper-queue" in html and "data-mismatch" not in html
    _type(chief, judged, judge, entry, full_sheet(业务准确="31"))  # the same person again confirms nothing
    assert not ScoreSheet.objects.exists()
    other = client_for(organiser)
    _type(other, judged, judge, entry, full_sheet(业务准确="13"))  # a typo: 13 for 31
    assert not ScoreSheet.objects.exists()
    html = _html(other.get(_console(judged.round)))
    assert html.count("data-mismatch") == 3  # every typing of that sheet is shown, none averaged
    _type(other, judged, judge, entry, full_sheet(业务准确="31"))
    sheet = ScoreSheet.objects.get()
    assert (sheet.judge, sheet.entry, sheet.status, sheet.total, sheet.version) == (
        judge, entry, SheetStatus.SUBMITTED, Decimal("91.00"), 1)
    version = ScoreSheetVersion.objects.get(sheet=sheet)
    assert judged.chief.user.username in version.reason and organiser.username in version.reason
    assert sorted(PaperEntry.objects.values_list("outcome", flat=True)) == [
        PaperOutcome.DISCARDED, PaperOutcome.DISCARDED, PaperOutcome.MATCHED, PaperOutcome.MATCHED]
    # A submitted sheet takes no more typings.
    _type(client_for(judged.chief.user), judged, judge, entry, full_sheet(业务准确="20"))
    assert ScoreSheet.objects.get().total == Decimal("91.00")


def test_a_paper_sheet_is_typed_only_for_a_seat_with_valid_scores(client_for, home_page):
    setup = make_judged_round(staff_judge=True)
    chief = client_for(setup.chief.user)
    response = _type(chief, setup, setup.recused, setup.entries[0], full_sheet())  # recused: no such seat
    assert response.status_code == 200 and not PaperEntry.objects.exists()
    html = _html(_type(chief, setup, setup.judges[1], setup.entries[0], full_sheet(服务礼仪="21")))
    assert "分数不能超过满分 20。" in html and not PaperEntry.objects.exists()
