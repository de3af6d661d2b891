"""HR evaluation dashboard over many ratings: server-side render time and figure data size.

Target (issue "Evaluations and pay"): with 1,000,000 ratings the HR dashboard renders
server-side in at most 300 ms with at most 200 KB of figure data.
Data: N ratings spread over twelve months (generated in the database: generate_series on
PostgreSQL, executemany on SQLite), a year of published evaluations for the headcount, and
one month of attendance. The page is requested through the test client (middleware,
permissions, template and plotly serialisation included), several times; median and max.
PostgreSQL when BENCH_DATABASE_URL (or DATABASE_URL) is set, else SQLite in a temporary file.
Usage: .venv/bin/python bench/bench_dashboard.py [--ratings N] [--staff N] [--runs N]
"""

import argparse
import datetime as dt
import os
import random
import re
import statistics
import time
from decimal import Decimal

from common import setup_django

MONTHS = [f"2025-{m:02d}" for m in (11, 12)] + [f"2026-{m:02d}" for m in range(1, 11)]
CENTRES = ["城东政务服务中心", "城西政务服务中心", "高新区政务服务中心", "经开区政务服务中心", "市民服务中心", "不动产登记中心"]
VENDORS = ["安信人力资源服务有限公司", "恒达劳务派遣有限公司", "众诚人力资源有限公司", "华服外包服务有限公司"]


def make_people(n):
    from django.contrib.auth import get_user_model

    from people.models import ServiceCentre, StaffProfile, VendorCompany

    centres = [ServiceCentre.objects.create(name=name, code=f"c{i}") for i, name in enumerate(CENTRES)]
    vendors = [VendorCompany.objects.create(name=name) for name in VENDORS]
    User = get_user_model()
    nos = [f"B{100000 + i}" for i in range(n)]
    User.objects.bulk_create([User(username=no, password="!") for no in nos], batch_size=2000)
    users = dict(User.objects.filter(username__in=nos).values_list("username", "pk"))
    StaffProfile.objects.bulk_create(
        [
            StaffProfile(user_id=users[no], staff_no=no, name=f"员工{i}", centre=centres[i % len(centres)],
                         vendor=vendors[i % (len(vendors) + 1)] if i % (len(vendors) + 1) < len(vendors) else None,
                         pay_base=Decimal("2000.00"))
            for i, no in enumerate(nos)
        ],
        batch_size=2000,
    )
    return list(StaffProfile.objects.order_by("pk").values_list("pk", "centre_id", "vendor_id"))


def make_evaluations(people, rng):
    from django.utils import timezone

    from assessment import scoring, services
    from assessment.models import Evaluation, EvaluationPeriod

    version = services.scheme_default_version()
    rules = scoring.DEFAULT_RULES
    now = timezone.now()
    for month in MONTHS:
        period = EvaluationPeriod.objects.create(month=month, status=EvaluationPeriod.Status.FINAL)
        rows = []
        for pk, centre_id, vendor_id in people:
            score = scoring.round2(Decimal(rng.gauss(82, 9)).max(Decimal(20)).min(Decimal(105)))
            grade = scoring.grade_for(score, rules)
            r, d = scoring.round2(Decimal(rng.uniform(60, 100))), scoring.round2(Decimal(rng.uniform(50, 100)))
            rows.append(
                Evaluation(
                    period=period, staff_id=pk, centre_id=centre_id, vendor_id=vendor_id, scheme_version=version,
                    inputs={"components": {"R": {"value": str(r)}, "D": {"value": str(d)}},
                            "attendance": {"counts": {"late": rng.randrange(3)}}},
                    ratings=r, discipline=d, tests=None, learning=None, total=score, score=score,
                    veto=rng.random() < 0.002, grade_before_quota=grade, grade=grade,
                    coefficient=rules.coefficients[grade], pay_base=Decimal("2000.00"),
                    pay=scoring.round2(Decimal(2000) * rules.coefficients[grade]), computed_at=now,
                )
            )
        Evaluation.objects.bulk_create(rows, batch_size=2000)


def make_ratings(n, people, rng):
    """N ratings over the twelve months, generated in the database."""
    from django.db import connection

    from assessment.models import Rating, RatingSource

    source = RatingSource.objects.create(name="省好差评系统", code="prov")
    table = Rating._meta.db_table
    staff_ids = [pk for pk, _c, _v in people]
    start = dt.datetime(2025, 11, 1, tzinfo=dt.UTC)
    span = int((dt.datetime(2026, 11, 1, tzinfo=dt.UTC) - start).total_seconds()) - 16 * 3600
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                f"""
                INSERT INTO {table} (source_id, ticket_no, assess_number, level, channel, staff_id, window_code,
                                     matter, rated_at, comment, reasons, superseded, received_at,
                                     citizen_ticket_no, suspicion)
                SELECT %s, 'BJ' || i, 1,
                       CASE WHEN r < 0.62 THEN 1 WHEN r < 0.88 THEN 2 WHEN r < 0.97 THEN 3 WHEN r < 0.99 THEN 4 ELSE 5 END,
                       CASE WHEN i %% 17 = 0 THEN '系统默认评价' ELSE '短信' END,
                       (%s::int[])[1 + (i %% %s)], '', '',
                       %s::timestamptz + ((i::bigint * 7919) %% %s) * interval '1 second',
                       '', '', false, now(), '', ''
                FROM (SELECT i, random() AS r FROM generate_series(1, %s) AS i) AS g
                """,
                [source.pk, staff_ids, len(staff_ids), start, span, n],
            )
        else:
            levels = [1] * 62 + [2] * 26 + [3] * 9 + [4] * 2 + [5]
            now = dt.datetime.now(dt.UTC).isoformat(sep=" ")
            batch = []
            sql = (
                f"INSERT INTO {table} (source_id, ticket_no, assess_number, level, channel, staff_id, window_code, "
                "matter, rated_at, comment, reasons, superseded, received_at, citizen_ticket_no, suspicion) "
                "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)"
            )
            raw = connection.connection
            raw.execute("BEGIN")
            for i in range(n):
                at = start + dt.timedelta(seconds=(i * 7919) % span)
                batch.append((source.pk, f"BJ{i}", 1, rng.choice(levels), "系统默认评价" if i % 17 == 0 else "短信",
                              staff_ids[i % len(staff_ids)], "", "", at.strftime("%Y-%m-%d %H:%M:%S"), "", "", 0, now, "", ""))
                if len(batch) == 50_000:
                    raw.executemany(sql, batch)
                    batch = []
            if batch:
                raw.executemany(sql, batch)
            raw.commit()
        cursor.execute(f"ANALYZE {table}" if connection.vendor == "postgresql" else "ANALYZE")


def make_attendance(people, rng):
    from assessment import attendance_rules as ar
    from assessment.models import AttendanceDay

    statuses = [ar.NORMAL] * 90 + [ar.LATE] * 5 + [ar.EARLY] * 2 + [ar.MISSING] * 2 + [ar.APPROVED]
    rows = []
    for day in range(1, 32):
        date = dt.date(2026, 10, day)
        if date.weekday() >= 5:
            continue
        rows += [AttendanceDay(staff_id=pk, date=date, source="manual", status=rng.choice(statuses))
                 for pk, _c, _v in people]
    AttendanceDay.objects.bulk_create(rows, batch_size=5000)


FIGURE_RE = re.compile(r"Plotly\.newPlot\((.*?)\)\s*};?\s*</script>", re.S)


def figure_bytes(html):
    """Bytes of the figures' data and layout in the page (what plotly.js receives)."""
    return sum(len(m.encode("utf-8")) for m in FIGURE_RE.findall(html))


def main(argv=None):
    parser = argparse.ArgumentParser()
    parser.add_argument("--ratings", type=int, default=1_000_000)
    parser.add_argument("--staff", type=int, default=2_000)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--profile", action="store_true", help="print cProfile's top entries of one warm render")
    args = parser.parse_args(argv)
    if os.environ.get("DATABASE_URL") and not os.environ.get("BENCH_DATABASE_URL"):
        os.environ["BENCH_DATABASE_URL"] = os.environ["DATABASE_URL"]
    url = setup_django()

    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from people import roles
    from tests import factories

    rng = random.Random(2026)
    started = time.perf_counter()
    people = make_people(args.staff)
    make_evaluations(people, rng)
    make_attendance(people, rng)
    print(f"database: {connection.vendor}; {args.staff} staff, {len(MONTHS)} months of evaluations, "
          f"{time.perf_counter() - started:.1f} s", flush=True)
    started = time.perf_counter()
    make_ratings(args.ratings, people, rng)
    print(f"generated {args.ratings:,} ratings in {time.perf_counter() - started:.1f} s", flush=True)

    hr = factories.make_user_with_role(roles.HR, "bench-hr")
    client = Client()
    client.force_login(hr)
    params = {"start": MONTHS[0], "end": MONTHS[-1]}
    url_path = "/admin/evaluations/dashboards/"
    from django.core.cache import cache

    cache.clear()
    t0 = time.perf_counter()
    response = client.get(url_path, params)  # cold: nothing cached yet
    cold = (time.perf_counter() - t0) * 1000
    assert response.status_code == 200, response.status_code
    times = []
    for _run in range(args.runs):
        with CaptureQueriesContext(connection) as queries:
            t0 = time.perf_counter()
            response = client.get(url_path, params)
            times.append((time.perf_counter() - t0) * 1000)
        captured = list(queries.captured_queries)  # now: the connection's log is a bounded deque
        assert response.status_code == 200 and captured, response.status_code
    baseline = []
    for _run in range(args.runs):
        t0 = time.perf_counter()
        client.get("/admin/")
        baseline.append((time.perf_counter() - t0) * 1000)
    html = response.content.decode()
    size_kb = figure_bytes(html) / 1024
    median, worst = statistics.median(times), max(times)
    print(f"HR dashboard ({MONTHS[0]}..{MONTHS[-1]}, every centre): median {median:.0f} ms, max {worst:.0f} ms "
          f"over {args.runs} runs, {len(captured)} queries; page {len(response.content) / 1024:.0f} KB, "
          f"figure data {size_kb:.0f} KB")
    print(f"targets: <= 300 ms -> {'met' if median <= 300 else 'NOT met'}; "
          f"<= 200 KB -> {'met' if size_kb <= 200 else 'NOT met'}  ({url.split(':')[0]})")
    print(f"first render with an empty cache (closed months' rating and attendance counts not yet kept): {cold:.0f} ms")
    from assessment import dashboard_views, selectors
    from home.charts import render_figure

    scope, month_range = selectors.DashboardScope(), selectors.MonthRange.parse(MONTHS[0], MONTHS[-1])
    t0 = time.perf_counter()
    tables = dashboard_views._dashboard_tables(scope, month_range, with_pay=True)
    t1 = time.perf_counter()
    figures = [f for f in dashboard_views._hr_figures(tables).values() if f is not None]
    for figure in figures:
        render_figure(figure)
    t2 = time.perf_counter()
    print(f"  of which aggregates {1000 * (t1 - t0):.0f} ms, {len(figures)} figures built and serialised "
          f"{1000 * (t2 - t1):.0f} ms; the rest is the admin page around them "
          f"(the admin's home page alone: median {statistics.median(baseline):.0f} ms)")
    slow = sorted(captured, key=lambda q: -float(q["time"]))[:3]
    for q in slow:
        print(f"  slowest query {float(q['time']) * 1000:.0f} ms: {q['sql'][:120]}")
    if args.profile:
        import cProfile
        import pstats

        profiler = cProfile.Profile()
        profiler.enable()
        client.get(url_path, params)
        profiler.disable()
        stats = pstats.Stats(profiler)
        stats.sort_stats("cumulative").print_stats(40)
        stats.sort_stats("tottime").print_stats(25)


if __name__ == "__main__":
    main()
