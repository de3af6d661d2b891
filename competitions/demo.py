"""Demo content of the competitions app for `load_initial_data` (idempotent), imported from
workbooks and score sheets built here (the same layouts as the organiser uploads) and judged
by five outside judges and a staff judge of each centre:

- last year's skills competition, published with its awards (the demo `staff` account,
  CD0001, is among the entrants, so /me/competitions/ shows a published result);
- this year's, under way: the written preliminary confirmed, the practical round open for
  the `judge` account and the six other judges to score on their phones, the scenario round
  imported and waiting in review for the chief judge;
- this year's team final, a live quiz show ready to run: four teams of three window staff,
  16 questions on window service (4 必答, one per team; 6 抢答; 4 风险题, one per team; 2 加赛)
  imported from the questions sheet, and the show started so the teams' join codes exist."""

import datetime as dt
import io
import random
from decimal import ROUND_HALF_UP, Decimal

import openpyxl
from django.utils import timezone

from . import services
from .models import CompetitionPage, QuizShow, ResultSnapshot, Round, RoundKind, RoundState

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
    load_quiz_final(tally)


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


# --- the team final: a live quiz show ---------------------------------------------------------

QUIZ_ROUND = "QD"
# 队名: three window staff each (none of them in the skills competition or judging it).
QUIZ_TEAMS = {
    "城东先锋队": ["CD1011", "CD1012", "CD1013"],
    "城东启航队": ["CD1014", "CD1015", "CD1016"],
    "城西同心队": ["CX2011", "CX2012", "CX2013"],
    "城西奋进队": ["CX2014", "CX2015", "CX2016"],
}
# 环节, 题目, 答案, 答题时间（秒）, 队伍 (必答 and 风险题 go to one team each).
QUIZ_QUESTIONS = [
    ("必答", "窗口受理时发现申请材料不齐全，按照“一次性告知”制度应当怎样处理？",
     "一次性告知申请人需要补正的全部内容（材料清单、标准和要求），出具书面告知书，不得让群众多次补正、反复跑。",
     30, "城东先锋队"),
    ("必答", "什么是政务服务“首问负责制”？",
     "第一位接待群众咨询或办事的工作人员为首问责任人：属于本岗位职责的当即办理；不属于的，告知承办部门、地点和联系方式"
     "并主动引导，不得推诿。", 30, "城东启航队"),
    ("必答", "政务服务“好差评”的评价分为哪五个等级？", "非常满意、满意、基本满意、不满意、非常不满意。", 30, "城西同心队"),
    ("必答", "什么是“容缺受理”？",
     "基本条件具备、主要材料齐全且符合法定条件，次要材料欠缺或有瑕疵的，申请人书面承诺限期补正后先予受理审查，"
     "材料补齐后出具办理结果。", 30, "城西奋进队"),
    ("抢答", "“帮办代办”服务主要面向哪些群体和事项？",
     "老年人、残疾人等特殊群体，以及企业开办、重点项目等复杂事项：工作人员免费提供咨询、填表、代跑代办等服务。", 20, None),
    ("抢答", "“一窗综办”的含义是什么？", "把部门分设的窗口整合为综合窗口：前台综合受理、后台分类审批、统一窗口出件。", 20, None),
    ("抢答", "群众在窗口情绪激动时，窗口人员首先应当怎么做？",
     "保持冷静、耐心倾听，先安抚情绪（请坐、递水、致歉说明），不与群众争执，再了解诉求、解释政策，必要时请值班长协助。",
     20, None),
    ("抢答", "“最多跑一次”改革的目标是什么？",
     "群众和企业办一件事，在申请材料齐全、符合法定受理条件时，从受理申请到形成办理结果全过程只需一次上门或零上门。",
     20, None),
    ("抢答", "窗口工作人员因事需要暂时离开岗位时，应当怎样做？",
     "摆放“暂停服务”提示牌，向等候群众说明并引导到其他窗口，按规定时间返回；不得无故离岗、脱岗。", 20, None),
    ("抢答", "什么是“告知承诺制”？",
     "一次性告知办理条件和所需材料，申请人书面承诺符合条件并承担不实承诺的责任，行政机关不再索要有关证明而依承诺办理。",
     20, None),
    ("风险", "设立“办不成事”反映窗口的主要作用是什么？",
     "受理群众和企业办事中遇到的“办不成”“办不好”问题，协调有关部门解决，并分析共性问题推动制度完善。", 40, "城东先锋队"),
    ("风险", "按照国务院办公厅关于建立政务服务“好差评”制度的意见，实名差评的回访整改率要求达到多少？",
     "100%：实名差评件件有回访、有整改、有反馈。", 40, "城东启航队"),
    ("风险", "什么是“一件事一次办”？",
     "把群众和企业眼中的“一件事”涉及的多个部门、多个事项集成办理：一次告知、一表申请、一套材料、一窗受理、一次办结。",
     40, "城西同心队"),
    ("风险", "政务服务“跨省通办”有哪三种办理模式？", "全程网办、异地代收代办、多地联办。", 40, "城西奋进队"),
    ("加赛", "政务服务中的“免证办”是指什么？", "通过电子证照共享和数据核验，群众办事无需提交实体证照或相关证明即可办理。", 20, None),
    ("加赛", "12345政务服务便民热线的主要职能是什么？",
     "“一号响应”受理企业和群众的咨询、投诉、求助和建议，转办督办、跟踪反馈，回应社会关切。", 20, None),
]


def _quiz_code(year):
    return f"TD{year}"


def quiz_final_workbook(year):
    """The team final's competition workbook: a team competition with one quiz show round."""
    return _xlsx({
        "竞赛": [("代码", "名称", "年度", "计分方式"), (_quiz_code(year), f"{year}年度政务服务窗口知识竞赛团体决赛", year, "团队")],
        "轮次": [("代码", "名称", "类型", "权重", "每位参赛者评委数"), (QUIZ_ROUND, "现场抢答决赛", "抢答", 100, None)],
        "报名": [("工号", "队名"), *[(staff_no, team) for team, members in QUIZ_TEAMS.items() for staff_no in members]],
        "评委": [("工号", "账号", "姓名", "服务中心", "轮次", "裁判长")],
    })


def quiz_questions_workbook():
    """The team final's questions in the questions sheet's layout (序号, 环节, 题目, 答案,
    答题时间（秒）, 队伍): the layout organisers fill in."""
    header = ("序号", "环节", "题目", "答案", "答题时间（秒）", "队伍")
    rows = [(n, segment, text, answer, seconds, team or None)
            for n, (segment, text, answer, seconds, team) in enumerate(QUIZ_QUESTIONS, start=1)]
    return _xlsx({"题目": [header, *rows]})


def load_quiz_final(tally):
    """This year's team final with its questions and a started show (left alone once the show exists)."""
    year = timezone.localdate().year
    code = _quiz_code(year)
    rnd = Round.objects.filter(competition__code=code, code=QUIZ_ROUND, kind=RoundKind.QUIZ).first()
    if rnd is not None and QuizShow.objects.filter(round=rnd).exists():
        tally.add("抢答决赛", "unchanged")
        return
    if rnd is None:
        _check(services.competition_import_file(quiz_final_workbook(year), "final.xlsx", dry_run=False))
        rnd = Round.objects.get(competition__code=code, code=QUIZ_ROUND)
    _check(services.quiz_questions_import_file(quiz_questions_workbook(), "questions.xlsx", round=rnd, dry_run=False))
    services.quiz_show_start(round=rnd)
    tally.add("抢答决赛", "created")
