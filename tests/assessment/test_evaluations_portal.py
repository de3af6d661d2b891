"""Monthly evaluations seen by people: the commands and the pay sheet, the staff's score
receipt, and who may see evaluations and edit schemes in the admin."""

from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from openpyxl import load_workbook

from assessment import scoring, services
from assessment.models import AssessmentScheme, Evaluation, EvaluationPeriod, SchemeVersion
from tests import factories
from tests.assessment import builders
from tests.assessment.builders import OCTOBER
from tests.conftest import ROLE_KEYS
from tests.helpers import assert_denied, visible_text

pytestmark = pytest.mark.django_db
east, west, worked = builders.east, builders.west, builders.worked  # fixtures


def _publish(month="2026-10"):
    EvaluationPeriod.objects.filter(month=month).update(status=EvaluationPeriod.Status.PUBLISHED)


def test_commands_compute_and_export_the_pay_sheet(worked, tmp_path, capsys):
    worked["bo"].name = "=HYPERLINK(\"http://x\")"
    worked["bo"].save()
    call_command("compute_evaluations", "--period", "2026-10")
    output = capsys.readouterr().out
    assert "W001" in output  # the blocker: no attendance
    out = tmp_path / "pay.xlsx"
    call_command("export_evaluations", "--period", "2026-10", "--out", str(out))
    book = load_workbook(out)
    people, vendors = book.worksheets
    rows = list(people.iter_rows(values_only=True))
    header = rows[0]
    for column in ("工号", "姓名", "服务中心", "月份", "评价得分", "等级", "绩效系数", "绩效工资基数", "绩效工资", "用工单位",
                   "R 好差评", "D 考勤纪律", "T 考试", "L 学习"):
        assert column in header
    by_no = {row[header.index("工号")]: dict(zip(header, row, strict=True)) for row in rows[1:]}
    anna = by_no["E001"]
    assert (anna["月份"], anna["评价得分"], anna["等级"], anna["绩效系数"]) == ("2026-10", 69.7, "基本合格", 0.8)
    assert (anna["绩效工资基数"], anna["绩效工资"], anna["R 好差评"]) == (2345.67, 1876.54, 69.5)
    assert by_no["E002"]["等级"] == "良好" and by_no["E002"]["配额前等级"] == "优秀"
    assert by_no["E002"]["姓名"].startswith("'=")  # formula injection neutralised
    assert by_no["E002"]["T 考试"] is None  # absent component: an empty cell

    summary = list(vendors.iter_rows(values_only=True))
    assert summary[0] == ("用工单位", "人数", "优秀", "良好", "合格", "基本合格", "不合格", "绩效工资合计")
    vendor_row = next(row for row in summary if row[0] == "联合人力资源有限公司")
    assert vendor_row[1:] == (2, 0, 1, 0, 1, 0, 4076.54)
    own_row = next(row for row in summary if row[0] != "联合人力资源有限公司" and row[0] != "用工单位")
    assert own_row[1] == 1 and own_row[3] == 1 and own_row[7] == 1980.0


def test_commands_refuse_bad_input(worked, tmp_path):
    with pytest.raises(CommandError):
        call_command("compute_evaluations", "--period", "2026-13")
    with pytest.raises(CommandError):
        call_command("export_evaluations", "--period", "2026-09", "--out", str(tmp_path / "x.xlsx"))
    services.evaluations_compute(period=OCTOBER)
    EvaluationPeriod.objects.update(status=EvaluationPeriod.Status.APPROVED)
    with pytest.raises(CommandError, match="2026-10"):
        call_command("compute_evaluations", "--period", "2026-10")


def test_staff_read_only_their_own_published_receipt(worked, client_for):
    services.evaluations_compute(period=OCTOBER)
    anna, bo = worked["anna"], worked["bo"]
    client = client_for(anna.user)
    # Not published yet: nothing to read.
    assert "2026-10" not in client.get(reverse("assessment:my_evaluations")).content.decode()
    assert client.get(reverse("assessment:my_evaluation", args=["2026-10"])).status_code == 404
    _publish()
    listing = client.get(reverse("assessment:my_evaluations")).content.decode()
    assert "2026-10" in listing and "1876.54" in listing
    page = client.get(reverse("assessment:my_evaluation", args=["2026-10"]))
    html = page.content.decode()
    assert page.status_code == 200
    for figure in ("69.50", "83.00", "50.00", "67.70", "+2.00", "69.70", "0.80", "2345.67", "1876.54", "十月业务测试",
                   "巡查3.00False"):
        assert figure in html, figure
    assert "默认考核方案 v1" in html
    assert "柏涛" not in html and "E002" not in html
    # Bo's receipt says the quota demoted him.
    bo_page = client_for(bo.user).get(reverse("assessment:my_evaluation", args=["2026-10"])).content.decode()
    assert "data-demoted" in bo_page
    # Someone without a staff profile (HR on the site) has no receipts here.
    hr = factories.make_user_with_role("人事", "hr-x")
    assert client_for(hr).get(reverse("assessment:my_evaluations")).status_code == 403
    assert client_for(None).get(reverse("assessment:my_evaluations")).status_code == 302


@pytest.mark.parametrize("key", sorted(ROLE_KEYS))
def test_only_hr_and_admin_see_evaluations_in_the_admin(key, role_users, worked, client_for):
    services.evaluations_compute(period=OCTOBER)
    evaluation = Evaluation.objects.get(staff=worked["anna"])
    client = client_for(role_users[key])
    allowed = key in ("hr", "admin")
    for url in (
        reverse("assessment_evaluations:index"),
        reverse("assessment_evaluations:inspect", args=[evaluation.pk]),
        reverse("assessment_schemes:index"),
        reverse("assessment_evaluation_periods:index"),
    ):
        response = client.get(url)
        if allowed:
            assert response.status_code == 200, url
        else:
            assert_denied(response, login_redirect=key in ("staff", "vendor", "judge"))
            assert "1876.54" not in response.content.decode()
    if allowed:
        receipt = client.get(reverse("assessment_evaluations:inspect", args=[evaluation.pk])).content.decode()
        assert "data-receipt" in receipt and "1876.54" in receipt and "十月业务测试" in receipt
        index = client.get(reverse("assessment_evaluations:index") + "?grade=basic_pass").content.decode()
        assert "E001" in index and "E002" not in index
        # Read-only: no edit screen for anyone.
        assert_denied(client.get(f"/admin/evaluations/evaluations/edit/{evaluation.pk}/"))


def _scheme_post(**changes):
    data = {"name": "城东方案", "centre": "", "version_note": "调整"}
    rules = scoring.rules_to_dict(scoring.DEFAULT_RULES)
    from assessment.forms.schemes import SCHEME_NUMBERS

    for name, attr, key, _label, _help in SCHEME_NUMBERS:
        data[name] = rules[attr][key] if key else rules[attr]
    data.update(changes)
    return data


def test_hr_edits_a_scheme_and_each_save_is_a_new_version(role_users, east, client_for):
    client = client_for(role_users["hr"])
    response = client.post(reverse("assessment_schemes:add"), _scheme_post(centre=east.pk, floor_excellent="92"))
    assert response.status_code == 302, response.content.decode()[:2000]
    scheme = AssessmentScheme.objects.get(centre=east)
    assert scheme.current_version.number == 1
    assert scheme.current_version.scoring_rules().grade_floors["excellent"] == Decimal("92")
    assert scheme.current_version.created_by == role_users["hr"]
    edit = reverse("assessment_schemes:edit", args=[scheme.pk])
    assert 'value="92.00"' in client.get(edit).content.decode() or 'value="92"' in client.get(edit).content.decode()
    client.post(edit, _scheme_post(centre=east.pk, floor_excellent="92", coefficient_excellent="1.30"))
    assert list(scheme.versions.values_list("number", flat=True)) == [2, 1]
    assert SchemeVersion.objects.get(scheme=scheme, number=1).scoring_rules().coefficients["excellent"] == Decimal("1.2")
    assert scheme.current_version.scoring_rules().coefficients["excellent"] == Decimal("1.30")


@pytest.mark.parametrize(
    "changes",
    [
        {"weight_R": "0", "weight_D": "0", "weight_T": "0", "weight_L": "0"},
        {"floor_good": "95"},
        {"coefficient_fail": "-1"},
    ],
)
def test_scheme_numbers_are_validated(changes, role_users, east, client_for):
    client = client_for(role_users["hr"])
    response = client.post(reverse("assessment_schemes:add"), _scheme_post(centre=east.pk, **changes))
    assert response.status_code == 200
    assert not AssessmentScheme.objects.exists()


def test_trainer_cannot_edit_schemes(role_users, east, client_for):
    client = client_for(role_users["trainer"])
    assert_denied(client.post(reverse("assessment_schemes:add"), _scheme_post(centre=east.pk)))
    assert not AssessmentScheme.objects.exists()


def test_vendor_managers_see_only_their_company_once_published(worked, client_for):
    services.evaluations_compute(period=OCTOBER)
    manager = factories.make_vendor_manager(worked["vendor"], "vendor-boss")
    stranger = factories.make_vendor_manager(factories.make_vendor("别家劳务有限公司"), "vendor-other")
    client = client_for(manager)
    assert "E001" not in visible_text(client.get(reverse("assessment:vendor_evaluations")).content.decode())
    _publish()
    listing = client.get(reverse("assessment:vendor_evaluations")).content.decode()
    assert "E001" in listing and "E002" in listing and "W001" not in listing
    receipt = client.get(reverse("assessment:vendor_evaluation", args=["2026-10", "E001"]))
    assert receipt.status_code == 200 and "1876.54" in receipt.content.decode()
    assert client.get(reverse("assessment:vendor_evaluation", args=["2026-10", "W001"])).status_code == 404
    other = client_for(stranger)
    assert "E001" not in visible_text(other.get(reverse("assessment:vendor_evaluations")).content.decode())
    assert other.get(reverse("assessment:vendor_evaluation", args=["2026-10", "E001"])).status_code == 404
    assert client_for(worked["anna"].user).get(reverse("assessment:vendor_evaluations")).status_code == 403


def test_hr_computes_a_month_from_the_admin(worked, role_users, client_for):
    url = reverse("assessment_compute:index")
    assert_denied(client_for(role_users["trainer"]).post(url, {"month": "2026-10"}))
    assert not EvaluationPeriod.objects.exists()
    client = client_for(role_users["hr"])
    assert client.get(url).status_code == 200
    response = client.post(url, {"month": "2026-10"})
    period = EvaluationPeriod.objects.get(month="2026-10")
    assert response.status_code == 302 and response.url == reverse("assessment_evaluation_periods:inspect", args=[period.pk])
    # The three of the worked example and role_users' staff member.
    assert period.computed_by == role_users["hr"] and Evaluation.objects.filter(period=period).count() == 4
    inspect = client.get(response.url).content.decode()
    assert "W001 陈晨：本月没有任何考勤记录。" in inspect  # the blocker, in words
    assert url in client.get(reverse("assessment_evaluation_periods:index")).content.decode()
    assert client.post(url, {"month": "2026-1x"}).status_code == 200
    EvaluationPeriod.objects.update(status=EvaluationPeriod.Status.APPROVED)
    refused = client.post(url, {"month": "2026-10"})
    assert refused.status_code == 200 and "不能再重新计算" in refused.content.decode()
