"""Builders for the exams tests."""

import itertools
from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from exams.models import Paper, PaperKind, PaperSlot, Question, QuestionBank
from exams.models.bank import stem_html_from_text
from exams.services import exam_create, question_save

_seq = itertools.count(1)


def make_bank(name=None):
    return QuestionBank.objects.create(name=name or f"题库{next(_seq)}")


def make_question(bank=None, *, qtype="single", stem=None, options=("甲", "乙", "丙", "丁"), answer="B",
                  points="2", difficulty=2, category=None, explanation="解析内容", reference_answer=""):
    n = next(_seq)
    question = Question(
        bank=bank or make_bank(),
        qtype=qtype,
        stem=stem_html_from_text(stem or f"测试题目{n}？"),
        options=list(options) if qtype in ("single", "multiple", "truefalse") else [],
        answer=answer,
        points=Decimal(points),
        difficulty=difficulty,
        category=category,
        explanation=explanation,
        reference_answer=reference_answer,
    )
    question.full_clean()
    question_save(question=question)
    return question


def make_standard_questions(bank=None):
    """One question of each type: single (B), multiple (AC), true/false (对), blank (一|1), essay."""
    bank = bank or make_bank()
    return [
        make_question(bank, qtype="single", answer="B", explanation="单选解析SECRET"),
        make_question(bank, qtype="multiple", answer="A、C", explanation="多选解析SECRET"),
        make_question(bank, qtype="truefalse", options=(), answer="对", explanation="判断解析SECRET"),
        make_question(bank, qtype="blank", options=(), answer="一|1", explanation="填空解析SECRET"),
        make_question(bank, qtype="essay", options=(), answer="", points="10", reference_answer="参考答案SECRET"),
    ]


def make_fixed_paper(questions, *, title="试卷", shuffle_questions=False, shuffle_options=False):
    paper = Paper.objects.create(title=title, kind=PaperKind.FIXED, shuffle_questions=shuffle_questions,
                                 shuffle_options=shuffle_options)
    for order, question in enumerate(questions):
        PaperSlot.objects.create(paper=paper, question=question, sort_order=order)
    return paper


def make_exam(paper, *, individuals=(), centres=(), opens_in=timedelta(hours=-1), closes_in=timedelta(hours=2),
              title=None, **options):
    now = timezone.now()
    return exam_create(
        title=title or f"月度业务测试{next(_seq)}",
        paper=paper,
        opens_at=now + opens_in,
        closes_at=now + closes_in,
        individuals=individuals,
        centres=centres,
        **options,
    )
