"""Trainer screens: editing questions makes versions, exams pick their audience, the report,
grading queue and corrections."""

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from exams import services
from exams.models import AttemptItem, AttemptStatus, Exam, ExamCandidate, GradingLog, Question
from tests import factories as base
from tests.helpers import assert_denied

from .builders import make_bank, make_exam, make_fixed_paper, make_question, make_standard_questions

pytestmark = pytest.mark.django_db


def test_question_form_with_option_boxes_creates_versions(client_for, role_users):
    bank = make_bank()
    client = client_for(role_users["trainer"])
    data = {"bank": bank.pk, "qtype": "multiple", "stem": '{"blocks":[{"key":"a","text":"哪些属于差评？","type":"unstyled","depth":0,"inlineStyleRanges":[],"entityRanges":[]}],"entityMap":{}}',
            "option_a": "非常满意", "option_b": "不满意", "option_c": "非常不满意", "answer": "Ｂ、Ｃ", "difficulty": 2,
            "points": "3", "active": "on", "tags": "好差评"}
    response = client.post("/admin/exams/questions/new/", data)
    assert response.status_code == 302, response.content.decode()[:2000]
    question = Question.objects.get()
    assert question.options == ["非常满意", "不满意", "非常不满意"] and question.answer == "BC"
    assert question.version == 1
    data["answer"] = "A,C"
    data["option_d"] = ""
    response = client.post(f"/admin/exams/questions/edit/{question.pk}/", data)
    assert response.status_code == 302
    question.refresh_from_db()
    data["answer"] = "Z"
    response = client.post(f"/admin/exams/questions/edit/{question.pk}/", data)
    assert response.status_code == 200  # the form shows the error
    assert list(question.versions.values_list("answer", flat=True)) in (["BC", "AC"],)
    listing = client.get("/admin/exams/questions/?q=差评&qtype=multiple")
    assert "哪些属于差评" in listing.content.decode()


def test_exam_created_in_the_admin_records_its_candidates(client_for, role_users, centre, staff_member):
    paper = make_fixed_paper([make_question()])
    now = timezone.localtime()
    data = {"title": "十一月月度业务测试", "description": "", "paper": paper.pk, "centres": [centre.pk],
            "opens_at": (now - timedelta(hours=1)).strftime("%Y-%m-%d %H:%M"),
            "closes_at": (now + timedelta(days=1)).strftime("%Y-%m-%d %H:%M"), "duration_minutes": 30,
            "attempts_allowed": 1, "scoring_rule": "highest", "pass_percent": "60", "review_rule": "after_close",
            "counts_in_evaluation": "on", "active": "on",
            "overrides-TOTAL_FORMS": 0, "overrides-INITIAL_FORMS": 0, "overrides-MIN_NUM_FORMS": 0, "overrides-MAX_NUM_FORMS": 1000}
    response = client_for(role_users["trainer"]).post("/admin/exams/exams/new/", data)
    assert response.status_code == 302, response.content.decode()[:3000]
    exam = Exam.objects.get()
    assert ExamCandidate.objects.filter(exam=exam, staff=staff_member).exists()


def test_report_grading_and_corrections(client_for, role_users, centre):
    questions = make_standard_questions()
    people = [base.make_staff(centre=centre) for _ in range(4)]
    exam = make_exam(make_fixed_paper(questions), individuals=people)
    for index, person in enumerate(people):
        attempt = services.attempt_start(exam=exam, staff=person)
        services.attempt_save_answer(attempt=attempt, position=0, response=["B"] if index % 2 else ["A"], seq=1)
        services.attempt_save_answer(attempt=attempt, position=4, response="先安抚情绪", seq=2)
        services.attempt_close(attempt=attempt)
    client = client_for(role_users["trainer"])
    queue = client.get("/admin/exams/grading/").content.decode()
    assert queue.count("data-grading-item") == 4
    item = AttemptItem.objects.filter(needs_grading=True).first()
    response = client.post("/admin/exams/grading/", {"item": item.pk, f"{item.pk}-score": "8", f"{item.pk}-comment": "好"})
    assert response.status_code == 302
    item.refresh_from_db()
    assert item.score == Decimal("8.00") and not item.needs_grading
    for other in AttemptItem.objects.filter(needs_grading=True):
        services.item_grade_manual(item=other, score=5, comment="", user=role_users["trainer"])
    report = client.get(f"/admin/exams/report/{exam.pk}/").content.decode()
    assert 'data-chart="distribution"' in report and "plotly/plotly-frontline.min.js" in report
    assert "cdn" not in report.lower()
    # Full marks for a faulty question, then the log shows who and why.
    response = client.post(f"/admin/exams/report/{exam.pk}/question/{questions[0].pk}/",
                           {"action": "full_marks", "reason": "选项有误"})
    assert response.status_code == 302
    assert GradingLog.objects.filter(action="full_marks", reason="选项有误", by=role_users["trainer"]).exists()
    assert "选项有误" in client.get(f"/admin/exams/report/{exam.pk}/").content.decode()
    assert client.post(f"/admin/exams/report/{exam.pk}/question/{questions[0].pk}/", {"action": "regrade"}).status_code == 302
    assert GradingLog.objects.count() == 5  # 4 manual + 1 full marks: a regrade without a reason is refused
    # A regrade after full marks keeps them, and the log's outcome says so.
    assert client.post(f"/admin/exams/report/{exam.pk}/question/{questions[0].pk}/",
                       {"action": "regrade", "reason": "复核"}).status_code == 302
    assert set(AttemptItem.objects.filter(question=questions[0]).values_list("score", flat=True)) == {Decimal("2")}
    outcomes = re.findall(r"<td data-log-outcome>(.*?)</td>", client.get(f"/admin/exams/report/{exam.pk}/").content.decode())
    assert outcomes[:2] == ["4 份答卷保持满分", "4 份答卷给满分"]
    # HR reads the report but cannot correct.
    hr = client_for(role_users["hr"])
    assert "选项有误" in hr.get(f"/admin/exams/report/{exam.pk}/").content.decode()
    refused = hr.post(f"/admin/exams/report/{exam.pk}/question/{questions[0].pk}/", {"action": "full_marks", "reason": "x"})
    assert_denied(refused)
    assert not GradingLog.objects.filter(reason="x").exists()
    assert set(exam.attempts.values_list("status", flat=True)) == {"graded"}
    client = client_for(role_users["trainer"])  # the same test client, logged in again
    response = client.post(f"/admin/exams/report/{exam.pk}/statistics/")
    assert response.status_code == 302
    assert Question.objects.filter(stats_responses=4).count() == 5


def test_report_queries_do_not_grow_with_candidates(client_for, role_users, centre):
    questions = make_standard_questions()[:4]
    paper = make_fixed_paper(questions)
    client = client_for(role_users["trainer"])
    counts = []
    for size in (1, 2, 6):
        people = [base.make_staff(centre=centre) for _ in range(size)]
        exam = make_exam(paper, individuals=people)
        for person in people:
            services.attempt_close(attempt=services.attempt_start(exam=exam, staff=person))
        client.get(f"/admin/exams/report/{exam.pk}/")
        with CaptureQueriesContext(connection) as queries:
            assert client.get(f"/admin/exams/report/{exam.pk}/").status_code == 200
        counts.append(len(queries))
    assert counts[1] == counts[2], counts
    assert AttemptStatus.GRADED


def test_papers_are_built_in_the_admin(client_for, role_users):
    from exams.models import Paper

    bank = make_bank()
    questions = [make_question(bank) for _ in range(3)]
    management = lambda prefix, total: {  # noqa: E731
        f"{prefix}-TOTAL_FORMS": total, f"{prefix}-INITIAL_FORMS": 0, f"{prefix}-MIN_NUM_FORMS": 0,
        f"{prefix}-MAX_NUM_FORMS": 1000,
    }
    data = {"title": "固定卷", "kind": "fixed", "forms": 1, **management("slots", 2), **management("rules", 1),
            "slots-0-question": questions[2].pk, "slots-0-points": "5", "slots-0-ORDER": 1,
            "slots-1-question": questions[0].pk, "slots-1-points": "", "slots-1-ORDER": 2,
            "rules-0-bank": bank.pk, "rules-0-count": 2, "rules-0-qtype": "single", "rules-0-ORDER": 1}
    response = client_for(role_users["trainer"]).post("/admin/exams/papers/new/", data)
    assert response.status_code == 302, response.content.decode()[:3000]
    paper = Paper.objects.get(title="固定卷")
    assert [(s.question_id, s.points) for s in paper.slots.order_by("sort_order")] == [
        (questions[2].pk, Decimal("5.00")), (questions[0].pk, None)]
    assert paper.rules.get().count == 2


def test_the_item_analysis_flags_items_in_words_and_keeps_corrections_in_a_disclosure(client_for, role_users, centre):
    wrong_key = make_question(answer="B")
    people = [base.make_staff(centre=centre) for _ in range(4)]
    exam = make_exam(make_fixed_paper([wrong_key]), individuals=people)
    for person in people:
        attempt = services.attempt_start(exam=exam, staff=person)
        services.attempt_save_answer(attempt=attempt, position=0, response=["A"], seq=1)
        services.attempt_close(attempt=attempt)
    html = client_for(role_users["trainer"]).get(f"/admin/exams/report/{exam.pk}/").content.decode()
    table = html[html.index("data-item-stats"):html.index("</table>", html.index("data-item-stats"))]
    row = table[table.index("data-dubious"):]
    # A small icon with words, not a bare icon; the key is called 标准答案.
    assert 'class="icon icon-warning w-w-4 w-h-4' in row and "需复核" in row
    assert "标准答案 B" in row and "标识" not in table
    # The correction form sits in a disclosure with a labelled reason, not squeezed into the row.
    assert "<details data-correct-item><summary>更正…</summary>" in row
    assert 'for="reason-' in row and "placeholder=" not in row
