"""An award winner opens their certificate from 我的竞赛, prints it on one A4 page, and a
stranger checks it on a phone by the URL of its QR code."""

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.utils import timezone

from competitions.models import CompetitionPage, Entry, Round, RoundKind, RoundState, ScoreSheet
from competitions.services import competition_index_page, competition_publish
from tests import factories
from tests.browser.helpers import log_in

PHONE = {"width": 390, "height": 844}


@pytest.fixture
def winner(transactional_db):
    factories.make_home_page()
    competition = CompetitionPage(title="2026年窗口服务技能竞赛", code="JS2026", year=2026)
    competition_index_page().add_child(instance=competition)
    rnd = Round.objects.create(competition=competition, code="ZS", name="笔试", kind=RoundKind.KNOWLEDGE,
                               weight=100, state=RoundState.REVIEW)
    people = [factories.make_staff("CD1010", name="张晓梅"), factories.make_staff("CD1011", name="李明")]
    for person, score in zip(people, (95, 80), strict=True):
        entry = Entry.objects.create(competition=competition, staff=person)
        ScoreSheet.objects.create(round=rnd, entry=entry, total=Decimal(score))
    competition_publish(competition=competition, now=timezone.make_aware(dt.datetime(2026, 11, 20, 10, 0)))
    return people[0]


def test_the_winner_prints_the_certificate_and_a_stranger_verifies_it(live_server, winner, new_page, screenshot):
    page = new_page()
    log_in(page, live_server.url, winner.staff_no, next_path="/me/competitions/")
    page.locator("[data-certificate]").click()
    page.wait_for_url(lambda url: "/me/competitions/certificates/" in url)
    assert page.locator(".certificate-qr svg").count() == 1
    assert "一等奖" in page.locator(".certificate-text").inner_text()
    screenshot(page, "competition-certificate", full_page=True)
    pdf = page.pdf(prefer_css_page_size=True, print_background=True)
    assert pdf.startswith(b"%PDF") and len(re.findall(rb"/Type\s*/Page[^s]", pdf)) == 1  # one A4 sheet

    verify_url = page.locator(".certificate-url a").get_attribute("href")
    stranger = new_page(viewport=PHONE, is_mobile=True)
    stranger.goto(verify_url)
    assert stranger.locator("[data-status=valid]").count() == 1
    assert stranger.locator('[data-field="name"]').inner_text() == "张**"
    assert stranger.locator('[data-field="level"]').inner_text() == "一等奖"
    screenshot(stranger, "competition-certificate-verify")
