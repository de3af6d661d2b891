"""Spread alerts on the judge's phone: when an entrant's submitted scores differ by more than
15 points, the judges with the highest and the lowest score are asked to confirm or revise
with a reason; the score never changes by itself. And concurrent submits make one sheet."""

import re
from decimal import Decimal

import pytest
from django.db import connection

from competitions.models import (
    AlertSide,
    AlertStatus,
    ScoreSheet,
    ScoreSheetVersion,
    SheetStatus,
    SpreadAlert,
)
from competitions.services import judge_sheet_draft_save, judge_sheet_submit, round_scores_import_file
from tests.helpers import assert_denied, run_in_threads, visible_text

from .conftest import RUBRIC, full_sheet, make_judged_round, xlsx

# 业务准确 (max 40) sets each total: the other criteria are at their maximum (60).
HIGH, MIDDLE, LOW = full_sheet(业务准确="35"), full_sheet(业务准确="28"), full_sheet(业务准确="18")  # 95, 88, 78


def _submit(client, rnd, entry, values):
    return client.post(f"/me/judging/rounds/{rnd.pk}/entrants/{entry.pk}/submit/",
                       {f"c:{k}": v for k, v in values.items()})


def _answer(client, alert, action, reason, values=None):
    data = {"action": action, "reason": reason}
    data.update({f"c:{k}": v for k, v in (values or {}).items()})
    return client.post(f"/me/judging/alerts/{alert.pk}/", data)


@pytest.fixture
def spread(client_for, judged):
    """Three judges scored the first entrant 95, 88 and 78 (spread 17)."""
    entry = judged.entries[0]
    for judge, values in zip(judged.judges[1:4], (HIGH, MIDDLE, LOW), strict=True):
        assert _submit(client_for(judge.user), judged.round, entry, values).status_code == 302
    return judged


@pytest.mark.django_db
def test_the_judges_with_the_highest_and_lowest_score_are_alerted(client_for, spread):
    entry = spread.entries[0]
    high, middle, low = spread.judges[1:4]
    alerts = {a.judge: a for a in SpreadAlert.objects.all()}
    assert set(alerts) == {high, low}
    assert (alerts[high].side, alerts[low].side) == (AlertSide.HIGH, AlertSide.LOW)
    assert alerts[high].spread == Decimal("17.00") and alerts[high].status == AlertStatus.OPEN
    # The scores stay as submitted.
    assert sorted(ScoreSheet.objects.values_list("total", flat=True)) == [Decimal("78.00"), Decimal("88.00"),
                                                                          Decimal("95.00")]
    round_url = f"/me/judging/rounds/{spread.round.pk}/"
    sheet_url = f"{round_url}entrants/{entry.pk}/"
    html = client_for(high.user).get(round_url).content.decode()
    assert "data-alert-callout" in html and "data-alert>" in html
    html = client_for(high.user).get(sheet_url).content.decode()
    assert "data-spread-alert" in html and "您的评分是该选手各评委评分中的最高分" in html
    # The alert names no other judge's score.
    assert not re.search(r"(?<![\d.])(78|88)(\.0+)?(?![\d.])", visible_text(html))
    assert "最低分，且" in client_for(low.user).get(sheet_url).content.decode()
    for url in (round_url, sheet_url):
        assert "data-spread-alert" not in client_for(middle.user).get(url).content.decode()
        assert "data-alert-callout" not in client_for(middle.user).get(url).content.decode()
    assert "data-alerts" in client_for(high.user).get("/me/judging/").content.decode()


@pytest.mark.django_db
def test_a_spread_of_exactly_the_limit_raises_nothing(client_for, judged):
    entry = judged.entries[0]
    for judge, values in zip(judged.judges[1:3], (HIGH, full_sheet(业务准确="20")), strict=True):  # 95 and 80
        _submit(client_for(judge.user), judged.round, entry, values)
    assert not SpreadAlert.objects.exists()


@pytest.mark.django_db
def test_confirming_needs_a_reason_and_keeps_the_score(client_for, spread):
    high = spread.judges[1]
    alert = SpreadAlert.objects.get(judge=high)
    client = client_for(high.user)
    response = _answer(client, alert, "confirm", "  ")
    assert response.status_code == 200 and "请填写原因。" in response.content.decode()
    alert.refresh_from_db()
    assert alert.status == AlertStatus.OPEN
    response = _answer(client, alert, "confirm", "选手流程完整、解释准确")
    assert response.status_code == 302
    alert.refresh_from_db()
    assert (alert.status, alert.reason, alert.resolved_by) == (AlertStatus.CONFIRMED, "选手流程完整、解释准确", high.user)
    sheet = ScoreSheet.objects.get(judge=high)
    assert (sheet.total, sheet.version) == (Decimal("95.00"), 1)
    # Answered once: a second answer is refused, nothing changes.
    _answer(client, alert, "revise", "再改", full_sheet(业务准确="30"))
    assert ScoreSheet.objects.get(judge=high).total == Decimal("95.00")
    assert "data-spread-alert" not in client.get(f"/me/judging/rounds/{spread.round.pk}/entrants/{spread.entries[0].pk}/"
                                                 ).content.decode()


@pytest.mark.django_db
def test_revising_makes_a_new_version_with_the_reason(client_for, spread):
    high, low = spread.judges[1], spread.judges[3]
    alert = SpreadAlert.objects.get(judge=low)
    client = client_for(low.user)
    # Unchanged scores are not a revision; invalid ones are refused per criterion.
    response = _answer(client, alert, "revise", "复核", LOW)
    assert "分数没有变化" in response.content.decode()
    response = _answer(client, alert, "revise", "复核", full_sheet(业务准确="45"))
    assert "分数不能超过满分 40。" in response.content.decode()
    assert ScoreSheetVersion.objects.filter(sheet__judge=low).count() == 1
    response = _answer(client, alert, "revise", "漏看了选手的第二项操作", full_sheet(业务准确="25"))
    sheet = ScoreSheet.objects.get(judge=low)
    version = ScoreSheetVersion.objects.get(sheet=sheet, number=2)
    assert response["Location"] == f"/me/judging/receipts/{version.pk}/"
    assert (sheet.version, sheet.total, sheet.status) == (2, Decimal("85.00"), SheetStatus.SUBMITTED)
    assert "漏看了选手的第二项操作" in version.reason and version.changed_by == low.user
    assert ScoreSheetVersion.objects.get(sheet=sheet, number=1).total == Decimal("78.00")  # kept
    alert.refresh_from_db()
    assert (alert.status, alert.reason) == (AlertStatus.REVISED, "漏看了选手的第二项操作")
    # 95 − 85 = 10: the other judge's alert no longer applies, and nobody is alerted again.
    other = SpreadAlert.objects.get(judge=high)
    assert other.status == AlertStatus.CLEARED and other.resolved_at is not None
    assert SpreadAlert.objects.count() == 2


@pytest.mark.django_db
def test_a_judge_answers_only_their_own_alert(client_for, spread):
    alert = SpreadAlert.objects.get(judge=spread.judges[1])
    response = _answer(client_for(spread.judges[2].user), alert, "confirm", "不是我的")
    assert response.status_code == 404
    alert.refresh_from_db()
    assert alert.status == AlertStatus.OPEN


@pytest.mark.django_db
def test_a_confirmed_judge_is_not_asked_again_until_their_sheet_changes(client_for, spread):
    high = spread.judges[1]
    _answer(client_for(high.user), SpreadAlert.objects.get(judge=high), "confirm", "维持")
    # A fourth judge scores in the middle: the same judges stay at the ends, at the same versions.
    _submit(client_for(spread.judges[4].user), spread.round, spread.entries[0], full_sheet(业务准确="30"))
    assert SpreadAlert.objects.count() == 2
    assert SpreadAlert.objects.filter(status=AlertStatus.OPEN).count() == 1  # the low judge's


# --- a judge who does not use a phone: the chief judge records the answer ---------------------------


def _paper_sheets_imported(setup, points):
    """The judges' paper sheets of the first entrant imported from a file: judge index → 业务准确."""
    header = ["评委", "参赛者", *[name for name, _max, _d in RUBRIC]]
    rows = [[judge.user.username, setup.entries[0].staff.staff_no,
             *[full_sheet(业务准确=points[i])[name] for name, _max, _d in RUBRIC]]
            for i, judge in enumerate(setup.judges)]
    result = round_scores_import_file(xlsx({"评分": [header, *rows]}), "scores.xlsx", dry_run=False,
                                      competition_code=setup.competition.code, round_code=setup.round.code)
    assert result.ok, [str(e) for e in result.errors]


@pytest.mark.django_db
def test_the_chief_judge_records_that_a_paper_judge_keeps_the_score(client_for, home_page):
    setup = make_judged_round(entrants=1)
    _paper_sheets_imported(setup, {0: "30", 1: "35", 2: "28", 3: "26", 4: "18"})  # 90 95 88 86 78
    low = SpreadAlert.objects.get(side=AlertSide.LOW)
    console = f"/me/judging/rounds/{setup.round.pk}/console/"
    sheet_url = f"{console}sheets/{low.sheet_id}/"
    chief = client_for(setup.chief.user)
    assert f'href="{sheet_url}"' in chief.get(console).content.decode()  # the alert queue leads to the sheet
    html = chief.get(sheet_url).content.decode()
    assert f'data-record-answer="{low.pk}"' in html
    # A reason is needed; the unlock form is left alone.
    response = chief.post(sheet_url, {"alert": low.pk, "alert-reason": " "})
    assert response.status_code == 200 and "请填写原因。" in response.content.decode()
    low.refresh_from_db()
    assert low.status == AlertStatus.OPEN and low.sheet.status == SheetStatus.SUBMITTED
    assert chief.post(sheet_url, {"alert": low.pk, "alert-reason": "评委书面说明：选手漏做身份核验"}).status_code == 302
    low.refresh_from_db()
    assert (low.status, low.reason, low.resolved_by) == (
        AlertStatus.CONFIRMED, "评委书面说明：选手漏做身份核验", setup.chief.user)
    sheet = ScoreSheet.objects.get(pk=low.sheet_id)
    assert (sheet.status, sheet.version, sheet.total) == (SheetStatus.SUBMITTED, 1, Decimal("78.00"))
    html = chief.get(console).content.decode()
    assert html.count("data-recorded-for-judge") == 1 and 'data-open-alerts="1"' in html
    # Only an open alert of this sheet: the other judge's alert through this sheet's page is not found.
    high = SpreadAlert.objects.get(side=AlertSide.HIGH)
    assert chief.post(sheet_url, {"alert": high.pk, "alert-reason": "x"}).status_code == 404
    high.refresh_from_db()
    assert high.status == AlertStatus.OPEN
    # Another judge of the panel may not record it.
    other = client_for(setup.judges[2].user)
    assert_denied(other.post(f"{console}sheets/{high.sheet_id}/", {"alert": high.pk, "alert-reason": "x"}))
    high.refresh_from_db()
    assert high.status == AlertStatus.OPEN
    # Both answered: the round can be confirmed, and its frozen sheets take no more answers.
    chief = client_for(setup.chief.user)
    chief.post(f"{console}sheets/{high.sheet_id}/", {"alert": high.pk, "alert-reason": "评委口头确认"})
    chief.post(f"{console}confirm/")
    setup.round.refresh_from_db()
    assert setup.round.state == "confirmed"
    assert "data-record-answer" not in chief.get(sheet_url).content.decode()


@pytest.mark.django_db
def test_no_answer_is_recorded_once_the_round_is_confirmed(client_for, home_page):
    setup = make_judged_round(entrants=1)
    _paper_sheets_imported(setup, {0: "30", 1: "35", 2: "28", 3: "26", 4: "18"})
    low = SpreadAlert.objects.get(side=AlertSide.LOW)
    setup.round.state = "confirmed"  # reached without the console (e.g. a logged state change)
    setup.round.save(update_fields=["state"])
    chief = client_for(setup.chief.user)
    response = chief.post(f"/me/judging/rounds/{setup.round.pk}/console/sheets/{low.sheet_id}/",
                          {"alert": low.pk, "alert-reason": "评委口头确认"})
    assert response.status_code == 200 and "data-record-answer" not in response.content.decode()
    low.refresh_from_db()
    assert low.status == AlertStatus.OPEN


# --- concurrency (PostgreSQL: SQLite serialises writers) ----------------------------------------

@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks and real concurrency need PostgreSQL")
def test_a_double_submit_from_many_tabs_makes_one_sheet_and_one_version(home_page):
    setup = make_judged_round()
    judge, entry = setup.judges[1], setup.entries[0]
    results = run_in_threads(6, lambda i: judge_sheet_submit(round=setup.round, judge=judge, entry=entry,
                                                             values=full_sheet(服务礼仪="16"), user=judge.user))
    assert sorted(r.created for r in results) == [False] * 5 + [True]
    assert len({r.version.pk for r in results}) == 1
    assert ScoreSheet.objects.filter(judge=judge, entry=entry).count() == 1
    assert ScoreSheetVersion.objects.filter(sheet__judge=judge).count() == 1


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks and real concurrency need PostgreSQL")
def test_concurrent_first_saves_make_one_draft_and_keep_the_newest(home_page):
    setup = make_judged_round()
    judge, entry = setup.judges[1], setup.entries[0]
    run_in_threads(8, lambda i: judge_sheet_draft_save(round=setup.round, judge=judge, entry=entry,
                                                       values={"服务礼仪": str(10 + i)}, seq=i + 1, user=judge.user))
    sheet = ScoreSheet.objects.get(judge=judge, entry=entry)
    assert (sheet.draft_seq, sheet.criteria) == (8, {"服务礼仪": "17.00"})
