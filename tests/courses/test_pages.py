"""The learning pages render: learning centre, course, lesson, case scenario, policy index
and policy update; knowledge checks and the role play carry their data for learning.js;
no inline scripts; the course page's queries do not grow with its lessons."""

import json
import re
from datetime import date
from decimal import Decimal

import pytest
from django.conf import settings
from django.contrib.staticfiles import finders
from django.core.files.base import ContentFile
from django.db import connection
from django.template import Context, Template
from django.test.utils import CaptureQueriesContext
from wagtail.documents import get_document_model
from wagtail.images import get_image_model
from wagtail.images.tests.utils import get_test_image_file

from courses.models import (
    CaseScenarioPage,
    CourseIndexPage,
    CoursePage,
    LessonPage,
    PolicyIndexPage,
    PolicyUpdatePage,
)

pytestmark = pytest.mark.django_db


# --- builders ------------------------------------------------------------------------


def _question(text, choices, explanation=""):
    return {
        "question": text,
        "choices": [{"text": t, "correct": ok} for t, ok in choices],
        "explanation": explanation,
    }


SINGLE = _question(
    "群众办事材料不全时应当怎么做？",
    [("一次性告知所缺全部材料", True), ("让群众先回去再说", False)],
    "一次性告知制度要求一次讲清所需材料。",
)
MULTIPLE = _question(
    "规范服务的四个环节包括哪些？",
    [("微笑迎接", True), ("业务讲解", True), ("玩手机", False)],
    "微笑·迎接语·业务讲解·结束语。",
)


def knowledge_check(*questions, title="随堂小测"):
    return {"type": "knowledge_check", "value": {"title": title, "questions": list(questions)}}


def paragraph(html):
    return {"type": "paragraph", "value": html}


def publish(parent, page):
    parent.add_child(instance=page)
    page.save_revision().publish()
    return page.specific_class.objects.get(pk=page.pk)


@pytest.fixture
def learning_centre(home_page):
    return publish(home_page, CourseIndexPage(title="学习中心", slug="learning", intro="<p>岗位培训课程</p>"))


def make_course(index, title="服务意识基础", *, lessons=3, cover=None, slug=None):
    course = publish(
        index,
        CoursePage(
            title=title,
            slug=slug or f"course-{CoursePage.objects.count() + 1}",
            summary="窗口服务意识与规范服务的基础课程。",
            category="service_awareness",
            hours=Decimal("2.5"),
            delivery="online",
            cover=cover,
        ),
    )
    for n in range(1, lessons + 1):
        add_lesson(course, n)
    return course


def add_lesson(course, n, body=None):
    return publish(
        course,
        LessonPage(
            title=f"第{n}课 课程内容{n}",
            slug=f"lesson-{n}",
            minutes=5 + n,
            body=json.dumps(body or [paragraph(f"<p>课文正文{n}</p>")]),
        ),
    )


ROLE_PLAY = [
    {
        "type": "step",
        "value": {
            "key": "start",
            "title": "群众情绪激动",
            "situation": "一位群众因为材料被退回三次，在窗口前大声抱怨。",
            "choices": [
                {"text": "起身微笑，先致歉并倾听", "next_step": "listen", "score": None, "feedback": ""},
                {"text": "让他排队重新取号", "next_step": "", "score": 10, "feedback": "推诿会激化矛盾。"},
            ],
        },
    },
    {
        "type": "step",
        "value": {
            "key": "listen",
            "title": "倾听之后",
            "situation": "群众说明了情况，情绪有所缓和。",
            "choices": [
                {
                    "text": "一次性告知全部所缺材料并写在告知单上",
                    "next_step": "",
                    "score": 100,
                    "feedback": "做得好：一次性告知。",
                },
            ],
        },
    },
]


@pytest.fixture
def scenario(learning_centre):
    return publish(
        learning_centre,
        CaseScenarioPage(
            title="材料被退回三次的群众",
            slug="upset-citizen",
            category="emergency",
            background="<p>案例背景：不动产登记窗口。</p>",
            what_happened="<p>经过：群众多次往返。</p>",
            analysis="<p>分析：未落实一次性告知。</p>",
            steps=json.dumps(ROLE_PLAY),
        ),
    )


@pytest.fixture
def policy_index(home_page):
    return publish(home_page, PolicyIndexPage(title="政策更新", slug="policies"))


def make_policy(index, title, effective, *, slug, questions=()):
    return publish(
        index,
        PolicyUpdatePage(
            title=title,
            slug=slug,
            effective_date=effective,
            summary=f"{title}的要点摘要。",
            body=json.dumps([paragraph(f"<p>{title}正文</p>")]),
            check_questions=json.dumps([{"type": "question", "value": q} for q in questions]),
        ),
    )


@pytest.fixture
def en_client(client):
    """English UI strings: the zh_Hans catalogue is written separately."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def get(client, page):
    response = client.get(page.url)
    assert response.status_code == 200, page.url
    return response.content.decode()


SCRIPT_TAG = re.compile(r"<script\b([^>]*)>", re.IGNORECASE)


def assert_no_inline_script(html):
    for attrs in SCRIPT_TAG.findall(html):
        assert "src=" in attrs or 'type="application/json"' in attrs, f"inline <script{attrs}>"
    assert not re.search(r"\son[a-z]+\s*=", html.split("<body", 1)[1]), "inline event handler"


# --- pages -----------------------------------------------------------------------------


def test_learning_centre_lists_courses_and_scenarios(en_client, learning_centre, scenario):
    cover = get_image_model().objects.create(title="封面", file=get_test_image_file())
    make_course(learning_centre, "服务意识基础", lessons=3, cover=cover)
    make_course(learning_centre, "服务礼仪规范", lessons=1)
    html = get(en_client, learning_centre)
    assert "服务意识基础" in html and "服务礼仪规范" in html
    assert "材料被退回三次的群众" in html
    assert "3 lessons" in html and "1 lesson<" in html
    assert "2.5 hours" in html
    assert "Service awareness" in html
    assert 'class="course-cover"' in html  # the cover rendition
    assert_no_inline_script(html)


def test_course_page_shows_facts_and_ordered_lessons(en_client, learning_centre):
    course = make_course(learning_centre, lessons=3)
    html = get(en_client, course)
    assert "窗口服务意识与规范服务的基础课程" in html
    assert "2.5" in html and "Online" in html and "Every post" in html
    titles = [f"第{n}课 课程内容{n}" for n in (1, 2, 3)]
    positions = [html.index(t) for t in titles]
    assert positions == sorted(positions)
    first = LessonPage.objects.child_of(course).order_by("path").first()
    assert re.search(rf'class="button course-start" href="{re.escape(first.url)}"', html)
    assert "6 min" in html and "8 min" in html
    assert_no_inline_script(html)


def test_course_page_lists_target_posts(en_client, learning_centre):
    from tests.factories import make_post

    course = make_course(learning_centre, lessons=1)
    course.target_posts.set([make_post("综合受理"), make_post("不动产登记")])
    course.save_revision().publish()
    html = get(en_client, course)
    assert "综合受理" in html and "不动产登记" in html


def test_lesson_page_navigation_and_progress(en_client, learning_centre):
    course = make_course(learning_centre, lessons=3)
    first, second, third = LessonPage.objects.child_of(course).order_by("path")

    html = get(en_client, second)
    assert "课文正文2" in html
    assert "Lesson 2 of 3" in html
    assert f'rel="prev" href="{first.url}"' in html
    assert f'rel="next" href="{third.url}"' in html
    assert f'href="{course.url}"' in html  # breadcrumb back to the course

    html = get(en_client, first)
    assert "Lesson 1 of 3" in html and 'rel="prev"' not in html

    html = get(en_client, third)
    assert "Lesson 3 of 3" in html and 'rel="next"' not in html
    assert "Back to the course" in html


def test_knowledge_check_markup_carries_questions_and_answers(en_client, learning_centre):
    course = make_course(learning_centre, lessons=0)
    lesson = add_lesson(
        course,
        1,
        body=[
            paragraph("<p>正文</p>"),
            knowledge_check(SINGLE, MULTIPLE),
            knowledge_check(SINGLE, title="再练一次"),
        ],
    )
    html = get(en_client, lesson)
    assert html.count("data-knowledge-check") == 2
    assert "随堂小测" in html and "再练一次" in html
    assert SINGLE["question"] in html and MULTIPLE["question"] in html
    # One correct answer: radios; several: checkboxes.
    assert re.search(r'type="radio" name="kc-1-q1" value="1" data-correct="true"', html)
    assert re.search(r'type="radio" name="kc-1-q1" value="2" data-correct="false"', html)
    assert len(re.findall(r'type="checkbox" name="kc-1-q2" value="\d" data-correct="true"', html)) == 2
    # The second block gets its own names, so the blocks do not share radio groups.
    assert 'name="kc-2-q1"' in html
    assert "一次性告知制度要求一次讲清所需材料。" in html
    assert "data-msg-score=" in html
    assert "learning.js" in html
    assert_no_inline_script(html)


def test_video_block_plays_the_document(en_client, learning_centre):
    video = get_document_model().objects.create(
        title="迎接语示范", file=ContentFile(b"\x00" * 16, name="greeting.mp4")
    )
    course = make_course(learning_centre, lessons=0)
    lesson = add_lesson(
        course, 1, body=[{"type": "video", "value": {"title": "迎接语示范视频", "video": video.pk}}]
    )
    html = get(en_client, lesson)
    assert re.search(r'<video controls preload="metadata"[^>]*src="%s"' % re.escape(video.url), html)
    assert "迎接语示范视频" in html


def test_case_scenario_sections_and_role_play_data(en_client, scenario):
    html = get(en_client, scenario)
    for text in ("案例背景：不动产登记窗口。", "经过：群众多次往返。", "分析：未落实一次性告知。"):
        assert text in html
    match = re.search(r'<script id="role-play-data" type="application/json">(.*?)</script>', html, re.S)
    assert match, "role-play JSON missing"
    data = json.loads(match.group(1))
    assert data["first"] == "start"
    assert data["order"] == ["start", "listen"]
    assert data["steps"]["start"]["choices"][0] == {
        "text": "起身微笑，先致歉并倾听",
        "next": "listen",
        "score": None,
        "feedback": "",
    }
    ending = data["steps"]["listen"]["choices"][0]
    assert ending["next"] is None and ending["score"] == 100 and ending["feedback"] == "做得好：一次性告知。"
    # Without JavaScript every step is readable as a list.
    assert 'id="step-start"' in html and 'id="step-listen"' in html
    assert 'href="#step-listen"' in html
    assert "learning.js" in html
    assert_no_inline_script(html)


def test_role_play_json_is_escaped(en_client, learning_centre):
    steps = json.loads(json.dumps(ROLE_PLAY))
    steps[1]["value"]["choices"][0]["feedback"] = "</script><script>alert(1)</script>"
    page = publish(
        learning_centre,
        CaseScenarioPage(
            title="转义", slug="escape", category="etiquette",
            background="<p>a</p>", what_happened="<p>b</p>", analysis="<p>c</p>", steps=json.dumps(steps),
        ),
    )
    html = get(en_client, page)
    assert "<script>alert(1)" not in html
    assert_no_inline_script(html)


def test_scenario_without_role_play_renders(en_client, learning_centre):
    page = publish(
        learning_centre,
        CaseScenarioPage(
            title="纯案例", slug="plain-case", category="policy",
            background="<p>背景</p>", what_happened="<p>经过</p>", analysis="<p>分析</p>",
        ),
    )
    html = get(en_client, page)
    assert "role-play-data" not in html and "背景" in html


def test_policy_index_newest_first(en_client, policy_index):
    make_policy(policy_index, "旧政策", date(2026, 1, 1), slug="old")
    make_policy(policy_index, "新政策", date(2026, 10, 1), slug="new")
    html = get(en_client, policy_index)
    assert html.index("新政策") < html.index("旧政策")
    assert "2026-10-01" in html and "新政策的要点摘要。" in html
    assert_no_inline_script(html)


def test_policy_update_page_with_check_and_acknowledge_area(en_client, policy_index):
    update = make_policy(policy_index, "延时服务新规", date(2026, 11, 1), slug="late", questions=[SINGLE, MULTIPLE])
    html = get(en_client, update)
    assert "延时服务新规正文" in html and "延时服务新规的要点摘要。" in html and "2026-11-01" in html
    assert html.count("data-knowledge-check") == 1
    assert SINGLE["question"] in html and 'data-correct="true"' in html
    assert "Check your understanding" in html
    # Anonymous readers are asked to log in; staff acknowledge (tests/courses/test_views.py).
    assert "Log in to acknowledge this update." in html
    assert_no_inline_script(html)


def test_policy_update_without_questions(en_client, policy_index):
    update = make_policy(policy_index, "无测验政策", date(2026, 11, 1), slug="plain")
    html = get(en_client, update)
    assert "data-knowledge-check" not in html and "learning.js" not in html


# --- template tag, static files, queries ----------------------------------------------


def test_latest_policy_updates_tag(policy_index, django_assert_num_queries):
    for n, month in enumerate((3, 9, 1, 6), start=1):
        make_policy(policy_index, f"政策{month}月", date(2026, month, 1), slug=f"p{n}")
    draft = PolicyUpdatePage(
        title="草稿政策", slug="draft", effective_date=date(2026, 12, 1), summary="s", body="[]", live=False
    )
    policy_index.add_child(instance=draft)
    template = Template(
        "{% load learning %}{% latest_policy_updates 3 as updates %}"
        "{% for u in updates %}{{ u.title }}|{% endfor %}"
    )
    with django_assert_num_queries(1):
        rendered = template.render(Context({}))
    assert rendered == "政策9月|政策6月|政策3月|"


def test_static_files_are_found():
    assert finders.find("courses/learning.js")
    assert finders.find("courses/learning.css")


def test_learning_js_drives_the_markup():
    """learning.js looks for the hooks the templates render."""
    with open(finders.find("courses/learning.js"), encoding="utf-8") as fh:
        script = fh.read()
    for hook in ("data-knowledge-check", "data-correct", "data-role-play", "role-play-data", ".kc-feedback"):
        assert hook in script
    assert "innerHTML" not in script  # content goes in as text, never as markup


def _queries(client, page):
    with CaptureQueriesContext(connection) as captured:
        response = client.get(page.url)
    assert response.status_code == 200
    return len(captured)


def test_course_page_queries_do_not_grow_with_lessons(en_client, learning_centre):
    course = make_course(learning_centre, lessons=2)
    en_client.get(course.url)  # warm caches (site root paths)
    few = _queries(en_client, course)
    for n in range(3, 9):
        add_lesson(course, n)
    assert LessonPage.objects.child_of(course).count() == 8
    many = _queries(en_client, course)
    assert many == few, (few, many)


def test_learning_centre_queries_do_not_grow_with_courses(en_client, learning_centre):
    cover = get_image_model().objects.create(title="封面", file=get_test_image_file())
    make_course(learning_centre, "课程1", lessons=2, cover=cover)
    en_client.get(learning_centre.url)  # renditions are created on first view
    few = _queries(en_client, learning_centre)
    for n in range(2, 6):
        make_course(learning_centre, f"课程{n}", lessons=n, cover=cover)
    en_client.get(learning_centre.url)
    many = _queries(en_client, learning_centre)
    # CourseIndexPage.get_context's .specific() costs one query per page type, not per page.
    assert many == few, (few, many)
