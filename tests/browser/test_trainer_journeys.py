"""A trainer's journey in the admin on the demo data: write a course with a lesson and
submit it for moderation; the senior trainer approves (publishes) it; assign it to a
centre; see the recipients, the report's charts and its Excel export; import offline
training. Screenshots illustrate docs/trainer-learning.md."""

import io
import re

import openpyxl
import pytest
from django.core.management import call_command

from courses.models import Assignment, CourseIndexPage, CoursePage, LessonPage, TrainingRecord
from people.models import ServiceCentre, StaffProfile
from tests.browser.helpers import admin_log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DEMO_PASSWORD = "Frontline-demo-2026"
COURSE_TITLE = "窗口接待四步法实训"


@pytest.fixture
def demo_site(transactional_db):
    call_command("load_initial_data", stdout=io.StringIO())


def footer_action(page, selector):
    """Click an action of the page editor's footer, opening its dropdown when needed."""
    button = page.locator(f"footer {selector}").first
    if not button.is_visible():
        page.locator("footer .w-dropdown__toggle").first.click()
    button.click()


def test_trainer_publishes_through_moderation_assigns_and_reports(live_server, demo_site, new_page, screenshot):
    base = live_server.url
    learning = CourseIndexPage.objects.get()
    east = ServiceCentre.objects.get(name="城东政务服务中心")
    expected_recipients = StaffProfile.objects.filter(centre=east, active=True).count()

    # 1. The trainer writes a course and submits it: there is no "publish" for them.
    trainer = new_page()
    admin_log_in(trainer, base, "trainer", password=DEMO_PASSWORD)
    trainer.goto(f"{base}/admin/pages/add/courses/coursepage/{learning.pk}/")
    trainer.fill("#id_title", COURSE_TITLE)
    trainer.fill("#id_summary", "微笑、迎接语、业务讲解、结束语：四步接待法的现场演练。")
    trainer.select_option("#id_category", "etiquette")
    assert trainer.locator("footer button[name=action-publish]").count() == 0
    screenshot(trainer, "trainer-course-new")
    footer_action(trainer, "button[name=action-submit]")
    trainer.wait_for_url(re.compile(r"/admin/pages/\d+/"))
    course = CoursePage.objects.get(title=COURSE_TITLE)
    assert not course.live

    # ...and a lesson under it, submitted too.
    trainer.goto(f"{base}/admin/pages/add/courses/lessonpage/{course.pk}/")
    trainer.fill("#id_title", "第一课 微笑与迎接语")
    trainer.locator("#body-root .c-sf-add-button").first.click()
    trainer.get_by_role("option", name="段落").click()
    trainer.locator("#body-root .public-DraftEditor-content").first.click()
    trainer.keyboard.type("面带微笑，起身相迎，主动问候：“您好，请问您办理什么业务？”")
    # Draftail writes the text into the form a moment after typing.
    trainer.wait_for_function(
        "() => [...document.querySelectorAll('#body-root input[name$=value]')].some(i => i.value.includes('起身相迎'))"
    )
    screenshot(trainer, "trainer-lesson-new")
    footer_action(trainer, "button[name=action-submit]")
    trainer.wait_for_url(re.compile(r"/admin/pages/\d+/"))
    lesson = LessonPage.objects.get(title="第一课 微笑与迎接语")
    assert not lesson.live

    # 2. The senior trainer sees both awaiting review and approves them: they go live.
    lead = new_page()
    admin_log_in(lead, base, "trainer_lead", password=DEMO_PASSWORD)
    assert lead.get_by_text(COURSE_TITLE).first.is_visible()
    screenshot(lead, "trainer-lead-dashboard")
    for page_id in (course.pk, lesson.pk):
        lead.goto(f"{base}/admin/pages/{page_id}/edit/")
        footer_action(lead, "button[data-workflow-action-name=approve]")
        lead.wait_for_url(re.compile(r"/admin/pages/\d+/$"))  # back to the section's listing
    course.refresh_from_db()
    lesson.refresh_from_db()
    assert course.live and lesson.live

    # 3. The trainer assigns the course to 城东.
    trainer.goto(f"{base}/admin/learning/assignments/new/")
    trainer.get_by_role("button", name="选择一个页面").click()
    modal = trainer.locator(".modal-dialog")
    modal.locator("input[name=q]").fill(COURSE_TITLE)
    modal.get_by_role("link", name=COURSE_TITLE).first.click()
    trainer.wait_for_selector(".modal-dialog", state="detached")
    trainer.fill("#id_due_date", "2099-12-31")
    trainer.keyboard.press("Escape")
    trainer.get_by_label("城东政务服务中心").check()
    count = trainer.locator("[data-audience-count]")
    trainer.wait_for_function(
        "(n) => document.querySelector('[data-audience-count]').textContent.trim() === String(n)", arg=expected_recipients
    )
    screenshot(trainer, "trainer-assignment-form", full_page=True)
    trainer.get_by_role("button", name="创建").click()
    trainer.wait_for_url(f"{base}/admin/learning/assignments/")
    assignment = Assignment.objects.get(page=course)
    assert assignment.recipients.count() == expected_recipients
    row = trainer.locator("tr", has_text=COURSE_TITLE)
    assert row.locator("td").nth(4).inner_text().strip() == str(expected_recipients)
    screenshot(trainer, "trainer-assignment-list")
    row.get_by_role("link", name=COURSE_TITLE).click()
    trainer.wait_for_url(re.compile(r"/inspect/\d+/$"))
    assert f"{expected_recipients} 名接收人" in trainer.locator("[data-recipient-count]").inner_text()
    assert count.count() == 0  # the inspect view has no form
    screenshot(trainer, "trainer-assignment-inspect")

    # 4. The report shows the charts; the Excel export downloads.
    trainer.goto(f"{base}/admin/learning/reports/?centre={east.pk}")
    trainer.wait_for_selector("#chart-centre .main-svg")
    assert trainer.locator("[data-report-section=course]").get_by_text(COURSE_TITLE).count() >= 1
    screenshot(trainer, "trainer-report", full_page=True)
    with trainer.expect_download() as download_info:
        trainer.locator("[data-report-export]").click()
    download = download_info.value
    assert download.suggested_filename.endswith(".xlsx")
    with open(download.path(), "rb") as downloaded:
        book = openpyxl.load_workbook(io.BytesIO(downloaded.read()))
    assert "人员明细" in book.sheetnames
    titles = {row[4] for row in book["人员明细"].iter_rows(min_row=2, values_only=True)}
    assert COURSE_TITLE in titles

    trainer.goto(f"{base}/admin/learning/reports/policies/")
    trainer.wait_for_selector("#chart-policies .main-svg")
    screenshot(trainer, "trainer-policy-coverage", full_page=True)


def test_trainer_imports_offline_training(live_server, demo_site, new_page, screenshot):
    base = live_server.url
    staff = StaffProfile.objects.order_by("staff_no").first()
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["工号", "培训名称", "日期", "学时", "形式"])
    sheet.append([staff.staff_no, "2026年窗口服务礼仪集中培训", "2026-10-08", 3, "线下"])
    buffer = io.BytesIO()
    book.save(buffer)

    page = new_page()
    admin_log_in(page, base, "trainer", password=DEMO_PASSWORD)
    page.goto(f"{base}/admin/imports/training/")
    page.set_input_files(
        "input[type=file]",
        {"name": "training.xlsx", "mimeType": "application/octet-stream", "buffer": buffer.getvalue()},
    )
    page.get_by_role("button", name="校验文件").click()
    page.wait_for_url(re.compile(r"/admin/imports/training/\d+/$"))
    assert page.get_by_text("2026年窗口服务礼仪集中培训").first.is_visible()
    screenshot(page, "trainer-training-import", full_page=True)
    page.locator("main form button[value=confirm]").click()
    page.wait_for_selector(".messages .success")
    assert TrainingRecord.objects.filter(staff=staff, source="import", title="2026年窗口服务礼仪集中培训").count() == 1
