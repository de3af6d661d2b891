"""The month's pay sheet (绩效工资表): one row per person and a summary per vendor company,
as tablib Datasets and as the .xlsx that export_evaluations writes and HR downloads."""

import io
from decimal import Decimal

from django.utils import timezone

from .. import pay
from ..models import Evaluation, EvaluationPeriod
from ..models.evaluations import GRADE_LABELS_ZH

PAY_SHEET_HEADERS = [
    "工号", "姓名", "服务中心", "用工单位", "月份", "R 好差评", "D 考勤纪律", "T 考试", "L 学习", "加权总分",
    "加分", "评价得分", "配额前等级", "等级", "绩效系数", "绩效工资基数", "绩效工资", "方案版本",
]
VENDOR_SHEET_HEADERS = ["用工单位", "人数", "优秀", "良好", "合格", "基本合格", "不合格", "绩效工资合计"]
NO_VENDOR = "（中心自有人员）"


def evaluations_of_period(month):
    """One month's evaluations with what the pay sheet shows."""
    return (
        Evaluation.objects.filter(period__month=str(month))
        .select_related("staff", "centre", "vendor", "scheme_version__scheme", "period")
        .order_by("centre__name", "staff__staff_no")
    )


def pay_sheet(month):
    """The month's pay sheet as two tablib Datasets: one row per person, and a summary per
    vendor company (headcount, grade distribution, pay total). One query; absent
    components are empty cells, Decimals stay numbers."""
    import tablib

    people = tablib.Dataset(headers=PAY_SHEET_HEADERS, title="绩效工资")
    rows = []
    for e in evaluations_of_period(month):
        vendor = e.vendor.name if e.vendor_id else NO_VENDOR
        people.append([
            e.staff.staff_no, e.staff.name, e.centre.name, vendor, e.period.month,
            e.ratings, e.discipline, e.tests, e.learning, e.total,
            e.bonus, e.score, GRADE_LABELS_ZH[e.grade_before_quota], GRADE_LABELS_ZH[e.grade], e.coefficient,
            e.pay_base, e.pay, f"{e.scheme_version.scheme.name} v{e.scheme_version.number}",
        ])
        rows.append(pay.PayRow(vendor, e.grade, e.pay))
    vendors = tablib.Dataset(headers=VENDOR_SHEET_HEADERS, title="用工单位汇总")
    for summary in pay.vendor_summaries(rows):
        vendors.append([summary.vendor, summary.headcount, *summary.grades.values(), summary.pay_total])
    return people, vendors


# Columns of the pay sheet shown with two decimals (numbers, not text).
PAY_SHEET_NUMBER_COLUMNS = {
    "R 好差评", "D 考勤纪律", "T 考试", "L 学习", "加权总分", "加分", "评价得分", "绩效系数", "绩效工资基数", "绩效工资",
}
PAY_SHEET_TOTAL_COLUMNS = ("绩效工资基数", "绩效工资")
NUMBER_FORMAT = "0.00"
TOTAL_LABEL = "合计"


def pay_sheet_stamp(month, *, exported_by=None, now=None):
    """Lines stamped under the pay sheet: the month's status, who approved it and when, and
    who exported it and when. One query."""
    from home.templatetags.frontline import person_name

    period = EvaluationPeriod.objects.select_related("approved_by", "published_by").get(month=str(month))
    now = timezone.localtime(now or timezone.now())
    lines = [f"月份：{period.month}　状态：{period.get_status_display()}"]
    if period.approved_at:
        approved = timezone.localtime(period.approved_at)
        lines.append(f"审批：{person_name(period.approved_by)}，{approved:%Y-%m-%d %H:%M}")
    else:
        lines.append("审批：未审批（草稿，仅供核对，不得据此发放）")
    if period.published_at:
        lines.append(f"发布：{person_name(period.published_by)}，{timezone.localtime(period.published_at):%Y-%m-%d %H:%M}")
    exporter = f"{person_name(exported_by)}，" if exported_by is not None else ""
    lines.append(f"导出：{exporter}{now:%Y-%m-%d %H:%M}")
    return lines


def _write_sheet(sheet, dataset, *, totals, stamp):
    from openpyxl.styles import Font

    from home.spreadsheets import safe_cell

    headers = list(dataset.headers)
    sheet.append(headers)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in dataset:
        sheet.append([safe_cell(value) for value in row])
    sheet.append([totals.get(h) for h in headers])
    for cell in sheet[sheet.max_row]:
        cell.font = Font(bold=True)
    for index, header in enumerate(headers, start=1):
        if header in PAY_SHEET_NUMBER_COLUMNS or header == "绩效工资合计":
            for (cell,) in sheet.iter_rows(min_row=2, min_col=index, max_col=index):
                cell.number_format = NUMBER_FORMAT
        letter = sheet.cell(row=1, column=index).column_letter
        sheet.column_dimensions[letter].width = max(10, len(header) * 2 + 2)
    sheet.append([])
    for line in stamp:
        sheet.append([line])
    sheet.freeze_panes = "A2"


def pay_sheet_workbook(month, *, exported_by=None, now=None):
    """The month's pay sheet as .xlsx bytes: what `export_evaluations` writes and the
    approved month's 导出绩效工资表 button downloads (one builder). Sheet 绩效工资: one row
    per person (DESIGN's columns; figures are numbers shown with 2 decimals, an absent
    component an empty cell), a 合计 row, then the month's status, who approved it and when,
    and who exported it. Sheet 用工单位汇总: per vendor, with its own 合计 row and stamp."""
    from openpyxl import Workbook

    people, vendors = pay_sheet(month)
    stamp = pay_sheet_stamp(month, exported_by=exported_by, now=now)
    totals = {"工号": TOTAL_LABEL, "姓名": f"{len(people)} 人"}
    for header in PAY_SHEET_TOTAL_COLUMNS:
        totals[header] = sum((Decimal(v) for v in people[header] if v is not None), Decimal("0.00"))
    vendor_totals = {"用工单位": TOTAL_LABEL}
    for header in VENDOR_SHEET_HEADERS[1:]:
        vendor_totals[header] = sum(vendors[header]) if len(vendors) else 0
    if len(vendors):
        vendor_totals["绩效工资合计"] = sum((Decimal(v) for v in vendors["绩效工资合计"]), Decimal("0.00"))

    book = Workbook()
    sheet = book.active
    sheet.title = people.title
    _write_sheet(sheet, people, totals=totals, stamp=stamp)
    _write_sheet(book.create_sheet(vendors.title), vendors, totals=vendor_totals, stamp=stamp)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
