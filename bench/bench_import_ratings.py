"""Ratings import: generated 好差评 rows (csv), set-based path.

Target (issue "Service records"): 1,000,000 ratings in at most 120 s, peak memory under 1 GB.
Default here: 100,000 rows so that `make bench` stays short; the figures project the target.
Usage: .venv/bin/python bench/bench_import_ratings.py [--rows N] [--staff N]
"""

import argparse
import datetime as dt
import random
import resource
import time

from common import setup_django

LEVELS = ["非常满意"] * 62 + ["满意"] * 26 + ["基本满意"] * 9 + ["不满意"] * 2 + ["非常不满意"]
CHANNELS = ["短信", "二维码", "评价器", "移动端", "PC端", "系统默认评价"]
MATTERS = ["社保卡补办", "公积金提取", "不动产转移登记", "居住证办理", "营业执照变更"]


def ratings_csv(rows, staff_nos, seed=2026):
    rng = random.Random(seed)
    lines = ["办件编号,评价次数,评价时间,经办人工号,窗口编号,事项名称,评价等级,评价渠道,评价内容"]
    start = dt.datetime(2026, 10, 1, 9)
    for i in range(rows):
        at = start + dt.timedelta(minutes=rng.randrange(30 * 24 * 60))
        level = rng.choice(LEVELS)
        comment = "等待时间太长" if level in ("不满意", "非常不满意") else ""
        lines.append(
            f"BJ{i:09d},1,{at:%Y-%m-%d %H:%M:%S},{rng.choice(staff_nos)},,{rng.choice(MATTERS)},{level},"
            f"{rng.choice(CHANNELS)},{comment}"
        )
    return ("\n".join(lines) + "\n").encode("utf-8")


def measure(func):
    started = time.perf_counter()
    value = func()
    return value, time.perf_counter() - started, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main(argv=None):
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--staff", type=int, default=1_000)
    args = parser.parse_args(argv)
    setup_django()

    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from assessment.imports import RATINGS_IMPORT
    from assessment.models import BadReviewCase
    from bench_import_attendance import make_staff
    from home.imports import run_import

    nos = make_staff(args.staff)
    content = ratings_csv(args.rows, nos)
    print(f"generated ratings: {args.rows} rows for {args.staff} staff, {len(content) / 1e6:.1f} MB csv")
    with CaptureQueriesContext(connection) as queries:
        result, first_s, peak = measure(lambda: run_import(RATINGS_IMPORT, content, "ratings.csv", dry_run=False))
    assert result.ok and result.created == args.rows, result.errors[:5]
    rate = args.rows / first_s
    print(
        f"set-based import incl. parsing: {first_s:.2f} s = {rate:,.0f} rows/s, {len(queries)} queries, "
        f"{BadReviewCase.objects.count()} cases opened, peak RSS {peak:.0f} MB"
    )
    again, again_s, _ = measure(lambda: run_import(RATINGS_IMPORT, content, "ratings.csv", dry_run=False))
    assert again.ok and again.unchanged == args.rows
    print(f"re-import (all unchanged): {again_s:.2f} s = {args.rows / again_s:,.0f} rows/s")
    projected = 1_000_000 / rate
    print(f"projected 1,000,000 rows: {projected:.0f} s (target 120 s) -> {'met' if projected <= 120 else 'NOT met'}")


if __name__ == "__main__":
    main()
