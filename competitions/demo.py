"""Demo content of the competitions app for `load_initial_data` (idempotent), imported from
workbooks and score sheets built here (the same layouts as the organiser uploads) and judged
by five outside judges and a staff judge of each centre:

- last year's skills competition, published with its awards (the demo `staff` account,
  CD0001, is among the entrants, so /me/competitions/ shows a published result);
- this year's, under way: the written preliminary confirmed, the practical round open for
  the `judge` account and the six other judges to score on their phones, the scenario round
  imported and waiting in review for the chief judge."""

import datetime as dt
import io
import random
from decimal import ROUND_HALF_UP, Decimal

import openpyxl
from django.utils import timezone

from . import services
from .models import CompetitionPage, ResultSnapshot, Round, RoundState

SEED = 20251120
ENTRANTS = ["CD0001", "CD1001", "CD1002", "CD1003", "CD1004", "CD1005",
            "CX2001", "CX2002", "CX2003", "CX2004", "CX2005", "CX2006"]
# 工号, 账号, 姓名, 服务中心 (staff judges take their centre from the roster).
JUDGES = [
    (None, "judge", "评委孙老师", None),
    (None, "pw02", "评委钱老师", None),
    (None, "pw03", "评委周老师", None),
    (None, "pw04", "评委吴老师", None),
    (None, "pw05", "评委郑经理（企业代表）", None),
    ("CD1010", None, None, None),
    ("CX2010", None, None, None),
]
RUBRICS = {
    "SC": [("服务礼仪", 20), ("业务准确", 40), ("办理效率", 20), ("沟通解释", 20)],
    "QJ": [("情绪安抚", 30), ("处置流程", 40), ("政策解释", 30)],
}
STRONG = {"CD0001": Decimal("0.93")}  # the demo staff member: a prize to show in the portal


def _code(year):
    return f"JS{year}"


def _xlsx(sheets):
    workbook = openpyxl.Workbook()
    workbook.remove(workbook.active)
    for name, rows in sheets.items():
        sheet = workbook.create_sheet(name)
        for row in rows:
            sheet.append(list(row))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def competition_workbook(year, chief=None):
    """A year's competition workbook (竞赛, 轮次, 报名, 评委, 评分标准); `chief` is the account
    of the judged rounds' chief judge (裁判长)."""
    return _xlsx({
        "竞赛": [("代码", "名称", "年度", "计分方式"), (_code(year), f"{year}年度政务服务窗口技能竞赛", year, "个人")],
        "轮次": [("代码", "名称", "类型", "权重", "每位参赛者评委数"),
                 ("ZS", "业务知识笔试", "知识", 30, None),
                 ("SC", "实际操作演示", "实操", 40, 6),
                 ("QJ", "应急情况处理（情景模拟）", "情景", 30, 6)],
        "报名": [("工号", "队名"), *[(staff_no, None) for staff_no in ENTRANTS]],
        "评委": [("工号", "账号", "姓名", "服务中心", "轮次", "裁判长"),
                 *[(staff_no, account, name, centre, "SC、QJ", "是" if chief and account == chief else None)
                   for staff_no, account, name, centre in JUDGES]],
        "评分标准": [("轮次", "评分项", "满分"),
                     *[(code, name, maximum) for code, criteria in RUBRICS.items() for name, maximum in criteria]],
    })


def _skills(seed=SEED):
    rng = random.Random(seed)
    return {staff_no: STRONG.get(staff_no, Decimal(str(round(0.6 + 0.3 * rng.random(), 3)))) for staff_no in ENTRANTS}


def _judge_keys():
    return [account or staff_no for staff_no, account, _name, _centre in JUDGES]


def score_sheets(seed=SEED):
    """{round code: workbook bytes}: the written round's scores and each judge's rubric sheets
    (a judge's own centre's entrants are left out: they are recused)."""
    rng = random.Random(seed + 1)
    skills = _skills(seed)
    half = Decimal("0.5")
    written = [("参赛者", "得分")]
    for staff_no, skill in skills.items():
        score = Decimal(str(55 + 45 * float(skill) + rng.uniform(-4, 4)))
        written.append((staff_no, float(min(Decimal(100), (score / half).quantize(Decimal(1), ROUND_HALF_UP) * half))))
    sheets = {"ZS": _xlsx({"笔试成绩": written})}
    for code, criteria in RUBRICS.items():
        rows = [("评委", "参赛者", *[name for name, _max in criteria])]
        for judge in _judge_keys():
            for staff_no, skill in skills.items():
                if judge[:2] == staff_no[:2]:  # CD1010 does not score 城东, CX2010 not 城西
                    continue
                marks = []
                for _name, maximum in criteria:
                    share = min(1.0, max(0.3, float(skill) + rng.uniform(-0.08, 0.08)))
                    marks.append(int(Decimal(str(maximum * share)).quantize(Decimal(1), ROUND_HALF_UP)))
                rows.append((judge, staff_no, *marks))
        sheets[code] = _xlsx({"评分": rows})
    return sheets


def load_competition_content(tally):
    load_last_years_competition(tally)
    load_this_years_competition(tally)


def load_this_years_competition(tally):
    """This year's competition under way (left alone once it exists)."""
    year = timezone.localdate().year
    code = _code(year)
    if CompetitionPage.objects.filter(code=code).exists():
        tally.add("技能竞赛", "unchanged")
        return
    workbook = competition_workbook(year, chief="judge")
    _check(services.competition_import_file(workbook, "competition.xlsx", dry_run=False))
    sheets = score_sheets(seed=SEED + year)
    for round_code in ("ZS", "QJ"):
        _check(services.round_scores_import_file(sheets[round_code], "scores.xlsx", competition_code=code,
                                                 round_code=round_code, dry_run=False))
    rounds = {r.code: r for r in Round.objects.filter(competition__code=code)}
    services.round_state_change(round=rounds["ZS"], to_state=RoundState.CONFIRMED, reason="")
    services.round_state_change(round=rounds["SC"], to_state=RoundState.OPEN, reason="")
    tally.add("技能竞赛", "created")


def load_last_years_competition(tally):
    """Last year's competition, scored and published (left alone once published)."""
    year = timezone.localdate().year - 1
    code = _code(year)
    competition = CompetitionPage.objects.filter(code=code).first()
    if competition is not None and ResultSnapshot.objects.filter(competition=competition, withdrawn_at__isnull=True).exists():
        tally.add("技能竞赛", "unchanged")
        return
    result = services.competition_import_file(competition_workbook(year), "competition.xlsx", dry_run=False)
    _check(result)
    for round_code, content in score_sheets().items():
        _check(services.round_scores_import_file(content, "scores.xlsx", competition_code=code, round_code=round_code,
                                                 dry_run=False))
    competition = CompetitionPage.objects.get(code=code)
    published = timezone.make_aware(dt.datetime(year, 11, 20, 10, 0))
    services.competition_publish(competition=competition, now=published)
    tally.add("技能竞赛", "created")


def _check(result):
    if not result.ok:  # the demo's own rows are valid; a failure here is a bug to see at once
        raise RuntimeError("; ".join(str(e) for e in result.errors[:5]))
