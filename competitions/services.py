"""Writes of the competitions app: the workbook and score-sheet imports (all rows or none,
idempotent), panels and recusal, round states, publication and awards.

Every import validates the whole file first and writes nothing when any row is bad; errors
read `第N行 [工作表]列名: 原因` (the sheet is named because the workbook has several).
"""

import unicodedata
from dataclasses import dataclass, field
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from home.imports import ImportResult, RowError, cell_problem
from home.spreadsheets import SpreadsheetError, cell_text, shown
from people import roles
from people.models import ServiceCentre, StaffProfile

from . import scoring
from .models import (
    Award,
    CompetitionIndexPage,
    CompetitionPage,
    ConflictDeclaration,
    Criterion,
    Entry,
    Judge,
    JudgeAssignment,
    PanelSeat,
    ResultSnapshot,
    Round,
    RoundKind,
    RoundState,
    RoundStateLog,
    Rubric,
    ScoreSheet,
    ScoreSheetVersion,
    ScoringMode,
    SheetStatus,
    Team,
    TeamMember,
)
from .models.entries import REMARK_LABELS, EntryRemark
from .models.rounds import DEFAULT_WEIGHTS, JUDGED_KINDS, KIND_LABELS, STATE_ORDER
from .workbook import (
    key_text,
    name_text,
    norm,
    number,
    read_workbook,
    sheet_table,
    single_sheet_table,
    whole_number,
)

# Sheets and columns (DESIGN, "Competition workbook").
COMPETITION_SHEET, ROUNDS_SHEET, ENTRIES_SHEET, JUDGES_SHEET, RUBRIC_SHEET = "竞赛", "轮次", "报名", "评委", "评分标准"
CODE, NAME, YEAR, MODE = "代码", "名称", "年度", "计分方式"
KIND, WEIGHT, JUDGES_PER = "类型", "权重", "每位参赛者评委数"
STAFF_NO, TEAM, REMARK = "工号", "队名", "备注"
ACCOUNT, PERSON_NAME, CENTRE, ROUNDS, CHIEF = "账号", "姓名", "服务中心", "轮次", "裁判长"
CRITERION, MAXIMUM = "评分项", "满分"
JUDGE, ENTRANT, SCORE = "评委", "参赛者", "得分"

MODE_LABELS = {"个人": ScoringMode.INDIVIDUAL, "个人赛": ScoringMode.INDIVIDUAL, "团队": ScoringMode.TEAM,
               "团队赛": ScoringMode.TEAM, "团体": ScoringMode.TEAM, "团体赛": ScoringMode.TEAM}
YES = {"是", "Y", "YES", "1", "√", "✓", "TRUE", "裁判长"}
NO = {"", "否", "N", "NO", "0", "×", "FALSE"}
FROZEN_STATES = (RoundState.CONFIRMED, RoundState.PUBLISHED)


def _col(sheet, column):
    return f"[{sheet}]{column}"


def _present(value):
    return key_text(value) != ""


# --- recusal -------------------------------------------------------------------------------


def entrant_centres(competition):
    """{entry id: {centre ids}} whose judges must be recused: a person's centre; a team's
    members' centres; in a team competition, a member's whole team's centres. Two queries."""
    members = {}
    member_team = {}
    for team_id, staff_id, centre_id in TeamMember.objects.filter(competition=competition).values_list(
        "team_id", "staff_id", "staff__centre_id"
    ):
        members.setdefault(team_id, set()).add(centre_id)
        member_team[staff_id] = team_id
    result = {}
    for entry_id, staff_id, team_id, centre_id in Entry.objects.filter(competition=competition).values_list(
        "pk", "staff_id", "team_id", "staff__centre_id"
    ):
        if team_id:
            result[entry_id] = set(members.get(team_id, ()))
        else:
            result[entry_id] = {centre_id} | set(members.get(member_team.get(staff_id), ()))
    return result


def entrant_people(competition):
    """{entry id: {staff ids}}: the person, or the team's members (for judges who compete)."""
    members = {}
    member_team = {}
    for team_id, staff_id in TeamMember.objects.filter(competition=competition).values_list("team_id", "staff_id"):
        members.setdefault(team_id, set()).add(staff_id)
        member_team[staff_id] = team_id
    result = {}
    for entry_id, staff_id, team_id in Entry.objects.filter(competition=competition).values_list("pk", "staff_id", "team_id"):
        result[entry_id] = set(members.get(team_id, ())) if team_id else {staff_id}
    return result


class Recusal:
    """Who must not score whom in a competition (computed with a few queries, then asked per pair)."""

    def __init__(self, competition):
        self.centres = entrant_centres(competition)
        self.people = entrant_people(competition)
        self.declared = set(
            ConflictDeclaration.objects.filter(judge__competition=competition).values_list("judge_id", "entry_id")
        )
        self.judge_staff = dict(
            Judge.objects.filter(competition=competition, user__staff_profile__isnull=False).values_list(
                "pk", "user__staff_profile__pk"
            )
        )
        self.centre_names = dict(ServiceCentre.objects.values_list("pk", "name"))

    def reason(self, judge, entry_id):
        """Why `judge` (a Judge) must be recused from the entry, or None."""
        if (judge.pk, entry_id) in self.declared:
            return _("the judge declared a conflict with this entrant")
        staff_id = self.judge_staff.get(judge.pk)
        if staff_id and staff_id in self.people.get(entry_id, ()):
            return _("the judge is this entrant (or in the team)")
        if judge.centre_id and judge.centre_id in self.centres.get(entry_id, ()):
            return _("the judge and the entrant are of the same service centre (%(centre)s)") % {
                "centre": self.centre_names.get(judge.centre_id, "")
            }
        return None


def recusal_reason(*, judge, entry):
    """Why the judge must be recused from the entry (same centre, team member's centre,
    declared conflict, or the judge competes), or None."""
    return Recusal(judge.competition).reason(judge, entry.pk)


# --- panels ---------------------------------------------------------------------------------


@transaction.atomic
def judge_assign(*, round, judge, is_chief=False):
    """Put a judge on a round's panel (seats for every entrant they need not be recused from)."""
    if judge.competition_id != round.competition_id:
        raise ValidationError(_("The judge belongs to another competition."))
    if is_chief:
        JudgeAssignment.objects.filter(round=round, is_chief=True).exclude(judge=judge).update(is_chief=False)
    assignment, _created = JudgeAssignment.objects.update_or_create(round=round, judge=judge, defaults={"is_chief": is_chief})
    panel_seats_sync(competition=round.competition)
    return assignment


@transaction.atomic
def panel_seat_assign(*, round, judge, entry):
    """Seat a judge for one entrant; refused (ValidationError) when the judge must be recused."""
    if judge.competition_id != round.competition_id or entry.competition_id != round.competition_id:
        raise ValidationError(_("The judge, the entrant and the round must be of one competition."))
    reason = recusal_reason(judge=judge, entry=entry)
    if reason:
        raise ValidationError(_("%(judge)s cannot judge %(entrant)s: %(reason)s.") % {
            "judge": judge.name, "entrant": entry, "reason": reason})
    JudgeAssignment.objects.get_or_create(round=round, judge=judge)
    seat, _created = PanelSeat.objects.get_or_create(round=round, judge=judge, entry=entry)
    return seat


@transaction.atomic
def conflict_declare(*, judge, entry, reason=""):
    """A declared conflict: the judge loses their seat for that entrant (a sheet already
    entered stays, for the chief judge to see, but no longer counts)."""
    declaration, _created = ConflictDeclaration.objects.get_or_create(judge=judge, entry=entry, defaults={"reason": reason})
    PanelSeat.objects.filter(judge=judge, entry=entry).delete()
    return declaration


def round_entrants(round, entries):
    """The entries a round scores: team entries in a team round, person entries otherwise."""
    if round.is_team_round:
        return [e for e in entries if e.team_id]
    return [e for e in entries if e.staff_id]


def panel_seats_sync(*, competition):
    """Seats = every (assigned judge, entrant) pair of a round the judge need not be recused
    from. Adds the missing seats and removes those recusal now forbids. Returns notes on
    panels left short (fewer judges than the round asks for, or fewer than 5)."""
    recusal = Recusal(competition)
    entries = list(Entry.objects.filter(competition=competition).select_related("team", "staff"))
    rounds = list(competition.rounds.all())
    assignments = {}
    for a in JudgeAssignment.objects.filter(round__competition=competition).select_related("judge"):
        assignments.setdefault(a.round_id, []).append(a.judge)
    wanted = set()
    notes = []
    for rnd in rounds:
        judges = assignments.get(rnd.pk, [])
        if not judges:
            continue
        for entry in round_entrants(rnd, entries):
            eligible = [j for j in judges if recusal.reason(j, entry.pk) is None]
            wanted.update((rnd.pk, j.pk, entry.pk) for j in eligible)
            target = rnd.judges_per_entrant
            if target and len(eligible) < target:
                notes.append(_("%(round)s: %(entrant)s has %(n)d judges, fewer than %(target)d.") % {
                    "round": rnd.code, "entrant": entry, "n": len(eligible), "target": target})
            if rnd.is_judged and 0 < len(eligible) < scoring.TRIM_FROM:
                notes.append(_("%(round)s: %(entrant)s has fewer than 5 judges; the round falls back to a plain mean.")
                             % {"round": rnd.code, "entrant": entry})
    have = {(s.round_id, s.judge_id, s.entry_id): s.pk for s in PanelSeat.objects.filter(round__competition=competition)}
    PanelSeat.objects.bulk_create([PanelSeat(round_id=r, judge_id=j, entry_id=e) for r, j, e in sorted(wanted - set(have))])
    stale = [pk for key, pk in have.items() if key not in wanted]
    if stale:
        PanelSeat.objects.filter(pk__in=stale).delete()
    return notes


# --- the competition workbook --------------------------------------------------------------


@dataclass
class _Workbook:
    competition: dict = None
    rounds: list = field(default_factory=list)
    entries: list = field(default_factory=list)
    judges: list = field(default_factory=list)
    criteria: dict = field(default_factory=dict)
    rows: int = 0


def competition_import_file(content, filename, *, dry_run, user=None):
    """Read the workbook and import it (see competition_import)."""
    try:
        sheets = read_workbook(content, filename)
        tables = {
            COMPETITION_SHEET: sheet_table(sheets, COMPETITION_SHEET, (CODE, NAME)),
            ROUNDS_SHEET: sheet_table(sheets, ROUNDS_SHEET, (CODE, KIND)),
            ENTRIES_SHEET: sheet_table(sheets, ENTRIES_SHEET, (STAFF_NO,)),
            JUDGES_SHEET: sheet_table(sheets, JUDGES_SHEET, (ROUNDS,)),
            RUBRIC_SHEET: sheet_table(sheets, RUBRIC_SHEET, (ROUNDS, CRITERION, MAXIMUM)),
        }
    except SpreadsheetError as exc:
        return ImportResult(errors=[RowError(1, _("File"), str(exc))], dry_run=dry_run)
    return competition_import(tables, dry_run=dry_run, user=user)


def _cell(values, column, errors, row, sheet):
    """The raw cell, or None after recording a problem common to every column."""
    value = values.get(norm(column))
    problem = cell_problem(value)
    if problem:
        errors.append(RowError(row, _col(sheet, column), problem))
        return None
    return value


def _parse_workbook(tables, errors):
    book = _Workbook()
    for sheet in (COMPETITION_SHEET, ROUNDS_SHEET, ENTRIES_SHEET, JUDGES_SHEET):
        if tables.get(sheet) is None:
            errors.append(RowError(1, _col(sheet, ""), _("The workbook has no sheet %(sheet)s.") % {"sheet": sheet}))
    if errors:
        return book
    book.rows = sum(len(t) for t in tables.values() if t is not None)

    # 竞赛: one row.
    table = tables[COMPETITION_SHEET]
    sheet = COMPETITION_SHEET
    if not table.rows:
        errors.append(RowError(table.header_row + 1, _col(sheet, CODE), _("The sheet names no competition.")))
    elif len(table.rows) > 1:
        errors.append(RowError(table.rows[1][0], _col(sheet, CODE), _("A workbook holds one competition.")))
    for row, values in table.rows[:1]:
        code = key_text(_cell(values, CODE, errors, row, sheet))
        name = name_text(_cell(values, NAME, errors, row, sheet))
        comp = {"row": row, "code": code.upper(), "title": name}
        if not code:
            errors.append(RowError(row, _col(sheet, CODE), _("This column must not be empty.")))
        elif not all(c.isalnum() and c.isascii() or c in "-_" for c in code) or len(code) > 30:
            errors.append(RowError(row, _col(sheet, CODE), _("Use letters, digits, - and _ (at most 30).")))
        if not name:
            errors.append(RowError(row, _col(sheet, NAME), _("This column must not be empty.")))
        elif len(name) > 255:
            errors.append(RowError(row, _col(sheet, NAME), _("At most %(n)d characters.") % {"n": 255}))
        try:
            comp["year"] = whole_number(_cell(values, YEAR, errors, row, sheet), minimum=2000, maximum=2100)
        except ValueError as exc:
            errors.append(RowError(row, _col(sheet, YEAR), str(exc)))
        mode = key_text(_cell(values, MODE, errors, row, sheet)) or "个人"
        if mode not in MODE_LABELS:
            errors.append(RowError(row, _col(sheet, MODE), _("“%(value)s”: write 个人 or 团队.") % {"value": shown(mode)}))
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
            errors.append(RowError(row, _col(sheet, CODE), _("This column must not be empty.")))
        elif not all(c.isalnum() and c.isascii() or c in "-_" for c in code) or len(code) > 20:
            errors.append(RowError(row, _col(sheet, CODE), _("Use letters, digits, - and _ (at most 20).")))
        elif code in seen:
            errors.append(RowError(row, _col(sheet, CODE), _("%(value)s appears again (first on row %(first)d).")
                                   % {"value": code, "first": seen[code]}))
        else:
            seen[code] = row
        if len(name) > 100:
            errors.append(RowError(row, _col(sheet, NAME), _("At most %(n)d characters.") % {"n": 100}))
        kind = KIND_LABELS.get(kind_text)
        if kind is None:
            errors.append(RowError(row, _col(sheet, KIND), _("“%(value)s”: write 知识, 实操, 情景, 抢答 or 加赛.")
                                   % {"value": shown(kind_text)}))
        rnd["kind"] = kind
        weight = _cell(values, WEIGHT, errors, row, sheet)
        try:
            rnd["weight"] = number(weight) if _present(weight) else DEFAULT_WEIGHTS.get(kind, Decimal("0"))
        except ValueError as exc:
            errors.append(RowError(row, _col(sheet, WEIGHT), str(exc)))
        judges = _cell(values, JUDGES_PER, errors, row, sheet)
        try:
            rnd["judges_per_entrant"] = whole_number(judges, minimum=1, maximum=99) if _present(judges) else None
        except ValueError as exc:
            errors.append(RowError(row, _col(sheet, JUDGES_PER), str(exc)))
        book.rounds.append(rnd)
    round_codes = {r["code"]: r for r in book.rounds}
    if not book.rounds:
        errors.append(RowError(tables[ROUNDS_SHEET].header_row, _col(sheet, CODE), _("The sheet names no round.")))

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
            errors.append(RowError(row, _col(sheet, STAFF_NO), _("This column must not be empty.")))
        elif staff_no.upper() in seen:
            errors.append(RowError(row, _col(sheet, STAFF_NO), _("%(value)s appears again (first on row %(first)d).")
                                   % {"value": staff_no, "first": seen[staff_no.upper()]}))
        else:
            seen[staff_no.upper()] = row
        if team_mode and not team:
            errors.append(RowError(row, _col(sheet, TEAM), _("A team competition needs the team of every entrant.")))
        elif len(team) > 100:
            errors.append(RowError(row, _col(sheet, TEAM), _("At most %(n)d characters.") % {"n": 100}))
        if remark_text and remark_text not in REMARK_LABELS:
            errors.append(RowError(row, _col(sheet, REMARK), _("“%(value)s”: write 弃权, 取消资格 or 替补, or leave it empty.")
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
                    errors.append(RowError(rows[0], _col(sheet, TEAM), _(
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
            errors.append(RowError(row, _col(sheet, STAFF_NO), _("Give the judge's 工号 (staff on the roster) or 账号 (anyone else).")))
        key = (staff_no or account).upper()
        if key and key in seen:
            errors.append(RowError(row, _col(sheet, STAFF_NO if staff_no else ACCOUNT),
                                   _("%(value)s appears again (first on row %(first)d).") % {"value": staff_no or account,
                                                                                           "first": seen[key]}))
        elif key:
            seen[key] = row
        if len(name) > 50:
            errors.append(RowError(row, _col(sheet, PERSON_NAME), _("At most %(n)d characters.") % {"n": 50}))
        if account and len(account) > 150:
            errors.append(RowError(row, _col(sheet, ACCOUNT), _("At most %(n)d characters.") % {"n": 150}))
        if not codes:
            errors.append(RowError(row, _col(sheet, ROUNDS), _("Name the rounds the judge scores (codes separated by 、 or ,).")))
        unknown = [c for c in codes if c not in round_codes]
        if unknown and book.rounds:
            errors.append(RowError(row, _col(sheet, ROUNDS), _("Unknown round %(codes)s: the 轮次 sheet has %(known)s.")
                                   % {"codes": "、".join(unknown), "known": "、".join(round_codes)}))
        if chief not in YES and chief not in NO:
            errors.append(RowError(row, _col(sheet, CHIEF), _("“%(value)s”: write 是 or leave it empty.") % {"value": shown(chief)}))
        book.judges.append(judge)
    chiefs = {}
    for judge in book.judges:
        if judge["chief"]:
            for code in judge["rounds"]:
                if code in chiefs:
                    errors.append(RowError(judge["row"], _col(sheet, CHIEF), _("Round %(code)s already has a chief judge (row %(first)d).")
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
                errors.append(RowError(row, _col(sheet, ROUNDS), _("This column must not be empty.")))
                continue
            if code not in round_codes:
                errors.append(RowError(row, _col(sheet, ROUNDS), _("Unknown round %(codes)s: the 轮次 sheet has %(known)s.")
                                       % {"codes": code, "known": "、".join(round_codes)}))
                continue
            if round_codes[code]["kind"] not in (*JUDGED_KINDS, RoundKind.TIEBREAK):
                errors.append(RowError(row, _col(sheet, ROUNDS), _("Round %(code)s is not judged on a rubric.") % {"code": code}))
                continue
            if not name:
                errors.append(RowError(row, _col(sheet, CRITERION), _("This column must not be empty.")))
                continue
            if len(name) > 50:
                errors.append(RowError(row, _col(sheet, CRITERION), _("At most %(n)d characters.") % {"n": 50}))
                continue
            criteria = book.criteria.setdefault(code, [])
            if any(norm(c[0]) == norm(name) for c in criteria):
                errors.append(RowError(row, _col(sheet, CRITERION), _("%(value)s appears again for round %(code)s.")
                                       % {"value": name, "code": code}))
                continue
            try:
                maximum = number(_cell(values, MAXIMUM, errors, row, sheet))
                if maximum <= 0 or maximum > 100:
                    raise ValueError(_("Must be between %(low)d and %(high)d.") % {"low": 0, "high": 100})
            except ValueError as exc:
                errors.append(RowError(row, _col(sheet, MAXIMUM), str(exc)))
                continue
            criteria.append((name, maximum, row))
        for code, criteria in book.criteria.items():
            total = sum((m for _n, m, _r in criteria), Decimal("0"))
            if total != 100:
                errors.append(RowError(criteria[0][2], _col(sheet, MAXIMUM), _(
                    "The maximum points of round %(code)s add up to %(total)s; they must add up to 100.")
                    % {"code": code, "total": f"{total.normalize():f}"}))
    return book


def key_text_keep_separators(value):
    """A round-codes cell: NFKC (full-width commas become commas), separators kept."""
    return unicodedata.normalize("NFKC", cell_text(value))


class _CompetitionPlan:
    """Everything the workbook refers to, looked up with one query per table."""

    def __init__(self, book, errors):
        self.book = book
        comp = book.competition
        self.competition = CompetitionPage.objects.filter(code__iexact=comp["code"]).first()
        staff_nos = {e["staff_no"].upper() for e in book.entries} | {j["staff_no"].upper() for j in book.judges if j["staff_no"]}
        self.staff = {}
        for profile in StaffProfile.objects.filter(staff_no__in=_case_variants(staff_nos)).select_related("user", "centre"):
            self.staff[profile.staff_no.upper()] = profile
        accounts = {j["account"] for j in book.judges if j["account"]}
        User = get_user_model()
        self.users = {u.username.upper(): u for u in User.objects.filter(username__in=_case_variants(accounts))}
        account_profiles = {p.user_id: p for p in StaffProfile.objects.filter(user__in=self.users.values()).select_related("centre")}
        centre_names = {j["centre"] for j in book.judges if j["centre"]}
        self.centres = {norm(c.name): c for c in ServiceCentre.objects.filter(name__in=centre_names)}
        if len(self.centres) < len({norm(n) for n in centre_names}):
            self.centres.update({norm(c.name): c for c in ServiceCentre.objects.all()})
        self.new_accounts = []

        for entry in book.entries:
            if entry["staff_no"] and entry["staff_no"].upper() not in self.staff:
                errors.append(RowError(entry["row"], _col(ENTRIES_SHEET, STAFF_NO), _(
                    "No staff member with 工号 %(value)s on the roster.") % {"value": shown(entry["staff_no"])}))
        entrant_staff = {e["staff_no"].upper() for e in book.entries}
        for judge in book.judges:
            profile = None
            if judge["staff_no"]:
                profile = self.staff.get(judge["staff_no"].upper())
                if profile is None:
                    errors.append(RowError(judge["row"], _col(JUDGES_SHEET, STAFF_NO), _(
                        "No staff member with 工号 %(value)s on the roster.") % {"value": shown(judge["staff_no"])}))
                    continue
                judge["user"] = profile.user
            else:
                user = self.users.get(judge["account"].upper())
                judge["user"] = user
                profile = account_profiles.get(user.pk) if user else None
                if user is None:
                    if not judge["name"]:
                        errors.append(RowError(judge["row"], _col(JUDGES_SHEET, PERSON_NAME), _(
                            "A new judge account needs the judge's name.")))
                    self.new_accounts.append(judge["account"])
            if profile is not None and profile.staff_no.upper() in entrant_staff:
                errors.append(RowError(judge["row"], _col(JUDGES_SHEET, STAFF_NO if judge["staff_no"] else ACCOUNT), _(
                    "%(value)s is registered as an entrant and cannot judge.") % {"value": profile.staff_no}))
            judge["profile"] = profile
            judge["name"] = judge["name"] or (profile.name if profile else (judge["user"].get_full_name() if judge.get("user") else ""))
            if judge["centre"]:
                centre = self.centres.get(norm(judge["centre"]))
                if centre is None:
                    errors.append(RowError(judge["row"], _col(JUDGES_SHEET, CENTRE), _(
                        "Unknown service centre %(value)s.") % {"value": shown(judge["centre"])}))
                judge["centre_obj"] = centre
            else:
                judge["centre_obj"] = profile.centre if profile else None
            if not judge["name"]:
                judge["name"] = judge["account"] or judge["staff_no"]

    def has_sheets(self):
        return self.competition is not None and ScoreSheet.objects.filter(round__competition=self.competition).exists()


def _case_variants(keys):
    variants = set()
    for key in keys:
        variants.update({key, key.upper(), key.lower()})
    return variants


def competition_import(tables, *, dry_run, user=None):
    """Create or update a competition from its workbook tables ({sheet: Table}): all rows or
    none, idempotent (the competition by 代码, rounds by code, entrants by 工号, teams by name,
    judges by account)."""
    result = ImportResult(dry_run=dry_run)
    book = _parse_workbook(tables, result.errors)
    result.total = book.rows
    if book.competition is None or not book.rows:
        return _sorted(result)
    # Look everything up even after errors in the cells, so that one run lists every bad row.
    plan = _CompetitionPlan(book, result.errors)
    if not result.errors and plan.competition is not None and book.criteria:
        frozen = _rubric_changes_with_sheets(plan)
        result.errors.extend(frozen)
    if result.errors:
        return _sorted(result)
    if plan.new_accounts:
        result.side_effects[_("judge accounts")] = sorted(plan.new_accounts)
    if plan.competition is None:
        result.side_effects[_("competitions")] = [book.competition["code"]]
    with transaction.atomic():
        counts, notes = _write_competition(plan, user)
        result.created, result.updated, result.unchanged = counts
        result.changes = notes
        if dry_run:
            transaction.set_rollback(True)
    return result


def _sorted(result):
    result.errors.sort(key=lambda e: (e.column.split("]")[0], e.row))
    return result


def _rubric_changes_with_sheets(plan):
    errors = []
    rounds = {r.code: r for r in plan.competition.rounds.select_related("rubric")}
    with_sheets = set(ScoreSheet.objects.filter(round__competition=plan.competition).values_list("round__code", flat=True))
    for code, criteria in plan.book.criteria.items():
        rnd = rounds.get(code)
        if rnd is None or code not in with_sheets:
            continue
        current = rnd.rubric.maxima() if rnd.rubric_id else {}
        wanted = {n: m for n, m, _r in criteria}
        if current != wanted:
            errors.append(RowError(criteria[0][2], _col(RUBRIC_SHEET, CRITERION), _(
                "Round %(code)s already has score sheets: its rubric can no longer change.") % {"code": code}))
    return errors


def _tally(counts, status):
    index = {"created": 0, "updated": 1, "unchanged": 2}[status]
    counts[index] += 1


def _save_if_changed(obj, values):
    changed = [k for k, v in values.items() if getattr(obj, k) != v]
    for key in changed:
        setattr(obj, key, values[key])
    if changed:
        obj.save(update_fields=changed)
        return "updated"
    return "unchanged"


def competition_index_page():
    """The competitions index (created under the site's home page, or the tree root, if missing)."""
    from wagtail.models import Page, Site

    index = CompetitionIndexPage.objects.first()
    if index is not None:
        return index
    site = Site.objects.filter(is_default_site=True).select_related("root_page").first()
    parent = site.root_page if site else Page.get_first_root_node()
    index = CompetitionIndexPage(title=_("Skills competitions"), slug="competitions")
    parent.add_child(instance=index)
    return index


def _write_competition(plan, user):
    book = plan.book
    counts = [0, 0, 0]
    comp = book.competition
    competition = plan.competition
    if competition is None:
        competition = CompetitionPage(
            title=comp["title"], code=comp["code"], year=comp["year"], scoring_mode=comp["mode"],
            slug=comp["code"].lower(),
        )
        competition_index_page().add_child(instance=competition)
        _tally(counts, "created")
    else:
        _tally(counts, _save_if_changed(competition, {"title": comp["title"], "year": comp["year"],
                                                      "scoring_mode": comp["mode"]}))

    # Rounds and rubrics.
    rounds = {r.code.upper(): r for r in competition.rounds.select_related("rubric")}
    for order, spec in enumerate(book.rounds, start=1):
        values = {"name": spec["name"], "kind": spec["kind"], "weight": spec["weight"],
                  "judges_per_entrant": spec["judges_per_entrant"], "sort_order": order}
        rnd = rounds.get(spec["code"])
        if rnd is None:
            rnd = Round(competition=competition, code=spec["code"], **values)
            rnd.full_clean()
            rnd.save()
            rounds[spec["code"]] = rnd
            _tally(counts, "created")
        else:
            _tally(counts, _save_if_changed(rnd, values))
    for code, criteria in book.criteria.items():
        rnd = rounds[code]
        wanted = [(n, m) for n, m, _r in criteria]
        if rnd.rubric_id and [(c.name, c.max_points) for c in rnd.rubric.criteria.all()] == wanted:
            counts[2] += len(criteria)
            continue
        rubric = rnd.rubric
        if rubric is None:
            rubric, _created = Rubric.objects.get_or_create(name=f"{competition.code}·{rnd.code} {rnd.name}"[:100])
            rnd.rubric = rubric
            rnd.save(update_fields=["rubric"])
        rubric.criteria.all().delete()
        Criterion.objects.bulk_create(
            [Criterion(rubric=rubric, name=n, max_points=m, sort_order=i) for i, (n, m) in enumerate(wanted)]
        )
        counts[0] += len(criteria)

    # Entrants and teams.
    entries = {e.staff_id: e for e in Entry.objects.filter(competition=competition, staff__isnull=False)}
    teams = {t.name: t for t in Team.objects.filter(competition=competition)}
    team_entries = {e.team_id: e for e in Entry.objects.filter(competition=competition, team__isnull=False)}
    members = {m.staff_id: m for m in TeamMember.objects.filter(competition=competition)}
    for spec in book.entries:
        profile = plan.staff[spec["staff_no"].upper()]
        status = "unchanged"
        if spec["team"]:
            team = teams.get(spec["team"])
            if team is None:
                team = teams[spec["team"]] = Team.objects.create(competition=competition, name=spec["team"])
            if team.pk not in team_entries:
                team_entries[team.pk] = Entry.objects.create(competition=competition, team=team)
            member = members.get(profile.pk)
            if member is None:
                members[profile.pk] = TeamMember.objects.create(competition=competition, team=team, staff=profile)
                status = "created"
            elif member.team_id != team.pk:
                member.team = team
                member.save(update_fields=["team"])
                status = "updated"
        entry = entries.get(profile.pk)
        if entry is None:
            entries[profile.pk] = Entry.objects.create(competition=competition, staff=profile, remark=spec["remark"])
            status = "created"
        elif entry.remark != spec["remark"]:
            entry.remark = spec["remark"]
            entry.save(update_fields=["remark"])
            status = "updated" if status == "unchanged" else status
        _tally(counts, status)
    # Teams left without members (a member moved to another team) lose their entry.
    if competition.is_team:
        for team in Team.objects.filter(competition=competition, members__isnull=True):
            team.delete()

    # Judges, their rounds and seats.
    judge_group = Group.objects.get(name=roles.JUDGE)
    judges = {j.user_id: j for j in Judge.objects.filter(competition=competition)}
    assignments = {(a.round_id, a.judge_id): a for a in JudgeAssignment.objects.filter(round__competition=competition)}
    User = get_user_model()
    for spec in book.judges:
        status = "unchanged"
        account = spec.get("user")
        if account is None:
            account = User(username=spec["account"], first_name=spec["name"][:150])
            account.set_unusable_password()
            account.full_clean(exclude=["password"])
            account.save()
            account.groups.add(judge_group)
            status = "created"
        elif not account.groups.filter(pk=judge_group.pk).exists() and spec["profile"] is None:
            account.groups.add(judge_group)
        judge = judges.get(account.pk)
        values = {"name": spec["name"], "centre": spec["centre_obj"]}
        if judge is None:
            judge = judges[account.pk] = Judge.objects.create(competition=competition, user=account, **values)
            status = "created"
        elif _save_if_changed(judge, values) == "updated" and status == "unchanged":
            status = "updated"
        for code in spec["rounds"]:
            rnd = rounds[code]
            assignment = assignments.get((rnd.pk, judge.pk))
            if assignment is None:
                if spec["chief"]:
                    JudgeAssignment.objects.filter(round=rnd, is_chief=True).update(is_chief=False)
                assignments[(rnd.pk, judge.pk)] = JudgeAssignment.objects.create(round=rnd, judge=judge, is_chief=spec["chief"])
                status = "created" if status == "created" else "updated"
            elif assignment.is_chief != spec["chief"]:
                if spec["chief"]:
                    JudgeAssignment.objects.filter(round=rnd, is_chief=True).update(is_chief=False)
                assignment.is_chief = spec["chief"]
                assignment.save(update_fields=["is_chief"])
                status = "updated" if status == "unchanged" else status
        _tally(counts, status)
    notes = panel_seats_sync(competition=competition)
    return counts, notes


# --- score sheets ------------------------------------------------------------------------------


def round_scores_import_file(content, filename, *, competition_code, round_code, dry_run, user=None):
    """Read a score sheet file and import it into the round (see round_scores_import)."""
    competition = CompetitionPage.objects.filter(code__iexact=key_text(competition_code)).first()
    if competition is None:
        return ImportResult(errors=[RowError(1, _("File"), _("No competition with code %(code)s.") % {"code": competition_code})],
                            dry_run=dry_run)
    rnd = Round.objects.filter(competition=competition, code__iexact=key_text(round_code)).select_related("rubric").first()
    if rnd is None:
        known = "、".join(competition.rounds.values_list("code", flat=True))
        return ImportResult(errors=[RowError(1, _("File"), _("The competition has no round %(code)s (it has %(known)s).")
                                             % {"code": round_code, "known": known})], dry_run=dry_run)
    try:
        table = single_sheet_table(content, filename, markers=(ENTRANT,))
    except SpreadsheetError as exc:
        return ImportResult(errors=[RowError(1, _("File"), str(exc))], dry_run=dry_run)
    return round_scores_import(table, round=rnd, dry_run=dry_run, user=user)


def round_scores_import(table, *, round, dry_run, user=None, reason=""):
    """Import one round's scores from a Table (headers normalised): judges' sheets (评委,
    参赛者, then 得分 or one column per 评分项) or, without a 评委 column, one score per
    entrant (offline written rounds). All rows or none; a row equal to the current sheet
    changes nothing; a changed row is a new version of the sheet."""
    rnd = round
    competition = rnd.competition
    result = ImportResult(total=len(table), dry_run=dry_run)
    errors = result.errors
    headers = set(table.headers)
    if rnd.state in FROZEN_STATES:
        errors.append(RowError(table.header_row, _("File"), _(
            "Round %(code)s is %(state)s: its scores can no longer change (reopen it first).")
            % {"code": rnd.code, "state": rnd.get_state_display()}))
        return result
    judged = norm(JUDGE) in headers
    if rnd.is_judged and not judged:
        errors.append(RowError(table.header_row, JUDGE, _("This column is missing.")))
        return result
    maxima = rnd.rubric.maxima() if rnd.rubric_id else {}
    by_header = {norm(name): name for name in maxima}
    criterion_columns = [h for h in table.headers if h in by_header]
    use_criteria = bool(maxima) and len(criterion_columns) == len(maxima)
    if not use_criteria and norm(SCORE) not in headers:
        if maxima:
            missing = [n for n in maxima if norm(n) not in headers]
            errors.append(RowError(table.header_row, "、".join(missing), _(
                "The sheet needs 得分 or one column per criterion of the round (%(criteria)s).")
                % {"criteria": "、".join(maxima)}))
        else:
            errors.append(RowError(table.header_row, SCORE, _("This column is missing.")))
        return result

    entries = list(Entry.objects.filter(competition=competition).select_related("team", "staff"))
    if rnd.is_team_round:
        entrant_by_key = {norm(e.team.name): e for e in entries if e.team_id}
    else:
        entrant_by_key = {e.staff.staff_no.upper(): e for e in entries if e.staff_id}
    judges = {}
    if judged:
        for judge in Judge.objects.filter(competition=competition).select_related("user", "user__staff_profile"):
            judges[judge.user.username.upper()] = judge
            profile = getattr(judge.user, "staff_profile", None)
            if profile is not None:
                judges[profile.staff_no.upper()] = judge
        on_panel = set(JudgeAssignment.objects.filter(round=rnd).values_list("judge_id", flat=True))
        recusal = Recusal(competition)
    quiz = rnd.kind == RoundKind.QUIZ

    rows = []
    seen = {}
    for row, values in table.rows:
        before = len(errors)
        entrant_text = key_text(values.get(norm(ENTRANT))) if not rnd.is_team_round else norm(values.get(norm(ENTRANT)))
        problem = cell_problem(values.get(norm(ENTRANT)))
        entry = None
        if problem:
            errors.append(RowError(row, ENTRANT, problem))
        elif not entrant_text:
            errors.append(RowError(row, ENTRANT, _("This column must not be empty.")))
        else:
            entry = entrant_by_key.get(entrant_text if rnd.is_team_round else entrant_text.upper())
            if entry is None:
                if rnd.is_team_round:
                    message = _("No team %(value)s in this competition.")
                else:
                    message = _("%(value)s is not an entrant of this competition.")
                errors.append(RowError(row, ENTRANT, message % {"value": shown(entrant_text)}))
        judge = None
        if judged:
            judge_text = key_text(values.get(norm(JUDGE))).upper()
            if not judge_text:
                errors.append(RowError(row, JUDGE, _("This column must not be empty.")))
            else:
                judge = judges.get(judge_text)
                if judge is None:
                    errors.append(RowError(row, JUDGE, _("%(value)s is not a judge of this competition.")
                                           % {"value": shown(judge_text)}))
                elif judge.pk not in on_panel:
                    errors.append(RowError(row, JUDGE, _("%(value)s is not on the panel of round %(code)s.")
                                           % {"value": shown(judge_text), "code": rnd.code}))
                    judge = None
            if judge is not None and entry is not None:
                reason_text = recusal.reason(judge, entry.pk)
                if reason_text:
                    errors.append(RowError(row, JUDGE, _("%(judge)s must be recused from %(entrant)s: %(reason)s.")
                                           % {"judge": judge.name, "entrant": entry, "reason": reason_text}))
        criteria = {}
        total = None
        if use_criteria:
            for name in maxima:
                raw = values.get(norm(name))
                try:
                    if not _present(raw):
                        raise ValueError(_("This column must not be empty."))
                    value = number(raw)
                    if value > maxima[name]:
                        raise ValueError(_("%(value)s is above the maximum of %(max)s.") % {"value": value, "max": maxima[name]})
                    criteria[name] = value
                except ValueError as exc:
                    errors.append(RowError(row, name, str(exc)))
            if len(criteria) == len(maxima):
                total = sum(criteria.values(), Decimal("0"))
        else:
            raw = values.get(norm(SCORE))
            try:
                if not _present(raw):
                    raise ValueError(_("This column must not be empty."))
                total = number(raw, allow_negative=quiz)
                if not quiz and total > 100:
                    raise ValueError(_("%(value)s is above the maximum of %(max)s.") % {"value": total, "max": 100})
            except ValueError as exc:
                errors.append(RowError(row, SCORE, str(exc)))
        if len(errors) == before:
            key = (judge.pk if judge else None, entry.pk)
            if key in seen:
                errors.append(RowError(row, ENTRANT, _("The same judge and entrant appear again (first on row %(first)d).")
                                       % {"first": seen[key]}))
            else:
                seen[key] = row
                rows.append((row, judge, entry, {k: str(v) for k, v in criteria.items()}, total))
    if errors:
        errors.sort(key=lambda e: e.row)
        return result

    existing = {(s.judge_id, s.entry_id): s for s in ScoreSheet.objects.filter(round=rnd)}
    new_sheets, changed = [], []
    for row, judge, entry, criteria, total in rows:
        sheet = existing.get((judge.pk if judge else None, entry.pk))
        if sheet is None:
            new_sheets.append(ScoreSheet(round=rnd, judge=judge, entry=entry, criteria=criteria, total=total,
                                         status=SheetStatus.SUBMITTED, version=1, entered_by=user))
            result.created += 1
        elif sheet.total != total or sheet.criteria != criteria or sheet.status != SheetStatus.SUBMITTED:
            result.changes.append(_("Row %(row)d %(entrant)s: %(old)s → %(new)s") % {
                "row": row, "entrant": entry, "old": sheet.total, "new": total})
            sheet.criteria, sheet.total, sheet.status = criteria, total, SheetStatus.SUBMITTED
            sheet.version += 1
            sheet.entered_by = user
            changed.append(sheet)
            result.updated += 1
        else:
            result.unchanged += 1
    if dry_run:
        return result
    with transaction.atomic():
        ScoreSheet.objects.bulk_create(new_sheets, batch_size=1000)
        ScoreSheet.objects.bulk_update(changed, ["criteria", "total", "status", "version", "entered_by", "updated_at"],
                                       batch_size=1000)
        note = reason or _("Imported from a score sheet")
        ScoreSheetVersion.objects.bulk_create(
            [ScoreSheetVersion(sheet=s, number=s.version, criteria=s.criteria, total=s.total, status=s.status,
                               changed_by=user, reason=note) for s in (*new_sheets, *changed)],
            batch_size=1000,
        )
        if (new_sheets or changed) and STATE_ORDER.index(rnd.state) < STATE_ORDER.index(RoundState.REVIEW):
            round_state_change(round=rnd, to_state=RoundState.REVIEW, user=user, reason=_("Scores imported"))
    return result


# --- round states --------------------------------------------------------------------------------


@transaction.atomic
def round_state_change(*, round, to_state, user=None, reason=""):
    """Move a round forward (draft → open → scoring → review → confirmed → published), or back
    (a reopen: a reason is required). Every change is logged."""
    rnd = Round.objects.select_for_update().get(pk=round.pk)
    if to_state not in STATE_ORDER:
        raise ValidationError(_("Unknown state."))
    if to_state == rnd.state:
        return rnd
    backwards = STATE_ORDER.index(to_state) < STATE_ORDER.index(rnd.state)
    if backwards and not reason.strip():
        raise ValidationError(_("Reopening a round needs a reason."))
    RoundStateLog.objects.create(round=rnd, from_state=rnd.state, to_state=to_state, reason=reason.strip(), changed_by=user)
    rnd.state = to_state
    rnd.save(update_fields=["state"])
    round.state = to_state
    return rnd


# --- publication ------------------------------------------------------------------------------------


class PublishRefused(ValidationError):
    pass


@transaction.atomic
def competition_publish(*, competition, user=None, now=None):
    """Freeze the standings in a snapshot, name the awards (each awarded person, or each member
    of an awarded team, gets the level's bonus in the month of publication) and mark every
    round published. Refused when already published, or while a counting round is still
    being scored."""
    from .selectors import competition_standings

    now = now or timezone.now()
    competition = CompetitionPage.objects.select_for_update().get(pk=competition.pk)
    if ResultSnapshot.objects.filter(competition=competition, withdrawn_at__isnull=True).exists():
        raise PublishRefused(_("The results are already published; reopen them (with a reason) to publish again."))
    rounds = list(competition.rounds.all())
    if not rounds:
        raise PublishRefused(_("The competition has no rounds."))
    unfinished = [r.code for r in rounds if r.weight > 0 and STATE_ORDER.index(r.state) < STATE_ORDER.index(RoundState.REVIEW)]
    if unfinished:
        raise PublishRefused(_("Rounds still being scored: %(codes)s.") % {"codes": "、".join(unfinished)})
    standings = competition_standings(competition=competition)
    snapshot = ResultSnapshot.objects.create(competition=competition, data=standings.as_data(), published_at=now,
                                             published_by=user)
    rule = competition.award_rule()
    awarded_on = timezone.localdate(now)
    awards = []
    for row in standings.rows:
        if not row.award:
            continue
        for staff_id in row.staff_ids:
            awards.append(Award(snapshot=snapshot, competition=competition, entry_id=row.key, staff_id=staff_id,
                                level=row.award, bonus=rule.bonus_for(row.award), awarded_on=awarded_on))
    Award.objects.bulk_create(awards)
    for rnd in rounds:
        if rnd.state != RoundState.PUBLISHED:
            round_state_change(round=rnd, to_state=RoundState.PUBLISHED, user=user, reason=_("Results published"))
    competition.published_at = now
    competition.save(update_fields=["published_at"])
    return snapshot


@transaction.atomic
def competition_reopen(*, competition, user=None, reason, now=None):
    """Withdraw the published results (their awards no longer count) and move the rounds back
    to review; logged with the reason."""
    if not (reason or "").strip():
        raise ValidationError(_("Reopening the results needs a reason."))
    now = now or timezone.now()
    snapshot = ResultSnapshot.objects.select_for_update().filter(competition=competition, withdrawn_at__isnull=True).first()
    if snapshot is None:
        raise ValidationError(_("The results are not published."))
    snapshot.withdrawn_at = now
    snapshot.withdrawn_by = user
    snapshot.withdrawal_reason = reason.strip()
    snapshot.save(update_fields=["withdrawn_at", "withdrawn_by", "withdrawal_reason"])
    for rnd in competition.rounds.filter(state=RoundState.PUBLISHED):
        round_state_change(round=rnd, to_state=RoundState.REVIEW, user=user, reason=reason)
    CompetitionPage.objects.filter(pk=competition.pk).update(published_at=None)
    competition.published_at = None
    return snapshot


# --- export ---------------------------------------------------------------------------------------


AWARD_NAMES = {1: "一等奖", 2: "二等奖", 3: "三等奖"}


def results_dataset(*, competition):
    """The standings as a tablib Dataset: 名次, 参赛者 (工号 or 队名), 姓名, one column per round
    (its name), 总分, 奖项, 备注. The published snapshot when there is one, else the live
    standings (a preview)."""
    import tablib

    from .selectors import competition_standings, published_snapshot

    data = published_snapshot(competition=competition)
    if data is None:
        data = competition_standings(competition=competition).as_data()
    rounds = data["rounds"]
    headers = ["名次", "参赛者", "姓名", *[r["name"] for r in rounds], "总分", "奖项", "备注"]
    dataset = tablib.Dataset(headers=headers, title=_("Standings")[:31])
    for row in data["rows"]:
        dataset.append([
            row["rank"],
            row["label"],
            row["name"],
            *[_decimal_cell(row["rounds"].get(r["code"])) for r in rounds],
            _decimal_cell(row["total"]),
            AWARD_NAMES.get(row["award"], ""),
            row["remark"],
        ])
    return dataset


def _decimal_cell(value):
    return None if value in (None, "") else Decimal(value)
