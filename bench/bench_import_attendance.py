"""Attendance import: a generated DingTalk 每日统计 month (xlsx) for 10,000 staff.

Target (issue "Service records"): 10,000 staff × one month (~220,000 working-day rows) in at
most 60 s including parsing, peak memory under 1 GB, queries not growing with rows (a batch
per 5,000 rows, never per row). Reports rows/s, seconds, peak RSS, queries at 10% and at 100%,
and the ratio against django-import-export's default row-by-row path (Resource.import_data on
a sample, extrapolated).

Usage: .venv/bin/python bench/bench_import_attendance.py [--staff N] [--baseline-rows N]
(defaults: the full size; BENCH_SCALE=0.1 scales them for a quick run). Runs in its own process.
"""

import argparse
import datetime as dt
import random
import sys
import time

from common import QueryCounter, peak_rss_mb, rss_mb, run_isolated, scaled, setup_django, write_xlsx
from common import workdir as make_workdir

HEADER = [
    "姓名", "考勤组", "部门", "工号", "职位", "UserId", "日期", "班次",
    "上班1打卡时间", "上班1打卡结果", "下班1打卡时间", "下班1打卡结果", "关联的审批单",
]
WEEKDAYS = "一二三四五六日"


def dingtalk_rows(staff_nos, year=2026, month=10, seed=2026):
    """DingTalk's 每日统计 as it comes: two title rows, the header, then one row per person and
    working day (dates as 26-10-08 星期四, times as text)."""
    rng = random.Random(seed)
    yield ["每日统计"]
    yield [f"统计日期：{year}-{month:02d}-01 至 {year}-{month:02d}-28"]
    yield HEADER
    first = dt.date(year, month, 1)
    days = [first + dt.timedelta(days=i) for i in range(31)]
    days = [d for d in days if d.month == month and d.weekday() < 5]
    for no in staff_nos:
        for day in days:
            check_in = f"{8 + (rng.random() < 0.08)}:{rng.randrange(60):02d}"
            check_out = f"{17 + (rng.random() < 0.9)}:{rng.randrange(60):02d}" if rng.random() > 0.02 else ""
            approval = "事假审批单" if rng.random() < 0.01 else ""
            yield [
                "某某", "窗口考勤组", "城东政务服务中心", no, "综合受理", f"u{no}",
                f"{day:%y-%m-%d} 星期{WEEKDAYS[day.weekday()]}", "正常班 09:00-17:30",
                check_in, "正常", check_out, "正常", approval,
            ]


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


def baseline_resource():
    """A plain django-import-export ModelResource for AttendanceDay: get_instance, a staff
    lookup and a save per row, the day classified in before_save_instance."""
    from import_export import fields, resources, widgets

    from assessment import attendance_rules as ar
    from assessment.models import AttendanceDay, CentreRules
    from assessment.resources import TimeCellWidget
    from home.spreadsheets import FlexibleDateWidget
    from people.models import StaffProfile

    class AttendanceModelResource(resources.ModelResource):
        staff = fields.Field(attribute="staff", column_name="工号", widget=widgets.ForeignKeyWidget(StaffProfile, "staff_no"))
        date = fields.Field(attribute="date", column_name="日期", widget=FlexibleDateWidget())
        in1 = fields.Field(attribute="in1", column_name="上班1打卡时间", widget=TimeCellWidget())
        out1 = fields.Field(attribute="out1", column_name="下班1打卡时间", widget=TimeCellWidget())
        approval = fields.Field(attribute="approval", column_name="关联的审批单")

        class Meta:
            model = AttendanceDay
            fields = ("staff", "date", "in1", "out1", "approval")
            import_id_fields = ("staff", "date")

        def before_save_instance(self, instance, row, **kwargs):
            rules = CentreRules.for_centre(instance.staff.centre_id)
            outcome = ar.classify_day(
                segments=ar.DEFAULT_SHIFT, punches=[(instance.in1, instance.out1)],
                approved=bool(instance.approval), thresholds=rules.thresholds(),
            )
            instance.source = AttendanceDay.Source.DINGTALK
            instance.start1, instance.end1 = ar.DEFAULT_SHIFT[0]
            instance.apply_result(outcome)

    return AttendanceModelResource()


def main(argv=None):
    argv = list(sys.argv[1:] if argv is None else argv)
    if not run_isolated(__file__, argv):
        return
    parser = argparse.ArgumentParser()
    parser.add_argument("--staff", type=int, default=scaled(10_000, 100))
    parser.add_argument("--baseline-rows", type=int, default=2_000)
    args = parser.parse_args(argv)
    setup_django()

    import tablib
    from django.db import connection

    from assessment.imports import ATTENDANCE_IMPORT
    from assessment.models import AttendanceDay
    from home.imports import run_import

    nos = make_staff(args.staff)
    workdir = make_workdir("frontline-bench-attendance-")
    full, tenth = workdir / "daily-2026-10.xlsx", workdir / "daily-2026-09-10pct.xlsx"
    started = time.perf_counter()
    write_xlsx(full, dingtalk_rows(nos), "每日统计")
    write_xlsx(tenth, dingtalk_rows(nos[: max(len(nos) // 10, 1)], month=9, seed=9), "每日统计")
    rows = sum(1 for _ in dingtalk_rows(nos)) - 3
    print(
        f"generated DingTalk month: {args.staff:,} staff, {rows:,} rows, {full.stat().st_size / 1e6:.1f} MB xlsx "
        f"({time.perf_counter() - started:.1f} s); RSS before importing {rss_mb():.0f} MB"
    )

    def timed_import(path):
        queries = QueryCounter()
        with connection.execute_wrapper(queries), open(path, "rb") as handle:
            began = time.perf_counter()
            result = run_import(ATTENDANCE_IMPORT, handle, path.name, dry_run=False)
            seconds = time.perf_counter() - began
        assert result.ok, result.errors[:5]
        return result, seconds, queries.total

    small, small_s, small_q = timed_import(tenth)
    print(f"10% (September): {small.total:,} rows in {small_s:.1f} s = {small.total / small_s:,.0f} rows/s, {small_q} queries")

    result, seconds, queries = timed_import(full)
    assert result.created == rows, (result.created, rows)
    peak = peak_rss_mb()
    rate = rows / seconds
    print(
        f"100%: {rows:,} rows incl. parsing in {seconds:.1f} s = {rate:,.0f} rows/s, {queries} queries, "
        f"peak RSS {peak:.0f} MB"
    )
    print(
        f"queries per 1,000 rows: {small_q / small.total * 1000:.2f} at 10%, {queries / rows * 1000:.2f} at 100% "
        f"(a batch per 5,000 rows; none per row)"
    )
    again, again_s, again_q = timed_import(tenth)
    assert again.unchanged == small.total and again.created == 0
    print(
        f"10% again (idempotent, all unchanged): {again_s:.1f} s = {small.total / again_s:,.0f} rows/s, {again_q} queries"
    )

    # django-import-export's default path on a sample of November rows (not in the database).
    sample_rows = dingtalk_rows(nos, month=11, seed=11)
    for _title in range(3):
        next(sample_rows)
    dataset = tablib.Dataset(headers=HEADER)
    for row in sample_rows:
        dataset.append(row)
        if len(dataset) >= args.baseline_rows:
            break
    resource = baseline_resource()
    baseline_queries = QueryCounter()
    with connection.execute_wrapper(baseline_queries):
        began = time.perf_counter()
        resource.import_data(dataset, dry_run=False, raise_errors=True, use_transactions=True)
        baseline_s = time.perf_counter() - began
    assert AttendanceDay.objects.filter(date__month=11).count() == len(dataset)
    baseline_rate = len(dataset) / baseline_s
    print(
        f"django-import-export Resource.import_data: {len(dataset):,} rows in {baseline_s:.1f} s = "
        f"{baseline_rate:,.0f} rows/s, {baseline_queries.total} queries ({baseline_queries.total / len(dataset):.1f} "
        f"per row); {rows:,} rows would take {rows / baseline_rate:,.0f} s"
    )
    print(f"ratio set-based / row-by-row: {rate / baseline_rate:.1f}x")
    print(
        f"target {rows:,} rows ≤ 60 s: {seconds:.0f} s -> {'met' if seconds <= 60 else 'NOT met'}; "
        f"peak < 1 GB: {peak:.0f} MB -> {'met' if peak < 1024 else 'NOT met'}"
    )


if __name__ == "__main__":
    main()
