"""Chinese is found from the middle of a title or a body, in the admin's page search and
the page chooser, on SQLite and PostgreSQL; other queries keep the full-text backend."""

import pytest
from wagtail.models import Page
from wagtail.search.backends import get_search_backend

from courses.models import CourseIndexPage, CoursePage
from home.search import CJKSubstringMixin, has_cjk
from tests import factories

pytestmark = pytest.mark.django_db(transaction=False)


def _publish(parent, page):
    parent.add_child(instance=page)
    page.save_revision().publish()
    return page


@pytest.fixture
def pages(home_page):
    index = _publish(home_page, CourseIndexPage(title="学习中心", slug="learning", intro="<p>岗位培训课程</p>"))
    complaint = _publish(
        index,
        CoursePage(
            title="窗口接待与投诉化解实务",
            slug="complaints",
            summary="群众情绪激动时先倾听、再致歉。",
            category="service_awareness",
            hours=2,
            delivery="online",
        ),
    )
    etiquette = _publish(
        index,
        CoursePage(
            title="服务礼仪",
            slug="etiquette",
            summary="规范用语与一次性告知制度。Etiquette basics.",
            category="service_awareness",
            hours=1,
            delivery="online",
        ),
    )
    return {"complaint": complaint, "etiquette": etiquette, "index": index}


def _titles(results):
    return [page.title for page in results]


def test_the_configured_backend_handles_chinese():
    assert isinstance(get_search_backend(), CJKSubstringMixin)
    assert has_cjk("投诉") and has_cjk("ＡＢ") and not has_cjk("etiquette")


def test_a_title_is_found_from_its_middle_and_its_start(pages):
    assert _titles(Page.objects.search("投诉化解")) == ["窗口接待与投诉化解实务"]
    assert _titles(Page.objects.search("窗口接待")) == ["窗口接待与投诉化解实务"]
    assert _titles(Page.objects.autocomplete("化解")) == ["窗口接待与投诉化解实务"]


def test_body_text_is_found_and_title_matches_come_first(pages):
    assert _titles(CoursePage.objects.search("一次性告知")) == ["服务礼仪"]
    _publish(
        pages["index"],
        CoursePage(
            title="一次性告知制度",
            slug="notice",
            summary="材料不全时。",
            category="service_awareness",
            hours=1,
            delivery="online",
        ),
    )
    assert _titles(CoursePage.objects.search("一次性告知")) == ["一次性告知制度", "服务礼仪"]


def test_every_term_must_match_and_nothing_else_is_returned(pages):
    assert _titles(Page.objects.search("投诉 倾听")) == ["窗口接待与投诉化解实务"]
    assert _titles(Page.objects.search("投诉 礼仪")) == []
    assert _titles(Page.objects.search("不存在的词")) == []


def test_a_title_only_search_ignores_the_body(pages):
    assert _titles(CoursePage.objects.search("倾听", fields=["title"])) == []
    assert _titles(CoursePage.objects.search("化解", fields=["title"])) == ["窗口接待与投诉化解实务"]


def test_latin_queries_still_use_full_text(pages):
    assert _titles(CoursePage.objects.search("etiquette")) == ["服务礼仪"]


def test_the_admin_page_search_and_chooser_find_the_middle_of_a_title(client, pages):
    client.force_login(factories.make_user("search-admin", is_superuser=True, is_staff=True))
    response = client.get("/admin/pages/search/", {"q": "投诉化解"})
    assert response.status_code == 200
    assert "窗口接待与投诉化解实务" in response.content.decode()
    assert "服务礼仪" not in response.content.decode()

    response = client.get("/admin/choose-page/search/", {"q": "投诉化解"})
    assert response.status_code == 200
    assert "窗口接待与投诉化解实务" in response.content.decode()
