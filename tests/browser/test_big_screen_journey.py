"""The big screen (大屏) on a projector: it waits for the publication and shows it by itself,
then pages through standings that do not fit, at 1920×1080 and at 1280×720; viewers who ask
for reduced motion get no animation."""

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.utils import timezone

from competitions.models import CompetitionPage, Entry, Round, RoundKind, RoundState, ScoreSheet
from competitions.services import competition_index_page, competition_publish
from tests import factories

FULL_HD = {"width": 1920, "height": 1080}
HD = {"width": 1280, "height": 720}
NOW = timezone.make_aware(dt.datetime(2026, 11, 20, 10, 0))


@pytest.fixture
def competition(transactional_db):
    factories.make_home_page()
    competition = CompetitionPage(title="2026年度政务服务窗口技能竞赛", code="JS2026", year=2026)
    competition_index_page().add_child(instance=competition)
    rounds = [
        Round.objects.create(competition=competition, code=code, name=name, kind=kind, weight=weight,
                             state=RoundState.REVIEW)
        for code, name, kind, weight in (("ZS", "业务知识笔试", RoundKind.KNOWLEDGE, 30),
                                         ("SC", "实际操作演示", RoundKind.PRACTICAL, 40),
                                         ("QJ", "应急情况处理（情景模拟）", RoundKind.SCENARIO, 30))
    ]
    centre = factories.make_centre()
    sheets = []
    for i in range(40):
        entry = Entry.objects.create(competition=competition,
                                     staff=factories.make_staff(name=f"选手{i + 1:02d}", centre=centre))
        sheets.extend(ScoreSheet(round=rnd, entry=entry, total=Decimal(60 + (i * 7 + k * 3) % 40))
                      for k, rnd in enumerate(rounds))
    ScoreSheet.objects.bulk_create(sheets)
    return competition


def visible_rows(page):
    return page.locator("tbody tr[data-row]:visible")


def test_the_screen_shows_a_publication_by_itself_and_pages_through_the_standings(
    live_server, competition, new_page, screenshot
):
    page = new_page(viewport=FULL_HD)
    page.clock.install()
    page.goto(live_server.url + competition.big_screen_url)
    assert page.locator(".waiting-title").is_visible() and page.locator("table").count() == 0
    screenshot(page, "competition-big-screen-waiting")

    competition_publish(competition=competition, now=NOW)
    page.clock.run_for(31_000)  # the next check for a new publication
    page.wait_for_selector("[data-podium='1']")
    assert "选手" in page.locator("[data-podium='1']").inner_text()
    for viewport in (FULL_HD, HD):
        page = new_page(viewport=viewport)
        page.clock.install()
        page.goto(live_server.url + competition.big_screen_url)
        pager = page.locator("[data-pager]")
        first, pages = (int(n) for n in re.findall(r"\d+", pager.inner_text())[:2])
        assert first == 1 and pages > 1
        # What is shown fits the screen: no row below its bottom edge.
        rows = visible_rows(page)
        assert 3 <= rows.count() < 40
        bottom = rows.last.bounding_box()
        assert bottom["y"] + bottom["height"] <= viewport["height"]
        shown = rows.first.inner_text()
        page.clock.run_for(10_000)  # the next page comes by itself
        assert re.findall(r"\d+", pager.inner_text())[:2] == ["2", str(pages)]
        assert visible_rows(page).first.inner_text() != shown
        screenshot(page, f"competition-big-screen-{viewport['height']}")
    # Every row is on exactly one page.
    seen = []
    for _ in range(pages):
        seen.extend(visible_rows(page).all_inner_texts())
        page.keyboard.press("ArrowRight")
    assert len(seen) == 40 and len(set(seen)) == 40


def test_reduced_motion_turns_pages_without_animation(live_server, competition, new_page):
    competition_publish(competition=competition, now=NOW)
    for motion, animated in (("no-preference", True), ("reduce", False)):
        page = new_page(viewport=HD, reduced_motion=motion)
        page.goto(live_server.url + competition.big_screen_url)
        page.keyboard.press("ArrowRight")
        animation = page.locator(".standings tbody").evaluate("node => getComputedStyle(node).animationName")
        assert (animation != "none") is animated
