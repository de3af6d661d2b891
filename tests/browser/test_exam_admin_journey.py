"""A blueprint exam built in the admin, end to end: a trainer writes a blueprint paper (rules
by bank, type and count) and an exam for one centre; a staff member of that centre starts it
and gets the drawn number of questions. The screenshot shows the filled blueprint form."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from exams.models import Attempt, Exam, ExamCandidate, Paper, PaperKind
from people import roles
from tests import factories
from tests.browser.helpers import admin_log_in, log_in
from tests.exams.builders import make_bank, make_question

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PAPER_TITLE = "窗口业务随机抽题卷"
EXAM_TITLE = "月度随机抽题测试"
# (question type, how many the rule draws): five questions for every candidate.
RULES = [("single", 3), ("truefalse", 2)]


def admin_datetime(value):
    """The text Wagtail's date-time input takes (its format, in Beijing time)."""
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M")


def fill_datetime(page, selector, text):
    """Type into a Wagtail date-time input. Its picker opens 100 ms after the focus even when
    the focus has moved on, and then stays open over the form: waiting for it to open means
    that leaving the field (the next fill) closes it."""
    page.fill(selector, text)
    page.locator(".xdsoft_datetimepicker:visible").wait_for()


def test_trainer_builds_a_blueprint_exam_and_staff_draws_it(live_server, new_page, screenshot):
    base = live_server.url
    factories.make_home_page()
    east = factories.make_centre("城东政务服务中心")
    west = factories.make_centre("城西政务服务中心")
    staff = factories.make_staff("CD2001", name="孟芳嘉", centre=east)
    factories.make_staff("CX2001", name="薛娟", centre=west)  # another centre: not a candidate
    factories.make_user_with_role(roles.TRAINER, "trainer", first_name="老师", last_name="王")
    bank = make_bank("窗口业务题库")
    # More questions than the rules draw, and a type no rule asks for, so the draw has to choose.
    for _ in range(6):
        make_question(bank, qtype="single")
    for _ in range(4):
        make_question(bank, qtype="truefalse", options=(), answer="对")
    for _ in range(3):
        make_question(bank, qtype="multiple", answer="A、C")

    # The trainer writes the blueprint paper: one rule per question type.
    admin = new_page()
    admin_log_in(admin, base, "trainer")
    admin.goto(f"{base}/admin/exams/papers/new/")
    admin.fill("#id_title", PAPER_TITLE)
    admin.select_option("#id_kind", PaperKind.BLUEPRINT)
    for index, (qtype, count) in enumerate(RULES):
        admin.locator("#id_rules-ADD").click()
        admin.locator(f"#id_rules-{index}-bank").wait_for()
        admin.select_option(f"#id_rules-{index}-bank", label=bank.name)
        admin.select_option(f"#id_rules-{index}-qtype", qtype)
        admin.fill(f"#id_rules-{index}-count", str(count))
    screenshot(admin, "exam-admin-blueprint-paper", full_page=True)
    admin.get_by_role("button", name="创建").click()
    admin.wait_for_url(f"{base}/admin/exams/papers/")
    paper = Paper.objects.get(title=PAPER_TITLE)
    assert paper.kind == PaperKind.BLUEPRINT
    rules = list(paper.rules.order_by("sort_order"))
    assert [(r.bank_id, r.qtype, r.count, r.category_id, r.difficulty) for r in rules] == [
        (bank.pk, qtype, count, None, None) for qtype, count in RULES
    ]

    # The exam on that paper, for 城东 only, open from an hour ago for three days.
    now = timezone.now()
    opens, closes = admin_datetime(now - timedelta(hours=1)), admin_datetime(now + timedelta(days=3))
    admin.goto(f"{base}/admin/exams/exams/new/")
    admin.fill("#id_title", EXAM_TITLE)
    admin.select_option("#id_paper", label=PAPER_TITLE)
    admin.locator("#id_centres").get_by_label(east.name, exact=True).check()
    expect(admin.locator("[data-audience-count]")).to_have_text("1")
    fill_datetime(admin, "#id_opens_at", opens)
    fill_datetime(admin, "#id_closes_at", closes)
    admin.fill("#id_duration_minutes", "20")
    assert admin.locator(".xdsoft_datetimepicker:visible").count() == 0
    admin.get_by_role("button", name="创建").click()
    admin.wait_for_url(f"{base}/admin/exams/exams/")
    exam = Exam.objects.get(title=EXAM_TITLE)
    assert exam.paper == paper and exam.duration_minutes == 20
    assert list(exam.centres.all()) == [east]
    assert (admin_datetime(exam.opens_at), admin_datetime(exam.closes_at)) == (opens, closes)
    assert list(ExamCandidate.objects.filter(exam=exam).values_list("staff_id", flat=True)) == [staff.pk]

    # The staff member finds the exam in the portal and starts it.
    page = new_page()
    log_in(page, base, staff.staff_no, next_path="/me/exams/")
    card = page.locator(f"[data-exam='{exam.pk}']")
    assert EXAM_TITLE in card.inner_text()
    card.get_by_role("link", name="参加考试").click()
    page.wait_for_url(f"{base}/me/exams/{exam.pk}/")
    page.locator("[data-start]").click()
    page.wait_for_url(re.compile(r"/me/exams/attempts/\d+/$"))
    drawn = sum(count for _qtype, count in RULES)
    assert page.locator("fieldset[data-position]").count() == drawn
    assert page.locator(".exam-nav a").count() == drawn

    attempt = Attempt.objects.get(exam=exam, staff=staff)
    items = list(attempt.items.select_related("question"))
    assert len(items) == drawn
    assert len({item.question_id for item in items}) == drawn  # never the same question twice
    for qtype, count in RULES:
        assert sum(item.question.qtype == qtype for item in items) == count
    assert all(item.question.bank_id == bank.pk for item in items)
