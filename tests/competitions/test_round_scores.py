"""import_round_scores: judges' sheets and offline written scores, all rows or none, with
recusal, maxima and idempotent re-imports; a judge's submitted sheet changes only after the
chief judge unlocks it; the trimmed mean through the standings."""

from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from competitions.models import (
    AlertSide,
    AlertStatus,
    ConflictDeclaration,
    Entry,
    Judge,
    Round,
    RoundState,
    RoundStateLog,
    ScoreSheet,
    ScoreSheetVersion,
    SheetStatus,
    SpreadAlert,
)
from competitions.selectors import competition_standings, round_aggregates
from competitions.services import (
    ConfirmRefused,
    competition_import_file,
    conflict_declare,
    judge_sheet_draft_save,
    judge_sheet_submit,
    round_confirm,
    round_scores_import_file,
    score_sheet_unlock,
    spread_alert_confirm,
    spread_alerts_refresh,
)

from .conftest import RUBRIC, SAMPLES, full_sheet, make_judged_round, read_sheets, xlsx

pytestmark = pytest.mark.django_db


@pytest.fixture
def competition(roster, sample_bytes):
    result = competition_import_file(sample_bytes("competition_2026.xlsx"), "c.xlsx", dry_run=False)
    assert result.ok
    return result


def _scores(content, code, dry_run=False, filename="scores.xlsx"):
    return round_scores_import_file(content, filename, competition_code="JS2026", round_code=code, dry_run=dry_run)


def _sheet(sample_bytes, code):
    sheets = read_sheets(sample_bytes(f"competition_2026_scores_{code}.xlsx"))
    return list(sheets.values())[0]


def test_samples_import_and_reimport_changes_nothing(competition, sample_bytes):
    for code, count in (("ZS", 10), ("SC", 60), ("QJ", 50)):
        result = _scores(sample_bytes(f"competition_2026_scores_{code}.xlsx"), code)
        assert result.ok, [str(e) for e in result.errors]
        assert result.created == count
    versions = ScoreSheetVersion.objects.count()
    for code in ("ZS", "SC", "QJ"):
        result = _scores(sample_bytes(f"competition_2026_scores_{code}.xlsx"), code)
        assert result.ok and result.created == result.updated == 0
    assert ScoreSheet.objects.count() == 120
    assert ScoreSheetVersion.objects.count() == versions
    sheet = ScoreSheet.objects.get(round__code="SC", judge__user__username="judge", entry__staff__staff_no="CD1001")
    assert sheet.total == Decimal("79") and sheet.criteria == {"服务礼仪": "14.00", "业务准确": "32.00", "办理效率": "19.00", "沟通解释": "14.00"}
    # Scores in: the rounds wait for review, and the change is logged.
    assert Round.objects.get(code="SC").state == RoundState.REVIEW
    assert RoundStateLog.objects.filter(round__code="SC", to_state=RoundState.REVIEW).count() == 1


def test_standings_from_the_samples_by_hand(competition, sample_bytes):
    for code in ("ZS", "SC", "QJ"):
        assert _scores(sample_bytes(f"competition_2026_scores_{code}.xlsx"), code).ok
    from competitions.models import CompetitionPage

    standings = competition_standings(competition=CompetitionPage.objects.get())
    row = next(r for r in standings.rows if r.label == "CD1001")
    # SC, 6 judges: 79 82 80 77 86 83 → drop 86 and 77 → 324 / 4 = 81.00
    assert row.rounds["SC"] == Decimal("81.00")
    # QJ, 5 judges: 88 83 91 80 74 → drop 91 and 74 → 251 / 3 = 83.666… → 83.67
    assert row.rounds["QJ"] == Decimal("83.67")
    assert row.rounds["ZS"] == Decimal("88.00")
    # (30 × 88 + 40 × 81 + 30 × 83.67) / 100 = 83.901 → 83.90
    assert row.total == Decimal("83.90")
    assert [r.label for r in standings.rows[:3]] == ["CD1010", "CD1003", "CD1002"]
    assert [r.award for r in standings.rows[:4]] == [1, 2, 3, None]


def test_four_judges_is_a_plain_mean(competition, sample_bytes):
    rows = [r for r in _sheet(sample_bytes, "QJ") if r[1] in ("参赛者", "CD1001")]
    rows = [rows[0], *rows[1:5]]  # judge, pw02, pw03, pw04: 88 83 91 80
    assert _scores(xlsx({"评分": rows}), "QJ").ok
    aggregate = round_aggregates(rounds=[Round.objects.get(code="QJ")])
    (result,) = aggregate.values()
    assert not result.trimmed and result.score == Decimal("85.50")  # 342 / 4


def test_same_centre_judge_row_is_an_error_and_nothing_is_written(competition, sample_bytes):
    rows = _sheet(sample_bytes, "SC")
    rows.append(["CD1013", "CD1001", 10, 10, 10, 10])  # 姜平静 and CD1001 are both at 城东
    result = _scores(xlsx({"评分": rows}), "SC")
    assert [(e.row, e.column) for e in result.errors] == [(62, "评委")]
    assert "城东政务服务中心" in str(result.errors[0])
    assert not ScoreSheet.objects.exists()


def test_declared_conflict_is_an_error(competition, sample_bytes):
    judge = Judge.objects.get(user__username="pw05")
    conflict_declare(judge=judge, entry=Entry.objects.get(staff__staff_no="CD1003"), reason="亲属")
    result = _scores(sample_bytes("competition_2026_scores_SC.xlsx"), "SC")
    assert [(e.row, e.column) for e in result.errors] == [(43, "评委")]
    assert ConflictDeclaration.objects.count() == 1


def test_above_maximum_unknown_judge_and_entrant(competition, sample_bytes):
    rows = _sheet(sample_bytes, "SC")
    rows[1][2] = 21  # 服务礼仪 max 20
    rows[2][0] = "nobody"
    rows[3][1] = "CD9999"
    rows[4][3] = "abc"
    rows.append(["pw02", "CD1001", 1, 1, 1, 1])  # again
    result = _scores(xlsx({"评分": rows}), "SC")
    assert [(e.row, e.column) for e in result.errors] == [
        (2, "服务礼仪"), (3, "评委"), (4, "参赛者"), (5, "业务准确"), (62, "参赛者")
    ]
    assert not ScoreSheet.objects.exists()


def test_a_judge_not_on_the_rounds_panel(competition, sample_bytes):
    # pw05 judges SC only.
    result = _scores(xlsx({"评分": [["评委", "参赛者", "得分"], ["pw05", "CD1001", 80]]}), "QJ")
    assert [(e.row, e.column) for e in result.errors] == [(2, "评委")]


def test_total_score_column_instead_of_criteria(competition):
    content = xlsx({"评分": [[" 评委 ", "参赛者", "得分"], ["judge", "cd1001", "88.5"], ["pw02", "CD1001", 101]]})
    result = _scores(content, "SC")
    assert [(e.row, e.column) for e in result.errors] == [(3, "得分")]
    content = xlsx({"评分": [["评委", "参赛者", "得分"], ["judge", "cd1001", "88.5"]]})
    assert _scores(content, "SC").ok
    assert ScoreSheet.objects.get().total == Decimal("88.5")


def test_judged_round_needs_the_judge_column(competition):
    result = _scores(xlsx({"评分": [["参赛者", "得分"], ["CD1001", 80]]}), "SC")
    assert [(e.row, e.column) for e in result.errors] == [(1, "评委")]


def test_offline_written_round_csv(competition):
    content = "参赛者,得分\nCD1001,88\nCD1003,86.5\n".encode("utf-8-sig")
    result = _scores(content, "ZS", filename="zs.csv")
    assert result.ok and result.created == 2
    assert set(ScoreSheet.objects.values_list("judge", flat=True)) == {None}


def test_a_changed_score_is_a_new_version(competition):
    """A written score has no judge to unlock it: a correction is a new version, also once the
    first import has put the round in review (a confirmed round refuses every import)."""
    assert _scores(xlsx({"s": [["参赛者", "得分"], ["CD1001", 88]]}), "ZS").ok
    result = _scores(xlsx({"s": [["参赛者", "得分"], ["CD1001", 90]]}), "ZS")
    assert result.updated == 1
    sheet = ScoreSheet.objects.get()
    assert sheet.total == Decimal("90") and sheet.version == 2
    assert list(sheet.versions.values_list("number", "total")) == [(1, Decimal("88.00")), (2, Decimal("90.00"))]


def test_dry_run_writes_nothing(competition, sample_bytes):
    result = _scores(sample_bytes("competition_2026_scores_SC.xlsx"), "SC", dry_run=True)
    assert result.ok and result.created == 60
    assert not ScoreSheet.objects.exists() and not SpreadAlert.objects.exists()
    assert Round.objects.get(code="SC").state == RoundState.DRAFT


def test_unknown_round_or_competition(competition):
    content = xlsx({"s": [["参赛者", "得分"], ["CD1001", 88]]})
    assert "XX" in str(_scores(content, "XX").errors[0])
    result = round_scores_import_file(content, "s.xlsx", competition_code="NOPE", round_code="ZS", dry_run=False)
    assert not result.ok


def test_commands(competition, capsys):
    call_command("import_round_scores", str(SAMPLES / "competition_2026_scores_ZS.xlsx"), "--competition", "js2026",
                 "--round", "zs")
    assert ScoreSheet.objects.count() == 10
    with pytest.raises(CommandError):
        call_command("import_round_scores", str(SAMPLES / "competition_2026_scores_ZS.xlsx"), "--competition", "JS2026",
                     "--round", "SC")


# --- a judge's submitted sheet changes only after the chief judge unlocks it ---------------------


def _criteria_row(judge, entry, values):
    return [judge.user.username, entry.staff.staff_no, *[values[name] for name, _max, _d in RUBRIC]]


def _judged_file(setup, *rows, header=None, dry_run=False):
    header = header or ["评委", "参赛者", *[name for name, _max, _d in RUBRIC]]
    content = xlsx({"评分": [header, *rows]})
    return round_scores_import_file(content, "scores.xlsx", competition_code=setup.competition.code,
                                    round_code=setup.round.code, dry_run=dry_run)


def _versions(sheet):
    return list(ScoreSheetVersion.objects.filter(sheet=sheet).order_by("number").values_list("number", "total"))


def test_reimporting_another_score_for_a_submitted_sheet_is_refused_and_nothing_is_written(competition, sample_bytes):
    assert _scores(sample_bytes("competition_2026_scores_SC.xlsx"), "SC").ok
    versions = ScoreSheetVersion.objects.count()
    rows = _sheet(sample_bytes, "SC")
    rows[1][2] = 15  # judge 评委甲 on CD1001: 服务礼仪 14 → 15
    rows[3][5] = 20  # judge 评委甲 on CD1005: 沟通解释 changed as well
    result = _scores(xlsx({"评分": rows}), "SC")
    assert [(e.row, e.column) for e in result.errors] == [(2, "服务礼仪"), (4, "沟通解释")]
    message = str(result.errors[0])
    assert "评委甲" in message and "CD1001" in message and "79" in message and "80" in message
    assert result.created == result.updated == 0 and not result.changes
    sheet = ScoreSheet.objects.get(round__code="SC", judge__user__username="judge", entry__staff__staff_no="CD1001")
    assert (sheet.total, sheet.version) == (Decimal("79"), 1)
    assert ScoreSheetVersion.objects.count() == versions
    # A dry run (the preview) shows the same refusal.
    assert [e.row for e in _scores(xlsx({"评分": rows}), "SC", dry_run=True).errors] == [2, 4]


def test_a_refused_row_keeps_the_other_rows_of_the_file_out_too(competition, sample_bytes):
    rows = _sheet(sample_bytes, "SC")
    assert _scores(xlsx({"评分": rows[:2]}), "SC").ok  # one sheet in: 评委甲 on CD1001
    rows[1][3] = 33
    result = _scores(xlsx({"评分": rows}), "SC")
    assert [(e.row, e.column) for e in result.errors] == [(2, "业务准确")]
    assert ScoreSheet.objects.count() == 1


def test_a_sheet_submitted_on_the_phone_is_not_changed_by_a_file(home_page):
    setup = make_judged_round()
    judge, entry = setup.judges[1], setup.entries[0]
    submitted = full_sheet(业务准确="30")  # 90
    judge_sheet_submit(round=setup.round, judge=judge, entry=entry, values=submitted)

    result = _judged_file(setup, _criteria_row(judge, entry, full_sheet(业务准确="31")))
    assert [(e.row, e.column) for e in result.errors] == [(2, "业务准确")]
    assert judge.name in str(result.errors[0]) and entry.staff.staff_no in str(result.errors[0])
    result = _judged_file(setup, [judge.user.username, entry.staff.staff_no, 91], header=["评委", "参赛者", "得分"])
    assert [(e.row, e.column) for e in result.errors] == [(2, "得分")]

    # The same scores, by criterion or as the total alone, change nothing.
    assert _judged_file(setup, _criteria_row(judge, entry, submitted)).unchanged == 1
    same_total = _judged_file(setup, [judge.user.username, entry.staff.staff_no, 90], header=["评委", "参赛者", "得分"])
    assert same_total.ok and same_total.unchanged == 1 and same_total.updated == 0
    sheet = ScoreSheet.objects.get(judge=judge, entry=entry)
    assert sheet.criteria == {name: f"{Decimal(value):.2f}" for name, value in submitted.items()}
    assert _versions(sheet) == [(1, Decimal("90.00"))]


def test_an_unlocked_sheet_takes_the_file_as_its_next_version_then_is_locked_again(home_page):
    setup = make_judged_round()
    judge, entry = setup.judges[1], setup.entries[0]
    judge_sheet_submit(round=setup.round, judge=judge, entry=entry, values=full_sheet(业务准确="30"))
    sheet = ScoreSheet.objects.get(judge=judge, entry=entry)
    score_sheet_unlock(sheet=sheet, user=setup.chief.user, reason="纸质评分表与手机录入不一致")

    result = _judged_file(setup, _criteria_row(judge, entry, full_sheet(业务准确="34")))
    assert result.ok and result.updated == 1
    sheet.refresh_from_db()
    assert (sheet.status, sheet.version, sheet.total) == (SheetStatus.SUBMITTED, 2, Decimal("94.00"))
    assert _versions(sheet) == [(1, Decimal("90.00")), (2, Decimal("94.00"))]
    assert "纸质评分表与手机录入不一致" in ScoreSheetVersion.objects.get(sheet=sheet, number=2).reason

    # Submitted again: the same file changes nothing, another score is refused.
    assert _judged_file(setup, _criteria_row(judge, entry, full_sheet(业务准确="34"))).unchanged == 1
    assert not _judged_file(setup, _criteria_row(judge, entry, full_sheet(业务准确="35"))).ok
    assert _versions(sheet) == [(1, Decimal("90.00")), (2, Decimal("94.00"))]


def test_an_unlocked_sheet_revised_by_a_file_brings_the_spread_alerts_up_to_date(home_page):
    setup = make_judged_round()
    entry = setup.entries[0]
    for judge, points in zip(setup.judges[1:4], ("30", "28", "26"), strict=True):  # 90, 88, 86
        judge_sheet_submit(round=setup.round, judge=judge, entry=entry, values=full_sheet(业务准确=points))
    assert not SpreadAlert.objects.exists()
    low = setup.judges[3]
    score_sheet_unlock(sheet=ScoreSheet.objects.get(judge=low, entry=entry), user=setup.chief.user, reason="重新核对")
    assert _judged_file(setup, _criteria_row(low, entry, full_sheet(业务准确="10"))).ok  # 70: spread 20
    assert set(SpreadAlert.objects.values_list("judge", flat=True)) == {setup.judges[1].pk, low.pk}


def test_a_draft_never_submitted_becomes_version_one(home_page):
    setup = make_judged_round()
    judge, entry = setup.judges[1], setup.entries[0]
    judge_sheet_draft_save(round=setup.round, judge=judge, entry=entry, values={"服务礼仪": "12"}, seq=1)
    result = _judged_file(setup, _criteria_row(judge, entry, full_sheet(业务准确="30")))
    assert result.ok and result.updated == 1
    sheet = ScoreSheet.objects.get(judge=judge, entry=entry)
    assert (sheet.status, sheet.version) == (SheetStatus.SUBMITTED, 1)
    assert _versions(sheet) == [(1, Decimal("90.00"))]


# --- spread alerts of imported sheets ---------------------------------------------------------------

# 业务准确 (max 40) sets each total, by judge index: the other criteria are at their maximum (60).
OUTLIER = {0: "30", 1: "35", 2: "28", 3: "26", 4: "18"}  # 90, 95, 88, 86, 78: spread 17
CLOSE = {0: "30", 1: "32", 2: "28", 3: "30", 4: "25"}  # spread 7


def _rows(setup, points, entries=None):
    """A row per judge of the panel for each entrant: judge index → 业务准确."""
    return [_criteria_row(judge, entry, full_sheet(业务准确=points[i]))
            for entry in (entries if entries is not None else setup.entries)
            for i, judge in enumerate(setup.judges)]


def _outlier_file_rows(setup):
    return [*_rows(setup, OUTLIER, setup.entries[:1]), *_rows(setup, CLOSE, setup.entries[1:])]


def test_an_imported_outlier_alerts_the_highest_and_lowest_judges_and_blocks_the_confirmation(client_for, home_page):
    setup = make_judged_round()
    entry = setup.entries[0]
    result = _judged_file(setup, *_outlier_file_rows(setup))
    assert result.ok and result.created == 15
    alerts = list(SpreadAlert.objects.all())
    assert {(a.judge, a.side) for a in alerts} == {(setup.judges[1], AlertSide.HIGH), (setup.judges[4], AlertSide.LOW)}
    assert {(a.entry, a.spread, a.status, a.sheet_version) for a in alerts} == {
        (entry, Decimal("17.00"), AlertStatus.OPEN, 1)}
    # The scores stay as imported.
    assert dict(ScoreSheet.objects.filter(entry=entry).values_list("judge", "total")) == {
        judge.pk: Decimal(60 + int(OUTLIER[i])) for i, judge in enumerate(setup.judges)}
    # The chief judge's console lists them, the judge concerned sees it on the phone, and the
    # round cannot be confirmed until they are answered.
    html = client_for(setup.chief.user).get(f"/me/judging/rounds/{setup.round.pk}/console/").content.decode()
    assert html.count('data-alert="open"') == 2 and 'data-open-alerts="2"' in html
    html = client_for(setup.judges[4].user).get(
        f"/me/judging/rounds/{setup.round.pk}/entrants/{entry.pk}/").content.decode()
    assert "data-spread-alert" in html
    with pytest.raises(ConfirmRefused):
        round_confirm(round=setup.round, user=setup.chief.user)
    for alert in alerts:
        spread_alert_confirm(alert=alert, user=alert.judge.user, reason="复核无误")
    round_confirm(round=setup.round, user=setup.chief.user)
    setup.round.refresh_from_db()
    assert setup.round.state == RoundState.CONFIRMED


def test_reimporting_the_same_file_raises_no_new_alert(home_page):
    setup = make_judged_round()
    rows = _outlier_file_rows(setup)
    assert _judged_file(setup, *rows).ok
    high = SpreadAlert.objects.get(side=AlertSide.HIGH)
    spread_alert_confirm(alert=high, user=high.judge.user, reason="维持原分")
    again = _judged_file(setup, *rows)
    assert again.ok and again.unchanged == 15 and again.created == again.updated == 0
    assert sorted(SpreadAlert.objects.values_list("side", "status")) == [
        (AlertSide.HIGH, AlertStatus.CONFIRMED), (AlertSide.LOW, AlertStatus.OPEN)]


def test_a_file_adding_sheets_to_an_entrant_brings_its_alerts_up_to_date(home_page):
    """Only the sheets the file writes count as touched, but the entrant's other sheets (here
    submitted on the phone) are compared with them."""
    setup = make_judged_round()
    entry = setup.entries[0]
    judge_sheet_submit(round=setup.round, judge=setup.judges[1], entry=entry, values=full_sheet(业务准确="35"))  # 95
    assert _judged_file(setup, _criteria_row(setup.judges[4], entry, full_sheet(业务准确="18"))).ok  # 78
    assert set(SpreadAlert.objects.values_list("judge", "side")) == {
        (setup.judges[1].pk, AlertSide.HIGH), (setup.judges[4].pk, AlertSide.LOW)}


def test_a_dry_run_raises_no_alert(home_page):
    setup = make_judged_round()
    result = _judged_file(setup, *_outlier_file_rows(setup), dry_run=True)
    assert result.ok and result.created == 15
    assert not SpreadAlert.objects.exists() and not ScoreSheet.objects.exists()


def test_a_refused_file_raises_no_alert(home_page):
    setup = make_judged_round()
    rows = _outlier_file_rows(setup)
    rows[-1][2] = 21  # 服务礼仪 max 20: the whole file is refused
    assert not _judged_file(setup, *rows).ok
    assert not SpreadAlert.objects.exists() and not ScoreSheet.objects.exists()


def _refresh_queries(entrants):
    """(queries raising, queries clearing) the spread alerts of every entrant of a round, each
    entrant with an outlier."""
    setup = make_judged_round(entrants=entrants, judges=3)
    assert _judged_file(setup, *_rows(setup, {0: "35", 1: "28", 2: "18"})).ok  # 95, 88, 78
    alerts = SpreadAlert.objects.filter(round=setup.round)
    assert alerts.count() == 2 * entrants  # raised by the import
    ids = [e.pk for e in setup.entries]
    alerts.delete()
    with CaptureQueriesContext(connection) as raised:
        spread_alerts_refresh(round=setup.round, entry_ids=ids)
    assert alerts.filter(status=AlertStatus.OPEN).count() == 2 * entrants
    ScoreSheet.objects.filter(round=setup.round).update(total=Decimal("80"))
    with CaptureQueriesContext(connection) as cleared:
        spread_alerts_refresh(round=setup.round, entry_ids=ids)
    assert alerts.filter(status=AlertStatus.CLEARED).count() == 2 * entrants
    return len(raised), len(cleared)


def test_refreshing_spread_alerts_takes_as_many_queries_for_thirty_entrants_as_for_two(home_page):
    few, many = _refresh_queries(2), _refresh_queries(30)
    assert few == many
    assert max(many) <= 7
