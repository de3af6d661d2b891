"""A window staff member learns on a phone: the learning centre, a lesson with its
knowledge check, and a role play to an ending. Screenshots illustrate docs/staff.md."""

import io
import re

import pytest
from django.core.management import call_command

from courses.models import CaseScenarioPage, CoursePage

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DEMO_PASSWORD = "Frontline-demo-2026"
PHONE = {"width": 390, "height": 844}


@pytest.fixture
def demo_site(transactional_db):
    call_command("load_initial_data", stdout=io.StringIO())


def log_in(page, base_url):
    page.goto(f"{base_url}/accounts/login/?next=/learning/")
    page.fill("input[name=username]", "staff")
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(re.compile(r"/learning/$"))


def test_staff_learns_a_lesson_and_plays_a_scenario(live_server, demo_site, new_page, screenshot):
    page = new_page(viewport=PHONE, is_mobile=True, has_touch=True)
    log_in(page, live_server.url)
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
