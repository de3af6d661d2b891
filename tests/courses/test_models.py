"""Learning content models: the role-play graph, knowledge checks and the page tree."""

import io

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from wagtail.blocks import StreamValue

from courses.blocks import CheckQuestionBlock, role_play_errors
from courses.models import (
    CaseScenarioPage,
    CourseIndexPage,
    CoursePage,
    LessonPage,
    PolicyIndexPage,
    PolicyUpdatePage,
)
from home.models import HomePage
from tests.helpers import assert_denied


def step(key, *choices, title=None):
    return {
        "key": key,
        "title": title or key,
        "situation": f"{key} 的情形",
        "choices": [
            {"text": text, "next_step": target or "", "score": score, "feedback": ""}
            for text, target, score in choices
        ],
    }


SOUND = [
    step("start", ("耐心解释", "explain", None), ("不耐烦", None, 0)),
    step("explain", ("一次性告知所需材料", None, 100), ("让群众自己上网查", None, 40)),
]


def test_sound_role_play_has_no_errors():
    assert role_play_errors(SOUND) == []
    assert role_play_errors([]) == []


def test_choice_to_a_missing_step_is_reported():
    errors = role_play_errors([step("start", ("去别处", "nowhere", None))])
    assert len(errors) == 1 and "nowhere" in str(errors[0])


def test_ending_without_score_is_reported():
    errors = role_play_errors([step("start", ("结束", None, None))])
    assert len(errors) == 1 and "start" in str(errors[0])


def test_loop_is_reported():
    looping = [
        step("start", ("继续", "middle", None)),
        step("middle", ("回到开头", "start", None), ("结束", None, 50)),
    ]
    errors = role_play_errors(looping)
    assert len(errors) == 1 and "start → middle → start" in str(errors[0])


def test_unreachable_step_and_duplicate_keys_are_reported():
    assert any("orphan" in str(e) for e in role_play_errors([*SOUND, step("orphan", ("结束", None, 10))]))
    assert any("start" in str(e) for e in role_play_errors([*SOUND, step("start", ("结束", None, 10))]))


def test_question_needs_a_correct_answer():
    block = CheckQuestionBlock()
    value = block.to_python(
        {"question": "一次性告知指什么？", "choices": [{"text": "甲", "correct": False}, {"text": "乙", "correct": False}]}
    )
    with pytest.raises(ValidationError):
        block.clean(value)
    value = block.to_python(
        {"question": "一次性告知指什么？", "choices": [{"text": "甲", "correct": True}, {"text": "乙", "correct": False}]}
    )
    assert block.clean(value)["question"] == "一次性告知指什么？"


@pytest.mark.django_db
class TestPageTree:
    @pytest.fixture
    def learning(self, home_page):
        return home_page.add_child(instance=CourseIndexPage(title="学习中心", slug="learning"))

    def test_page_types_nest_as_designed(self):
        assert CourseIndexPage.can_create_at(HomePage())
        assert CoursePage.allowed_parent_page_models() == [CourseIndexPage]
        assert LessonPage.allowed_parent_page_models() == [CoursePage]
        assert CaseScenarioPage.allowed_parent_page_models() == [CourseIndexPage]
        assert PolicyUpdatePage.allowed_parent_page_models() == [PolicyIndexPage]
        assert LessonPage.allowed_subpage_models() == []

    def test_scenario_with_a_broken_role_play_cannot_be_saved(self, learning):
        page = CaseScenarioPage(
            title="材料不全",
            slug="missing-documents",
            category="business_skills",
            background="<p>背景</p>",
            what_happened="<p>经过</p>",
            analysis="<p>分析</p>",
            steps=[("step", step("start", ("去别处", "nowhere", None)))],
        )
        with pytest.raises(ValidationError) as excinfo:
            learning.add_child(instance=page)
        assert "steps" in excinfo.value.message_dict

        page.steps = [("step", value) for value in SOUND]
        learning.add_child(instance=page)
        page.refresh_from_db()
        assert page.first_step()["key"] == "start"
        assert set(page.step_map()) == {"start", "explain"}

    def test_lesson_lists_its_knowledge_questions(self, learning):
        course = learning.add_child(
            instance=CoursePage(title="服务礼仪", slug="etiquette", summary="四步服务法", category="etiquette")
        )
        lesson = course.add_child(
            instance=LessonPage(
                title="迎接语",
                slug="greeting",
                body=[
                    ("paragraph", "<p>请用“您好，请问办理什么业务？”迎接群众。</p>"),
                    (
                        "knowledge_check",
                        {
                            "title": "小测",
                            "questions": [
                                {
                                    "question": "迎接语应当？",
                                    "choices": [{"text": "主动", "correct": True}, {"text": "等群众开口", "correct": False}],
                                    "explanation": "主动迎接。",
                                }
                            ],
                        },
                    ),
                ],
            )
        )
        assert [q["question"] for q in lesson.knowledge_questions()] == ["迎接语应当？"]
        assert list(course.lessons()) == [lesson]
        assert isinstance(lesson.body, StreamValue)


@pytest.mark.django_db
def test_trainers_write_in_the_learning_sections_only(client_for, role_users, home_page):
    call_command("setup_learning_sections", stdout=io.StringIO())
    call_command("setup_learning_sections", stdout=io.StringIO())  # idempotent
    learning = CourseIndexPage.objects.get()
    policies = PolicyIndexPage.objects.get()
    trainer = client_for(role_users["trainer"])
    assert trainer.get(f"/admin/pages/add/courses/coursepage/{learning.pk}/").status_code == 200
    assert trainer.get(f"/admin/pages/add/courses/policyupdatepage/{policies.pk}/").status_code == 200
    # ...but not on the home page itself.
    assert_denied(trainer.get(f"/admin/pages/{home_page.pk}/edit/"))
    # The learning centre is for logged-in users.
    assert client_for(None).get(learning.url).status_code == 302
