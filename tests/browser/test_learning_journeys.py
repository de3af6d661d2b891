"""A window staff member learns on a phone: the learning centre, a lesson with its
knowledge check, and a role play to an ending. Screenshots illustrate docs/staff.md."""

import io
import re

import pytest
from django.core.management import call_command

from courses.models import CaseScenarioPage, CoursePage
from tests.browser.helpers import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DEMO_PASSWORD = "Frontline-demo-2026"
PHONE = {"width": 390, "height": 844}


@pytest.fixture
def demo_site(transactional_db):
    call_command("load_initial_data", stdout=io.StringIO())


def test_staff_learns_a_lesson_and_plays_a_scenario(live_server, demo_site, new_page, screenshot):
    page = new_page(viewport=PHONE, is_mobile=True, has_touch=True)
    log_in(page, live_server.url, "staff", password=DEMO_PASSWORD, next_path="/learning/")
    course = CoursePage.objects.live().get(slug="window-etiquette")
    assert page.get_by_text(course.title).first.is_visible()
    screenshot(page, "learning-centre", full_page=True)

    # The course, then its first lesson.
    page.get_by_text(course.title).first.click()
    page.wait_for_url(re.compile(re.escape(course.url) + "$"))
    first_lesson = course.lessons().first()
    page.goto(live_server.url + first_lesson.url)
    check = page.locator("form[data-knowledge-check]").first
    check.scroll_into_view_if_needed()

    # Answer every question with its correct answers: the check says all are right.
    for question in check.locator(".kc-question").all():
        for box in question.locator("input[data-correct=true]").all():
            box.check()
    check.get_by_role("button", name="提交答案").click()
    score = check.locator(".kc-score")
    total = check.locator(".kc-question").count()
    assert score.inner_text() == f"共 {total} 题，答对 {total} 题。"
    assert check.locator(".kc-question.is-wrong").count() == 0
    screenshot(page, "lesson-knowledge-check", full_page=True)

    # A role play, always taking the first choice, reaches an ending with a score.
    scenario = CaseScenarioPage.objects.live().first()
    page.goto(live_server.url + scenario.url)
    player = page.locator(".role-play-player")
    for _step in range(10):
        if player.locator(".role-play-score").count():
            break
        player.locator(".role-play-choice").first.click()
    assert re.search(r"得分：\d+", player.locator(".role-play-score").inner_text())
    assert player.locator(".role-play-path li").count() >= 1
    screenshot(page, "role-play-ending", full_page=True)


def test_learning_centre_needs_login(live_server, demo_site, new_page):
    page = new_page()
    page.goto(live_server.url + "/learning/")
    assert "/accounts/login/" in page.url


# --- the staff portal: assigned learning, certificate, acknowledgement, role play --------------


def answer_correctly(scope):
    for box in scope.locator("form[data-knowledge-check] input[data-correct=true]").all():
        box.check()


def test_staff_completes_an_assigned_course_gets_a_certificate_acknowledges_and_plays(
    live_server, demo_site, new_page, screenshot
):
    from django.utils import timezone

    from courses.models import ScenarioRun, TrainingRecord
    from people.models import StaffProfile

    staff = StaffProfile.objects.get(user__username="staff")
    page = new_page(viewport=PHONE, is_mobile=True, has_touch=True)
    log_in(page, live_server.url, "staff", password=DEMO_PASSWORD, next_path="/me/learning/")
    badge = page.locator('header [data-badge="acknowledgements"]')
    assert badge.inner_text() == "2"
    assert page.locator(".learning-item.is-overdue").count() >= 1
    screenshot(page, "my-learning", full_page=True)

    # An assigned course, from 我的学习: every lesson with its knowledge check.
    course = CoursePage.objects.live().get(slug="window-etiquette")
    page.locator(".learning-item-title a", has_text=course.title).first.click()
    page.wait_for_url(re.compile(re.escape(course.url) + "$"))
    assert page.locator("#my-progress").is_visible()
    lessons = list(course.lessons())
    for number, lesson in enumerate(lessons, start=1):
        page.goto(live_server.url + lesson.url)
        answer_correctly(page)
        page.get_by_role("button", name="提交答案并完成本课").click()
        status = page.locator("#lesson-complete-form .learning-status.status-done")
        status.wait_for()
        assert "本课已完成" in status.inner_text()
        if number == 1:
            screenshot(page, "lesson-complete", full_page=False)
    assert "恭喜" in status.inner_text()
    screenshot(page, "course-completed")

    # The certificate: printable on one A4 page, with a QR code of its public check.
    page.locator("#lesson-complete-form a", has_text="查看证书").click()
    page.wait_for_url(re.compile(r"/me/learning/certificates/\w+/$"))
    assert page.locator(".certificate-qr svg").count() == 1
    verify_url = page.locator(".certificate-url a").get_attribute("href")
    screenshot(page, "certificate", full_page=True)
    pdf = page.pdf(prefer_css_page_size=True, print_background=True)
    assert pdf.startswith(b"%PDF") and len(re.findall(rb"/Type\s*/Page[^s]", pdf)) == 1

    # Anyone can verify it, without logging in.
    stranger = new_page(viewport=PHONE, is_mobile=True)
    stranger.goto(verify_url)
    assert stranger.locator(".verify-status").inner_text().endswith("证书有效")
    assert stranger.locator('[data-field="name"]').inner_text() == staff.name[0] + "*" * (len(staff.name) - 1)
    assert stranger.locator('[data-field="course"]').inner_text() == course.title
    screenshot(stranger, "certificate-verify")

    # The hours are credited, and the course is listed as completed.
    page.goto(live_server.url + "/me/learning/")
    year = timezone.localdate().year
    credited = sum(r.hours for r in TrainingRecord.objects.filter(staff=staff, date__year=year))
    assert TrainingRecord.objects.filter(staff=staff, source_key=f"course:{course.pk}").exists()
    assert page.locator('[data-hours="total"]').inner_text() == str(credited)
    assert page.locator(".learning-item.is-completed", has_text=course.title).count() == 1

    # A policy update: the check must be right before it can be acknowledged.
    page.locator(".pending-policies a").first.click()
    page.wait_for_url(re.compile(r"#acknowledge$"))
    form = page.locator("#acknowledge-form")
    wrong = page.locator("form[data-knowledge-check] input[data-correct=false]").first
    wrong.check()
    for question in page.locator(".kc-question").all():
        if not question.locator("input:checked").count():
            question.locator("input").first.check()
    form.get_by_role("button").click()
    form.locator(".learning-status.text-overdue").wait_for()
    assert page.locator('header [data-badge="acknowledgements"]').inner_text() == "2"
    page.reload()
    answer_correctly(page)
    page.get_by_role("button", name="我已阅读并理解").click()
    form.locator(".learning-status.status-done").wait_for()
    assert page.locator('header [data-badge="acknowledgements"]').inner_text() == "1"
    screenshot(page, "policy-acknowledged")

    # A case scenario played to an ending is recorded with the server's score.
    scenario = CaseScenarioPage.objects.live().get(slug="incomplete-documents")
    page.goto(live_server.url + scenario.url)
    player = page.locator(".role-play-player")
    for _step in range(10):
        if player.locator(".role-play-score").count():
            break
        player.locator(".role-play-choice").first.click()
    recorded = player.locator(".role-play-recorded.status-done")
    recorded.wait_for()
    run = ScenarioRun.objects.get(staff=staff, scenario=scenario)
    assert f"{run.score} 分" in recorded.inner_text()
    screenshot(page, "role-play-recorded", full_page=True)

    page.goto(live_server.url + "/me/notices/")
    assert page.locator(".notice").count() >= 5
    screenshot(page, "notices")


def test_answers_checked_first_are_recorded_when_the_lesson_is_finished(live_server, demo_site, new_page):
    """The guide's order (docs/staff-learning.md): answer, 提交答案 to check them, then
    提交答案并完成本课. The answers checked first are the ones recorded: 100%, the course
    completes with its certificate and hours. Then a policy update: the self-check first,
    then 我已阅读并理解."""
    from courses.models import Acknowledgement, Certificate, Enrolment, LessonCompletion, TrainingRecord
    from people.models import StaffProfile

    staff = StaffProfile.objects.get(user__username="staff")
    course = CoursePage.objects.live().get(slug="window-etiquette")
    lessons = list(course.lessons())
    page = new_page(viewport=PHONE, is_mobile=True, has_touch=True)
    log_in(page, live_server.url, "staff", password=DEMO_PASSWORD, next_path="/me/learning/")

    for lesson in lessons:
        page.goto(live_server.url + lesson.url)
        check = page.locator("form[data-knowledge-check]").first
        total = check.locator(".kc-question").count()
        answer_correctly(page)
        check.get_by_role("button", name="提交答案", exact=True).click()
        assert check.locator(".kc-score").inner_text() == f"共 {total} 题，答对 {total} 题。"
        page.get_by_role("button", name="提交答案并完成本课").click()
        status = page.locator("#lesson-complete-form .learning-status.status-done")
        status.wait_for()
        assert f"随堂小测共 {total} 题，答对 {total} 题。" in status.inner_text()
        assert LessonCompletion.objects.get(staff=staff, lesson=lesson).check_percent == 100
    assert "恭喜" in status.inner_text()
    assert Enrolment.objects.get(staff=staff, course=course).completed_at is not None
    certificate = Certificate.objects.get(staff=staff, course=course)
    credited = TrainingRecord.objects.get(staff=staff, source_key=f"course:{course.pk}")
    assert certificate.hours == credited.hours == course.hours
    page.locator("#lesson-complete-form a", has_text="查看证书").click()
    page.wait_for_url(re.compile(r"/me/learning/certificates/\w+/$"))
    assert f"获得 {course.hours} 学时" in page.locator(".certificate-text").inner_text()

    # A policy update: the self-check first, then the acknowledgement.
    page.goto(live_server.url + "/me/learning/")
    badge = page.locator('header [data-badge="acknowledgements"]')
    before = int(badge.inner_text())
    page.locator(".pending-policies a").first.click()
    page.wait_for_url(re.compile(r"#acknowledge$"))
    acknowledged = Acknowledgement.objects.filter(staff=staff).count()
    check = page.locator("form[data-knowledge-check]").first
    total = check.locator(".kc-question").count()
    answer_correctly(page)
    check.get_by_role("button", name="提交答案", exact=True).click()
    assert check.locator(".kc-score").inner_text() == f"共 {total} 题，答对 {total} 题。"
    form = page.locator("#acknowledge-form")
    form.get_by_role("button", name="我已阅读并理解").click()
    form.locator(".learning-status.status-done").wait_for()
    assert form.locator(".learning-status.text-overdue").count() == 0
    assert badge.inner_text() == str(before - 1) or (before == 1 and badge.is_hidden())
    assert Acknowledgement.objects.filter(staff=staff).count() == acknowledged + 1
