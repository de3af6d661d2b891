"""The forms the learning pages post to: lesson completed with its knowledge check, policy
update acknowledged, role play recorded, course feedback. The server grades; a person only
writes their own records; every form works without JavaScript and answers JSON to fetch."""

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.contrib.messages import get_messages
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from courses.models import (
    Acknowledgement,
    Certificate,
    CourseFeedback,
    Enrolment,
    LessonCompletion,
    PolicyUpdatePage,
    ScenarioRun,
    TrainingRecord,
)
from tests.courses.portal_builders import (
    correct_answers,
    make_assignment,
    make_check_question,
    make_course,
    make_policy,
    make_scenario,
    make_sections,
)

pytestmark = pytest.mark.django_db

JSON = {"HTTP_ACCEPT": "application/json"}


@pytest.fixture
def tree(home_page):
    return make_sections(home_page)


@pytest.fixture
def course(tree):
    checks = ((make_check_question("题一", (2,)), make_check_question("题二", (1, 3))),)
    return make_course(tree[0], lessons=2, checks=checks)


@pytest.fixture
def staff_client(client, staff_member):
    client.force_login(staff_member.user)
    return client


def lesson_url(lesson):
    return reverse("courses:lesson_complete", args=[lesson.pk])


def questions_of(lesson):
    return lesson.knowledge_questions()


def messages_of(response):
    return [str(m) for m in get_messages(response.wsgi_request)]


def test_lesson_with_right_answers_is_completed_and_the_last_one_completes_the_course(staff_client, staff_member, course):
    make_assignment(course, staff_member, timezone.localdate() + dt.timedelta(days=5))
    first, second = course.lessons()
    response = staff_client.post(lesson_url(first), correct_answers(1, questions_of(first)))
    assert response.status_code == 302 and response.url == f"{first.url}#lesson-complete"
    assert LessonCompletion.objects.get(staff=staff_member, lesson=first).check_percent == Decimal("100.00")
    assert "2 题答对 2 题" in " ".join(messages_of(response)) or "答对 2" in " ".join(messages_of(response))
    assert Enrolment.objects.get(staff=staff_member, course=course).completed_at is None

    response = staff_client.post(lesson_url(second), correct_answers(1, questions_of(second)))
    assert response.url == f"{course.url}#my-progress"
    assert Enrolment.objects.get(staff=staff_member, course=course).completed_at is not None
    assert TrainingRecord.objects.get(staff=staff_member).hours == Decimal("2.0")
    assert Certificate.objects.filter(staff=staff_member, course=course).exists()


def test_the_server_grades_and_ignores_a_score_sent_by_the_browser(staff_client, staff_member, course):
    lesson = course.lessons().first()
    wrong = {"kc-1-q1": ["1"], "kc-1-q2": ["1"], "percent": "100", "check_percent": "100", "score": "100"}
    body = staff_client.post(lesson_url(lesson), wrong, **JSON).json()
    assert body["verdicts"] == [False, False] and body["right"] == 0
    assert LessonCompletion.objects.get(staff=staff_member, lesson=lesson).check_percent == Decimal("0.00")
    # Half right: 50 %; choosing every answer of a multiple-choice question is not right.
    staff_client.post(lesson_url(lesson), {"kc-1-q1": ["2"], "kc-1-q2": ["1", "2", "3"]})
    assert LessonCompletion.objects.get(staff=staff_member, lesson=lesson).check_percent == Decimal("50.00")


def test_checks_below_the_pass_mark_leave_the_course_open_with_advice(staff_client, staff_member, course):
    for lesson in course.lessons():
        body = staff_client.post(lesson_url(lesson), {"kc-1-q1": ["2"], "kc-1-q2": ["2"]}, **JSON).json()
    assert body["course_completed"] is False and body["certificate_url"] is None
    assert "80%" in body["message"]
    # Held back by the pass mark: a warning, never shown as good news.
    assert body["level"] == "warning"
    assert not Certificate.objects.exists()


def test_a_lesson_posted_without_its_answers_is_refused_not_graded_zero(staff_client, staff_member, course):
    """The form once arrived empty after 提交答案 (the check's inputs were disabled): the
    lesson was recorded with 答对 0 题 and the course failed. Now nothing is recorded."""
    first, second = course.lessons()
    response = staff_client.post(lesson_url(first), {}, **JSON)
    assert response.status_code == 400
    body = response.json()
    assert body["ok"] is False and body["level"] == "error"
    assert "请先回答随堂小测的全部题目" in body["message"] and "1、2" in body["message"]
    # Half answered, without JavaScript: an error message next to the form, nothing recorded.
    response = staff_client.post(lesson_url(first), {"kc-1-q1": ["2"]})
    assert response.status_code == 302 and response.url == f"{first.url}#lesson-complete"
    [message] = list(get_messages(response.wsgi_request))
    assert message.level_tag == "error" and "未作答：第 2 题" in str(message)
    assert not LessonCompletion.objects.exists()

    # Then answered right, both lessons: 100 %, the course is completed with its hours.
    make_assignment(course, staff_member, timezone.localdate() + dt.timedelta(days=5))
    for lesson in (first, second):
        body = staff_client.post(lesson_url(lesson), correct_answers(1, questions_of(lesson)), **JSON).json()
        assert body["level"] == "success" and body["right"] == 2
    assert set(LessonCompletion.objects.values_list("check_percent", flat=True)) == {Decimal("100.00")}
    assert body["course_completed"] and body["certificate_url"]
    assert TrainingRecord.objects.get(staff=staff_member).hours == Decimal("2.0")


def test_the_refusal_shows_as_an_error_on_the_page(staff_client, staff_member, course):
    lesson = course.lessons().first()
    html = staff_client.post(lesson_url(lesson), {}, follow=True).content.decode()
    assert re.search(r'class="alert alert-error"[^>]*>请先回答随堂小测的全部题目', html)
    assert "alert-success" not in html


def test_every_check_of_a_lesson_counts_and_a_lesson_without_check_just_completes(staff_client, staff_member, tree):
    two_checks = make_course(
        tree[0], lessons=1, checks=((make_check_question("甲", (1,)),), (make_check_question("乙", (2,)),))
    )
    lesson = two_checks.lessons().first()
    staff_client.post(lesson_url(lesson), {"kc-1-q1": ["1"], "kc-2-q1": ["2"]})
    assert LessonCompletion.objects.get(lesson=lesson).check_percent == Decimal("100.00")
    plain = make_course(tree[0], lessons=1, checks=())
    lesson = plain.lessons().first()
    body = staff_client.post(lesson_url(lesson), {}, **JSON).json()
    assert body["total"] == 0 and body["course_completed"] is True
    assert LessonCompletion.objects.get(lesson=lesson).check_percent is None


def test_the_rendered_lesson_posts_answers_the_server_understands(staff_client, staff_member, tree):
    checks = (
        (make_check_question("甲", (1,)), make_check_question("乙", (2, 3))),
        (make_check_question("丙", (3,)),),
    )
    course = make_course(tree[0], lessons=1, checks=checks)
    lesson = course.lessons().first()
    html = staff_client.get(lesson.url).content.decode()
    assert f'action="{lesson_url(lesson)}"' in html
    data = {}
    for name, value in re.findall(r'name="(kc-\d+-q\d+)" value="(\d+)" data-correct="true" form="lesson-complete-form"', html):
        data.setdefault(name, []).append(value)
    assert len(data) == 3
    staff_client.post(lesson_url(lesson), data)
    assert LessonCompletion.objects.get(lesson=lesson).check_percent == Decimal("100.00")
    html = staff_client.get(lesson.url).content.decode()
    assert "已完成" in html


def test_course_page_enrols_on_the_first_visit_and_shows_progress(staff_client, staff_member, course, role_users, client_for):
    due = timezone.localdate() + dt.timedelta(days=3)
    make_assignment(course, staff_member, due)
    html = staff_client.get(course.url).content.decode()
    assert Enrolment.objects.filter(staff=staff_member, course=course).count() == 1
    assert "我的进度" in html and "已学 0 / 2 课" in html
    assert f"截止 {due:%Y-%m-%d}" in html
    staff_client.get(course.url)
    assert Enrolment.objects.filter(staff=staff_member, course=course).count() == 1
    # Someone without a staff profile reads the page and is not enrolled.
    trainer = client_for(role_users["trainer"])
    assert trainer.get(course.url).status_code == 200
    assert Enrolment.objects.count() == 1


def test_policy_acknowledgement_needs_the_right_answers(staff_client, staff_member, tree):
    policy = make_policy(tree[1])
    make_assignment(policy, staff_member, timezone.localdate() + dt.timedelta(days=7))
    url = reverse("courses:policy_acknowledge", args=[policy.pk])
    response = staff_client.post(url, {"kc-1-q1": ["2"], "kc-1-q2": ["1"]})
    assert response.status_code == 302 and response.url == f"{policy.url}#acknowledge"
    assert not Acknowledgement.objects.exists()
    assert "答对" in " ".join(messages_of(response))
    body = staff_client.post(url, {"kc-1-q1": ["2"]}, **JSON)
    assert body.status_code == 400 and body.json()["verdicts"] == [True, False]

    body = staff_client.post(url, correct_answers(1, [b.value for b in policy.check_questions]), **JSON).json()
    assert body["ok"] and body["round"] == 1 and body["pending"] == 0
    ack = Acknowledgement.objects.get(staff=staff_member, policy=policy)
    assert ack.revision_id == policy.live_revision_id
    html = staff_client.get(policy.url).content.decode()
    assert "您已于" in html and 'id="acknowledge-form"' not in html


def test_a_new_acknowledgement_round_asks_again(staff_client, staff_member, tree):
    policy = make_policy(tree[1], questions=())
    make_assignment(policy, staff_member, timezone.localdate() + dt.timedelta(days=7))
    url = reverse("courses:policy_acknowledge", args=[policy.pk])
    staff_client.post(url)
    assert staff_client.get(policy.url).content.decode().count('id="acknowledge-form"') == 0
    policy.acknowledgement_round = 2
    policy.save_revision().publish()
    html = staff_client.get(policy.url).content.decode()
    assert 'id="acknowledge-form"' in html and "再次确认" in html
    body = staff_client.post(url, **JSON).json()
    assert body["round"] == 2 and body["pending"] == 0
    assert sorted(Acknowledgement.objects.values_list("round", flat=True)) == [1, 2]
    assert Acknowledgement.objects.get(round=2).revision_id == PolicyUpdatePage.objects.get(pk=policy.pk).live_revision_id


def test_role_play_is_recorded_with_the_servers_score(staff_client, staff_member, tree):
    scenario = make_scenario(tree[0])
    url = reverse("courses:scenario_run", args=[scenario.pk])
    body = staff_client.post(url, {"choice": ["2", "1"], "score": "100"}, **JSON).json()
    assert body["score"] == 40 and body["runs"] == 1
    run = ScenarioRun.objects.get(staff=staff_member)
    assert (run.score, run.path) == (40, [["start", 2], ["again", 1]])
    response = staff_client.post(url, {"choice": ["1"]})
    assert response.url == f"{scenario.url}#role-play"
    assert ScenarioRun.objects.filter(staff=staff_member).count() == 2
    for bad in (["3"], ["2"], ["1", "1"], []):
        assert staff_client.post(url, {"choice": bad}, **JSON).status_code == 400
    assert ScenarioRun.objects.count() == 2


def test_role_play_can_be_played_without_javascript(staff_client, staff_member, tree):
    scenario = make_scenario(tree[0])
    url = reverse("courses:scenario_play", args=[scenario.pk])
    html = staff_client.get(url).content.decode()
    assert "群众第三次来" in html and 'name="c" value="2"' in html
    html = staff_client.get(url + "?c=2").content.decode()
    assert "群众要投诉" in html and '<input type="hidden" name="c" value="2">' in html
    html = staff_client.get(url + "?c=2&c=1").content.decode()
    assert "得分：40" in html and '<input type="hidden" name="choice" value="1">' in html
    assert not ScenarioRun.objects.exists()  # reading is not recording
    assert staff_client.get(url + "?c=9").status_code == 404
    assert staff_client.get(url + "?c=1&c=1").status_code == 404


def test_course_feedback_after_completion_and_changeable(staff_client, staff_member, course):
    url = reverse("courses:course_feedback", args=[course.pk])
    response = staff_client.post(url, {"rating": "5", "comment": "很好"})
    assert not CourseFeedback.objects.exists()
    assert "完成课程后" in " ".join(messages_of(response))
    for lesson in course.lessons():
        staff_client.post(lesson_url(lesson), correct_answers(1, questions_of(lesson)))
    assert 'name="rating"' in staff_client.get(course.url).content.decode()
    assert staff_client.post(url, {"rating": "6"}, **JSON).status_code == 400
    staff_client.post(url, {"rating": "4", "comment": "  讲得清楚  "})
    staff_client.post(url, {"rating": "5", "comment": "改为非常满意"})
    feedback = CourseFeedback.objects.get(staff=staff_member, course=course)
    assert (feedback.rating, feedback.comment) == (5, "改为非常满意")
    html = staff_client.get(course.url).content.decode()
    assert 'value="5" required checked' in html and "改为非常满意" in html


# --- who may post ---------------------------------------------------------------------------


@pytest.fixture
def endpoints(tree, course):
    policy = make_policy(tree[1])
    scenario = make_scenario(tree[0])
    lesson = course.lessons().first()
    return [
        reverse("courses:lesson_complete", args=[lesson.pk]),
        reverse("courses:policy_acknowledge", args=[policy.pk]),
        reverse("courses:scenario_run", args=[scenario.pk]),
        reverse("courses:course_feedback", args=[course.pk]),
    ]


def test_anonymous_people_are_sent_to_log_in(client, endpoints):
    for url in endpoints + [reverse("courses:my_learning")]:
        response = client.post(url) if "learning/" in url and url != reverse("courses:my_learning") else client.get(url)
        assert response.status_code == 302 and "/accounts/login/" in response.url, url


@pytest.mark.parametrize("role", ["trainer", "hr", "supervisor", "vendor", "judge", "admin"])
def test_only_window_staff_record_learning(role, role_users, client_for, endpoints):
    client = client_for(role_users[role])
    for url in endpoints:
        assert client.post(url).status_code == 403, (role, url)
    assert client.get(reverse("courses:my_learning")).status_code == 403
    assert not (LessonCompletion.objects.exists() or Acknowledgement.objects.exists() or ScenarioRun.objects.exists())


def test_inactive_staff_cannot_record(client, staff_member, endpoints):
    staff_member.active = False
    staff_member.save()
    client.force_login(staff_member.user)
    assert client.post(endpoints[0]).status_code == 403


def test_forms_need_post_and_a_csrf_token(staff_member, endpoints):
    client = Client(enforce_csrf_checks=True)
    client.force_login(staff_member.user)
    for url in endpoints:
        assert client.get(url).status_code == 405
        assert client.post(url).status_code == 403
    assert not LessonCompletion.objects.exists()


def test_unpublished_pages_cannot_be_recorded(staff_client, course):
    lesson = course.lessons().first()
    lesson.unpublish()
    assert staff_client.post(lesson_url(lesson)).status_code == 404


def test_records_are_always_the_posters_own(staff_client, staff_member, other_staff, course):
    lesson = course.lessons().first()
    staff_client.post(lesson_url(lesson), {**correct_answers(1, questions_of(lesson)), "staff": other_staff.pk, "staff_id": other_staff.pk})
    assert list(LessonCompletion.objects.values_list("staff_id", flat=True)) == [staff_member.pk]


def test_without_javascript_the_result_is_shown_next_to_the_form(staff_client, staff_member, tree):
    policy = make_policy(tree[1])
    response = staff_client.post(reverse("courses:policy_acknowledge", args=[policy.pk]), {"kc-1-q1": ["1"]}, follow=True)
    html = response.content.decode()
    card = html.split('id="acknowledge"', 1)[1]
    assert "须答对全部测验题才能确认。" in card
    assert 'class="alert alert-error"' in card
