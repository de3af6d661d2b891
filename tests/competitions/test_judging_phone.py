"""The judge's phone pages (/me/judging/): a judge reaches the open rounds they judge from /me/,
sees only the entrants of their own seats with the rubric, autosaves drafts that are never lost
or overwritten by a late retry, submits a versioned read-only sheet and gets a receipt."""

import json
import re
from decimal import Decimal

import pytest

from competitions.models import (
    ProblemReport,
    RoundState,
    RoundStateLog,
    ScoreSheet,
    ScoreSheetVersion,
    SheetStatus,
)
from competitions.selectors import receipt_code
from tests import factories
from tests.helpers import visible_text

from .conftest import RUBRIC, full_sheet, make_judged_round

pytestmark = pytest.mark.django_db


def _round_url(rnd):
    return f"/me/judging/rounds/{rnd.pk}/"


def _sheet_url(rnd, entry):
    return f"/me/judging/rounds/{rnd.pk}/entrants/{entry.pk}/"


def _save(client, rnd, entry, values, seq):
    return client.post(_sheet_url(rnd, entry) + "save/", data=json.dumps({"values": values, "seq": seq}),
                       content_type="application/json")


def _submit(client, rnd, entry, values):
    return client.post(_sheet_url(rnd, entry) + "submit/", {f"c:{k}": v for k, v in values.items()})


def _html(response):
    assert response.status_code == 200, response.content[:500]
    return response.content.decode()


# --- reaching the pages -------------------------------------------------------------------------


def test_an_outside_judge_without_a_staff_profile_reaches_judging_from_the_portal(client_for, judged):
    html = _html(client_for(judged.judges[1].user).get("/me/"))
    assert 'href="/me/judging/"' in html
    html = _html(client_for(judged.judges[1].user).get("/me/judging/"))
    assert f'href="{_round_url(judged.round)}"' in html
    assert judged.round.name in html and judged.competition.title in html
    assert re.search(r"data-progress>[^<]*0 / 3", html)


def test_a_staff_judge_sees_the_judging_tile_and_other_staff_do_not(client_for, home_page):
    setup = make_judged_round(staff_judge=True)
    html = _html(client_for(setup.recused.user).get("/me/"))
    assert 'href="/me/judging/"' in html and 'href="/me/competitions/"' in html
    other = factories.make_staff("X0001", name="旁人")
    assert 'href="/me/judging/"' not in _html(client_for(other.user).get("/me/"))


@pytest.mark.parametrize("state", [RoundState.DRAFT, RoundState.CONFIRMED, RoundState.PUBLISHED])
def test_rounds_not_being_scored_are_not_listed(client_for, home_page, state):
    setup = make_judged_round(state=state)
    html = _html(client_for(setup.judges[1].user).get("/me/judging/"))
    assert _round_url(setup.round) not in html and "data-empty" in html


def test_the_round_page_lists_only_my_seats_with_the_rubric(client_for, home_page):
    setup = make_judged_round(entrants=3, staff_judge=True)
    west = factories.make_staff("W0001", name="西区选手", centre=factories.make_centre("西区中心", code="west"))
    from competitions.models import Entry
    from competitions.services import panel_seats_sync

    outsider = Entry.objects.create(competition=setup.competition, staff=west)
    panel_seats_sync(competition=setup.competition)
    # The staff judge is recused from the three entrants of their own centre: only 西区选手 is theirs.
    html = _html(client_for(setup.recused.user).get(_round_url(setup.round)))
    assert re.findall(r'data-entry="(\d+)"', html) == [str(outsider.pk)]
    assert "选手1" not in visible_text(html)
    # An outside judge scores all four, each "not scored" yet.
    html = _html(client_for(setup.judges[1].user).get(_round_url(setup.round)))
    assert len(re.findall(r'data-sheet-state="none"', html)) == 4
    for name, maximum, description in RUBRIC:
        assert name in html and str(maximum) in html
        if description:
            assert description in html


def test_a_recused_entrant_and_another_round_are_not_found(client_for, home_page):
    setup = make_judged_round(staff_judge=True)
    client = client_for(setup.recused.user)
    assert client.get(_sheet_url(setup.round, setup.entries[0])).status_code == 404
    assert _save(client, setup.round, setup.entries[0], {"服务礼仪": "10"}, 1).status_code == 404
    assert _submit(client, setup.round, setup.entries[0], full_sheet()).status_code == 404
    assert not ScoreSheet.objects.exists()
    other = make_judged_round()
    client = client_for(setup.judges[1].user)
    assert client.get(_round_url(other.round)).status_code == 404
    assert client.get(_sheet_url(other.round, other.entries[0])).status_code == 404


@pytest.mark.parametrize("user_key", ["staff", "trainer", "hr", "supervisor", "vendor", "judge"])
def test_people_who_judge_nothing_are_refused(client_for, role_users, judged, user_key):
    # The `judge` role user has no Judge record: the role alone opens nothing.
    client = client_for(role_users[user_key])
    if user_key == "trainer":  # an organiser: the console list, but no judge's page
        assert client.get("/me/judging/").status_code == 200
    else:
        assert client.get("/me/judging/").status_code == 403
    assert client.get(_round_url(judged.round)).status_code == 403
    assert client.get(_sheet_url(judged.round, judged.entries[0])).status_code == 403
    assert _save(client, judged.round, judged.entries[0], {"服务礼仪": "10"}, 1).status_code == 403


def test_anonymous_goes_to_login(client_for, judged):
    client = client_for(None)
    for url in ("/me/judging/", _round_url(judged.round), _sheet_url(judged.round, judged.entries[0])):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


@pytest.mark.parametrize("entrants", [3, 20])
def test_the_judges_pages_take_a_fixed_number_of_queries(client_for, home_page, django_assert_max_num_queries, entrants):
    setup = make_judged_round(entrants=entrants)
    client = client_for(setup.judges[1].user)
    for entry in setup.entries[::2]:
        _submit(client, setup.round, entry, full_sheet())
    _save(client, setup.round, setup.entries[1], {"服务礼仪": "12"}, 1)
    client.get("/me/judging/")  # shows (and clears) the submit messages kept in the session
    with django_assert_max_num_queries(10):
        html = _html(client.get(_round_url(setup.round)))
    assert len(re.findall(r'data-entry="\d+"', html)) == entrants
    with django_assert_max_num_queries(10):
        _html(client.get(_sheet_url(setup.round, setup.entries[1])))
    with django_assert_max_num_queries(10):
        _html(client.get("/me/judging/"))


# --- drafts ---------------------------------------------------------------------------------------


def test_autosave_keeps_the_newest_draft_and_ignores_replays_and_late_retries(client_for, judged):
    client = client_for(judged.judges[1].user)
    entry = judged.entries[0]
    reply = _save(client, judged.round, entry, {"服务礼仪": "18.5", "业务准确": "35"}, 3)
    assert reply.status_code == 200 and reply.json() == {"stored": True, "seq": 3, "total": "53.50", "errors": {}}
    sheet = ScoreSheet.objects.get(round=judged.round, judge=judged.judges[1], entry=entry)
    assert (sheet.status, sheet.criteria, sheet.total) == (SheetStatus.DRAFT, {"服务礼仪": "18.50", "业务准确": "35.00"},
                                                           Decimal("53.50"))
    # The same save again, and an older one arriving late: nothing changes.
    assert _save(client, judged.round, entry, {"服务礼仪": "18.5", "业务准确": "35"}, 3).json()["stored"] is False
    assert _save(client, judged.round, entry, {"服务礼仪": "1"}, 2).json()["stored"] is False
    sheet.refresh_from_db()
    assert sheet.criteria == {"服务礼仪": "18.50", "业务准确": "35.00"}
    assert ScoreSheet.objects.filter(round=judged.round).count() == 1
    assert not ScoreSheetVersion.objects.exists()  # drafts are not versions
    # The page shows the draft back (on this or another phone).
    html = _html(client.get(_sheet_url(judged.round, entry)))
    assert 'value="18.5"' in html and 'value="35"' in html and 'data-sheet-state="draft"' in html


def test_invalid_scores_are_refused_with_chinese_messages_and_not_stored(client_for, judged):
    client = client_for(judged.judges[1].user)
    entry = judged.entries[0]
    reply = _save(client, judged.round, entry,
                  {"服务礼仪": "21", "业务准确": "-1", "办理效率": "abc", "沟通解释": "10.125"}, 1).json()
    assert reply["stored"] is True and reply["total"] == "0.00"
    assert reply["errors"] == {
        "服务礼仪": "分数不能超过满分 20。",
        "业务准确": "分数不能小于 0。",
        "办理效率": "请输入数字，例如 18 或 18.5。",
        "沟通解释": "最多保留两位小数。",
    }
    assert ScoreSheet.objects.get().criteria == {}
    # Full-width digits typed on a Chinese keyboard are fine.
    assert _save(client, judged.round, entry, {"服务礼仪": "１８．５"}, 2).json()["errors"] == {}
    assert ScoreSheet.objects.get().criteria == {"服务礼仪": "18.50"}


def test_a_malformed_save_is_a_400(client_for, judged):
    client = client_for(judged.judges[1].user)
    url = _sheet_url(judged.round, judged.entries[0]) + "save/"
    for body in ("not json", json.dumps({"values": {}}), json.dumps({"values": [], "seq": 1}),
                 json.dumps({"values": {}, "seq": 2**40})):
        assert client.post(url, data=body, content_type="application/json").status_code == 400


# --- submitting -----------------------------------------------------------------------------------


def test_submit_makes_version_one_and_a_receipt(client_for, judged):
    judge = judged.judges[1]
    client = client_for(judge.user)
    entry = judged.entries[0]
    response = _submit(client, judged.round, entry, full_sheet(服务礼仪="18.5", 业务准确="36"))
    sheet = ScoreSheet.objects.get(round=judged.round, judge=judge, entry=entry)
    version = ScoreSheetVersion.objects.get(sheet=sheet)
    assert response.status_code == 302 and response["Location"] == f"/me/judging/receipts/{version.pk}/"
    assert (sheet.status, sheet.version, sheet.total, sheet.entered_by) == (SheetStatus.SUBMITTED, 1, Decimal("94.50"),
                                                                            judge.user)
    assert (version.number, version.total, version.changed_by) == (1, Decimal("94.50"), judge.user)
    html = _html(client.get(response["Location"]))
    assert re.search(r"data-receipt-number>\s*" + f"{sheet.pk}-1", html)
    assert f"data-receipt-code>{receipt_code(version)}<" in html
    assert "data-receipt-total>94.50<" in html and "data-receipt-version>1<" in html
    # The first sheet moves the open round to scoring (logged).
    judged.round.refresh_from_db()
    assert judged.round.state == RoundState.SCORING
    assert RoundStateLog.objects.filter(round=judged.round, to_state=RoundState.SCORING).count() == 1


def test_a_submitted_sheet_is_read_only(client_for, judged):
    client = client_for(judged.judges[1].user)
    entry = judged.entries[0]
    _submit(client, judged.round, entry, full_sheet(服务礼仪="18"))
    html = _html(client.get(_sheet_url(judged.round, entry)))
    assert "data-readonly" in html and "data-sheet-form" not in html and 'data-sheet-state="submitted"' in html
    assert "data-receipt-link" in html
    reply = _save(client, judged.round, entry, {"服务礼仪": "1"}, 99)
    assert reply.status_code == 409 and reply.json()["closed"] is True
    response = _submit(client, judged.round, entry, full_sheet(服务礼仪="1"))
    assert response.status_code == 302 and response["Location"] == _sheet_url(judged.round, entry)
    sheet = ScoreSheet.objects.get()
    assert (sheet.total, sheet.version, sheet.criteria["服务礼仪"]) == (Decimal("98.00"), 1, "18.00")
    assert ScoreSheetVersion.objects.count() == 1


def test_a_double_submit_returns_the_same_receipt(client_for, judged):
    client = client_for(judged.judges[1].user)
    entry = judged.entries[0]
    first = _submit(client, judged.round, entry, full_sheet(服务礼仪="18"))
    second = _submit(client, judged.round, entry, full_sheet(服务礼仪="18"))
    assert first["Location"] == second["Location"]
    assert ScoreSheet.objects.count() == 1 and ScoreSheetVersion.objects.count() == 1


def test_an_incomplete_or_invalid_sheet_is_not_submitted(client_for, judged):
    client = client_for(judged.judges[1].user)
    entry = judged.entries[0]
    html = _html(_submit(client, judged.round, entry, {"服务礼仪": "25", "业务准确": "30", "办理效率": "", "沟通解释": "10"}))
    assert "data-form-errors" in html and "分数不能超过满分 20。" in html and "请填写得分。" in html
    assert 'value="25"' in html and 'value="30"' in html  # what was typed stays on the page
    assert not ScoreSheet.objects.filter(status=SheetStatus.SUBMITTED).exists()


def test_a_round_without_a_rubric_has_one_score(client_for, home_page):
    setup = make_judged_round(rubric=None)
    client = client_for(setup.judges[1].user)
    html = _html(client.get(_sheet_url(setup.round, setup.entries[0])))
    assert 'name="c:得分"' in html and "满分 100" in html
    assert _save(client, setup.round, setup.entries[0], {"得分": "101"}, 1).json()["errors"] == {"得分": "分数不能超过满分 100。"}
    _submit(client, setup.round, setup.entries[0], {"得分": "88.5"})
    sheet = ScoreSheet.objects.get()
    assert (sheet.status, sheet.total, sheet.criteria) == (SheetStatus.SUBMITTED, Decimal("88.50"), {})


@pytest.mark.parametrize("state", [RoundState.CONFIRMED, RoundState.PUBLISHED])
def test_no_sheet_changes_once_the_round_is_confirmed(client_for, judged, state):
    client = client_for(judged.judges[1].user)
    entry = judged.entries[0]
    _save(client, judged.round, entry, {"服务礼仪": "10"}, 1)
    type(judged.round).objects.filter(pk=judged.round.pk).update(state=state)
    assert _save(client, judged.round, entry, {"服务礼仪": "12"}, 2).status_code == 409
    _submit(client, judged.round, entry, full_sheet())
    assert ScoreSheet.objects.get().status == SheetStatus.DRAFT
    assert client.get(_round_url(judged.round)).status_code == 200  # still readable


def test_judges_never_see_other_judges_scores(client_for, judged):
    entry = judged.entries[0]
    _submit(client_for(judged.judges[2].user), judged.round, entry, full_sheet(服务礼仪="7.25"))
    client = client_for(judged.judges[1].user)
    for url in ("/me/judging/", _round_url(judged.round), _sheet_url(judged.round, entry)):
        html = _html(client.get(url))
        assert "7.25" not in html and "87.25" not in html
    version = ScoreSheetVersion.objects.get()
    assert client.get(f"/me/judging/receipts/{version.pk}/").status_code == 404


# --- reporting a problem -------------------------------------------------------------------------


def test_report_a_problem_to_the_chief_judge(client_for, judged):
    client = client_for(judged.judges[1].user)
    entry = judged.entries[1]
    response = client.post(_round_url(judged.round) + "report/",
                           {"message": "选手2的话筒没有声音", "entry": entry.pk, "back": _sheet_url(judged.round, entry)})
    assert response.status_code == 302 and response["Location"] == _sheet_url(judged.round, entry)
    report = ProblemReport.objects.get()
    assert (report.judge, report.entry, report.message, report.resolved_at) == (judged.judges[1], entry,
                                                                                "选手2的话筒没有声音", None)
    assert client.post(_round_url(judged.round) + "report/", {"message": "  "}).status_code == 302
    assert ProblemReport.objects.count() == 1
    # Only a judge of the round reports on it.
    other = factories.make_user_with_role("评委", "loose-judge")
    assert client_for(other).post(_round_url(judged.round) + "report/", {"message": "x"}).status_code == 403
