"""Roster import: 10,000 generated staff, set-based path vs django-import-export's row-by-row path.

Target (issue "Foundation"): 10,000 rows in under 10 s, at least 5x the row-by-row path.
Usage: .venv/bin/python bench/bench_import_staff.py [--rows N] [--baseline-rows N]
"""

import argparse
import io
import random
import resource
import sys
import time

from common import run_isolated, setup_django

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红鹏飞建文斌宇浩凯佳欣怡晨轩嘉子涵梓睿博宁"
CENTRES = ["城东政务服务中心", "城西政务服务中心", "城南政务服务中心", "城北政务服务中心"]
VENDORS = ["安信人力资源有限公司", "恒达劳务派遣有限公司", "政通服务外包有限公司", ""]
POSTS = ["综合受理", "不动产登记", "社保医保", "企业开办", "公积金", "税务"]
HEADERS = ["工号", "姓名", "手机号", "身份证号", "服务中心", "窗口编号", "窗口名称", "用工单位", "岗位", "入职日期", "绩效工资基数"]


def roster_xlsx(rows, seed=2026):
    import datetime as dt

    import openpyxl

    rng = random.Random(seed)
    workbook = openpyxl.Workbook(write_only=True)
    sheet = workbook.create_sheet("人员名册")
    sheet.append(HEADERS)
    for i in range(rows):
        centre_index = i % len(CENTRES)
        window_no = (i // len(CENTRES)) % 40 + 1
        post = POSTS[window_no % len(POSTS)]
        sheet.append(
            [
                f"B{i + 100000}",
                rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2)))),
                f"1{rng.choice('3456789')}{rng.randrange(10**9):09d}",
                f"500235{rng.randrange(1965, 2004)}{rng.randrange(1, 13):02d}{rng.randrange(1, 29):02d}{rng.randrange(1000):03d}{rng.choice('0123456789X')}",
                CENTRES[centre_index],
                f"{centre_index + 1:02d}-{window_no:02d}",
                f"{post}窗口",
                VENDORS[i % len(VENDORS)],
                post,
                dt.date(2015, 1, 1) + dt.timedelta(days=rng.randrange(3600)),
                float(rng.choice((1500, 1800, 2000, 2200, 2500))),
            ]
        )
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def measure(label, func):
    """Wall time of func(), and the process's peak resident memory after it (MB).

    tracemalloc is not used: it slows allocation-heavy code several times over.
    """
    started = time.perf_counter()
    value = func()
    elapsed = time.perf_counter() - started
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return value, elapsed, peak_mb


def main(argv=None):
    argv = list(sys.argv[1:] if argv is None else argv)
    if not run_isolated(__file__, argv):
        return
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--baseline-rows", type=int, default=2_000)
    args = parser.parse_args(argv)
    setup_django()

    from django.contrib.auth import get_user_model

    from home.imports import run_import
    from home.spreadsheets import read_table, table_to_dataset
    from people.imports import STAFF_ROSTER_IMPORT
    from people.models import Post, ServiceCentre, StaffProfile, VendorCompany, Window
    from people.resources import StaffResource

    content = roster_xlsx(args.rows)
    print(f"generated roster: {args.rows} rows, {len(content) / 1e6:.1f} MB xlsx")

    table, read_s, _peak = measure("read", lambda: read_table(content, "roster.xlsx", header_markers=STAFF_ROSTER_IMPORT.header_markers))
    print(f"read xlsx (calamine): {read_s:.2f} s, {args.rows / read_s:,.0f} rows/s")

    result, bulk_s, bulk_peak = measure(
        "bulk", lambda: run_import(STAFF_ROSTER_IMPORT, content, "roster.xlsx", dry_run=False)
    )
    assert result.ok and result.created == args.rows, result.errors[:5]
    bulk_rate = args.rows / bulk_s
    print(
        f"set-based import, first time: {bulk_s:.2f} s for {args.rows} rows = {bulk_rate:,.0f} rows/s, "
        f"peak RSS {bulk_peak:.0f} MB"
    )
    again, again_s, _ = measure("again", lambda: run_import(STAFF_ROSTER_IMPORT, content, "roster.xlsx", dry_run=False))
    assert again.ok and again.unchanged == args.rows
    print(f"set-based re-import (all unchanged): {again_s:.2f} s = {args.rows / again_s:,.0f} rows/s")

    # django-import-export's default row-by-row path, same Resource, on a clean directory
    # whose centres, windows, vendors and posts already exist (that path only looks them up).
    StaffProfile.objects.all().delete()
    get_user_model().objects.filter(is_superuser=False).delete()
    assert ServiceCentre.objects.exists() and Window.objects.exists() and VendorCompany.objects.exists()
    assert Post.objects.exists()
    baseline_rows = min(args.baseline_rows, args.rows)
    subset = table_to_dataset(table)[:baseline_rows]
    import tablib

    dataset = tablib.Dataset(*subset, headers=table_to_dataset(table).headers)
    baseline, row_s, row_peak = measure(
        "row-by-row", lambda: StaffResource().import_data(dataset, dry_run=False, use_transactions=True)
    )
    assert not baseline.has_errors() and not baseline.has_validation_errors()
    row_rate = baseline_rows / row_s
    print(
        f"django-import-export row-by-row: {row_s:.2f} s for {baseline_rows} rows = {row_rate:,.0f} rows/s, "
        f"peak RSS {row_peak:.0f} MB"
    )
    print(f"ratio set-based / row-by-row: {bulk_rate / row_rate:.1f}x")
    print(
        f"target: {args.rows} rows under 10 s -> {'met' if bulk_s < 10 else 'NOT met'} ({bulk_s:.2f} s); "
        f">= 5x row-by-row -> {'met' if bulk_rate / row_rate >= 5 else 'NOT met'}"
    )


if __name__ == "__main__":
    main()
