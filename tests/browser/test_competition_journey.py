"""The whole competition, as its people do it in the browser: the organiser imports the
workbook and the written round's scores, is refused when seating a judge of the entrant's own
centre; the chief judge opens the practical round; five judges score on their phones; an
outlier raises a spread alert that the judge concerned answers; the chief judge confirms; the
organiser publishes; the winner sees the rank and the certificate; the month's evaluation then
shows the award bonus on the receipt. Screenshots illustrate docs/competitions.md."""

from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.utils import timezone

from assessment.models import Evaluation
from competitions.models import AlertStatus, Award, CompetitionPage, PanelSeat, SpreadAlert
from competitions.services import judge_sheet_submit
from people import roles
from tests import factories
from tests.browser.helpers import admin_log_in, log_in
from tests.competitions.conftest import RUBRIC, full_sheet, xlsx

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
EAST, WEST = "城东政务服务中心", "城西政务服务中心"
OUTSIDE = ["judge", "pw02", "pw03", "pw04", "pw05"]
ENTRANTS = ["CD1001", "CD1002", "CD1004", "CD1006", "CD1010"]  # CD1001 at 城东, the others at 城西


def _workbook():
    return xlsx({
        "竞赛": [("代码", "名称", "年度", "计分方式"), ("LW2026", "2026年度岗位练兵技能竞赛", 2026, "个人")],
        "轮次": [("代码", "名称", "类型", "权重", "每位参赛者评委数"),
                 ("ZS", "业务知识笔试", "知识", 30, None), ("SC", "实际操作演示", "实操", 40, 5)],
        "报名": [("工号", "队名"), *[(n, None) for n in ENTRANTS]],
        "评委": [("工号", "账号", "姓名", "服务中心", "轮次", "裁判长"),
                 *[(None, account, f"评委{i}", None, "SC", "是" if account == "judge" else None)
                   for i, account in enumerate(OUTSIDE, start=1)],
                 ("CD1013", None, "姜平静", EAST, "SC", None)],
        "评分标准": [("轮次", "评分项", "满分"), *[("SC", name, maximum) for name, maximum, _d in RUBRIC]],
    })


def _written_scores():
    return xlsx({"笔试成绩": [("参赛者", "得分"), ("CD1001", 80), ("CD1002", 85), ("CD1004", 70), ("CD1006", 75),
                              ("CD1010", 90)]})


def _upload(page, content, name):
    page.set_input_files("input[name=file]", files=[{"name": name, "mimeType": XLSX, "buffer": content}])


def test_a_competition_from_workbook_to_pay(live_server, new_page, screenshot):
    base = live_server.url
    factories.make_home_page()
    east = factories.make_centre(EAST, code="cd")
    west = factories.make_centre(WEST, code="cx")
    people = {n: factories.make_staff(n, name=f"参赛{n[-2:]}", centre=east if int(n[-1]) % 2 else west)
              for n in [*ENTRANTS, "CD1013"]}
    organiser = factories.make_user_with_role(roles.TRAINER, "organiser")
    factories.make_user_with_role(roles.HR, "hr-journey")

    # 1. The organiser imports the workbook and the written round's scores in the admin.
    admin = new_page()
    admin_log_in(admin, base, organiser.username)
    admin.goto(f"{base}/admin/competitions/results/")
    admin.locator("[data-import-workbook]").click()
    _upload(admin, _workbook(), "练兵竞赛.xlsx")
    admin.get_by_role("button", name="仅检查（不写入）").click()
    admin.wait_for_selector("[data-check-ok]")
    screenshot(admin, "competition-import-checked", full_page=True)
    _upload(admin, _workbook(), "练兵竞赛.xlsx")
    admin.get_by_role("button", name="导入（全部成功或全部不写入）").click()
    admin.wait_for_url(f"{base}/admin/competitions/results/")
    competition = CompetitionPage.objects.get(code="LW2026")
    sc = competition.rounds.get(code="SC")
    admin.get_by_role("link", name=competition.title).click()
    admin.locator('[data-round="ZS"]').get_by_role("link", name="导入成绩").click()
    _upload(admin, _written_scores(), "笔试成绩.xlsx")
    admin.get_by_role("button", name="导入（全部成功或全部不写入）").click()
    admin.wait_for_selector("[data-standings]")
    assert competition.rounds.get(code="ZS").state == "review"

    # 2. Seating 姜平静 (城东) for CD1001 (城东) is refused; the panel shows why.
    admin.locator('[data-round="SC"]').get_by_role("link", name="评委组").click()
    admin.wait_for_selector("[data-panel]")
    jiang = competition.judges.get(name="姜平静")
    east_entry = competition.entries.get(staff__staff_no="CD1001")
    admin.select_option("#seat-judge", str(jiang.pk))
    admin.select_option("#seat-entry", str(east_entry.pk))
    admin.locator("[data-seat] button").click()
    admin.wait_for_selector("text=姜平静 不能为")
    screenshot(admin, "competition-panel-refused", full_page=True)
    assert not PanelSeat.objects.filter(round=sc, judge=jiang, entry=east_entry).exists()

    # The judges' accounts were created by the import; the administrator hands out passwords.
    User = get_user_model()
    for account in OUTSIDE:
        user = User.objects.get(username=account)
        user.set_password(factories.PASSWORD)
        user.save()

    # 3. The chief judge opens the round on a tablet.
    chief = new_page(viewport={"width": 1024, "height": 768}, has_touch=True)
    log_in(chief, base, "judge", next_path="/me/judging/")
    chief.locator(f'[data-console="{sc.pk}"]').click()
    chief.locator("[data-open-round] button").click()
    chief.wait_for_selector("[data-open-round]", state="detached")
    sc.refresh_from_db()
    assert sc.state == "open"

    # Every sheet but the five outside judges' for the winner is in already (the same service
    # the phones use).
    winner = competition.entries.get(staff__staff_no="CD1010")
    seats = PanelSeat.objects.filter(round=sc).exclude(entry=winner, judge__user__username__in=OUTSIDE)
    for seat in seats.select_related("judge__user", "entry"):
        judge_sheet_submit(round=sc, judge=seat.judge, entry=seat.entry, user=seat.judge.user,
                           values=full_sheet(业务准确=str(26 + seat.entry.pk % 7)))
    # 4. Five judges score the winner on their phones; 评委5's 54 is an outlier (spread > 15).
    totals = {"judge": "35", "pw02": "34", "pw03": "36", "pw04": "33", "pw05": "14"}
    for account, accuracy in totals.items():
        phone = new_page(viewport=PHONE, is_mobile=True, has_touch=True)
        phone.on("dialog", lambda dialog: dialog.accept())
        log_in(phone, base, account, next_path=f"/me/judging/rounds/{sc.pk}/")
        phone.locator(f'[data-entry="{winner.pk}"]').click()
        phone.wait_for_selector("[data-sheet-form]")
        for name, maximum, _d in RUBRIC:
            value = accuracy if name == "业务准确" else str(maximum - (2 if account == "pw05" else 1))
            phone.fill(f'input[data-score="{name}"]', value)
        phone.wait_for_selector('[data-save-status][data-state="saved"]')
        phone.locator("[data-submit]").click()
        phone.wait_for_selector("[data-receipt]")
        if account == "pw05":
            screenshot(phone, "competition-judge-receipt-mobile", full_page=True)
        phone.context.close()
    alerts = {a.judge.user.username: a for a in SpreadAlert.objects.filter(entry=winner).select_related("judge__user")}
    assert set(alerts) == {"pw05", "pw03"}  # the lowest and the highest

    # 5. The judges concerned answer: 评委5 keeps the score with a reason, 评委3 too.
    for account, reason in (("pw05", "选手未核验申请人身份，按标准扣分"), ("pw03", "现场表现确属优秀")):
        phone = new_page(viewport=PHONE, is_mobile=True, has_touch=True)
        log_in(phone, base, account, next_path=f"/me/judging/rounds/{sc.pk}/")
        phone.locator(f'[data-entry="{winner.pk}"]').click()
        phone.wait_for_selector("[data-spread-alert]")
        phone.fill("[data-alert-form] textarea[name=reason]", reason)
        phone.locator("[data-confirm-score]").click()
        phone.wait_for_selector('[data-sheet-state="submitted"]')
        phone.context.close()
    assert set(SpreadAlert.objects.filter(entry=winner).values_list("status", flat=True)) == {AlertStatus.CONFIRMED}

    # 6. The chief judge sees every sheet in, with the dropped scores struck through, and confirms.
    chief.reload()
    assert chief.locator("[data-progress]").inner_text() == f"评分表 {PanelSeat.objects.filter(round=sc).count()}/" \
        f"{PanelSeat.objects.filter(round=sc).count()}"
    screenshot(chief, "competition-console-before-confirm", full_page=True)
    chief.locator("[data-confirm-round]").click()
    chief.wait_for_selector("[data-confirmed]")

    # 7. The organiser publishes.
    admin.goto(f"{base}/admin/competitions/results/{competition.pk}/")
    admin.get_by_role("button", name="发布成绩").click()
    admin.wait_for_selector("text=已发布成绩")
    screenshot(admin, "competition-published", full_page=True)
    award = Award.objects.get(competition=competition, staff=people["CD1010"])
    assert (award.level, award.bonus) == (1, Decimal("3"))

    # 8. The winner sees the rank and opens the certificate.
    staff = new_page(viewport=PHONE, is_mobile=True, has_touch=True)
    log_in(staff, base, people["CD1010"].user.username, landing="/me/")
    staff.goto(f"{base}/me/competitions/")
    mine = staff.locator("main").inner_text()
    assert "1\n名次 / 5" in mine and "一等奖" in mine
    screenshot(staff, "competition-my-rank-mobile", full_page=True)
    staff.get_by_role("link", name="查看证书").click()
    staff.wait_for_selector(f"text={award.code}")
    assert "一等奖" in staff.locator("main").inner_text()

    # 9. The month's evaluation counts the bonus, and HR's receipt names it.
    month = timezone.localdate().strftime("%Y-%m")
    call_command("compute_evaluations", period=month)
    evaluation = Evaluation.objects.get(period__month=month, staff=people["CD1010"])
    assert evaluation.bonus == Decimal("3.00")
    hr = new_page()
    admin_log_in(hr, base, "hr-journey")
    hr.goto(f"{base}/admin/evaluations/evaluations/inspect/{evaluation.pk}/")
    assert "其中竞赛获奖加分 3.00" in hr.locator("main").inner_text()
