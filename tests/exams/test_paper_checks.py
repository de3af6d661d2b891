"""A paper that some candidate could not be given is refused when the trainer saves it
(and so is an exam on such a paper), with the reason; a good one reports its size and
full marks."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from exams.models import BlueprintRule, Exam, Paper, PaperKind
from exams.selectors import RuleSpec, paper_check

from .builders import make_bank, make_question

pytestmark = pytest.mark.django_db


def _management(prefix, total):
    return {f"{prefix}-TOTAL_FORMS": total, f"{prefix}-INITIAL_FORMS": 0, f"{prefix}-MIN_NUM_FORMS": 0,
            f"{prefix}-MAX_NUM_FORMS": 1000}


def _blueprint(bank, *rules):
    data = {"title": "蓝图卷", "kind": "blueprint", "forms": 1, **_management("slots", 0),
            **_management("rules", len(rules))}
    for n, (qtype, count, points) in enumerate(rules):
        data.update({f"rules-{n}-bank": bank.pk, f"rules-{n}-qtype": qtype, f"rules-{n}-count": count,
                     f"rules-{n}-points": points, f"rules-{n}-ORDER": n + 1})
    return data


def _errors(response):
    from tests.helpers import visible_text

    return visible_text(response.content.decode())


def test_a_rule_that_asks_for_more_than_the_bank_has_is_refused_at_save(client_for, role_users):
    bank = make_bank()
    for _ in range(8):
        make_question(bank, qtype="truefalse", options=(), answer="对")
    client = client_for(role_users["trainer"])
    response = client.post("/admin/exams/papers/new/", _blueprint(bank, ("truefalse", 20, "5")))
    assert response.status_code == 200
    assert "第1条规则：题库中符合条件的题目只有 8 道，需要抽取 20 道" in _errors(response)
    assert not Paper.objects.exists()

    response = client.post("/admin/exams/papers/new/", _blueprint(bank, ("truefalse", 8, "5")), follow=True)
    assert Paper.objects.get().rules.get().count == 8
    assert "每位考生 8 题，满分 40 分" in _errors(response)


def test_overlapping_rules_must_leave_enough_for_each_other(client_for, role_users):
    bank = make_bank()
    for difficulty in (1, 1, 2, 2, 2):
        make_question(bank, qtype="single", difficulty=difficulty)
    response = client_for(role_users["trainer"]).post(
        "/admin/exams/papers/new/",
        {**_blueprint(bank, ("single", 4, "2"), ("single", 1, "2")), "rules-1-difficulty": 1},
    )
    # Rule 1 may take both difficulty-1 questions; rule 2 could then find none.
    assert "第2条规则：前面的规则抽题后，符合条件的题目可能只剩 0 道，需要抽取 1 道" in _errors(response)
    assert not Paper.objects.exists()


def test_a_rule_mixing_point_values_must_set_its_points():
    bank = make_bank()
    make_question(bank, points="2")
    make_question(bank, points="5")
    rule = RuleSpec(bank.pk, None, "single", None, 1, None)
    check = paper_check(kind=PaperKind.BLUEPRINT, rules=[rule])
    assert len(check.problems) == 1 and "2、5" in check.problems[0]
    check = paper_check(kind=PaperKind.BLUEPRINT, rules=[RuleSpec(bank.pk, None, "single", None, 1, Decimal("4"))])
    assert check.problems == [] and check.full_marks == Decimal("4") and check.question_count == 1


def test_an_empty_paper_is_refused():
    assert paper_check(kind=PaperKind.FIXED).problems
    assert paper_check(kind=PaperKind.BLUEPRINT).problems


def test_an_exam_on_a_paper_that_cannot_be_drawn_is_refused(client_for, role_users, centre):
    bank = make_bank()
    for _ in range(3):
        make_question(bank, qtype="truefalse", options=(), answer="对")
    paper = Paper.objects.create(title="旧蓝图卷", kind=PaperKind.BLUEPRINT)
    BlueprintRule.objects.create(paper=paper, bank=bank, qtype="truefalse", count=20, points=Decimal("5"))
    now = timezone.localtime()
    data = {"title": "月度测试", "description": "", "paper": paper.pk, "centres": [centre.pk],
            "opens_at": (now - timedelta(hours=1)).strftime("%Y-%m-%d %H:%M"),
            "closes_at": (now + timedelta(days=1)).strftime("%Y-%m-%d %H:%M"), "duration_minutes": 30,
            "attempts_allowed": 1, "scoring_rule": "highest", "pass_percent": "60", "review_rule": "after_close",
            "active": "on", **_management("overrides", 0)}
    response = client_for(role_users["trainer"]).post("/admin/exams/exams/new/", data)
    assert response.status_code == 200
    assert "此试卷无法保证每位考生都能组卷" in _errors(response)
    assert "只有 3 道，需要抽取 20 道" in _errors(response)
    assert not Exam.objects.exists()
