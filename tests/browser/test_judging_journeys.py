"""A judge scores on a phone in the browser: from /me/ to the round and an entrant, every score
autosaved as typed (a reload finds them), a score above its maximum flagged at once, then
submit and the receipt. Screenshots illustrate docs/competitions-judges.md."""

import pytest

from competitions.models import ScoreSheet, ScoreSheetVersion, SheetStatus
from tests import factories
from tests.browser.helpers import log_in
from tests.competitions.conftest import make_judged_round

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}


def test_a_judge_scores_on_the_phone_with_autosave_and_gets_a_receipt(live_server, new_page, screenshot):
    base = live_server.url
    factories.make_home_page()
    setup = make_judged_round(entrants=3)
    judge = setup.judges[1]
    entry = setup.entries[1]

    page = new_page(viewport=PHONE, is_mobile=True, has_touch=True)
    page.on("dialog", lambda dialog: dialog.accept())
    log_in(page, base, judge.user.username, landing="/me/")
    page.get_by_role("link", name="评委评分").first.click()
    page.wait_for_url(f"{base}/me/judging/")
    page.get_by_text("实际操作演示").first.click()
    page.wait_for_url(f"{base}/me/judging/rounds/{setup.round.pk}/")
    screenshot(page, "judging-round-mobile", full_page=True)
    page.locator(f'[data-entry="{entry.pk}"]').click()
    page.wait_for_selector("[data-sheet-form]")

    page.fill('input[data-score="服务礼仪"]', "18.5")
    page.fill('input[data-score="业务准确"]', "45")  # above its maximum of 40
    page.wait_for_selector('[data-error-for="业务准确"]:has-text("分数不能超过满分 40。")')
    page.fill('input[data-score="业务准确"]', "36")
    page.fill('input[data-score="办理效率"]', "17")
    page.wait_for_selector('[data-save-status][data-state="saved"]')
    assert page.locator("[data-total]").inner_text() == "71.50"
    sheet = ScoreSheet.objects.get(judge=judge, entry=entry)
    assert sheet.status == SheetStatus.DRAFT and sheet.criteria == {"服务礼仪": "18.50", "业务准确": "36.00", "办理效率": "17.00"}

    # A reload (a dropped connection, another phone) finds every score typed.
    page.reload()
    assert page.input_value('input[data-score="服务礼仪"]') == "18.5"
    assert page.input_value('input[data-score="业务准确"]') == "36"
    page.fill('input[data-score="沟通解释"]', "19")
    page.wait_for_selector('[data-save-status][data-state="saved"]')
    screenshot(page, "judging-sheet-mobile", full_page=True)
    page.locator("[data-submit]").click()
    page.wait_for_selector("[data-receipt]")
    version = ScoreSheetVersion.objects.get(sheet__judge=judge, sheet__entry=entry)
    assert page.locator("[data-receipt-number]").inner_text() == f"{version.sheet_id}-1"
    assert page.locator("[data-receipt-total]").inner_text() == "90.50"
    screenshot(page, "judging-receipt-mobile", full_page=True)

    # Back on the sheet: read-only.
    page.goto(f"{base}/me/judging/rounds/{setup.round.pk}/entrants/{entry.pk}/")
    assert page.locator("[data-readonly]").is_visible() and page.locator("input[data-score]").count() == 0


def test_the_chief_judge_reads_the_matrix_on_a_tablet_and_confirms(live_server, new_page, screenshot):
    base = live_server.url
    factories.make_home_page()
    setup = make_judged_round(entrants=4)
    from competitions.services import judge_sheet_submit
    from tests.competitions.conftest import full_sheet

    for i, entry in enumerate(setup.entries):
        for j, judge in enumerate(setup.judges):
            judge_sheet_submit(round=setup.round, judge=judge, entry=entry, user=judge.user,
                               values=full_sheet(业务准确=str(24 + (i * 3 + j * 2) % 9)))
    page = new_page(viewport={"width": 1024, "height": 768}, has_touch=True)
    log_in(page, base, setup.chief.user.username, next_path="/me/judging/")
    page.locator(f'[data-console="{setup.round.pk}"]').click()
    page.wait_for_selector("[data-matrix]")
    assert page.locator("[data-progress]").inner_text() == "评分表 20/20"
    assert page.locator("[data-matrix] del").count() == 8  # two dropped scores per entrant
    screenshot(page, "judging-console-tablet", full_page=True)
    page.locator("[data-confirm-round]").click()
    page.wait_for_selector("[data-confirmed]")
    setup.round.refresh_from_db()
    assert setup.round.state == "confirmed"


def test_the_judge_concerned_answers_a_spread_alert_on_the_phone(live_server, new_page, screenshot):
    from competitions.models import AlertStatus, SpreadAlert
    from competitions.services import judge_sheet_submit
    from tests.competitions.conftest import full_sheet

    base = live_server.url
    factories.make_home_page()
    setup = make_judged_round(entrants=2)
    entry = setup.entries[0]
    for judge, value in zip(setup.judges[1:4], ("35", "28", "18"), strict=True):  # 95, 88, 78
        judge_sheet_submit(round=setup.round, judge=judge, entry=entry, values=full_sheet(业务准确=value), user=judge.user)
    low = setup.judges[3]
    page = new_page(viewport=PHONE, is_mobile=True, has_touch=True)
    log_in(page, base, low.user.username, next_path=f"/me/judging/rounds/{setup.round.pk}/")
    assert page.locator("[data-alert-callout]").is_visible()
    page.locator(f'[data-entry="{entry.pk}"]').click()
    page.wait_for_selector("[data-spread-alert]")
    page.fill("[data-alert-form] textarea[name=reason]", "选手漏做了核验身份证步骤")
    screenshot(page, "judging-alert-mobile", full_page=True)
    page.locator("[data-confirm-score]").click()
    page.wait_for_selector('[data-sheet-state="submitted"]')
    assert page.locator("[data-spread-alert]").count() == 0
    alert = SpreadAlert.objects.get(judge=low)
    assert (alert.status, alert.reason) == (AlertStatus.CONFIRMED, "选手漏做了核验身份证步骤")
