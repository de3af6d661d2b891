"""The organiser's results screen in the admin: live preview, publish, refused second publish,
reopen with a reason, the standings in Excel, the online round's exam, and who may use it."""

import io
from datetime import timedelta

import openpyxl
import pytest
from django.urls import reverse
from django.utils import timezone

from competitions.models import Award, ResultSnapshot, Round
from exams.models import ExamCandidate
from people import roles
from tests import factories
from tests.exams.builders import make_bank, make_exam, make_fixed_paper, make_question
from tests.helpers import assert_denied, visible_text

pytestmark = pytest.mark.django_db




@pytest.fixture
def organiser(client):
    client.force_login(factories.make_user_with_role(roles.TRAINER))
    return client


def test_organiser_previews_publishes_and_reopens(organiser, scored):
    listing = visible_text(organiser.get(reverse("competitions_results:index")).content.decode())
    assert scored.title in listing and "未发布" in listing

    url = reverse("competitions_results:results", args=[scored.pk])
    page = visible_text(organiser.get(url).content.decode())
    assert "实时成绩（预览）" in page and "CD1001" in page and "发布成绩" in page

    response = organiser.post(reverse("competitions_results:publish", args=[scored.pk]), follow=True)
    assert "已发布成绩" in visible_text(response.content.decode())
    assert ResultSnapshot.objects.filter(competition=scored, withdrawn_at__isnull=True).count() == 1
    assert Award.objects.filter(competition=scored).exists()
    assert "已发布的成绩" in visible_text(organiser.get(url).content.decode())

    again = organiser.post(reverse("competitions_results:publish", args=[scored.pk]), follow=True)
    assert "成绩已发布；如需再次发布" in visible_text(again.content.decode())
    assert ResultSnapshot.objects.filter(competition=scored).count() == 1

    no_reason = organiser.post(reverse("competitions_results:reopen", args=[scored.pk]), {"reason": " "}, follow=True)
    assert "重新打开成绩须填写原因" in visible_text(no_reason.content.decode())
    assert ResultSnapshot.objects.filter(competition=scored, withdrawn_at__isnull=True).exists()

    hostile = organiser.post(reverse("competitions_results:reopen", args=[scored.pk]), {"reason": "录入\x00有误"},
                             follow=True)
    assert "控制字符" in visible_text(hostile.content.decode())
    assert ResultSnapshot.objects.filter(competition=scored, withdrawn_at__isnull=True).exists()

    organiser.post(reverse("competitions_results:reopen", args=[scored.pk]), {"reason": "实操评分录入有误"})
    snapshot = ResultSnapshot.objects.get(competition=scored)
    assert snapshot.withdrawn_at is not None and snapshot.withdrawal_reason == "实操评分录入有误"
    assert set(Round.objects.filter(competition=scored).values_list("state", flat=True)) == {"review"}


def test_standings_download_in_excel(organiser, scored):
    response = organiser.get(reverse("competitions_results:export", args=[scored.pk]))
    assert response.status_code == 200 and "JS2026-results.xlsx" in response["Content-Disposition"]
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    headers = [cell.value for cell in sheet[1]]
    assert headers[:3] == ["名次", "参赛者", "姓名"] and headers[-3:] == ["总分", "奖项", "备注"]
    assert sheet.max_row == 1 + 10


def test_the_online_round_takes_its_candidates_from_the_registration_list(organiser, roster, scored):
    bank = make_bank()
    exam = make_exam(make_fixed_paper([make_question(bank)]), individuals=[roster["CD1007"]],
                     closes_in=timedelta(hours=2))
    Round.objects.filter(competition=scored, code="ZS").update(exam=exam)
    rnd = Round.objects.get(competition=scored, code="ZS")
    response = organiser.post(reverse("competitions_results:round_exam", args=[scored.pk, rnd.pk]), {"action": "sync"},
                              follow=True)
    assert "10" in visible_text(response.content.decode())
    assert ExamCandidate.objects.filter(exam=exam).count() == 10
    # Before the exam closes its scores are not taken.
    response = organiser.post(reverse("competitions_results:round_exam", args=[scored.pk, rnd.pk]),
                              {"action": "collect"}, follow=True)
    assert timezone.localtime(exam.closes_at).strftime("%Y-%m-%d %H:%M") in visible_text(response.content.decode())


def test_the_page_editor_links_to_the_results_screen(organiser, scored):
    page = organiser.get(reverse("wagtailadmin_pages:edit", args=[scored.pk])).content.decode()
    assert reverse("competitions_results:results", args=[scored.pk]) in page


@pytest.mark.parametrize("role", [roles.HR, roles.SUPERVISOR, roles.STAFF, roles.JUDGE])
def test_only_organisers_reach_the_results_screen(client, scored, role):
    client.force_login(factories.make_user_with_role(role))
    admin_user = role in (roles.HR, roles.SUPERVISOR)
    for response in (
        client.get(reverse("competitions_results:index")),
        client.get(reverse("competitions_results:results", args=[scored.pk])),
        client.get(reverse("competitions_results:export", args=[scored.pk])),
        client.post(reverse("competitions_results:publish", args=[scored.pk])),
    ):
        assert_denied(response, login_redirect=not admin_user)
    assert not ResultSnapshot.objects.exists()
    if admin_user:
        menu = client.get(reverse("wagtailadmin_home")).content.decode()
        assert reverse("competitions_results:index") not in menu
