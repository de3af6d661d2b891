"""The competition workbook's sheets and columns, read into checked rows (no writes).

Errors read `第N行 [工作表]列名: 原因`: the sheet is named because the workbook has several.
"""

from dataclasses import dataclass, field
from decimal import Decimal

from django.utils.translation import gettext as _

from home.imports import RowError, cell_problem
from home.spreadsheets import shown

from .. import scoring
from ..models import RoundKind, ScoringMode
from ..models.entries import REMARK_LABELS, EntryRemark
from ..models.rounds import DEFAULT_WEIGHTS, JUDGED_KINDS, KIND_LABELS
from ..workbook import key_text, key_text_keep_separators, name_text, norm, number, present, whole_number

# Sheets and columns (DESIGN, "Competition workbook").
COMPETITION_SHEET, ROUNDS_SHEET, ENTRIES_SHEET, JUDGES_SHEET, RUBRIC_SHEET = "竞赛", "轮次", "报名", "评委", "评分标准"
CODE, NAME, YEAR, MODE = "代码", "名称", "年度", "计分方式"
KIND, WEIGHT, JUDGES_PER = "类型", "权重", "每位参赛者评委数"
STAFF_NO, TEAM, REMARK = "工号", "队名", "备注"
ACCOUNT, PERSON_NAME, CENTRE, ROUNDS, CHIEF = "账号", "姓名", "服务中心", "轮次", "裁判长"
CRITERION, MAXIMUM = "评分项", "满分"

MODE_LABELS = {"个人": ScoringMode.INDIVIDUAL, "个人赛": ScoringMode.INDIVIDUAL, "团队": ScoringMode.TEAM,
               "团队赛": ScoringMode.TEAM, "团体": ScoringMode.TEAM, "团体赛": ScoringMode.TEAM}
YES = {"是", "Y", "YES", "1", "√", "✓", "TRUE", "裁判长"}
NO = {"", "否", "N", "NO", "0", "×", "FALSE"}


def sheet_column(sheet, column):
    return f"[{sheet}]{column}"


@dataclass
class _Workbook:
    competition: dict = None
    rounds: list = field(default_factory=list)
    entries: list = field(default_factory=list)
    judges: list = field(default_factory=list)
    criteria: dict = field(default_factory=dict)
    rows: int = 0



def _cell(values, column, errors, row, sheet):
    """The raw cell, or None after recording a problem common to every column."""
    value = values.get(norm(column))
    problem = cell_problem(value)
    if problem:
        errors.append(RowError(row, sheet_column(sheet, column), problem))
        return None
    return value


def parse_workbook(tables, errors):
    """The workbook's rows as plain values; every problem found is added to `errors`."""
    book = _Workbook()
    for sheet in (COMPETITION_SHEET, ROUNDS_SHEET, ENTRIES_SHEET, JUDGES_SHEET):
        if tables.get(sheet) is None:
            errors.append(RowError(1, sheet_column(sheet, ""), _("The workbook has no sheet %(sheet)s.") % {"sheet": sheet}))
    if errors:
        return book
    book.rows = sum(len(t) for t in tables.values() if t is not None)

    # 竞赛: one row.
    table = tables[COMPETITION_SHEET]
    sheet = COMPETITION_SHEET
    if not table.rows:
        errors.append(RowError(table.header_row + 1, sheet_column(sheet, CODE), _("The sheet names no competition.")))
    elif len(table.rows) > 1:
        errors.append(RowError(table.rows[1][0], sheet_column(sheet, CODE), _("A workbook holds one competition.")))
    for row, values in table.rows[:1]:
        code = key_text(_cell(values, CODE, errors, row, sheet))
        name = name_text(_cell(values, NAME, errors, row, sheet))
        comp = {"row": row, "code": code.upper(), "title": name}
        if not code:
            errors.append(RowError(row, sheet_column(sheet, CODE), _("This column must not be empty.")))
        elif not all(c.isalnum() and c.isascii() or c in "-_" for c in code) or len(code) > 30:
            errors.append(RowError(row, sheet_column(sheet, CODE), _("Use letters, digits, - and _ (at most 30).")))
        if not name:
            errors.append(RowError(row, sheet_column(sheet, NAME), _("This column must not be empty.")))
        elif len(name) > 255:
            errors.append(RowError(row, sheet_column(sheet, NAME), _("At most %(n)d characters.") % {"n": 255}))
        try:
            comp["year"] = whole_number(_cell(values, YEAR, errors, row, sheet), minimum=2000, maximum=2100)
        except ValueError as exc:
            errors.append(RowError(row, sheet_column(sheet, YEAR), str(exc)))
        mode = key_text(_cell(values, MODE, errors, row, sheet)) or "个人"
        if mode not in MODE_LABELS:
            errors.append(RowError(row, sheet_column(sheet, MODE), _("“%(value)s”: write 个人 or 团队.") % {"value": shown(mode)}))
        comp["mode"] = MODE_LABELS.get(mode, ScoringMode.INDIVIDUAL)
        book.competition = comp

    # 轮次
    sheet = ROUNDS_SHEET
    seen = {}
    for row, values in tables[ROUNDS_SHEET].rows:
        code = key_text(_cell(values, CODE, errors, row, sheet)).upper()
        name = name_text(_cell(values, NAME, errors, row, sheet))
        kind_text = key_text(_cell(values, KIND, errors, row, sheet)).removesuffix("类")
        rnd = {"row": row, "code": code, "name": name or code}
        if not code:
            errors.append(RowError(row, sheet_column(sheet, CODE), _("This column must not be empty.")))
        elif not all(c.isalnum() and c.isascii() or c in "-_" for c in code) or len(code) > 20:
            errors.append(RowError(row, sheet_column(sheet, CODE), _("Use letters, digits, - and _ (at most 20).")))
        elif code in seen:
            errors.append(RowError(row, sheet_column(sheet, CODE), _("%(value)s appears again (first on row %(first)d).")
                                   % {"value": code, "first": seen[code]}))
        else:
            seen[code] = row
        if len(name) > 100:
            errors.append(RowError(row, sheet_column(sheet, NAME), _("At most %(n)d characters.") % {"n": 100}))
        kind = KIND_LABELS.get(kind_text)
        if kind is None:
            errors.append(RowError(row, sheet_column(sheet, KIND), _("“%(value)s”: write 知识, 实操, 情景, 抢答 or 加赛.")
                                   % {"value": shown(kind_text)}))
        rnd["kind"] = kind
        weight = _cell(values, WEIGHT, errors, row, sheet)
        try:
            rnd["weight"] = number(weight) if present(weight) else DEFAULT_WEIGHTS.get(kind, Decimal("0"))
        except ValueError as exc:
            errors.append(RowError(row, sheet_column(sheet, WEIGHT), str(exc)))
        judges = _cell(values, JUDGES_PER, errors, row, sheet)
        try:
            rnd["judges_per_entrant"] = whole_number(judges, minimum=1, maximum=99) if present(judges) else None
        except ValueError as exc:
            errors.append(RowError(row, sheet_column(sheet, JUDGES_PER), str(exc)))
        book.rounds.append(rnd)
    round_codes = {r["code"]: r for r in book.rounds}
    if not book.rounds:
        errors.append(RowError(tables[ROUNDS_SHEET].header_row, sheet_column(sheet, CODE), _("The sheet names no round.")))

    # 报名
    sheet = ENTRIES_SHEET
    team_mode = book.competition and book.competition.get("mode") == ScoringMode.TEAM
    seen = {}
    for row, values in tables[ENTRIES_SHEET].rows:
        staff_no = key_text(_cell(values, STAFF_NO, errors, row, sheet))
        team = name_text(_cell(values, TEAM, errors, row, sheet))
        remark_text = key_text(_cell(values, REMARK, errors, row, sheet))
        entry = {"row": row, "staff_no": staff_no, "team": team if team_mode else ""}
        if not staff_no:
            errors.append(RowError(row, sheet_column(sheet, STAFF_NO), _("This column must not be empty.")))
        elif staff_no.upper() in seen:
            errors.append(RowError(row, sheet_column(sheet, STAFF_NO), _("%(value)s appears again (first on row %(first)d).")
                                   % {"value": staff_no, "first": seen[staff_no.upper()]}))
        else:
            seen[staff_no.upper()] = row
        if team_mode and not team:
            errors.append(RowError(row, sheet_column(sheet, TEAM), _("A team competition needs the team of every entrant.")))
        elif len(team) > 100:
            errors.append(RowError(row, sheet_column(sheet, TEAM), _("At most %(n)d characters.") % {"n": 100}))
        if remark_text and remark_text not in REMARK_LABELS:
            errors.append(RowError(row, sheet_column(sheet, REMARK), _("“%(value)s”: write 弃权, 取消资格 or 替补, or leave it empty.")
                                   % {"value": shown(remark_text)}))
        entry["remark"] = REMARK_LABELS.get(remark_text, EntryRemark.NONE)
        book.entries.append(entry)
    if team_mode:
        sizes = {}
        for entry in book.entries:
            if entry["team"]:
                sizes.setdefault(entry["team"], []).append(entry["row"])
        if len({len(rows) for rows in sizes.values()}) > 1:
            usual = max(sorted({len(r) for r in sizes.values()}), key=lambda n: sum(len(r) == n for r in sizes.values()))
            for team, rows in sizes.items():
                if len(rows) != usual:
                    errors.append(RowError(rows[0], sheet_column(sheet, TEAM), _(
                        "Teams must be of equal size: %(team)s has %(n)d members, the others %(usual)d.")
                        % {"team": team, "n": len(rows), "usual": usual}))

    # 评委
    sheet = JUDGES_SHEET
    seen = {}
    for row, values in tables[JUDGES_SHEET].rows:
        staff_no = key_text(_cell(values, STAFF_NO, errors, row, sheet))
        account = key_text(_cell(values, ACCOUNT, errors, row, sheet))
        name = name_text(_cell(values, PERSON_NAME, errors, row, sheet))
        centre = name_text(_cell(values, CENTRE, errors, row, sheet))
        codes = [c.upper() for c in scoring.split_codes(key_text_keep_separators(_cell(values, ROUNDS, errors, row, sheet)))]
        chief = key_text(_cell(values, CHIEF, errors, row, sheet)).upper()
        judge = {"row": row, "staff_no": staff_no, "account": account, "name": name, "centre": centre,
                 "rounds": codes, "chief": chief in YES}
        if not staff_no and not account:
            errors.append(RowError(row, sheet_column(sheet, STAFF_NO), _("Give the judge's 工号 (staff on the roster) or 账号 (anyone else).")))
        key = (staff_no or account).upper()
        if key and key in seen:
            errors.append(RowError(row, sheet_column(sheet, STAFF_NO if staff_no else ACCOUNT),
                                   _("%(value)s appears again (first on row %(first)d).") % {"value": staff_no or account,
                                                                                           "first": seen[key]}))
        elif key:
            seen[key] = row
        if len(name) > 50:
            errors.append(RowError(row, sheet_column(sheet, PERSON_NAME), _("At most %(n)d characters.") % {"n": 50}))
        if account and len(account) > 150:
            errors.append(RowError(row, sheet_column(sheet, ACCOUNT), _("At most %(n)d characters.") % {"n": 150}))
        if not codes:
            errors.append(RowError(row, sheet_column(sheet, ROUNDS), _("Name the rounds the judge scores (codes separated by 、 or ,).")))
        unknown = [c for c in codes if c not in round_codes]
        if unknown and book.rounds:
            errors.append(RowError(row, sheet_column(sheet, ROUNDS), _("Unknown round %(codes)s: the 轮次 sheet has %(known)s.")
                                   % {"codes": "、".join(unknown), "known": "、".join(round_codes)}))
        if chief not in YES and chief not in NO:
            errors.append(RowError(row, sheet_column(sheet, CHIEF), _("“%(value)s”: write 是 or leave it empty.") % {"value": shown(chief)}))
        book.judges.append(judge)
    chiefs = {}
    for judge in book.judges:
        if judge["chief"]:
            for code in judge["rounds"]:
                if code in chiefs:
                    errors.append(RowError(judge["row"], sheet_column(sheet, CHIEF), _("Round %(code)s already has a chief judge (row %(first)d).")
                                           % {"code": code, "first": chiefs[code]}))
                else:
                    chiefs[code] = judge["row"]

    # 评分标准 (optional)
    table = tables.get(RUBRIC_SHEET)
    sheet = RUBRIC_SHEET
    if table is not None:
        for row, values in table.rows:
            code = key_text(_cell(values, ROUNDS, errors, row, sheet)).upper()
            name = name_text(_cell(values, CRITERION, errors, row, sheet))
            if not code:
                errors.append(RowError(row, sheet_column(sheet, ROUNDS), _("This column must not be empty.")))
                continue
            if code not in round_codes:
                errors.append(RowError(row, sheet_column(sheet, ROUNDS), _("Unknown round %(codes)s: the 轮次 sheet has %(known)s.")
                                       % {"codes": code, "known": "、".join(round_codes)}))
                continue
            if round_codes[code]["kind"] not in (*JUDGED_KINDS, RoundKind.TIEBREAK):
                errors.append(RowError(row, sheet_column(sheet, ROUNDS), _("Round %(code)s is not judged on a rubric.") % {"code": code}))
                continue
            if not name:
                errors.append(RowError(row, sheet_column(sheet, CRITERION), _("This column must not be empty.")))
                continue
            if len(name) > 50:
                errors.append(RowError(row, sheet_column(sheet, CRITERION), _("At most %(n)d characters.") % {"n": 50}))
                continue
            criteria = book.criteria.setdefault(code, [])
            if any(norm(c[0]) == norm(name) for c in criteria):
                errors.append(RowError(row, sheet_column(sheet, CRITERION), _("%(value)s appears again for round %(code)s.")
                                       % {"value": name, "code": code}))
                continue
            try:
                maximum = number(_cell(values, MAXIMUM, errors, row, sheet))
                if maximum <= 0 or maximum > 100:
                    raise ValueError(_("Must be between %(low)d and %(high)d.") % {"low": 0, "high": 100})
            except ValueError as exc:
                errors.append(RowError(row, sheet_column(sheet, MAXIMUM), str(exc)))
                continue
            criteria.append((name, maximum, row))
        for code, criteria in book.criteria.items():
            total = sum((m for _n, m, _r in criteria), Decimal("0"))
            if total != 100:
                errors.append(RowError(criteria[0][2], sheet_column(sheet, MAXIMUM), _(
                    "The maximum points of round %(code)s add up to %(total)s; they must add up to 100.")
                    % {"code": code, "total": f"{total.normalize():f}"}))
    return book
