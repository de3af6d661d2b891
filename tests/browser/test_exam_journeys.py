"""Exams in the browser. A trainer imports the sample bank (upload → preview → confirm);
a staff member sits an exam on a phone, reloads halfway and finds every answer, submits
and sees the result the review rules allow; the trainer grades the short answer and reads
the report. Screenshots illustrate docs/exams.md."""

import re
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone

from exams.models import Attempt, AttemptStatus, Question, QuestionBank
from exams.services import exam_create
from people import roles
from tests import factories
from tests.browser.helpers import log_in
from tests.exams.builders import make_fixed_paper

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}
SAMPLE = Path(__file__).resolve().parent.parent / "exams" / "samples" / "questions.xlsx"


def test_trainer_imports_staff_sits_the_exam_with_a_reload_and_trainer_grades(live_server, new_page, screenshot):
    base = live_server.url
    factories.make_home_page()
    centre = factories.make_centre("城东政务服务中心")
    staff = factories.make_staff("CD1001", name="孟芳嘉", centre=centre)
    trainer = factories.make_user_with_role(roles.TRAINER, "trainer", first_name="老师", last_name="王")
    bank = QuestionBank.objects.create(name="窗口业务题库")

    # The trainer imports the sample bank: preview first, nothing written until confirmed.
    admin = new_page()
    log_in(admin, base, "trainer", next_path="/admin/")
    admin.goto(f"{base}/admin/exams/bank/{bank.pk}/import/")
    admin.set_input_files("input[type=file]", str(SAMPLE))
    admin.get_by_role("button", name="校验文件").click()
    admin.wait_for_url(re.compile(r"/admin/exams/bank/\d+/import/\d+/$"))
    assert admin.locator("[data-import-summary]").is_visible()
    assert not Question.objects.exists()
    screenshot(admin, "exam-admin-import-preview", full_page=True)
    admin.get_by_role("button", name="确认导入").click()
    admin.wait_for_selector("[data-import-status=imported]")
    assert bank.questions.count() == 40

    picks = [bank.questions.filter(qtype=t).order_by("pk").first() for t in ("single", "multiple", "truefalse", "blank", "essay")]
    picks += list(bank.questions.filter(qtype="single").order_by("pk")[1:4])
    exam = exam_create(
        title="十一月月度业务测试", paper=make_fixed_paper(picks, shuffle_options=True), centres=[centre],
        opens_at=timezone.now() - timedelta(hours=1), closes_at=timezone.now() + timedelta(days=3), duration_minutes=30,
    )

    # The staff member, on a phone.
    page = new_page(viewport=PHONE, is_mobile=True, has_touch=True)
    page.on("dialog", lambda dialog: dialog.accept())
    log_in(page, base, "CD1001", next_path="/me/exams/")
    assert page.get_by_text("十一月月度业务测试").first.is_visible()
    screenshot(page, "exam-list-mobile", full_page=True)
    page.get_by_text("参加考试").first.click()
    page.wait_for_url(f"{base}/me/exams/{exam.pk}/")
    page.locator("[data-start]").click()
    page.wait_for_url(re.compile(r"/me/exams/attempts/\d+/$"))
    attempt = Attempt.objects.get(exam=exam, staff=staff)
    assert re.fullmatch(r"\d{2}:\d{2}", page.locator("[data-clock]").inner_text())
    assert "SECRET" not in page.content() and "谁办理谁负责" not in page.content()

    # Answer the first four questions, then reload: every answer is still there.
    first = page.locator("fieldset[data-position='0']")
    first.locator("label.option").nth(1).click()
    second = page.locator("fieldset[data-position='1']")
    second.locator("label.option").nth(0).click()
    second.locator("label.option").nth(2).click()
    page.locator("fieldset[data-position='2'] label.option").first.click()
    page.locator("fieldset[data-position='3'] input[type=text]").fill("一")
    page.wait_for_selector("[data-save-status][data-state=saved]")
    page.wait_for_function("document.querySelector('[data-save-status]').dataset.state === 'saved'")
    screenshot(page, "exam-taking-mobile")
    chosen = first.locator("input:checked").get_attribute("value")
    page.reload()
    page.wait_for_selector("fieldset[data-position='0']")
    assert page.locator("fieldset[data-position='0'] input:checked").get_attribute("value") == chosen
    assert page.locator("fieldset[data-position='1'] input:checked").count() == 2
    assert page.locator("fieldset[data-position='2'] input:checked").count() == 1
    assert page.locator("fieldset[data-position='3'] input[type=text]").input_value() == "一"
    assert page.locator(".exam-nav a.answered").count() == 4

    page.locator("fieldset[data-position='4'] textarea").fill("先安抚群众情绪，说明等待原因，提供预约或帮办代办服务，并记录改进。")
    page.locator("[data-submit]").click()
    page.wait_for_url(re.compile(r"/me/exams/attempts/\d+/result/$"))
    assert page.locator("[data-result-pending]").is_visible()
    assert page.locator("[data-key]").count() == 0  # answers only after the exam closes
    attempt.refresh_from_db()
    assert attempt.status == AttemptStatus.PENDING
    screenshot(page, "exam-result-mobile", full_page=True)

    # The trainer grades the short answer, then reads the report.
    admin.goto(f"{base}/admin/exams/grading/")
    item = admin.locator("[data-grading-item]").first
    item.locator("input[name$=score]").fill("8")
    item.locator("textarea").fill("要点齐全，表述清楚。")
    screenshot(admin, "exam-admin-grading", full_page=True)
    item.get_by_role("button", name="保存评分").click()
    admin.wait_for_selector("text=没有待阅的答卷。")
    attempt.refresh_from_db()
    assert attempt.status == AttemptStatus.GRADED
    admin.goto(f"{base}/admin/exams/report/{exam.pk}/")
    admin.wait_for_selector("[data-chart=distribution] .plot-container")
    assert admin.locator("[data-taken]").inner_text() == "1"
    screenshot(admin, "exam-admin-report", full_page=True)

    # The staff member sees the score now; the answers once the exam has closed.
    page.reload()
    page.wait_for_selector("[data-percent]")
    assert page.locator("[data-answers-later]").is_visible()
    exam.closes_at = timezone.now() - timedelta(minutes=1)
    exam.opens_at = timezone.now() - timedelta(hours=2)
    exam.save()
    page.reload()
    page.wait_for_selector("[data-key]")
    assert page.locator("[data-key]").count() == 8
    screenshot(page, "exam-review-mobile", full_page=True)
    del trainer
