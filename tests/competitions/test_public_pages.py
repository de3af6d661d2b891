"""The public competition pages: the index lists competitions; a competition page shows its
announcement and rules, and only the published standings (never live scores)."""

import datetime as dt

import pytest
from django.utils import timezone

from competitions.models import CompetitionIndexPage
from competitions.services import competition_publish
from tests.helpers import visible_text

pytestmark = pytest.mark.django_db




def test_pages_render_and_show_only_published_results(client, scored):
    index = CompetitionIndexPage.objects.get()
    listing = client.get(index.url)
    assert listing.status_code == 200 and scored.title in listing.content.decode()

    before = client.get(scored.url)
    assert before.status_code == 200
    text = visible_text(before.content.decode())
    assert "成绩尚未公布" in text and "一等奖" not in text and "参赛10" not in text

    competition_publish(competition=scored, now=timezone.make_aware(dt.datetime(2026, 11, 20, 10, 0)))
    after = visible_text(client.get(scored.url).content.decode())
    assert "一等奖" in after and "参赛10" in after  # CD1010 won (test_publish)
    assert "CD1010" not in after  # names, not 工号
