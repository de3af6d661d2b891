"""Demo content of the exams app for `load_initial_data` (idempotent): a bank of 100
window-service questions, a fixed monthly test open now to every demo centre, and a
blueprint policy quiz that closed last month with graded attempts."""

import random
from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from home.spreadsheets import Table
from people.models import ServiceCentre, StaffProfile

from . import services
from .demo_questions import demo_rows
from .models import (
    Attempt,
    BlueprintRule,
    Exam,
    Paper,
    PaperKind,
    PaperSlot,
    Question,
    QuestionBank,
    ReviewRule,
)
from .resources import QUESTION_HEADERS

BANK = "窗口服务知识题库"
FIXED_PAPER = "月度业务测试（固定卷）"
BLUEPRINT_PAPER = "政策法规小测（随机组卷）"
MONTHLY = "本月月度业务测试"
QUIZ = "上月政策法规小测"
SEED = 20261122


def load_exam_content(tally):
    """Question bank, papers and exams for the demo staff."""
    _load_bank(tally)
    bank = QuestionBank.objects.get(name=BANK)
    fixed = _fixed_paper(bank, tally)
    blueprint = _blueprint_paper(bank, tally)
    centres = list(ServiceCentre.objects.filter(active=True))
    if not centres:
        return
    now = timezone.localtime()
    month_start = now.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    _exam(MONTHLY, fixed, centres, tally, opens_at=month_start, closes_at=month_start + timedelta(days=40),
                    duration_minutes=30, attempts_allowed=2, description="本月业务知识测试，共20题，满分100分，60分合格。")
    quiz = _exam(QUIZ, blueprint, centres, tally, opens_at=month_start - timedelta(days=20),
                 closes_at=month_start - timedelta(days=5), duration_minutes=15, attempts_allowed=1,
                 review_rule=ReviewRule.AFTER_CLOSE, description="政策法规随机组卷小测，每人题目不同。")
    _past_attempts(quiz, tally)


def _load_bank(tally):
    table = Table(headers=list(QUESTION_HEADERS), header_row=1)
    for number, (qtype, stem, options, answer, explanation, category, difficulty) in enumerate(demo_rows(), start=2):
        row = dict.fromkeys(QUESTION_HEADERS, "")
        row.update({"题型": qtype, "题干": stem, "答案": answer, "解析": explanation, "分类": category,
                    "难度": difficulty, "分值": 10 if qtype == "简答" else 5})
        for letter, text in zip("ABCDEF", options, strict=False):
            row[f"选项{letter}"] = text
        table.rows.append((number, row))
    result = services.question_import(table, dry_run=False, bank_name=BANK)
    if not result.ok:  # the demo's own rows are valid; a failure here is a bug to see at once
        raise RuntimeError("; ".join(str(e) for e in result.errors[:5]))
    for status in ("created", "updated", "unchanged"):
        tally.add("题目", status, getattr(result, status))


def _fixed_paper(bank, tally):
    paper = Paper.objects.filter(title=FIXED_PAPER).first()
    if paper is not None:
        tally.add("试卷", "unchanged")
        return paper
    paper = Paper.objects.create(title=FIXED_PAPER, kind=PaperKind.FIXED, shuffle_options=True)
    picks = []
    for qtype, count in (("single", 10), ("multiple", 4), ("truefalse", 4), ("blank", 2)):
        picks += list(Question.objects.filter(bank=bank, qtype=qtype).order_by("pk")[:count])
    PaperSlot.objects.bulk_create(PaperSlot(paper=paper, question=q, sort_order=i, points=Decimal("5")) for i, q in enumerate(picks))
    tally.add("试卷", "created")
    return paper


def _blueprint_paper(bank, tally):
    paper = Paper.objects.filter(title=BLUEPRINT_PAPER).first()
    if paper is not None:
        tally.add("试卷", "unchanged")
        return paper
    paper = Paper.objects.create(title=BLUEPRINT_PAPER, kind=PaperKind.BLUEPRINT, shuffle_questions=True,
                                 shuffle_options=True, forms=2)
    for order, (qtype, count) in enumerate((("single", 6), ("truefalse", 3), ("multiple", 1))):
        BlueprintRule.objects.create(paper=paper, bank=bank, qtype=qtype, count=count, points=Decimal("10"), sort_order=order)
    tally.add("试卷", "created")
    return paper


def _exam(title, paper, centres, tally, **options):
    exam = Exam.objects.filter(title=title).first()
    if exam is not None:
        services.exam_sync_candidates(exam=exam)
        tally.add("考试", "unchanged")
        return exam
    exam = services.exam_create(title=title, paper=paper, centres=centres, **options)
    tally.add("考试", "created")
    return exam


def _past_attempts(exam, tally):
    """Attempts of about two thirds of the candidates, taken while the quiz was open."""
    if Attempt.objects.filter(exam=exam).exists():
        tally.add("答卷", "unchanged")
        return
    rng = random.Random(SEED)
    staff = list(StaffProfile.objects.filter(exams=exam).select_related("user").order_by("staff_no"))
    for person in staff:
        if person.user.username != "staff" and rng.random() < 0.35:
            continue
        started = exam.opens_at + timedelta(days=rng.randrange(0, 14), hours=rng.randrange(1, 8))
        attempt = services.attempt_start(exam=exam, staff=person, now=started)
        skill = 0.45 + 0.5 * rng.random()
        for seq, item in enumerate(attempt.items.select_related("version"), start=1):
            key = item.version.key()
            if item.version.qtype == "truefalse":
                response = ("true" if key else "false") if rng.random() < skill else ("false" if key else "true")
            else:
                letters = list(key) if rng.random() < skill else [rng.choice("ABCD"[: len(item.option_order)])]
                response = ["ABCDEF"[item.option_order.index("ABCDEF".index(c))] for c in letters]
            services.attempt_save_answer(attempt=attempt, position=item.position, response=response, seq=seq,
                                         now=started + timedelta(minutes=seq))
        services.attempt_close(attempt=attempt, now=started + timedelta(minutes=12))
        tally.add("答卷", "created")
    services.exam_statistics_to_bank(exam=exam)
