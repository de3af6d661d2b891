"""Attendance import: a generated DingTalk 每日统计 month, set-based path vs a row-by-row path.

Target (issue "Service records"): 10,000 staff × one month (~220,000 working-day rows) in at
most 60 s including parsing, peak memory under 1 GB, queries not growing with rows.
Default here: 1,000 staff × 31 days (31,000 rows) so that `make bench` stays short; run
`--staff 10000` for the full target.
Usage: .venv/bin/python bench/bench_import_attendance.py [--staff N] [--baseline-rows N]
"""

import argparse
import datetime as dt
import io
import random
import resource
import time

from common import setup_django

HEADER = [
    "姓名", "考勤组", "部门", "工号", "职位", "UserId", "日期", "班次",
    "上班1打卡时间", "上班1打卡结果", "下班1打卡时间", "下班1打卡结果", "关联的审批单",
]
WEEKDAYS = "一二三四五六日"


def dingtalk_month_xlsx(staff_nos, year=2026, month=10, seed=2026):
    import openpyxl

    rng = random.Random(seed)
    workbook = openpyxl.Workbook(write_only=True)
    sheet = workbook.create_sheet("每日统计")
    sheet.append(["每日统计"])
    sheet.append([f"统计日期：{year}-{month:02d}-01 至 {year}-{month:02d}-31"])
    sheet.append(HEADER)
    first = dt.date(year, month, 1)
    days = [first + dt.timedelta(days=i) for i in range(31) if (first + dt.timedelta(days=i)).month == month]
    rows = 0
    for no in staff_nos:
        for day in days:
            label = f"{day:%y-%m-%d} 星期{WEEKDAYS[day.weekday()]}"
            if day.weekday() >= 5:
                sheet.append(["某某", "窗口考勤组", "城东政务服务中心", no, "综合受理", f"u{no}", label, "休息", "", "", "", "", ""])
            else:
                check_in = f"{8 + (rng.random() < 0.08)}:{rng.randrange(60):02d}"
                check_out = f"{17 + (rng.random() < 0.9)}:{rng.randrange(60):02d}" if rng.random() > 0.02 else ""
                approval = "事假审批单" if rng.random() < 0.01 else ""
                sheet.append(
                    ["某某", "窗口考勤组", "城东政务服务中心", no, "综合受理", f"u{no}", label, "正常班 09:00-17:30",
                     check_in, "", check_out, "", approval]
                )
            rows += 1
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue(), rows


def measure(func):
    started = time.perf_counter()
    value = func()
    return value, time.perf_counter() - started, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def make_staff(n):
    from django.contrib.auth import get_user_model

    from people.models import ServiceCentre, StaffProfile

    centre = ServiceCentre.objects.create(name="城东政务服务中心", code="cd")
    User = get_user_model()
    nos = [f"B{100000 + i}" for i in range(n)]
    User.objects.bulk_create([User(username=no, password="!") for no in nos], batch_size=2000)
    users = dict(User.objects.filter(username__in=nos).values_list("username", "pk"))
    StaffProfile.objects.bulk_create(
        [StaffProfile(user_id=users[no], staff_no=no, name="某某", centre=centre) for no in nos], batch_size=2000
    )
    return nos


def row_by_row(table):
    """The naive path: one lookup and one update_or_create per row (what a per-row Resource does)."""
    from assessment import attendance_rules as ar
    from assessment.models import AttendanceDay, CentreRules
    from assessment.resources import AttendanceDingTalkResource
    from home.imports import RowCleaner
    from people.models import StaffProfile

    cleaner = RowCleaner(AttendanceDingTalkResource(), required_columns=("日期",))
    errors = []
    for row_number, raw in table.rows:
        values = cleaner.clean(row_number, raw, errors)
        staff = StaffProfile.objects.get(staff_no=values["staff_no"])
        rules = CentreRules.for_centre(staff.centre_id)
        segments = ar.parse_shift_text(values["shift"]) or ()
        result = ar.classify_day(
            segments=segments, punches=[(values.get("in1"), values.get("out1"))],
            approved=bool(values.get("approval")), thresholds=rules.thresholds(),
        )
        day, _created = AttendanceDay.objects.update_or_create(
            staff=staff, date=values["date"],
            defaults={"source": "dingtalk", "in1": values.get("in1"), "out1": values.get("out1"), "status": result.status},
        )
    return errors


def main(argv=None):
    parser = argparse.ArgumentParser()
    parser.add_argument("--staff", type=int, default=1_000)
    parser.add_argument("--baseline-rows", type=int, default=1_000)
    args = parser.parse_args(argv)
    setup_django()

    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from assessment.imports import ATTENDANCE_IMPORT
    from assessment.models import AttendanceDay
    from home.imports import run_import
    from home.spreadsheets import Table, read_table

    nos = make_staff(args.staff)
    content, rows = dingtalk_month_xlsx(nos)
    print(f"generated DingTalk month: {args.staff} staff, {rows} rows, {len(content) / 1e6:.1f} MB xlsx")

    table, read_s, _ = measure(lambda: read_table(content, "daily.xlsx", header_markers=ATTENDANCE_IMPORT.header_markers))
    print(f"read xlsx (calamine): {read_s:.2f} s, {rows / read_s:,.0f} rows/s")

    with CaptureQueriesContext(connection) as queries:
        result, first_s, peak = measure(lambda: run_import(ATTENDANCE_IMPORT, content, "daily.xlsx", dry_run=False))
    assert result.ok and result.created == rows, result.errors[:5]
    rate = rows / first_s
    print(
        f"set-based import incl. parsing, first time: {first_s:.2f} s = {rate:,.0f} rows/s, "
        f"{len(queries)} queries, peak RSS {peak:.0f} MB"
    )
    again, again_s, _ = measure(lambda: run_import(ATTENDANCE_IMPORT, content, "daily.xlsx", dry_run=False))
    assert again.ok and again.unchanged == rows
    print(f"re-import (all unchanged): {again_s:.2f} s = {rows / again_s:,.0f} rows/s")

    AttendanceDay.objects.all().delete()
    baseline_rows = min(args.baseline_rows, rows)
    subset = Table(headers=table.headers, header_row=table.header_row, rows=table.rows[:baseline_rows])
    _errors, row_s, _ = measure(lambda: row_by_row(subset))
    row_rate = baseline_rows / row_s
    print(f"row-by-row (a lookup and update_or_create per row): {row_s:.2f} s for {baseline_rows} rows = {row_rate:,.0f} rows/s")
    print(f"ratio set-based / row-by-row: {rate / row_rate:.1f}x")
    projected = 220_000 / rate
    print(f"projected 220,000 rows: {projected:.0f} s (target 60 s) -> {'met' if projected <= 60 else 'NOT met'}")


if __name__ == "__main__":
    main()
