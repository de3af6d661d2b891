"""The organiser's competition workbook and score-sheet uploads in the admin (check, then import;
all rows or none; nothing stored), and a round's panel: judges on it, a seat refused when the
judge must be recused, a declared conflict."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from competitions.models import CompetitionPage, Judge, JudgeAssignment, PanelSeat, Round, ScoreSheet
from people import roles
from tests import factories
from tests.helpers import assert_denied, visible_text

from .conftest import xlsx

pytestmark = pytest.mark.django_db

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _upload(content, name="competition.xlsx"):
    return SimpleUploadedFile(name, content, content_type=XLSX)


@pytest.fixture
def organiser(client):
    client.force_login(factories.make_user_with_role(roles.TRAINER))
    return client


def test_a_workbook_is_checked_then_imported(organiser, roster, sample_bytes):
    url = reverse("competitions_results:import")
    assert "竞赛" in visible_text(organiser.get(url).content.decode())

    checked = organiser.post(url, {"file": _upload(sample_bytes("competition_2026.xlsx")), "action": "check"})
    assert "没有错误" in visible_text(checked.content.decode())
    assert not CompetitionPage.objects.filter(code="JS2026").exists()

    imported = organiser.post(url, {"file": _upload(sample_bytes("competition_2026.xlsx")), "action": "import"},
                              follow=True)
    assert "JS2026" in visible_text(imported.content.decode())
    competition = CompetitionPage.objects.get(code="JS2026")
    assert competition.rounds.count() == 3 and competition.entries.count() == 10


def test_a_workbook_with_errors_writes_nothing_and_names_the_rows(organiser, roster, sample_sheets):
    sample_sheets["报名"].append(["ZZ9999", None])
    sample_sheets["轮次"][2][3] = "四十"
    response = organiser.post(reverse("competitions_results:import"),
                              {"file": _upload(xlsx(sample_sheets)), "action": "import"})
    text = visible_text(response.content.decode())
    assert "没有写入任何数据" in text and "ZZ9999" in text and "第3行" in text
    assert not CompetitionPage.objects.exists()


def test_a_file_that_is_not_a_workbook_is_refused(organiser, roster):
    response = organiser.post(reverse("competitions_results:import"),
                              {"file": SimpleUploadedFile("x.txt", b"hello"), "action": "check"})
    assert "请上传 .xlsx 文件" in visible_text(response.content.decode())


@pytest.fixture
def competition(roster, sample_bytes, organiser):
    organiser.post(reverse("competitions_results:import"),
                   {"file": _upload(sample_bytes("competition_2026.xlsx")), "action": "import"})
    return CompetitionPage.objects.get(code="JS2026")


def test_a_rounds_score_sheet_is_uploaded_from_the_results_screen(organiser, competition, sample_bytes):
    sc = competition.rounds.get(code="SC")
    results = visible_text(organiser.get(reverse("competitions_results:results", args=[competition.pk])).content.decode())
    assert "导入成绩" in results
    url = reverse("competitions_results:round_scores", args=[competition.pk, sc.pk])
    done = organiser.post(url, {"file": _upload(sample_bytes("competition_2026_scores_SC.xlsx"), "sc.xlsx"),
                                "action": "import"}, follow=True)
    assert "已导入" in visible_text(done.content.decode())
    assert ScoreSheet.objects.filter(round=sc).count() > 0
    assert Round.objects.get(pk=sc.pk).state == "review"


def test_a_confirmed_round_offers_no_score_upload(organiser, competition):
    zs = competition.rounds.get(code="ZS")
    Round.objects.filter(pk=zs.pk).update(state="confirmed")
    page = organiser.get(reverse("competitions_results:results", args=[competition.pk])).content.decode()
    assert reverse("competitions_results:round_scores", args=[competition.pk, zs.pk]) not in page
    sc = competition.rounds.get(code="SC")
    assert reverse("competitions_results:round_scores", args=[competition.pk, sc.pk]) in page


def test_seating_a_judge_of_the_entrants_centre_is_refused(organiser, competition):
    sc = competition.rounds.get(code="SC")
    url = reverse("competitions_results:panel", args=[competition.pk, sc.pk])
    page = visible_text(organiser.get(url).content.decode())
    assert "姜平静" in page and "同属一个服务中心" in page  # CD1013, of 城东, is recused from 城东's entrants

    east_judge = Judge.objects.get(competition=competition, name="姜平静")
    east_entry = competition.entries.get(staff__staff_no="CD1001")
    refused = organiser.post(url, {"action": "seat", "judge": east_judge.pk, "entry": east_entry.pk}, follow=True)
    assert "姜平静 不能为 CD1001 参赛1 评分" in visible_text(refused.content.decode())
    assert not PanelSeat.objects.filter(round=sc, judge=east_judge, entry=east_entry).exists()

    outside = Judge.objects.get(competition=competition, name="评委甲")
    organiser.post(url, {"action": "conflict", "judge": outside.pk, "entry": east_entry.pk, "reason": "亲属"})
    assert not PanelSeat.objects.filter(round=sc, judge=outside, entry=east_entry).exists()
    assert "声明" in visible_text(organiser.get(url).content.decode())


def test_a_judge_is_put_on_a_panel_as_chief(organiser, competition):
    qj = competition.rounds.get(code="QJ")
    newcomer = Judge.objects.get(competition=competition, name="评委戊（企业代表）")  # SC only in the workbook
    url = reverse("competitions_results:panel", args=[competition.pk, qj.pk])
    organiser.post(url, {"action": "assign", "judge": newcomer.pk, "is_chief": "on"})
    assignment = JudgeAssignment.objects.get(round=qj, judge=newcomer)
    assert assignment.is_chief
    assert PanelSeat.objects.filter(round=qj, judge=newcomer).count() == 10


@pytest.mark.parametrize("role", [roles.HR, roles.SUPERVISOR])
def test_only_organisers_import_and_set_panels(client, competition, role):
    client.force_login(factories.make_user_with_role(role))
    sc = competition.rounds.get(code="SC")
    for url in (reverse("competitions_results:import"),
                reverse("competitions_results:round_scores", args=[competition.pk, sc.pk]),
                reverse("competitions_results:panel", args=[competition.pk, sc.pk])):
        assert_denied(client.get(url))
    judge = Judge.objects.filter(competition=competition).first()
    before = PanelSeat.objects.count()
    assert_denied(client.post(reverse("competitions_results:panel", args=[competition.pk, sc.pk]),
                              {"action": "conflict", "judge": judge.pk, "entry": competition.entries.first().pk}))
    assert PanelSeat.objects.count() == before
