"""import_competition: the workbook (竞赛, 轮次, 报名, 评委, 评分标准), all rows or none,
idempotent, lenient about spelling, strict about meaning."""

from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command

from competitions.models import (
    CompetitionPage,
    Entry,
    Judge,
    JudgeAssignment,
    PanelSeat,
    Round,
    RoundKind,
    Team,
    TeamMember,
)
from competitions.services import competition_import_file, panel_seat_assign
from people import roles

from .conftest import EAST, SAMPLES, WEST, xlsx

pytestmark = pytest.mark.django_db


def _import(content, dry_run=False):
    return competition_import_file(content, "workbook.xlsx", dry_run=dry_run)


def _counts():
    return (CompetitionPage.objects.count(), Round.objects.count(), Entry.objects.count(), Judge.objects.count(),
            JudgeAssignment.objects.count(), PanelSeat.objects.count(), get_user_model().objects.count())


def test_sample_workbook_creates_the_competition(roster, sample_bytes):
    result = _import(sample_bytes("competition_2026.xlsx"))
    assert result.ok, result.errors
    competition = CompetitionPage.objects.get(code="JS2026")
    assert competition.title == "2026年度政务服务窗口技能竞赛"
    assert competition.year == 2026 and not competition.is_team
    rounds = {r.code: r for r in competition.rounds.all()}
    assert [r.code for r in competition.rounds.order_by("sort_order")] == ["ZS", "SC", "QJ"]
    assert rounds["ZS"].kind == RoundKind.KNOWLEDGE and rounds["ZS"].weight == Decimal("30")
    assert rounds["SC"].judges_per_entrant == 6 and rounds["SC"].weight == Decimal("40")
    assert rounds["SC"].rubric.maxima() == {"服务礼仪": 20, "业务准确": 40, "办理效率": 20, "沟通解释": 20}
    assert sum(rounds["QJ"].rubric.maxima().values()) == 100
    assert Entry.objects.filter(competition=competition).count() == 10
    # Outside judges get an account in 评委; roster judges keep their centre.
    judge = Judge.objects.get(user__username="pw05")
    assert judge.centre is None and judge.name == "评委戊（企业代表）"
    assert judge.user.groups.filter(name=roles.JUDGE).exists()
    assert not judge.user.has_usable_password()
    assert Judge.objects.get(user__username="CD1013").centre.name == EAST
    assert JudgeAssignment.objects.filter(round=rounds["SC"]).count() == 7
    assert JudgeAssignment.objects.filter(round=rounds["QJ"]).count() == 6
    # Recusal is automatic: each entrant of SC has the 5 outside judges and the one roster
    # judge of the other centre.
    for entry in Entry.objects.filter(competition=competition).select_related("staff__centre"):
        seated = set(PanelSeat.objects.filter(round=rounds["SC"], entry=entry).values_list("judge__name", flat=True))
        assert len(seated) == 6
        assert ("姜平静" in seated) == (entry.staff.centre.name == WEST)
        assert ("侯杰秀" in seated) == (entry.staff.centre.name == EAST)
        assert PanelSeat.objects.filter(round=rounds["QJ"], entry=entry).count() == 5


def test_reimport_changes_nothing(roster, sample_bytes):
    assert _import(sample_bytes("competition_2026.xlsx")).ok
    before = _counts()
    result = _import(sample_bytes("competition_2026.xlsx"))
    assert result.ok
    assert (result.created, result.updated) == (0, 0)
    assert result.unchanged == result.total
    assert _counts() == before


def test_dry_run_writes_nothing(roster, sample_bytes):
    before = _counts()
    result = _import(sample_bytes("competition_2026.xlsx"), dry_run=True)
    assert result.ok and result.created > 0
    assert _counts() == before


def test_odd_spellings_are_read(roster, sample_sheets):
    sheets = {}
    for name, rows in sample_sheets.items():
        header = [f" {h} " if h else h for h in rows[0]]
        sheets[f" {name} "] = [header, *rows[1:]]
    sheets[" 轮次 "][0][0] = "代 码"  # a space inside the header
    sheets[" 轮次 "][2][0] = "ｓｃ"  # full-width, lower case
    sheets[" 轮次 "][2][3] = "４０"
    judges = sheets[" 评委 "]
    judges[1][4] = "sc，qj"  # full-width comma, lower case
    judges[2][4] = "SC , QJ"
    judges[6][0] = " CD1013 "
    judges[6][3] = None  # the centre comes from the roster
    sheets[" 报名 "][1][0] = "ＣＤ1001"
    result = _import(xlsx(sheets))
    assert result.ok, [str(e) for e in result.errors]
    competition = CompetitionPage.objects.get()
    assert set(competition.rounds.values_list("code", flat=True)) == {"ZS", "SC", "QJ"}
    assert Round.objects.get(code="SC").weight == Decimal("40")
    assert set(Judge.objects.get(user__username="judge").assignments.values_list("round__code", flat=True)) == {"SC", "QJ"}
    assert Judge.objects.get(user__username="CD1013").centre.name == EAST
    assert Entry.objects.filter(staff__staff_no="CD1001").exists()


def test_unknown_round_code_is_a_row_error_and_nothing_is_written(roster, sample_sheets):
    sample_sheets["评委"][3][4] = "SC、XX"
    sample_sheets["报名"][4][0] = "ZZ9999"
    before = _counts()
    result = _import(xlsx(sample_sheets))
    assert not result.ok
    messages = [str(e) for e in result.errors]
    assert any(m.startswith("第4行 [评委]轮次") and "XX" in m for m in messages), messages
    assert any(m.startswith("第5行 [报名]工号") and "ZZ9999" in m for m in messages), messages
    assert _counts() == before


def test_rubric_must_add_up_to_100(roster, sample_sheets):
    sample_sheets["评分标准"][1][2] = 25
    result = _import(xlsx(sample_sheets))
    assert [str(e) for e in result.errors] == [
        "第2行 [评分标准]满分: 轮次 SC 的评分项满分合计 105，应为 100。"
    ]


def test_bad_cells_are_each_reported(roster, sample_sheets):
    sample_sheets["竞赛"][1][3] = "混合"
    sample_sheets["轮次"][2][2] = "表演"
    sample_sheets["轮次"][3][3] = "三十"
    sample_sheets["评委"][5][2] = None
    sample_sheets["评委"][5][1] = "newjudge"
    result = _import(xlsx(sample_sheets))
    columns = {(e.row, e.column) for e in result.errors}
    assert {(2, "[竞赛]计分方式"), (3, "[轮次]类型"), (4, "[轮次]权重"), (6, "[评委]姓名")} <= columns
    assert not CompetitionPage.objects.exists()


def test_a_judge_who_competes_is_a_row_error(roster, sample_sheets):
    sample_sheets["评委"].append(["CD1003", None, None, None, "SC"])
    result = _import(xlsx(sample_sheets))
    assert [(e.row, e.column) for e in result.errors] == [(9, "[评委]工号")]


def test_unknown_centre_of_a_judge(roster, sample_sheets):
    sample_sheets["评委"][1][3] = "城北政务服务中心"
    result = _import(xlsx(sample_sheets))
    assert [(e.row, e.column) for e in result.errors] == [(2, "[评委]服务中心")]


def test_missing_sheet(roster, sample_sheets):
    del sample_sheets["评委"]
    result = _import(xlsx(sample_sheets))
    assert not result.ok and "评委" in str(result.errors[0])


def test_not_a_workbook(roster):
    result = competition_import_file(b"not a zip", "x.xlsx", dry_run=False)
    assert not result.ok and result.errors[0].row == 1


def test_assigning_a_same_centre_judge_is_refused(roster, sample_bytes):
    assert _import(sample_bytes("competition_2026.xlsx")).ok
    sc = Round.objects.get(code="SC")
    judge = Judge.objects.get(user__username="CD1013")  # 城东
    east_entry = Entry.objects.get(staff__staff_no="CD1001")
    west_entry = Entry.objects.get(staff__staff_no="CD1002")
    with pytest.raises(ValidationError) as refused:
        panel_seat_assign(round=sc, judge=judge, entry=east_entry)
    assert EAST in str(refused.value)
    assert not PanelSeat.objects.filter(judge=judge, entry=east_entry).exists()
    assert panel_seat_assign(round=sc, judge=judge, entry=west_entry).pk


def test_team_competition(roster, sample_sheets):
    sample_sheets["竞赛"][1][3] = "团队"
    teams = ["东一队", "东一队", "东二队", "东二队", "东三队", "西一队", "西一队", "西二队", "西二队", "东三队"]
    for row, team in zip(sample_sheets["报名"][1:], teams, strict=True):
        row[1] = team
    result = _import(xlsx(sample_sheets))
    assert result.ok, [str(e) for e in result.errors]
    competition = CompetitionPage.objects.get()
    assert competition.is_team
    assert Team.objects.count() == 5 and TeamMember.objects.count() == 10
    assert Entry.objects.filter(team__isnull=False).count() == 5
    assert Entry.objects.filter(staff__isnull=False).count() == 10
    # CD1014 (城西) is recused from every member of a team with a 城西 member: here the
    # west teams; CD1011 of 东三队 is at 城东 with CD1012… which is at 城西.
    judge = Judge.objects.get(user__username="CD1014")
    sc = Round.objects.get(code="SC")
    seated = set(PanelSeat.objects.filter(round=sc, judge=judge).values_list("entry__staff__staff_no", flat=True))
    assert seated == {"CD1001", "CD1003", "CD1005", "CD1009"}


def test_team_sizes_must_match(roster, sample_sheets):
    sample_sheets["竞赛"][1][3] = "团队"
    teams = ["甲", "甲", "乙", "乙", "丙", "丙", "丁", "丁", "丁", "戊"]
    for row, team in zip(sample_sheets["报名"][1:], teams, strict=True):
        row[1] = team
    result = _import(xlsx(sample_sheets))
    assert {e.column for e in result.errors} == {"[报名]队名"}
    assert len(result.errors) == 2


def test_command_exits_non_zero_on_errors(roster, sample_sheets, tmp_path, capsys):
    sample_sheets["评委"][3][4] = "XX"
    path = tmp_path / "bad.xlsx"
    path.write_bytes(xlsx(sample_sheets))
    with pytest.raises(CommandError):
        call_command("import_competition", str(path))
    assert "第4行 [评委]轮次" in capsys.readouterr().err
    assert not CompetitionPage.objects.exists()


def test_command_imports_the_sample(roster, capsys):
    call_command("import_competition", str(SAMPLES / "competition_2026.xlsx"))
    assert CompetitionPage.objects.filter(code="JS2026").exists()
    call_command("import_competition", str(SAMPLES / "competition_2026.xlsx"), "--dry-run")
