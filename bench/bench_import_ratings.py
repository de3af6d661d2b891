"""Ratings import: 1,000,000 generated 好差评 rows (csv) for 10,000 staff.

Target (issue "Service records"): 1,000,000 ratings in at most 120 s including parsing, peak
memory under 1 GB, queries not growing with rows (a batch per 5,000 rows, never per row).
Reports rows/s, seconds, peak RSS, queries at 10% and at 100% of the rows, and the ratio
against django-import-export's default row-by-row path (Resource.import_data on a sample,
extrapolated).

Usage: .venv/bin/python bench/bench_import_ratings.py [--rows N] [--staff N] [--baseline-rows N]
(defaults: the full size; BENCH_SCALE=0.1 scales them for a quick run). Runs in its own process.
"""

import argparse
import datetime as dt
import random
import sys
import time

from common import QueryCounter, peak_rss_mb, rss_mb, run_isolated, scaled, setup_django
from common import workdir as make_workdir

LEVELS = ["非常满意"] * 62 + ["满意"] * 26 + ["基本满意"] * 9 + ["不满意"] * 2 + ["非常不满意"]
CHANNELS = ["短信", "二维码", "评价器", "移动端", "PC端", "系统默认评价"]
MATTERS = ["社保卡补办", "公积金提取", "不动产转移登记", "居住证办理", "营业执照变更"]
HEADER = "办件编号,评价次数,评价时间,经办人工号,窗口编号,事项名称,评价等级,评价渠道,评价内容\n"


def write_ratings_csv(path, rows, staff_nos, *, prefix="BJ", seed=2026):
    """Generated 好差评 rows, written as they are made (the generator keeps no list)."""
    rng = random.Random(seed)
    start = dt.datetime(2026, 10, 1, 9)
    with open(path, "w", encoding="utf-8", newline="") as out:
        out.write(HEADER)
        lines = []
        for i in range(rows):
            at = start + dt.timedelta(minutes=rng.randrange(30 * 24 * 60))
            level = rng.choice(LEVELS)
            comment = "等待时间太长" if level in ("不满意", "非常不满意") else ""
            lines.append(
                f"{prefix}{i:09d},1,{at:%Y-%m-%d %H:%M:%S},{rng.choice(staff_nos)},,{rng.choice(MATTERS)},{level},"
                f"{rng.choice(CHANNELS)},{comment}\n"
            )
            if len(lines) >= 10_000:
                out.write("".join(lines))
                lines = []
        out.write("".join(lines))


def baseline_resource(source):
    """A plain django-import-export ModelResource for Rating: get_instance and save per row."""
    from import_export import fields, resources, widgets

    from assessment import rating_rules as rr
    from assessment.models import Rating
    from assessment.resources import DateTimeCellWidget, PositiveIntWidget
    from people.models import StaffProfile

    class LevelWidget(widgets.Widget):
        def clean(self, value, row=None, **kwargs):
            return rr.parse_level(value, rr.GB)

    class RatingModelResource(resources.ModelResource):
        ticket_no = fields.Field(attribute="ticket_no", column_name="办件编号")
        assess_number = fields.Field(attribute="assess_number", column_name="评价次数", widget=PositiveIntWidget())
        rated_at = fields.Field(attribute="rated_at", column_name="评价时间", widget=DateTimeCellWidget())
        staff = fields.Field(
            attribute="staff", column_name="经办人工号", widget=widgets.ForeignKeyWidget(StaffProfile, "staff_no")
        )
        matter = fields.Field(attribute="matter", column_name="事项名称")
        level = fields.Field(attribute="level", column_name="评价等级", widget=LevelWidget())
        channel = fields.Field(attribute="channel", column_name="评价渠道")
        comment = fields.Field(attribute="comment", column_name="评价内容")

        class Meta:
            model = Rating
            fields = ("ticket_no", "assess_number", "rated_at", "staff", "matter", "level", "channel", "comment")
            import_id_fields = ("ticket_no", "assess_number")

        def before_save_instance(self, instance, row, **kwargs):
            instance.source = source

    return RatingModelResource()


def main(argv=None):
    argv = list(sys.argv[1:] if argv is None else argv)
    if not run_isolated(__file__, argv):
        return
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=scaled(1_000_000))
    parser.add_argument("--staff", type=int, default=scaled(10_000, 100))
    parser.add_argument("--baseline-rows", type=int, default=2_000)
    args = parser.parse_args(argv)
    setup_django()

    import tablib
    from bench_import_attendance import make_staff
    from django.db import connection

    from assessment import rating_rules as rr
    from assessment.imports import RATINGS_IMPORT
    from assessment.models import BadReviewCase, Rating
    from assessment.services import IMPORT_SOURCE_CODES, builtin_source
    from home.imports import run_import

    nos = make_staff(args.staff)
    workdir = make_workdir("frontline-bench-ratings-")
    full, tenth = workdir / "ratings.csv", workdir / "ratings-10pct.csv"
    started = time.perf_counter()
    write_ratings_csv(full, args.rows, nos)
    write_ratings_csv(tenth, args.rows // 10, nos, prefix="TP", seed=7)
    print(
        f"generated {args.rows:,} ratings for {args.staff:,} staff: {full.stat().st_size / 1e6:.0f} MB csv "
        f"({time.perf_counter() - started:.1f} s); RSS before importing {rss_mb():.0f} MB"
    )

    def timed_import(path):
        queries = QueryCounter()
        with connection.execute_wrapper(queries), open(path, "rb") as handle:
            began = time.perf_counter()
            result = run_import(RATINGS_IMPORT, handle, path.name, dry_run=False)
            seconds = time.perf_counter() - began
        assert result.ok, result.errors[:5]
        return result, seconds, queries.total

    small, small_s, small_q = timed_import(tenth)
    assert small.created == args.rows // 10
    print(f"10%: {small.total:,} rows in {small_s:.1f} s = {small.total / small_s:,.0f} rows/s, {small_q} queries")
    again, again_s, again_q = timed_import(tenth)
    assert again.unchanged == args.rows // 10 and again.created == 0
    print(f"10% again (idempotent, all unchanged): {again_s:.1f} s, {again_q} queries")

    result, seconds, queries = timed_import(full)
    assert result.created == args.rows
    peak = peak_rss_mb()
    rate = args.rows / seconds
    print(
        f"100%: {args.rows:,} rows incl. parsing in {seconds:.1f} s = {rate:,.0f} rows/s, {queries} queries, "
        f"{BadReviewCase.objects.count():,} cases opened, peak RSS {peak:.0f} MB"
    )
    print(
        f"queries per 1,000 rows: {small_q / small.total * 1000:.2f} at 10%, {queries / args.rows * 1000:.2f} at 100% "
        f"(a batch per {5000:,} rows; none per row)"
    )

    # django-import-export's default path on a sample, on rows the database does not hold.
    sample = tablib.Dataset(headers=HEADER.strip().split(","))
    write_ratings_csv(workdir / "sample.csv", args.baseline_rows, nos, prefix="RB", seed=11)
    with open(workdir / "sample.csv", encoding="utf-8") as handle:
        next(handle)
        for line in handle:
            sample.append(line.rstrip("\n").split(","))
    resource = baseline_resource(builtin_source(IMPORT_SOURCE_CODES[rr.GB]))
    baseline_queries = QueryCounter()
    with connection.execute_wrapper(baseline_queries):
        began = time.perf_counter()
        resource.import_data(sample, dry_run=False, raise_errors=True, use_transactions=True)
        baseline_s = time.perf_counter() - began
    assert Rating.objects.filter(ticket_no__startswith="RB").count() == args.baseline_rows
    baseline_rate = args.baseline_rows / baseline_s
    print(
        f"django-import-export Resource.import_data: {args.baseline_rows:,} rows in {baseline_s:.1f} s = "
        f"{baseline_rate:,.0f} rows/s, {baseline_queries.total} queries "
        f"({baseline_queries.total / args.baseline_rows:.1f} per row); {args.rows:,} rows would take "
        f"{args.rows / baseline_rate:,.0f} s"
    )
    print(f"ratio set-based / row-by-row: {rate / baseline_rate:.1f}x")
    print(
        f"target {args.rows:,} rows ≤ 120 s: {seconds:.0f} s -> {'met' if seconds <= 120 else 'NOT met'}; "
        f"peak < 1 GB: {peak:.0f} MB -> {'met' if peak < 1024 else 'NOT met'}"
    )


if __name__ == "__main__":
    main()
