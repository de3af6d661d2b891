"""The documented commands, end to end on the sample files (issue "Evaluations and pay"):
import_staff, import_attendance, import_ratings, compute_evaluations --period 2026-10 and
export_evaluations give a pay sheet whose every number follows DESIGN to the cent.

The R component is recomputed here straight from the ratings file (DESIGN's points, the
system-default channel excluded, a ticket's highest 评价次数 kept); the rest of each row
is checked against DESIGN's formula, bands, quota and coefficients, and the vendor sheet
against the person sheet."""

from collections import Counter, defaultdict
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import openpyxl
import pytest
from django.core.management import call_command

from assessment.models import Evaluation

pytestmark = pytest.mark.django_db

TESTS = Path(__file__).resolve().parent.parent
ROSTER = TESTS / "people" / "samples" / "staff_roster.xlsx"
ATTENDANCE = TESTS / "assessment" / "samples" / "attendance_dingtalk_daily_2026-10.xlsx"
RATINGS = TESTS / "assessment" / "samples" / "ratings_2026-10.xlsx"

CENT = Decimal("0.01")
POINTS = {"非常满意": 100, "满意": 80, "基本满意": 60, "不满意": 30, "非常不满意": 0}
WEIGHTS = {"R": 40, "D": 30, "T": 20, "L": 10}
DEDUCTIONS = {
    "late": 4, "serious_late": 8, "early": 4, "serious_early": 8,
    "missing_punch": 2, "absent_half_day": 10, "absent_full_day": 20,
}
COEFFICIENT = {"优秀": Decimal("1.2"), "良好": Decimal("1.1"), "合格": Decimal("1.0"), "基本合格": Decimal("0.8"),
               "不合格": Decimal("0.5")}


def cents(value):
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


def number(cell):
    return None if cell is None else Decimal(str(cell))


def band(score):
    for grade, floor in (("优秀", 90), ("良好", 80), ("合格", 70), ("基本合格", 60)):
        if score >= floor:
            return grade
    return "不合格"


def ratings_component_from_the_file():
    """{工号: R} by DESIGN, read from the sample (no case is decided yet: nothing confirmed)."""
    sheet = openpyxl.load_workbook(RATINGS, read_only=True).active
    rows = sheet.iter_rows(values_only=True)
    header = next(rows)
    col = {name: header.index(name) for name in ("办件编号", "评价次数", "经办人工号", "评价等级", "评价渠道")}
    newest = {}
    for row in rows:
        if row[col["评价渠道"]] == "系统默认评价":
            continue
        ticket, times = row[col["办件编号"]], int(row[col["评价次数"]])
        if ticket not in newest or times > newest[ticket][0]:
            newest[ticket] = (times, row[col["经办人工号"]], row[col["评价等级"]])
    points = defaultdict(list)
    for _times, staff_no, level in newest.values():
        points[staff_no].append(POINTS[level])
    return {staff_no: cents(Decimal(sum(p)) / len(p)) for staff_no, p in points.items()}


def test_the_sample_files_give_a_pay_sheet_that_follows_design_to_the_cent(tmp_path, capsys):
    call_command("import_staff", str(ROSTER))
    call_command("import_attendance", str(ATTENDANCE))
    call_command("import_ratings", str(RATINGS))
    call_command("compute_evaluations", "--period", "2026-10")
    out = tmp_path / "pay-2026-10.xlsx"
    call_command("export_evaluations", "--period", "2026-10", "--out", str(out))

    book = openpyxl.load_workbook(out)
    people_sheet, vendor_sheet = book.worksheets
    rows = list(people_sheet.iter_rows(values_only=True))
    # People, then a 合计 row, then the stamp (status, approval, export).
    header = rows[0]
    totals_at = next(i for i, row in enumerate(rows) if row[0] == "合计")
    body, totals = rows[1:totals_at], dict(zip(header, rows[totals_at], strict=False))
    assert len(body) == 30
    assert any(str(row[0]).startswith("审批：未审批") for row in rows[totals_at + 1:] if row[0])
    rows = [dict(zip(header, row, strict=False)) for row in body]
    receipts = {e.staff.staff_no: e.inputs for e in Evaluation.objects.select_related("staff")}
    expected_r = ratings_component_from_the_file()

    excellent_per_centre = Counter()
    headcount_per_centre = Counter()
    for row in rows:
        staff_no = row["工号"]
        components = {"R": number(row["R 好差评"]), "D": number(row["D 考勤纪律"]),
                      "T": number(row["T 考试"]), "L": number(row["L 学习"])}
        # R from the file itself.
        assert components["R"] == expected_r.get(staff_no), staff_no
        # D from the day counts on the person's receipt (the classification is tested apart).
        counts = receipts[staff_no]["attendance"]["counts"]
        deduction = sum(DEDUCTIONS[key] * counts[key] for key in DEDUCTIONS)
        assert components["D"] == max(Decimal(100 - deduction), Decimal(0)), staff_no
        # No exam closed and no learning was due in October: T and L are absent, not 0.
        assert components["T"] is None and components["L"] is None
        present = {key: value for key, value in components.items() if value is not None}
        total = cents(sum(WEIGHTS[k] * v for k, v in present.items()) / sum(WEIGHTS[k] for k in present))
        assert number(row["加权总分"]) == total, staff_no
        assert number(row["加分"]) == 0
        score = total
        assert number(row["评价得分"]) == score
        assert row["配额前等级"] == band(score), staff_no
        if row["等级"] != row["配额前等级"]:
            assert (row["配额前等级"], row["等级"]) == ("优秀", "良好")
        assert number(row["绩效系数"]) == COEFFICIENT[row["等级"]]
        assert number(row["绩效工资"]) == cents(number(row["绩效工资基数"]) * COEFFICIENT[row["等级"]]), staff_no
        headcount_per_centre[row["服务中心"]] += 1
        excellent_per_centre[row["服务中心"]] += row["等级"] == "优秀"

    # The quota: at most floor(20% × headcount) 优秀 per centre, and every place that a
    # candidate could fill is filled.
    for centre, headcount in headcount_per_centre.items():
        candidates = sum(1 for r in rows if r["服务中心"] == centre and r["配额前等级"] == "优秀")
        assert excellent_per_centre[centre] == min(candidates, headcount * 20 // 100)

    assert number(totals["绩效工资"]) == sum(number(r["绩效工资"]) for r in rows)

    # The vendor sheet adds up the person sheet.
    vendor_rows = list(vendor_sheet.iter_rows(values_only=True))
    vendor_rows = vendor_rows[: next(i for i, row in enumerate(vendor_rows) if row[0] == "合计")]
    vendor_header = vendor_rows[0]
    for values in vendor_rows[1:]:
        summary = dict(zip(vendor_header, values, strict=False))
        mine = [r for r in rows if r["用工单位"] == summary["用工单位"]]
        assert summary["人数"] == len(mine)
        for grade in COEFFICIENT:
            assert summary[grade] == sum(1 for r in mine if r["等级"] == grade)
        assert number(summary["绩效工资合计"]) == sum(number(r["绩效工资"]) for r in mine)
    assert sum(v[1] for v in vendor_rows[1:]) == 30
