"""Monthly evaluation compute: 10,000 staff with a month of attendance, ratings, exams and
learning records, computed for one month and for twelve months.

Targets (issue "Evaluations and pay"): one month at most 10 s, twelve months at most 60 s,
memory under 1.5 GB, and a query count that does not grow with headcount: the bench asserts
that computing for 100 staff reads with as many queries as for 10,000 (the writes are
INSERT/UPDATE batches of a fixed size; they are counted and shown apart).

Data are generated set-based: October 2026 row by row with executemany (22 working days per
person, --ratings ratings per person, one exam, one mandatory course), then copied into the
eleven blocks of 31 days before it with INSERT … SELECT, so each of the twelve months holds
about a month of attendance and ratings.

Usage: .venv/bin/python bench/bench_compute_evaluations.py [--staff N] [--ratings N] [--months N] [--profile]
(defaults: the full size; BENCH_SCALE=0.1 scales the headcount). Runs in its own process.
"""

import argparse
import datetime as dt
import random
import sys
import time

from common import QueryCounter, peak_rss_mb, rss_mb, run_isolated, scaled, setup_django

OCTOBER = (2026, 10)
STATUS_MIX = [("normal", 0)] * 90 + [("late", 1)] * 6 + [("serious_late", 1)] + [("early", 1)] * 2 + [("missing", 1)]
COUNT_FIELD = {
    "late": "late_count", "serious_late": "serious_late_count", "early": "early_count", "missing": "missing_count",
}
LEVELS = [1] * 62 + [2] * 26 + [3] * 10 + [4] + [5]


def _insert(table, columns, rows):
    from django.db import connection

    if not rows:
        return
    sql = "INSERT INTO {} ({}) VALUES ({})".format(
        connection.ops.quote_name(table), ", ".join(columns), ", ".join(["%s"] * len(columns))
    )
    with connection.cursor() as cursor:
        cursor.executemany(sql, rows)


def make_people(n):
    from django.contrib.auth import get_user_model

    from people.models import ServiceCentre, StaffProfile

    centres = [ServiceCentre.objects.create(name=f"第{i + 1}政务服务中心", code=f"c{i + 1}") for i in range(4)]
    User = get_user_model()
    nos = [f"E{100000 + i}" for i in range(n)]
    User.objects.bulk_create([User(username=no, password="!") for no in nos], batch_size=2000)
    users = dict(User.objects.filter(username__in=nos).values_list("username", "pk"))
    StaffProfile.objects.bulk_create(
        [
            StaffProfile(user_id=users[no], staff_no=no, name="某某", centre=centres[i % 4], pay_base=2000)
            for i, no in enumerate(nos)
        ],
        batch_size=2000,
    )
    people = list(StaffProfile.objects.order_by("staff_no").values_list("pk", "staff_no", "centre_id"))
    # Dated pay bases as in production: a first entry, and a raise for every third person.
    from people.models import StaffPayBase

    StaffPayBase.objects.bulk_create(
        [StaffPayBase(staff_id=pk, effective_from=dt.date(2024, 3, 1), amount=2000) for pk, _no, _c in people]
        + [StaffPayBase(staff_id=pk, effective_from=dt.date(2026, 6, 1), amount=2300) for pk, _no, _c in people[::3]],
        batch_size=2000,
    )
    return people


def make_october(people, ratings_per_person, seed=2026):
    """A month of attendance and ratings, written with executemany in slices (flat memory)."""
    from django.db import connection
    from django.utils import timezone

    from assessment.models import AttendanceDay, Rating
    from assessment.services import IMPORT_SOURCE_CODES, builtin_source

    ops = connection.ops
    rng = random.Random(seed)
    first = dt.date(*OCTOBER, 1)
    days = [first + dt.timedelta(days=i) for i in range(31)]
    days = [d for d in days if d.weekday() < 5]
    t = ops.adapt_timefield_value
    start1, end1 = t(dt.time(9)), t(dt.time(17, 30))
    in_normal, in_late, out_normal = t(dt.time(8, 55)), t(dt.time(9, 12)), t(dt.time(17, 40))
    now = ops.adapt_datetimefield_value(timezone.now())
    count_fields = ["late_count", "serious_late_count", "early_count", "missing_count"]
    columns = [
        "staff_id", "date", "source", "shift_name", "start1", "end1", "in1", "out1", "approval", "punch_results",
        "status", "late_minutes", "early_minutes", *count_fields, "serious_early_count", "half_absence_count",
        "full_absence_count", "corrected", "updated_at",
    ]
    dates = {d: ops.adapt_datefield_value(d) for d in days}
    table = AttendanceDay._meta.db_table
    batch = []
    for pk, _no, _centre in people:
        for day in days:
            status, n = rng.choice(STATUS_MIX)
            counts = [1 if COUNT_FIELD.get(status) == f else 0 for f in count_fields]
            batch.append(
                (pk, dates[day], "dingtalk", "正常班", start1, end1, in_late if status == "late" else in_normal,
                 None if status == "missing" else out_normal, "", "", status, 12 if status == "late" else 0, 0,
                 *counts, 0, 0, 0, False, now)
            )
        if len(batch) >= 50_000:
            _insert(table, columns, batch)
            batch = []
    _insert(table, columns, batch)

    source = builtin_source(IMPORT_SOURCE_CODES["gb"])
    tz = timezone.get_current_timezone()
    base = dt.datetime(*OCTOBER, 1, 9, tzinfo=tz)
    table = Rating._meta.db_table
    columns = [
        "source_id", "ticket_no", "assess_number", "level", "channel", "staff_id", "window_id", "window_code",
        "matter", "rated_at", "comment", "reasons", "superseded", "received_at", "citizen_ticket_no", "suspicion",
    ]
    batch, serial = [], 0
    for pk, _no, _centre in people:
        for _i in range(ratings_per_person):
            serial += 1
            at = base + dt.timedelta(minutes=rng.randrange(29 * 24 * 60))
            batch.append(
                (source.pk, f"BJ{serial:09d}", 1, rng.choice(LEVELS), "评价器", pk, None, "", "社保卡补办",
                 ops.adapt_datetimefield_value(at), "", "", False, now, "", "")
            )
        if len(batch) >= 50_000:
            _insert(table, columns, batch)
            batch = []
    _insert(table, columns, batch)


def make_cases():
    """A bad-review case for every 不满意 / 非常不满意 of every month: nine in ten closed as
    confirmed, the rest still open (INSERT … SELECT)."""
    from assessment.models import BadReviewCase, Rating
    from people.models import StaffProfile

    with connection_cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {BadReviewCase._meta.db_table} (rating_id, centre_id, staff_id, status, opened_at, "
            "verify_due, feedback_due, verify_note, revisit_note, rectify_note, feedback_note, outcome, "
            "appeal_status, appeal_text, appeal_decision_note) "
            "SELECT r.id, s.centre_id, r.staff_id, CASE WHEN r.id %% 10 = 0 THEN 'open' ELSE 'closed' END, "
            "r.rated_at, %s, %s, '', '', '', '', CASE WHEN r.id %% 10 = 0 THEN '' ELSE 'confirmed' END, '', '', '' "
            f"FROM {Rating._meta.db_table} r JOIN {StaffProfile._meta.db_table} s ON s.id = r.staff_id "
            "WHERE r.level >= 4",
            [dt.date(*OCTOBER, 20), dt.date(*OCTOBER, 27)],
        )


def connection_cursor():
    from django.db import connection

    return connection.cursor()


def make_exam_and_course(people):
    """One exam that closed in October with a graded attempt for 90% of the people, and one
    mandatory course due in October, completed on time by 80%."""
    from decimal import Decimal

    from django.db import connection
    from django.utils import timezone

    from courses import services as course_services
    from courses.models import AssignmentRecipient, CourseIndexPage, CoursePage, Enrolment
    from exams.models import Attempt, Exam, ExamCandidate
    from people.models import StaffProfile
    from tests import factories
    from tests.exams.builders import make_exam, make_fixed_paper, make_question

    ops = connection.ops
    rng = random.Random(7)
    tz = timezone.get_current_timezone()
    first = StaffProfile.objects.get(pk=people[0][0])
    exam = make_exam(make_fixed_paper([make_question(answer="A")]), individuals=[first], title="十月业务测试")
    closes = dt.datetime(*OCTOBER, 20, 18, tzinfo=tz)
    Exam.objects.filter(pk=exam.pk).update(opens_at=closes - dt.timedelta(days=2), closes_at=closes)
    now = ops.adapt_datetimefield_value(timezone.now())
    _insert(
        ExamCandidate._meta.db_table, ["exam_id", "staff_id", "assigned_at"],
        [(exam.pk, pk, now) for pk, _no, _c in people[1:]],
    )
    started = ops.adapt_datetimefield_value(closes - dt.timedelta(days=1))
    deadline = ops.adapt_datetimefield_value(closes - dt.timedelta(days=1) + dt.timedelta(hours=1))
    rows = []
    for pk, _no, _c in people:
        if rng.random() < 0.9:
            percent = Decimal(rng.choice(("60.00", "80.00", "90.00", "100.00")))
            rows.append(
                (exam.pk, pk, 1, "A", 1, "graded", started, deadline, deadline, False, deadline,
                 ops.adapt_decimalfield_value(percent, 8, 2), ops.adapt_decimalfield_value(Decimal("100"), 8, 2),
                 ops.adapt_decimalfield_value(percent, 5, 2), True, 0)
            )
    _insert(
        Attempt._meta.db_table,
        ["exam_id", "staff_id", "number", "form", "seed", "status", "started_at", "deadline", "closed_at", "timed_out",
         "graded_at", "score", "max_score", "percent", "passed", "position"],
        rows,
    )

    home = factories.make_home_page()
    index = CourseIndexPage.objects.first() or home.add_child(instance=CourseIndexPage(title="学习中心", slug="learning"))
    course = index.add_child(
        instance=CoursePage(title="服务礼仪", slug="etiquette", summary="摘要", category="etiquette", hours=Decimal("1.0"))
    )
    assignment = course_services.assignment_create(
        page=course, due_date=dt.date(*OCTOBER, 25), created_by=None, individuals=[first]
    )
    _insert(
        AssignmentRecipient._meta.db_table, ["assignment_id", "staff_id", "assigned_at"],
        [(assignment.pk, pk, now) for pk, _no, _c in people[1:]],
    )
    done = ops.adapt_datetimefield_value(dt.datetime(*OCTOBER, 21, 10, tzinfo=tz))
    _insert(
        Enrolment._meta.db_table, ["staff_id", "course_id", "started_at", "completed_at"],
        [(pk, course.pk, now, done) for pk, _no, _c in people if rng.random() < 0.8],
    )


def copy_months(months):
    """Copy October's attendance and ratings into the `months - 1` blocks of 31 days before it
    (INSERT … SELECT: no rows through Python)."""
    from django.db import connection

    from assessment.models import AttendanceDay, Rating

    day_columns = [f.column for f in AttendanceDay._meta.concrete_fields if not f.primary_key]
    rating_columns = [f.column for f in Rating._meta.concrete_fields if not f.primary_key]
    sqlite = connection.vendor == "sqlite"
    with connection.cursor() as cursor:
        indexes = []
        if sqlite:
            # Building an index once over millions of rows beats updating it row by row.
            cursor.execute(
                "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL AND tbl_name IN (%s, %s)",
                [AttendanceDay._meta.db_table, Rating._meta.db_table],
            )
            indexes = cursor.fetchall()
            for name, _sql in indexes:
                cursor.execute(f'DROP INDEX "{name}"')
        for k in range(1, months):
            shift = 31 * k
            day_values = [
                (f"date(date, '-{shift} days')" if sqlite else f"date - {shift}") if c == "date" else c
                for c in day_columns
            ]
            cursor.execute(
                f"INSERT INTO {AttendanceDay._meta.db_table} ({', '.join(day_columns)}) "
                f"SELECT {', '.join(day_values)} FROM {AttendanceDay._meta.db_table} "
                "WHERE date >= %s AND date <= %s",
                [dt.date(*OCTOBER, 1), dt.date(*OCTOBER, 31)],
            )
            rating_values = []
            for c in rating_columns:
                if c == "rated_at":
                    rating_values.append(
                        f"strftime('%%Y-%%m-%%d %%H:%%M:%%f', rated_at, '-{shift} days')" if sqlite
                        else f"rated_at - interval '{shift} days'"
                    )
                elif c == "ticket_no":
                    rating_values.append(f"ticket_no || '-{k}'")
                else:
                    rating_values.append(c)
            cursor.execute(
                f"INSERT INTO {Rating._meta.db_table} ({', '.join(rating_columns)}) "
                f"SELECT {', '.join(rating_values)} FROM {Rating._meta.db_table} WHERE ticket_no NOT LIKE %s",
                ["%-%"],
            )
        for _name, sql in indexes:
            cursor.execute(sql)


def month_list(months):
    year, month = OCTOBER
    result = []
    for _i in range(months):
        result.append(f"{year:04d}-{month:02d}")
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return list(reversed(result))


def sqlite_bulk_load(on):
    """A bigger page cache while generating millions of rows (index maintenance thrashes the
    default 2 MB), released before measuring."""
    from django.db import connection

    if connection.vendor != "sqlite":
        return
    with connection.cursor() as cursor:
        cursor.execute(f"PRAGMA cache_size = {-131072 if on else -2000}")
        if not on:
            cursor.execute("PRAGMA shrink_memory")


def main(argv=None):
    argv = list(sys.argv[1:] if argv is None else argv)
    if not run_isolated(__file__, argv):
        return
    parser = argparse.ArgumentParser()
    parser.add_argument("--staff", type=int, default=scaled(10_000, 200))
    parser.add_argument("--ratings", type=int, default=20, help="ratings per person and month")
    parser.add_argument("--months", type=int, default=12)
    parser.add_argument("--profile", action="store_true", help="print cProfile's top entries of the one-month compute")
    args = parser.parse_args(argv)
    setup_django()

    from django.db import connection, transaction

    from assessment import services
    from assessment.models import AttendanceDay, BadReviewCase, Evaluation, Rating
    from home.db import refresh_statistics
    from people.models import StaffProfile

    began = time.perf_counter()
    sqlite_bulk_load(True)
    with transaction.atomic():
        people = make_people(args.staff)
        make_october(people, args.ratings)
        make_exam_and_course(people)
    october_s = time.perf_counter() - began
    with transaction.atomic():
        copy_months(args.months)
        make_cases()
    sqlite_bulk_load(False)
    # As the attendance and ratings imports do after a large write (PostgreSQL's autovacuum
    # would too): the planner sees the tables as they now are.
    refresh_statistics(AttendanceDay, Rating, BadReviewCase)
    print(
        f"generated {args.staff:,} staff; {AttendanceDay.objects.count():,} attendance days, "
        f"{Rating.objects.count():,} ratings and {BadReviewCase.objects.count():,} bad-review cases over "
        f"{args.months} months, one exam, one course "
        f"(October {october_s:.1f} s, copies {time.perf_counter() - began - october_s:.1f} s); RSS {rss_mb():.0f} MB"
    )

    def compute(month):
        counter = QueryCounter()
        with connection.execute_wrapper(counter):
            started = time.perf_counter()
            result = services.evaluations_compute(period=month)
            seconds = time.perf_counter() - started
        return result, seconds, (counter.reads, counter.writes)

    def forget():
        Evaluation.history.all().delete()
        Evaluation.objects.all().delete()

    # Headcount 100 (everyone else left before the month) against the full headcount, both a
    # first compute of the month after a warm-up (which makes the default scheme and the period row).
    small_ids = [pk for pk, _no, _c in people[:100]]
    StaffProfile.objects.exclude(pk__in=small_ids).update(active=False, leave_date=dt.date(2026, 9, 30))
    compute("2026-10")
    forget()
    small, small_s, (small_reads, small_writes) = compute("2026-10")
    assert small.created == 100
    forget()
    StaffProfile.objects.update(active=True, leave_date=None)

    if args.profile:
        import cProfile
        import pstats

        profiler = cProfile.Profile()
        profiler.enable()
    full, full_s, (full_reads, full_writes) = compute("2026-10")
    if args.profile:
        profiler.disable()
    peak_one = peak_rss_mb()
    assert full.created == args.staff
    print(f"100 staff: {small_s:.2f} s, {small_reads} read queries + {small_writes} writes")
    print(
        f"{args.staff:,} staff, one month: {full_s:.2f} s, {full_reads} read queries + {full_writes} writes "
        f"(rows per statement: {services.evaluations.EVALUATION_BATCH}), peak RSS {peak_one:.0f} MB"
    )
    assert small_reads == full_reads, (small_reads, full_reads)
    print(f"read queries: {small_reads} for 100 staff = {full_reads} for {args.staff:,} staff (asserted)")
    if args.profile:
        stats = pstats.Stats(profiler)
        stats.sort_stats("cumulative").print_stats(25)
        stats.sort_stats("tottime").print_stats(20)

    months = month_list(args.months)
    started = time.perf_counter()
    reads = writes = 0
    for month in months:
        _result, _seconds, (r, w) = compute(month)
        reads, writes = reads + r, writes + w
    twelve_s = time.perf_counter() - started
    peak = peak_rss_mb()
    print(
        f"{len(months)} months ({months[0]} … {months[-1]}; {months[-1]} recomputed): {twelve_s:.1f} s, "
        f"{reads} read queries + {writes} writes, peak RSS {peak:.0f} MB"
    )
    print(
        f"targets: one month ≤ 10 s: {full_s:.1f} s -> {'met' if full_s <= 10 else 'NOT met'}; "
        f"{len(months)} months ≤ 60 s: {twelve_s:.0f} s -> {'met' if twelve_s <= 60 else 'NOT met'}; "
        f"memory < 1.5 GB: {peak:.0f} MB -> {'met' if peak < 1536 else 'NOT met'}"
    )


if __name__ == "__main__":
    main()
