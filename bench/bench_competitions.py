"""Competitions: 300 entrants × 7 judges × 3 rounds (knowledge written offline, practical and
scenario judged on a rubric).

Targets (issue "Competitions"): judges' score-sheet import ≥ 5,000 sheets/s; the standings
≤ 200 ms with a query count that does not grow with entrants (10 vs 300 entrants).
Reports the workbook import, each round's score import (sheets/s, queries), an idempotent
re-import, and the standings and results export for 10 and for 300 entrants.

Usage: .venv/bin/python bench/bench_competitions.py [--entrants N] [--judges N]
(BENCH_SCALE=0.1 scales the entrants for a quick run). Runs in its own process.
"""

import argparse
import io
import random
import statistics
import sys
import time

from common import QueryCounter, run_isolated, scaled, setup_django, workdir, write_xlsx

CRITERIA = (("服务礼仪", 20), ("业务准确", 40), ("办理效率", 20), ("沟通解释", 20))


def competition_workbook(code, staff_nos, judges):
    """A workbook in DESIGN's layout: outside judges (账号) on both judged rounds."""
    import openpyxl

    workbook = openpyxl.Workbook()
    workbook.remove(workbook.active)
    sheets = {
        "竞赛": [("代码", "名称", "年度", "计分方式"), (code, f"{code} 技能竞赛", 2026, "个人")],
        "轮次": [
            ("代码", "名称", "类型", "权重", "每位参赛者评委数"),
            ("ZS", "业务知识笔试", "知识", 30, None),
            ("SC", "实际操作演示", "实操", 40, judges),
            ("QJ", "应急情况处理", "情景", 30, judges),
        ],
        "报名": [("工号", "队名"), *[(no, None) for no in staff_nos]],
        "评委": [
            ("工号", "账号", "姓名", "服务中心", "轮次"),
            *[(None, f"{code.lower()}pw{j}", f"评委{j}", None, "SC、QJ") for j in range(judges)],
        ],
        "评分标准": [("轮次", "评分项", "满分")]
        + [(rnd, name, points) for rnd in ("SC", "QJ") for name, points in CRITERIA],
    }
    for name, rows in sheets.items():
        sheet = workbook.create_sheet(name)
        for row in rows:
            sheet.append(list(row))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def judged_rows(code, staff_nos, judges, rng):
    header = ["评委", "参赛者", *[name for name, _points in CRITERIA]]
    rows = [header]
    for no in staff_nos:
        for j in range(judges):
            rows.append([f"{code.lower()}pw{j}", no, *[rng.randint(points // 2, points) for _n, points in CRITERIA]])
    return rows


def written_rows(staff_nos, rng):
    return [["参赛者", "得分"], *[[no, rng.randint(50, 100)] for no in staff_nos]]


def make_people(prefix, n):
    from django.contrib.auth import get_user_model

    from people.models import ServiceCentre, StaffProfile

    centre, _created = ServiceCentre.objects.get_or_create(name="城东政务服务中心", defaults={"code": "cd"})
    User = get_user_model()
    nos = [f"{prefix}{100000 + i}" for i in range(n)]
    User.objects.bulk_create([User(username=no, password="!") for no in nos], batch_size=2000)
    users = dict(User.objects.filter(username__in=nos).values_list("username", "pk"))
    StaffProfile.objects.bulk_create(
        [StaffProfile(user_id=users[no], staff_no=no, name="某某", centre=centre) for no in nos], batch_size=2000
    )
    return nos


def timed(func, repeat=1):
    from django.db import connection

    times, queries = [], QueryCounter()
    with connection.execute_wrapper(queries):
        for _ in range(repeat):
            began = time.perf_counter()
            value = func()
            times.append(time.perf_counter() - began)
    return value, statistics.median(times), queries.total // repeat


def main(argv=None):
    argv = list(sys.argv[1:] if argv is None else argv)
    if not run_isolated(__file__, argv):
        return
    parser = argparse.ArgumentParser()
    parser.add_argument("--entrants", type=int, default=scaled(300, 10))
    parser.add_argument("--judges", type=int, default=7)
    args = parser.parse_args(argv)
    setup_django()

    from competitions.models import CompetitionPage, ScoreSheet
    from competitions.selectors import competition_standings
    from competitions.services import competition_import_file, results_dataset, round_scores_import_file

    rng = random.Random(2026)
    files = workdir("frontline-bench-competitions-")
    standings = {}
    for code, entrants in (("SMALL", 10), ("BIG", args.entrants)):
        nos = make_people(code[0], entrants)
        result, seconds, queries = timed(
            lambda code=code, nos=nos: competition_import_file(
                competition_workbook(code, nos, args.judges), "c.xlsx", dry_run=False
            )
        )
        assert result.ok, [str(e) for e in result.errors[:5]]
        print(f"{code}: workbook with {entrants} entrants and {args.judges} judges imported in {seconds:.2f} s, {queries} queries")
        for rnd, rows in (
            ("ZS", written_rows(nos, rng)),
            ("SC", judged_rows(code, nos, args.judges, rng)),
            ("QJ", judged_rows(code, nos, args.judges, rng)),
        ):
            path = files / f"{code}-{rnd}.xlsx"
            write_xlsx(path, rows)
            content = path.read_bytes()

            def run(content=content, rnd=rnd, code=code, name=path.name):
                return round_scores_import_file(content, name, competition_code=code, round_code=rnd, dry_run=False)

            result, seconds, queries = timed(run)
            assert result.ok, [str(e) for e in result.errors[:5]]
            sheets = len(rows) - 1
            if code == "BIG":
                print(
                    f"  round {rnd}: {sheets:,} sheets in {seconds:.2f} s = {sheets / seconds:,.0f} sheets/s, "
                    f"{queries} queries"
                )
                again, again_s, again_q = timed(run)
                assert again.ok and again.created == again.updated == 0
                print(f"  round {rnd} again (nothing changes): {again_s:.2f} s, {again_q} queries")
        competition = CompetitionPage.objects.get(code=code)
        rows, seconds, queries = timed(lambda competition=competition: competition_standings(competition=competition), 5)
        _dataset, export_s, export_q = timed(lambda competition=competition: results_dataset(competition=competition), 3)
        standings[code] = (len(rows.rows), seconds, queries, export_s, export_q)

    sheets = ScoreSheet.objects.filter(round__competition__code="BIG").count()
    print(f"BIG holds {sheets:,} score sheets")
    for _code, (count, seconds, queries, export_s, export_q) in standings.items():
        print(
            f"standings of {count} entrants: {seconds * 1000:.0f} ms median, {queries} queries; "
            f"results export {export_s * 1000:.0f} ms, {export_q} queries"
        )
    small, big = standings["SMALL"], standings["BIG"]
    print(
        f"queries 10 vs {big[0]} entrants: {small[2]} vs {big[2]} "
        f"({'constant' if small[2] == big[2] else 'GROWING'}); "
        f"target standings ≤ 200 ms: {big[1] * 1000:.0f} ms -> {'met' if big[1] <= 0.2 else 'NOT met'}"
    )


if __name__ == "__main__":
    main()
