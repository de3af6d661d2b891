"""Competitions, the preliminary: a crowd of entrants starts the contest exam (the knowledge round
held online) over HTTP, answers, submits, and the graded percentages become the round's scores.

Issue "Competitions", section Benchmarks: 1,000 candidates starting the contest exam within 10 s,
with nothing lost.

Usage:
    .venv/bin/python bench/bench_preliminary.py [--candidates 1000] [--start-window 10]
        [--questions 30] [--answers 5] [--workers 4] [--threads 8] [--fresh]
(BENCH_SCALE=0.1 → 100 candidates.) Needs PostgreSQL like bench_exam_load, whose machinery it
reuses: BENCH_DATABASE_URL, by default postgres://postgres@127.0.0.1:5432/frontline_bench_preliminary
(created when missing, migrated; every run works under its own tag), gunicorn on the production
settings over plain HTTP, the candidates' HTTP clients, the crowd start (phase B) and the answer
reconciliation. Without a reachable PostgreSQL it prints "skipped".

What it does:
1. bench_exam_load.build_fixture: N staff with sessions and a paper of --questions objective
   questions; its exam A (audience: the first person only, a placeholder like an organiser's
   fresh exam) becomes the contest exam. Its exam B (everyone) serves only the query probe.
2. A competition workbook (one 知识 round, N entrants) imported; the round is given the exam
   and round_exam_candidates_sync makes the registration list its candidates (timed, queries).
3. Queries of one start (exam page + start + attempt page), counted in-process on exam B.
4. The crowd start: N candidates arrive spread evenly over --start-window seconds, each opening
   the exam page, pressing start and loading the attempt page (bench_exam_load.phase_b).
5. Every candidate opens the attempt again (start returns the attempt in progress), answers
   --answers questions with the page's save requests and submits (64 at a time; not timed
   against a target).
6. The exam is closed and round_exam_scores_collect imports the grades (timed, queries), then
   once more (nothing changes).
7. Checks, "nothing lost": every candidate exactly one attempt with exactly one paper (every
   question once), graded; every acknowledged answer stored (bench_exam_load.reconcile); every
   entrant one round score, equal to their exam percentage. Exit status 1 when a check fails;
   the speed target only prints "met" or "NOT met".

Load generator, server and PostgreSQL share the machine's cores: the figures are a floor.
"""

import argparse
import io
import os
import random
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import warnings
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import urlsplit

import bench_exam_load as load
from common import QueryCounter, scaled

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/frontline_bench_preliminary"
TARGET_CANDIDATES = 1000
TARGET_WINDOW_S = 10
# The last arrival comes at the end of the window; its three requests get this long to finish.
LAST_ARRIVAL_GRACE_S = 1.0
ROUND_CODE = "ZS"


def competition_workbook(code, staff_nos):
    """The preliminary as an organiser writes it: one knowledge round, the registration list."""
    import openpyxl

    workbook = openpyxl.Workbook()
    workbook.remove(workbook.active)
    sheets = {
        "竞赛": [("代码", "名称", "年度", "计分方式"), (code, f"{code} 技能竞赛初赛", 2026, "个人")],
        "轮次": [("代码", "名称", "类型", "权重", "每位参赛者评委数"), (ROUND_CODE, "业务知识初赛", "知识", 100, None)],
        "报名": [("工号", "队名"), *[(no, None) for no in staff_nos]],
        "评委": [("工号", "账号", "姓名", "服务中心", "轮次")],
    }
    for name, rows in sheets.items():
        sheet = workbook.create_sheet(name)
        for row in rows:
            sheet.append(list(row))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def counted(func):
    """(value, seconds, queries) of func() in this process."""
    from django.db import connection

    queries = QueryCounter()
    with connection.execute_wrapper(queries):
        began = time.perf_counter()
        value = func()
        seconds = time.perf_counter() - began
    return value, seconds, queries.total


def start_queries(exam_id, session_key):
    """Queries of each of the three requests of a start, in-process (Django's test client)."""
    from django.conf import settings
    from django.test import Client

    # In-process requests do not go through collectstatic's directory; WhiteNoise warns about it.
    warnings.filterwarnings("ignore", message="No directory at", category=UserWarning)
    client = Client(HTTP_HOST="127.0.0.1")
    client.cookies[settings.SESSION_COOKIE_NAME] = session_key
    figures = []
    response, _s, queries = counted(lambda: client.get(f"/me/exams/{exam_id}/"))
    assert response.status_code == 200, response.status_code
    figures.append(queries)
    response, _s, queries = counted(lambda: client.post(f"/me/exams/{exam_id}/start/"))
    assert response.status_code == 302, response.status_code
    figures.append(queries)
    response, _s, queries = counted(lambda: client.get(response["Location"]))
    assert response.status_code == 200, response.status_code
    figures.append(queries)
    return figures


def answer_and_submit(*, port, exam_id, candidates, answers, phase, parallel=64):
    """Each candidate reopens the attempt in progress, saves `answers` answers as the page does
    (recorded in `phase` for the reconciliation) and submits. Returns (seconds, Counter of
    failures, submits)."""
    failures = Counter()
    submitted = []
    lock = threading.Lock()

    def one(index):
        _staff_id, session_key = candidates[index]
        rng = random.Random(7000 + index)
        client = load.Client(port, session_key, timeout=120)
        try:
            attempt_id, html = load.start_attempt(client, exam_id)
            questions, config = load.parse_take_page(html)
            seq = config.get("seq") or 0
            for position in sorted(questions)[:answers]:
                qtype, spec = questions[position]
                seq += 1
                answer = load.new_answer(rng, qtype, spec, None, seq)
                phase.save(client, config["saveUrl"], attempt_id, position, answer, seq, qtype, retries=4)
            status, response, _body, _seconds = client.request("POST", f"/me/exams/attempts/{attempt_id}/submit/",
                                                              body=b"")
            if status != 302 or "/result/" not in (response.getheader("Location") or ""):
                raise RuntimeError(f"submit {status}")
            with lock:
                submitted.append(attempt_id)
        except Exception as exc:  # noqa: BLE001 - counted and reported
            with lock:
                failures[f"{type(exc).__name__}: {exc}"] += 1
        finally:
            client.close()

    began = time.perf_counter()
    with ThreadPoolExecutor(max_workers=parallel) as pool:
        list(pool.map(one, range(len(candidates))))
    return time.perf_counter() - began, failures, submitted


def papers_check(exam_id, staff_ids, questions):
    """(problems Counter) of the exam's attempts against the candidates: one attempt each, one
    paper each (every position once, `questions` of them), graded with a percentage."""
    from django.db.models import Count

    from exams.models import Attempt, AttemptItem, AttemptStatus

    problems = Counter()
    per_staff = Counter(Attempt.objects.filter(exam_id=exam_id).values_list("staff_id", flat=True))
    problems["candidates without an attempt"] = sum(1 for pk in staff_ids if pk not in per_staff)
    problems["candidates with more than one attempt"] = sum(1 for n in per_staff.values() if n > 1)
    problems["attempts of people not registered"] = sum(1 for pk in per_staff if pk not in staff_ids)
    sizes = AttemptItem.objects.filter(attempt__exam_id=exam_id).values("attempt_id").annotate(
        n=Count("pk"), positions=Count("position", distinct=True))
    problems["attempts whose paper is not one whole paper"] = sum(
        1 for row in sizes if row["n"] != questions or row["positions"] != questions)
    problems["attempts without a paper"] = Attempt.objects.filter(exam_id=exam_id, items__isnull=True).count()
    problems["attempts not graded"] = Attempt.objects.filter(exam_id=exam_id).exclude(
        status=AttemptStatus.GRADED, percent__isnull=False).count()
    return problems


def scores_check(rnd, exam_id, staff_ids):
    """(problems Counter) of the round's scores against the exam's percentages."""
    from competitions.models import ScoreSheet
    from exams.models import Attempt

    problems = Counter()
    percents = dict(Attempt.objects.filter(exam_id=exam_id).values_list("staff_id", "percent"))
    scores = Counter()
    totals = {}
    for staff_id, judge_id, total in ScoreSheet.objects.filter(round=rnd).values_list("entry__staff_id", "judge_id", "total"):
        scores[staff_id] += 1
        totals[staff_id] = total
        if judge_id is not None:
            problems["scores with a judge"] += 1
    problems["entrants without a round score"] = sum(1 for pk in staff_ids if not scores[pk])
    problems["entrants with more than one round score"] = sum(1 for pk in staff_ids if scores[pk] > 1)
    problems["round scores not equal to the exam percentage"] = sum(
        1 for pk in staff_ids if scores[pk] and totals[pk] != percents.get(pk))
    return problems


def main(argv=None):
    if __name__ != "__main__":
        # Imported by bench/run.py: a child process, so that this bench's Django (generated
        # production-like settings on PostgreSQL) does not become the other benches' Django.
        return subprocess.call([sys.executable, str(Path(__file__).resolve()), *(argv or [])])
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--candidates", type=int, default=scaled(TARGET_CANDIDATES, 10))
    parser.add_argument("--start-window", type=float, default=TARGET_WINDOW_S)
    parser.add_argument("--questions", type=int, default=30)
    parser.add_argument("--answers", type=int, default=5, help="questions each candidate answers before submitting")
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--worker-class", default="gthread")
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--fresh", action="store_true", help="drop and recreate the bench database first")
    args = parser.parse_args(argv)

    url = os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL)
    if not url.startswith("postgres"):
        raise SystemExit("bench_preliminary needs PostgreSQL (BENCH_DATABASE_URL=postgres://...)")
    print(f"cpus {os.cpu_count()}, load average at start {' '.join(f'{x:.2f}' for x in os.getloadavg())}", flush=True)
    ready, created = load.prepare_database_or_skip(url, fresh=args.fresh)
    if not ready:
        return 0
    tmp = Path(tempfile.mkdtemp(prefix="frontline-bench-preliminary-"))
    (tmp / "frontline_bench_settings.py").write_text(load.BENCH_SETTINGS)
    try:
        return _run(args, url, tmp, created)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _run(args, url, tmp, created):
    import secrets

    secret_key = secrets.token_urlsafe(50)
    migrate_s = load.setup_django(url, tmp, secret_key)
    print(f"database {urlsplit(url).path.lstrip('/')} ({'created' if created else 'reused'}), migrate {migrate_s:.1f} s",
          flush=True)
    from django.db import connections
    from django.utils import timezone

    from competitions.models import Round
    from competitions.services import (
        competition_import_file,
        round_exam_candidates_sync,
        round_exam_scores_collect,
    )
    from exams.models import Exam
    from people.models import StaffProfile

    n = args.candidates
    tag = f"PR{int(time.time()) % 10**7:07d}"
    started = time.perf_counter()
    contest_exam, probe_exam, candidates = load.build_fixture(tag, staff_count=n, exam_a_count=1,
                                                              question_count=args.questions)
    staff_ids = {pk for pk, _key in candidates}
    staff_nos = list(StaffProfile.objects.filter(pk__in=staff_ids).order_by("staff_no").values_list("staff_no", flat=True))
    print(f"fixture {tag}: {n} staff with sessions, a paper of {args.questions} questions "
          f"({time.perf_counter() - started:.1f} s)", flush=True)

    result, seconds, queries = counted(
        lambda: competition_import_file(competition_workbook(tag, staff_nos), "preliminary.xlsx", dry_run=False))
    assert result.ok, [str(e) for e in result.errors[:5]]
    print(f"competition {tag}: workbook with {n} entrants imported in {seconds:.2f} s, {queries} queries")
    rnd = Round.objects.get(competition__code=tag, code=ROUND_CODE)
    rnd.exam_id = contest_exam
    rnd.full_clean()
    rnd.save()
    added, sync_s, sync_q = counted(lambda: round_exam_candidates_sync(round=rnd))
    print(f"round_exam_candidates_sync: {added} candidates added in {sync_s:.2f} s, {sync_q} queries", flush=True)

    probe = start_queries(probe_exam, candidates[0][1])
    print(f"queries of one start, in-process: exam page {probe[0]}, start {probe[1]}, attempt page {probe[2]} "
          f"(the same with any number of candidates: one person's rows)")
    connections.close_all()

    server = load.Server(port=load.free_port(), settings_dir=tmp, url=url, secret_key=secret_key, workers=args.workers,
                         worker_class=args.worker_class, threads=args.threads, log_path=tmp / "gunicorn.log")
    sampler = load.LoadSampler()
    sampler.start()
    try:
        server.wait_ready()
        print(f"gunicorn on 127.0.0.1:{server.port}: {args.workers} workers, {args.worker_class}, "
              f"{args.threads} thread(s); settings = production with HTTP-only overrides", flush=True)
        cpu = load.ServerCpu(server, url)

        # The crowd start.
        results, last_done, (gunicorn_cpu, postgres_cpu) = load.phase_b(
            port=server.port, exam_id=contest_exam, candidates=candidates, window=args.start_window, cpu=cpu)
        load_start = list(sampler.samples)
        ok_times = [r[1] for r in results if r and r[0]]
        started_ok = len(ok_times)
        slowest = max((r[1] for r in results if r), default=float("nan"))
        print("\n== Crowd start", flush=True)
        print(f"{started_ok} of {n} candidates got their first question (arrivals spread over {args.start_window:g} s; "
              f"exam page + start + attempt page); all done {last_done:.2f} s after the first arrival")
        print(f"time from arrival to first question, s: p50 {load.percentile(ok_times, 50):.2f}  "
              f"p95 {load.percentile(ok_times, 95):.2f}  slowest {slowest:.2f}")
        for step, name in enumerate(("exam page GET", "start POST", "attempt page GET")):
            values = [r[3][step] * 1000 for r in results if r and len(r[3]) > step]
            print(f"  {name}: p50 {load.percentile(values, 50):.0f} ms, p95 {load.percentile(values, 95):.0f} ms, "
                  f"max {max(values, default=float('nan')):.0f} ms")
        failures = Counter(r[2] for r in results if r and not r[0])
        if failures:
            print(f"failures: {failures.most_common(5)}")
        per_start = (gunicorn_cpu + postgres_cpu) / n * 1000
        print(f"server CPU: gunicorn {gunicorn_cpu:.1f} s + PostgreSQL {postgres_cpu:.1f} s = {per_start:.0f} CPU-ms per "
              f"candidate -> an idle {os.cpu_count()}-core machine could start about "
              f"{os.cpu_count() * 1000 / per_start:.0f} candidates/s; 1-min load average max "
              f"{max(load_start, default=0):.2f}")

        # Answers and submission.
        phase = load.PhaseA(port=server.port, exam_id=contest_exam, candidates=candidates, seconds=0, think=0,
                            stale_fraction=0)
        answer_s, answer_failures, submitted = answer_and_submit(
            port=server.port, exam_id=contest_exam, candidates=candidates, answers=args.answers, phase=phase)
        saves = len(phase.latencies)
        print("\n== Answers and submission", flush=True)
        print(f"{len(submitted)} of {n} submitted, {saves} answers saved ({len(phase.acks)} acknowledged) in "
              f"{answer_s:.1f} s (64 candidates at a time, each: start again + {args.answers} saves + submit); "
              f"save p95 {load.percentile([s * 1000 for s in phase.latencies], 95):.0f} ms")
        if answer_failures:
            print(f"failures: {answer_failures.most_common(5)}")
        if phase.errors:
            print(f"save errors: {dict(phase.errors)}")
        tracebacks = server.tracebacks()
    finally:
        sampler.stopped.set()
        server.stop()

    # The organiser closes the exam and collects the grades into the round.
    connections.close_all()
    Exam.objects.filter(pk=contest_exam).update(closes_at=timezone.now())
    rnd = Round.objects.select_related("competition", "exam").get(pk=rnd.pk)
    (collected, absent), collect_s, collect_q = counted(lambda: round_exam_scores_collect(round=rnd))
    assert collected.ok, [str(e) for e in collected.errors[:5]]
    (again, _absent), again_s, again_q = counted(lambda: round_exam_scores_collect(round=rnd))
    print("\n== Scores into the round")
    print(f"round_exam_scores_collect: {collected.created} created, {collected.updated} changed, {len(absent)} without "
          f"a graded attempt, in {collect_s:.2f} s, {collect_q} queries; again: {again.unchanged} unchanged, "
          f"{again.created + again.updated} written, {again_s:.2f} s, {again_q} queries")

    report, problems = load.reconcile(contest_exam, phase)
    lost_answers = (report["lost (stored seq below the highest acknowledged)"]
                    + report["acknowledged saves of questions not in the database"]
                    + report["wrong value at the acknowledged seq"] + report["stale or unknown overwrite"]
                    + report["unexplained stored answers"])
    checks = {**papers_check(contest_exam, staff_ids, args.questions), **scores_check(rnd, contest_exam, staff_ids)}
    checks["answers lost or wrong (reconciliation)"] = lost_answers
    checks["candidates not started in the crowd"] = n - started_ok
    checks["candidates not submitted"] = n - len(submitted)
    checks["collect again wrote something"] = again.created + again.updated
    checks["server tracebacks"] = tracebacks
    print("\n== Nothing lost")
    print(f"answers: {report['stored exactly as acknowledged']} stored exactly as acknowledged of "
          f"{report['questions with acknowledged saves']} answered questions")
    for name in sorted(checks):
        print(f"  {name}: {checks[name]}")
    for line in problems[:10]:
        print(f"  ! {line}")
    failed = sum(checks.values())

    print("\n== Summary (target from issue 'Competitions')")
    deadline = args.start_window + LAST_ARRIVAL_GRACE_S
    met = started_ok == n and last_done <= deadline
    needed = TARGET_CANDIDATES / TARGET_WINDOW_S
    capacity = os.cpu_count() * 1000 / per_start
    print(f"crowd start: {started_ok}/{n} got their first question, the last {last_done:.2f} s after the first "
          f"arrival (arrivals over {args.start_window:g} s; deadline {deadline:g} s, {last_done / deadline:.2f} of it) "
          f"-> {'met' if met else 'NOT met'}" + ("" if n >= TARGET_CANDIDATES else
                                                  f" (scaled: {n} of the target's {TARGET_CANDIDATES:,} candidates)"))
    print(f"start capacity from server CPU: about {capacity:.0f} starts/s on an idle {os.cpu_count()}-core machine vs "
          f"{needed:.0f}/s needed for {TARGET_CANDIDATES:,} in {TARGET_WINDOW_S} s ({capacity / needed:.2f}x)")
    print(f"queries per start {sum(probe)} (3 requests); candidates sync {sync_q} and collect {collect_q} queries "
          f"for {n} entrants")
    print(f"nothing lost: {'met' if not failed else f'NOT met ({failed} problems)'}")
    print(f"load average at the end {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
