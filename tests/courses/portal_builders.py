"""Builders for the staff-portal tests (test_views, test_portal, test_certificates,
test_notifications): published learning pages with knowledge checks, and assignments."""

import datetime as dt
import itertools
import json
from decimal import Decimal

from courses import services
from courses.models import (
    CaseScenarioPage,
    CourseIndexPage,
    CoursePage,
    LessonPage,
    PolicyIndexPage,
    PolicyUpdatePage,
)

_seq = itertools.count(1)


def make_check_question(text, correct=(1,), count=3):
    return {
        "question": text,
        "choices": [{"text": f"{text}·选项{i}", "correct": i in correct} for i in range(1, count + 1)],
        "explanation": f"{text}的解析",
    }


def publish(parent, page):
    parent.add_child(instance=page)
    page.save_revision().publish()
    return type(page).objects.get(pk=page.pk)


def make_sections(home):
    learning = CourseIndexPage.objects.first() or publish(home, CourseIndexPage(title="学习中心", slug="learning"))
    policies = PolicyIndexPage.objects.first() or publish(home, PolicyIndexPage(title="政策更新", slug="policies"))
    return learning, policies


def make_course(learning, *, lessons=2, checks=None, title=None, hours="2.0", pass_percent=80):
    """A course whose every lesson carries the knowledge checks `checks` (a tuple of
    blocks, each a tuple of questions); `checks=()` makes lessons without a check."""
    if checks is None:
        checks = ((make_check_question("题一", (2,)),),)
    n = next(_seq)
    course = publish(
        learning,
        CoursePage(
            title=title or f"课程{n}",
            slug=f"course-{n}",
            summary="课程简介",
            category="etiquette",
            hours=Decimal(hours),
            pass_percent=pass_percent,
        ),
    )
    for number in range(1, lessons + 1):
        body = [{"type": "paragraph", "value": f"<p>第{number}课正文</p>"}]
        body += [
            {"type": "knowledge_check", "value": {"title": "随堂小测", "questions": list(block)}} for block in checks
        ]
        publish(course, LessonPage(title=f"第{number}课", slug=f"lesson-{number}", minutes=5, body=json.dumps(body)))
    return course


def make_policy(policies, *, questions=None, title=None):
    if questions is None:
        questions = (make_check_question("核实时限", (2,)), make_check_question("整改时限", (3,)))
    n = next(_seq)
    return publish(
        policies,
        PolicyUpdatePage(
            title=title or f"政策{n}",
            slug=f"policy-{n}",
            effective_date=dt.date(2026, 1, 1),
            summary="要点",
            body=json.dumps([{"type": "paragraph", "value": "<p>正文</p>"}]),
            check_questions=json.dumps([{"type": "question", "value": q} for q in questions]),
        ),
    )


ROLE_PLAY = [
    {
        "type": "step",
        "value": {
            "key": "start",
            "title": "群众第三次来",
            "situation": "群众很生气",
            "choices": [
                {"text": "道歉并一次性告知", "next_step": "", "score": 100, "feedback": "很好"},
                {"text": "让他再去复印", "next_step": "again", "score": None, "feedback": ""},
            ],
        },
    },
    {
        "type": "step",
        "value": {
            "key": "again",
            "title": "群众要投诉",
            "situation": "群众拿出手机",
            "choices": [{"text": "请值班长来", "next_step": "", "score": 40, "feedback": "补救"}],
        },
    },
]


def make_scenario(learning, *, title=None, hours="0.5"):
    n = next(_seq)
    return publish(
        learning,
        CaseScenarioPage(
            title=title or f"案例{n}",
            slug=f"case-{n}",
            category="business_skills",
            background="<p>背景</p>",
            what_happened="<p>经过</p>",
            analysis="<p>分析</p>",
            hours=Decimal(hours),
            steps=json.dumps(ROLE_PLAY),
        ),
    )


def make_assignment(page, staff, due, **extra):
    return services.assignment_create(page=page, due_date=due, created_by=None, individuals=[staff], **extra)


def correct_answers(block_number, questions):
    """The POST data answering every question of the page's `block_number`-th check right."""
    data = {}
    for position, q in enumerate(questions, start=1):
        data[f"kc-{block_number}-q{position}"] = [
            str(i) for i, choice in enumerate(q["choices"], start=1) if choice["correct"]
        ]
    return data
