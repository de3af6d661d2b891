"""The live quiz show under polling: 30 team devices, 5 big screens and the host, each polling
twice a second, on gunicorn + PostgreSQL + Redis, while the host runs 抢答 questions.

Issue 16 ("Live quiz show"), section Benchmarks. Targets: an unchanged poll costs at most 2 ms
of server CPU and no database query; poll latency p95 at most 50 ms; the winner of a buzz race
on every screen (and every team device) within 1 s of the winning buzz's receipt.

Usage:
    .venv/bin/python bench/bench_quiz_poll.py [--teams 30] [--screens 5] [--questions 4]
        [--quiet-seconds 20] [--change-seconds 12] [--workers N] [--threads 8] [--fresh]
        [--quiet-only] [--gunicorn-config PATH|none] [--without-early-answer]
    BENCH_SCALE=0.3 shortens the phases (and asks fewer questions). --quiet-only measures the
    unchanged poll alone (about 40 s); --without-early-answer takes
    home.middleware.EarlyAnswerMiddleware out, to see what it saves.

What it does:
1. A throwaway PostgreSQL database: BENCH_DATABASE_URL, by default
   postgres://postgres@127.0.0.1:5432/frontline_bench_quiz (created when missing, migrated,
   `createcachetable` for the cache's fallback table); every run adds its own competition.
   Redis: BENCH_REDIS_URL (default redis://127.0.0.1:6379/14), under a key prefix of the run.
2. A team competition with --teams teams, a quiz round of buzzer (抢答) questions and an
   organiser (培训师) with a session written into the session store.
3. gunicorn as production runs it: `--config deploy/gunicorn.conf.py` (gthread, 8 threads, its
   access log, keep-alive), one worker per core, PROMETHEUS_MULTIPROC_DIR set, the production
   settings (DEBUG off, every middleware, Redis cache through REDIS_URL, database sessions)
   with bench_exam_load's HTTP-only overrides (no SSL redirect, HSTS or secure cookies, plain
   static storage). Server, CPU accounting and HTTP client come from bench_exam_load.
4. The host starts the show (POST quiz_start); every team device joins with its team's code
   (POST join: the session cookie it gets back is its identity); the screens use the signed
   screen URL. Then every client polls its state endpoint like competitions/static/competitions/
   quiz_client.js: one request at a time, `?v=<last version>` (304 while unchanged), the next
   poll 500 ms after the answer.
5. Phases. Warm-up (11 s: PostgreSQL publishes a backend's transaction counts within 10 s of it
   going idle). Quiet: nothing changes for --quiet-seconds; server CPU (gunicorn workers and the
   bench database's backends, /proc) per poll, and the database's committed transactions
   (pg_stat_database.xact_commit + xact_rollback, read from another database) over the phase:
   0 when no poll touches the database. Changing: the host switches the big screen's mode once
   a second, so every client fetches a new state each second; the CPU of those full polls is
   the phase's CPU less its 304s at the quiet phase's cost. Show: --questions buzzer questions,
   each: next → 开始抢答 (the production countdown, 3 s) → at the opening 8 teams buzz, 3 of
   them within 50 ms of each other, one team taps twice (same request id: counted once), and on
   the second question a team buzzes 300 ms early (a foul); the time at which every screen and
   every device first shows the winner (phase answering) is taken against the winning buzz's
   receipt time in the database (same machine, same clock) → correct → next. Each buzz opens
   its connection when it is sent: behind nginx (request buffering, its own upstream
   keep-alive) an idle phone never holds a gunicorn thread, whereas an idle connection straight
   to a gthread worker holds one until its first request (8 such connections stalled a worker
   for the 3-s countdown and turned an early buzz into a valid one in a first version).
6. Checks (exit status 1 on failure, not on speed): per question exactly one winner, the
   earliest valid receipt in the database (QuizBuzz.received_at, then id), every client showing
   that winner and none another one, one CORRECT event for it; the double tap stored once; the
   early buzz a foul; no 5xx and no traceback in the gunicorn log. The targets (speed, and the
   0 queries of an unchanged poll, which is also counted exactly in this process through
   Django's test client with the same settings and middleware) print "met" or "NOT met".

Load generator (one thread and one keep-alive connection per client, http.client), gunicorn,
PostgreSQL and Redis share this machine's cores, with whatever else runs on it: latency
figures are a floor; the CPU figures are the server's own. Not part of the test suite.
"""

import argparse
import json
import os
import random
import re
import resource
import secrets
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter, defaultdict
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_exam_load import (  # noqa: E402 - bench/ is not a package
    BENCH_SETTINGS,
    ROOT,
    Client,
    LoadSampler,
    Server,
    ServerCpu,
    free_port,
    percentile,
    prepare_database_or_skip,
    setup_django,
)
from common import scale  # noqa: E402

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/frontline_bench_quiz"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/14"
TARGET_UNCHANGED_CPU_MS = 2.0
TARGET_P95_MS = 50.0
TARGET_BUZZ_TO_SCREEN_S = 1.0
POLL_INTERVAL = 0.5  # quiz_client.js: the next poll 500 ms after the answer
WARMUP_SECONDS = 11  # > PGSTAT_IDLE_INTERVAL (10 s): earlier transactions are counted by then
BUZZERS = 8          # teams buzzing per question
WAIT_FOR_SCREENS = 5.0  # seconds after the winning buzz to wait for every client to show it


# --- the clients ----------------------------------------------------------------------------------


class QuizClient(Client):
    """bench_exam_load's client (keep-alive connection, CSRF cookie and header) whose session
    cookie comes from the server (a team device's join)."""

    def __init__(self, port, session_key=""):
        super().__init__(port, session_key)
        self.session_key = session_key

    def set_session(self, key):
        self.session_key = key
        self.cookie = f"sessionid={key}; csrftoken={self.csrf}"

    def post_json(self, path, payload):
        status, response, data, seconds = self.request("POST", path, body=json.dumps(payload).encode(),
                                                       content_type="application/json")
        for header in response.msg.get_all("Set-Cookie") or []:
            match = re.match(r"sessionid=([^;]+)", header)
            if match:
                self.set_session(match.group(1))
        body = json.loads(data) if data and response.getheader("Content-Type", "").startswith("application/json") else {}
        return status, body, seconds


class Stats:
    """Every poll, by phase: (status, seconds)."""

    def __init__(self):
        self.lock = threading.Lock()
        self.phase = "setup"
        self.polls = defaultdict(list)  # phase -> [(status, seconds)]
        self.errors = Counter()

    def record(self, phase, status, seconds):
        with self.lock:
            self.polls[phase].append((status, seconds))


class Show:
    """What the orchestrator watches: for the question being played, when each client first
    showed a team with the floor, and which teams."""

    def __init__(self):
        self.lock = threading.Lock()
        self.question = None
        self.first_seen = {}          # client name -> (time.time(), answering entry)
        self.answering_seen = defaultdict(set)  # question id -> entries any client showed answering

    def watch(self, question_id):
        with self.lock:
            self.question = question_id
            self.first_seen = {}

    def observe(self, name, state, received):
        question = state.get("question") or {}
        if state.get("phase") != "answering" or state.get("answering") is None or not question:
            return
        with self.lock:
            self.answering_seen[question["id"]].add(state["answering"])
            if question["id"] == self.question and name not in self.first_seen:
                self.first_seen[name] = (received, state["answering"])


class Poller(threading.Thread):
    """One client polling like quiz_client.js: `?v=<version>`, one request at a time, 500 ms
    after each answer; a 200 is a new state (applied unless older than the one shown)."""

    def __init__(self, name, client, path, stats, show, stop, rng):
        super().__init__(daemon=True, name=name)
        self.client, self.path, self.stats, self.show, self.stop = client, path, stats, show, stop
        self.rng = rng
        self.version = None
        self.state = None

    def run(self):
        time.sleep(self.rng.uniform(0, POLL_INTERVAL))
        failures = 0
        while not self.stop.is_set():
            phase = self.stats.phase
            path = self.path if self.version is None else f"{self.path}?v={self.version}"
            try:
                status, _response, data, seconds = self.client.request("GET", path)
            except Exception as exc:  # noqa: BLE001 - counted; the page backs off and retries
                with self.stats.lock:
                    self.stats.errors[f"{self.name.split('-')[0]} network {type(exc).__name__}"] += 1
                failures += 1
                self.stop.wait(min(5.0, POLL_INTERVAL * 2 ** min(failures, 4)))
                continue
            received = time.time()
            self.stats.record(phase, status, seconds)
            if status == 200:
                state = json.loads(data)
                if self.version is None or state["version"] >= self.version:
                    self.version, self.state = state["version"], state
                    self.show.observe(self.name, state, received)
                failures = 0
            elif status != 304:
                with self.stats.lock:
                    self.stats.errors[f"{self.name.split('-')[0]} HTTP {status}"] += 1
                failures += 1
                self.stop.wait(min(5.0, POLL_INTERVAL * 2 ** min(failures, 4)))
                continue
            self.stop.wait(POLL_INTERVAL)


# --- fixture ----------------------------------------------------------------------------------------


def build_fixture(tag, *, teams, questions):
    """A team competition with `teams` teams and a quiz round of `questions` buzzer questions, and
    an organiser with a session. Returns (round id, organiser session key)."""
    from datetime import timedelta

    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY, get_user_model
    from django.contrib.auth.models import Group, Permission
    from django.contrib.sessions.backends.db import SessionStore
    from django.contrib.sessions.models import Session
    from django.db import transaction
    from django.utils import timezone
    from django.utils.crypto import get_random_string

    from competitions.models import CompetitionPage, Entry, QuizQuestion, Round, RoundKind, Team
    from competitions.services import competition_index_page
    from people import roles

    with transaction.atomic():
        competition = CompetitionPage(title=f"压测抢答决赛{tag}", slug=f"bench-quiz-{tag.lower()}", code=tag, year=2026,
                                      scoring_mode="team")
        competition_index_page().add_child(instance=competition)
        rnd = Round.objects.create(competition=competition, code="QD", name="抢答决赛", kind=RoundKind.QUIZ, weight=30)
        made = Team.objects.bulk_create(Team(competition=competition, name=f"第{i + 1}队") for i in range(teams))
        Entry.objects.bulk_create(Entry(competition=competition, team=team) for team in made)
        QuizQuestion.objects.bulk_create(
            QuizQuestion(round=rnd, segment="buzzer", order=n, text=f"抢答第{n}题：一次性告知制度要求窗口做到什么？",
                         answer=f"答案{n}", seconds=20)
            for n in range(1, questions + 1))

        User = get_user_model()
        host = User.objects.create_user(username=f"{tag}-host", password=None, first_name="主持人")
        group = Group.objects.filter(name=roles.TRAINER).first()
        if group is not None:
            host.groups.add(group)
        else:
            host.user_permissions.add(Permission.objects.get(codename="organise_competition"))
        key = get_random_string(32, "abcdefghijklmnopqrstuvwxyz0123456789")
        data = {SESSION_KEY: str(host.pk), BACKEND_SESSION_KEY: "people.auth.StaffNumberBackend",
                HASH_SESSION_KEY: host.get_session_auth_hash()}
        Session.objects.create(session_key=key, session_data=SessionStore().encode(data),
                               expire_date=timezone.now() + timedelta(hours=3))
    return rnd.pk, key


# --- measuring ---------------------------------------------------------------------------------------


def database_transactions(url):
    """Committed + rolled back transactions of the bench database, read through another
    database (so that this read is not one of them)."""
    import psycopg

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    with psycopg.connect(urlunsplit(parts._replace(path="/postgres")), autocommit=True) as conn:
        row = conn.execute("SELECT xact_commit + xact_rollback FROM pg_stat_database WHERE datname = %s",
                           [name]).fetchone()
    return int(row[0])


def machine_cpu():
    """(busy, steal, total) jiffies of the whole machine from /proc/stat: how busy the cores were
    (this bench and everything else), and what the hypervisor took away."""
    fields = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:9]]
    user, nice, system, idle, iowait, irq, softirq, steal = fields
    return user + nice + system + irq + softirq, steal, sum(fields)


class Window:
    """Server CPU, database transactions and this process's CPU over one phase."""

    def __init__(self, cpu, url):
        self.cpu, self.url = cpu, url

    def __enter__(self):
        self.cpu0 = self.cpu.snapshot()
        time.sleep(0.3)  # the snapshot's own connection has ended and been counted
        self.xact0 = database_transactions(self.url)
        self.started = time.perf_counter()
        self.own0 = resource.getrusage(resource.RUSAGE_SELF)
        self.machine0 = machine_cpu()
        return self

    def __exit__(self, *exc):
        self.elapsed = time.perf_counter() - self.started
        busy, steal, total = (b - a for a, b in zip(self.machine0, machine_cpu(), strict=True))
        self.busy, self.steal = busy / max(1, total), steal / max(1, total)
        own1 = resource.getrusage(resource.RUSAGE_SELF)
        self.client_cpu = (own1.ru_utime + own1.ru_stime) - (self.own0.ru_utime + self.own0.ru_stime)
        self.xact = database_transactions(self.url) - self.xact0
        self.gunicorn, self.postgres = self.cpu.delta(self.cpu0, self.cpu.snapshot())
        return False


def latency_line(samples):
    ms = [s * 1000 for _status, s in samples]
    if not ms:
        return "no polls"
    return (f"p50 {percentile(ms, 50):.1f}  p95 {percentile(ms, 95):.1f}  p99 {percentile(ms, 99):.1f}  "
            f"max {max(ms):.1f} ms")


def exact_query_counts(show_id, screen_token, team_session, host_session):
    """Queries of one unchanged poll of each kind, through Django's test client with the bench's
    settings and middleware (in this process): (kind -> (status, queries))."""
    from django.db import connection, connections
    from django.test import Client as DjangoClient
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    from competitions.selectors.quiz import state_version

    version = state_version(show_id)
    paths = {
        "team": (reverse("competitions:quiz_team_state", args=[show_id]), team_session),
        "screen": (reverse("competitions:quiz_screen_state", args=[show_id, screen_token]), None),
        "host": (reverse("competitions:quiz_host_state", args=[show_id]), host_session),
    }
    counts = {}
    for kind, (path, session) in paths.items():
        client = DjangoClient(HTTP_HOST="127.0.0.1")
        if session:
            client.cookies["sessionid"] = session
        client.get(path)  # a first full poll (as a page load would)
        with CaptureQueriesContext(connection) as queries:
            response = client.get(path, {"v": version})
        counts[kind] = (response.status_code, len(queries))
    connections.close_all()
    return counts


# --- the run -------------------------------------------------------------------------------------------


def main(argv=None):
    if __name__ != "__main__":
        # Imported by bench/run.py: a child process, so that this bench's Django (production-like
        # settings on PostgreSQL) does not become the other benches' Django.
        return subprocess.call([sys.executable, str(Path(__file__).resolve()), *(argv or [])])
    k = scale()
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--teams", type=int, default=30)
    parser.add_argument("--screens", type=int, default=5)
    parser.add_argument("--questions", type=int, default=max(2, round(4 * k)), help="buzzer questions played")
    parser.add_argument("--quiet-seconds", type=float, default=max(5.0, 20 * k))
    parser.add_argument("--change-seconds", type=float, default=max(4.0, 12 * k))
    parser.add_argument("--workers", type=int, default=os.cpu_count(), help="gunicorn workers (production: one a core)")
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--fresh", action="store_true", help="drop and recreate the bench database first")
    parser.add_argument("--seed", type=int, default=None)
    parser.add_argument("--gunicorn-config", default=str(ROOT / "deploy" / "gunicorn.conf.py"),
                        help='gunicorn\'s config file ("none": gunicorn\'s defaults, e.g. no access log)')
    parser.add_argument("--quiet-only", action="store_true", help="stop after the quiet phase (CPU of a 304 only)")
    parser.add_argument("--without-early-answer", action="store_true",
                        help="take home.middleware.EarlyAnswerMiddleware out (to measure what it saves)")
    args = parser.parse_args(argv)
    if args.teams < BUZZERS + 1:
        raise SystemExit(f"--teams must be at least {BUZZERS + 1}")

    url = os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL)
    if not url.startswith("postgres"):
        raise SystemExit("bench_quiz_poll needs PostgreSQL (BENCH_DATABASE_URL=postgres://...)")
    print(f"cpus {os.cpu_count()}, load average at start {' '.join(f'{x:.2f}' for x in os.getloadavg())}", flush=True)
    ready, created = prepare_database_or_skip(url, fresh=args.fresh)
    if not ready:
        return 0
    redis_url = os.environ.get("BENCH_REDIS_URL", DEFAULT_REDIS_URL)
    redis_note = redis_check(redis_url)
    tmp = Path(tempfile.mkdtemp(prefix="frontline-bench-quiz-"))
    tag = f"QB{int(time.time()) % 10**7:07d}"
    settings = BENCH_SETTINGS + (
        f'\n# bench_quiz_poll: its own keys in the shared Redis.\nCACHES["default"]["KEY_PREFIX"] = "bench-{tag}"  # noqa: F405\n'
    )
    if args.without_early_answer:
        settings += 'MIDDLEWARE = [m for m in MIDDLEWARE if m != "home.middleware.EarlyAnswerMiddleware"]  # noqa: F405\n'
    (tmp / "frontline_bench_settings.py").write_text(settings)
    (tmp / "prometheus").mkdir()
    if redis_note is None:
        os.environ["REDIS_URL"] = redis_url
    else:
        os.environ.pop("REDIS_URL", None)
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(tmp / "prometheus")
    try:
        return _run(args, url, tmp, secrets.token_urlsafe(50), created, tag, redis_url, redis_note)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def redis_check(redis_url):
    """None when Redis answers, else why not (the bench then uses production's database cache)."""
    try:
        import redis

        redis.Redis.from_url(redis_url, socket_connect_timeout=1, socket_timeout=1).ping()
    except Exception as exc:  # noqa: BLE001 - reported
        return f"{type(exc).__name__}: {exc}"
    return None


def _run(args, url, tmp, secret_key, created, tag, redis_url, redis_note):
    migrate_s = setup_django(url, tmp, secret_key)
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connections

    call_command("createcachetable", verbosity=0)
    print(f"database {urlsplit(url).path.lstrip('/')} ({'created' if created else 'reused'}), migrate {migrate_s:.1f} s; "
          f"cache {settings.CACHES['default']['BACKEND']}"
          + (f" at {redis_url}" if redis_note is None else f" (Redis not reachable at {redis_url}: {redis_note})"),
          flush=True)
    assert not settings.DEBUG
    rng = random.Random(args.seed if args.seed is not None else int(time.time()))
    round_id, host_session = build_fixture(tag, teams=args.teams, questions=args.questions + 1)
    connections.close_all()

    server = Server(port=free_port(), settings_dir=tmp, url=url, secret_key=secret_key, workers=args.workers,
                    worker_class="gthread", threads=args.threads, log_path=tmp / "gunicorn.log",
                    extra_args=() if args.gunicorn_config == "none" else ("--config", args.gunicorn_config))
    sampler = LoadSampler()
    sampler.start()
    stop = threading.Event()
    stats = Stats()
    show = Show()
    pollers = []
    problems = []
    try:
        server.wait_ready()
        print(f"gunicorn on 127.0.0.1:{server.port} with {args.gunicorn_config}: {args.workers} gthread workers x "
              f"{args.threads} threads; settings = production with HTTP-only overrides", flush=True)
        port = server.port

        # The host starts the show; the teams join with their codes.
        host = QuizClient(port, host_session)
        status, state, _s = host.post_json(f"/competitions/quiz/rounds/{round_id}/start/", {})
        if status != 200:
            raise RuntimeError(f"quiz_start answered {status}: {state}")
        show_id, screen_token = state["show"], state["screen_token"]
        codes = {team["entry"]: team["code"] for team in state["teams"]}
        teams = {}
        for entry, code in codes.items():
            client = QuizClient(port)
            status, body, _s = client.post_json(f"/competitions/quiz/{show_id}/join/", {"code": code.lower()})
            if status != 200 or body.get("me", {}).get("entry") != entry or not client.session_key:
                raise RuntimeError(f"join with {code} answered {status}: {body}")
            teams[entry] = client
        print(f"show {show_id} started, {len(teams)} teams joined with their codes; polling: {len(teams)} devices, "
              f"{args.screens} screens, 1 host", flush=True)

        base = f"/competitions/quiz/{show_id}/"
        for entry, client in teams.items():
            poll_client = QuizClient(port, client.session_key)
            pollers.append(Poller(f"team-{entry}", poll_client, base + "team/state/", stats, show, stop,
                                  random.Random(rng.random())))
        for n in range(args.screens):
            pollers.append(Poller(f"screen-{n}", QuizClient(port), f"{base}screen/{screen_token}/state/", stats, show,
                                  stop, random.Random(rng.random())))
        host_poller = Poller("host-0", QuizClient(port, host_session), base + "host/state/", stats, show, stop,
                             random.Random(rng.random()))
        pollers.append(host_poller)
        for poller in pollers:
            poller.start()

        cpu = ServerCpu(server, url)
        stats.phase = "warm-up"
        time.sleep(WARMUP_SECONDS)

        # Quiet: nothing changes.
        stats.phase = "quiet"
        with Window(cpu, url) as quiet:
            time.sleep(args.quiet_seconds)
        stats.phase = "changing"
        if args.quiet_only:
            stop.set()
            polls = stats.polls["quiet"]
            print(f"quiet: {len(polls)} polls in {quiet.elapsed:.1f} s, statuses {dict(Counter(s for s, _ in polls))}, "
                  f"latency {latency_line(polls)}; server CPU gunicorn {quiet.gunicorn * 1000:.0f} ms + PostgreSQL "
                  f"{quiet.postgres * 1000:.0f} ms = {(quiet.gunicorn + quiet.postgres) * 1000 / max(1, len(polls)):.2f} "
                  f"ms per poll; database transactions {quiet.xact}; load generator CPU {quiet.client_cpu:.1f} s; "
                  f"machine busy {quiet.busy * 100:.0f} %, stolen {quiet.steal * 100:.0f} %")
            return 0

        # Changing: the big screen's mode switches once a second.
        actions = Counter()

        def host_action(action, payload=None, *, retry_stale=True):
            for _attempt in range(3):
                version = host_poller.version
                if host.last_state is not None and host.last_state["version"] > (version or 0):
                    version = host.last_state["version"]
                status, body, seconds = host.post_json(f"{base}host/{action}/", {"version": version, **(payload or {})})
                actions[f"{action} {status}"] += 1
                if status == 200:
                    host.last_state = body
                    return body
                if status == 409 and retry_stale:
                    host.last_state = None
                    host_poller.version = body.get("version", host_poller.version)
                    continue
                raise RuntimeError(f"host {action} answered {status}: {body}")
            raise RuntimeError(f"host {action}: stale three times")

        host.last_state = None
        with Window(cpu, url) as changing:
            changes = max(2, int(args.change_seconds) // 2 * 2)  # even: the screen ends as it began
            started = time.perf_counter()
            for n in range(changes):
                time.sleep(max(0.0, started + n - time.perf_counter()))
                host_action("screen", {"mode": "scoreboard" if n % 2 == 0 else "auto"})
            time.sleep(1.0)  # the last change reaches everyone inside the window

        # The show: buzzer questions.
        stats.phase = "show"
        names = [p.name for p in pollers if not p.name.startswith("host")]
        questions = []
        with Window(cpu, url) as played:
            for number in range(args.questions):
                questions.append(play_question(number, host_action, teams, port, show, names, rng, base))
                time.sleep(1.0)
        stats.phase = "end"
        stop.set()
        for poller in pollers:
            poller.join(10)

        # --- figures ---
        connections.close_all()
        exact = exact_query_counts(show_id, screen_token, next(iter(teams.values())).session_key, host_session)
        problems += check_questions(show_id, questions, show)
        server_errors = sum(1 for polls in stats.polls.values() for status, _s in polls if status >= 500)
        if server_errors:
            problems.append(f"polls: {server_errors} answered with a server error (5xx)")
        tracebacks = server.tracebacks()
        report(args, stats, quiet, changing, played, changes, questions, exact, actions, sampler, tracebacks, problems)
        if tracebacks:
            print(server.log_tail(30))
        return 1 if problems or tracebacks else 0
    finally:
        stop.set()
        sampler.stopped.set()
        server.stop()


def play_question(number, host_action, teams, port, show, names, rng, base):
    """next → open → buzzes at the opening → wait until every client shows the winner → correct."""
    state = host_action("next")
    question = state["question"]["id"]
    show.watch(question)
    time.sleep(0.6)  # the clients see the question
    state = host_action("open")
    opens_at = state["opens_at"] / 1000
    entries = rng.sample(sorted(teams), BUZZERS + 1)
    buzzers, early = entries[:BUZZERS], entries[BUZZERS]
    # Three within 50 ms of each other, the rest spread over the next half second.
    first = rng.uniform(0.005, 0.040)
    offsets = [first, first + rng.uniform(0, 0.025), first + rng.uniform(0, 0.045)]
    offsets += [rng.uniform(0.06, 0.6) for _ in range(BUZZERS - 3)]
    plan = list(zip(buzzers, offsets, strict=True))
    if number == 1:
        plan.append((early, -0.3))  # before the opening: a foul
    double_tap = buzzers[rng.randrange(BUZZERS)]
    results = []
    lock = threading.Lock()

    def buzz(entry, offset):
        # A new connection at the buzz: behind nginx (request buffering, its own upstream
        # keep-alive) a phone's idle connection never holds one of gunicorn's threads.
        client = QuizClient(port, teams[entry].session_key)
        request_id = uuid.uuid4().hex
        time.sleep(max(0.0, opens_at + offset - time.time()))
        sent = time.time()
        for tap in (1, 2) if entry == double_tap else (1,):
            try:
                status, body, seconds = client.post_json(base + "buzz/", {"request_id": request_id})
            except Exception as exc:  # noqa: BLE001 - reported
                status, body, seconds = 0, {"error": f"{type(exc).__name__}: {exc}"}, 0.0
            with lock:
                results.append({"entry": entry, "offset": offset, "sent": sent, "status": status, "tap": tap,
                                "buzz": body.get("buzz"), "error": body.get("error"), "seconds": seconds})
        client.close()

    threads = [threading.Thread(target=buzz, args=item, daemon=True) for item in plan]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    deadline = time.time() + WAIT_FOR_SCREENS
    while time.time() < deadline:
        with show.lock:
            if all(name in show.first_seen for name in names):
                break
        time.sleep(0.02)
    with show.lock:
        seen = dict(show.first_seen)
    host_action("outcome", {"outcome": "correct"})
    return {"number": number + 1, "question": question, "opens_at": opens_at, "plan": plan, "results": results, "seen": seen, "names": names, "double_tap": double_tap,
            "early": early if number == 1 else None}


def check_questions(show_id, questions, show):
    """Exactly one winner per question, the earliest valid receipt; every client showed it."""
    from competitions.models import QuizBuzz, QuizEvent

    problems = []
    for q in questions:
        label = f"question {q['number']}"
        buzzes = list(QuizBuzz.objects.filter(question_id=q["question"]).order_by("received_at", "pk"))
        valid = [b for b in buzzes if not b.foul]
        earliest = valid[0].entry_id if valid else None
        correct = list(QuizEvent.objects.filter(question_id=q["question"], kind="correct", voided_by__isnull=True)
                       .values_list("entry_id", flat=True))
        q["earliest"] = earliest
        q["shown"] = show.answering_seen.get(q["question"], set())
        if earliest is None:
            problems.append(f"{label}: no valid buzz stored")
            continue
        q["received"] = valid[0].received_at.timestamp()
        answered = [r for r in q["results"] if r["entry"] == earliest and r["tap"] == 1 and r["status"] == 200]
        if not answered or answered[0]["buzz"]["received_at"] != int(q["received"] * 1000):
            problems.append(f"{label}: the earliest receipt in the database (team {earliest}) is not what its buzz "
                            f"was answered")
        if q["shown"] != {earliest}:
            problems.append(f"{label}: clients showed {sorted(q['shown'])} with the floor, the earliest receipt is {earliest}")
        if correct != [earliest]:
            problems.append(f"{label}: CORRECT events for {correct}, expected one for {earliest}")
        missing = [n for n in q["names"] if n not in q["seen"]]
        if missing:
            problems.append(f"{label}: {len(missing)} clients never showed the winner within {WAIT_FOR_SCREENS:g} s "
                            f"({', '.join(missing[:5])})")
        wrong = {n: e for n, (_t, e) in q["seen"].items() if e != earliest}
        if wrong:
            problems.append(f"{label}: {len(wrong)} clients first showed another team with the floor")
        per_team = Counter(b.entry_id for b in buzzes)
        if per_team.get(q["double_tap"], 0) != 1:
            problems.append(f"{label}: the double tap of team {q['double_tap']} stored {per_team.get(q['double_tap'], 0)} times")
        repeats = [r for r in q["results"] if r["tap"] == 2]
        if any(r["status"] != 200 or not r["buzz"]["repeated"] for r in repeats):
            problems.append(f"{label}: the second tap was not answered as a repeat: {repeats}")
        if q["early"] is not None:
            early = [b for b in buzzes if b.entry_id == q["early"]]
            if len(early) != 1 or not early[0].foul:
                problems.append(f"{label}: the buzz before the opening was not stored as one foul")
        failed = [r for r in q["results"] if r["status"] != 200]
        if failed:
            problems.append(f"{label}: buzzes refused: {[(r['entry'], r['status'], r['error']) for r in failed][:5]}")
    return problems


def report(args, stats, quiet, changing, played, changes, questions, exact, actions, sampler, tracebacks, problems):
    cores = os.cpu_count()
    everything = [p for phase in ("quiet", "changing", "show") for p in stats.polls[phase]]
    print("\n== Polls", flush=True)
    for phase, window in (("quiet", quiet), ("changing", changing), ("show", played)):
        polls = stats.polls[phase]
        statuses = Counter(s for s, _ in polls)
        not_modified = statuses.get(304, 0)
        server_ms = (window.gunicorn + window.postgres) * 1000
        print(f"{phase}: {window.elapsed:.1f} s, {len(polls)} polls = {len(polls) / window.elapsed:.1f}/s, 304 "
              f"{not_modified / len(polls) * 100 if polls else 0:.1f} %, statuses {dict(statuses)}")
        print(f"  latency {latency_line(polls)}; changed (200) {latency_line([p for p in polls if p[0] == 200])}")
        print(f"  server CPU gunicorn {window.gunicorn * 1000:.0f} ms + PostgreSQL {window.postgres * 1000:.0f} ms "
              f"= {server_ms / max(1, len(polls)):.2f} ms per poll; database transactions {window.xact}; "
              f"load generator CPU {window.client_cpu:.1f} s; machine busy {window.busy * 100:.0f} %, stolen by the "
              f"hypervisor {window.steal * 100:.0f} %")
    q_polls = stats.polls["quiet"]
    q304 = sum(1 for s, _ in q_polls if s == 304)
    unchanged_ms = (quiet.gunicorn + quiet.postgres) * 1000 / max(1, len(q_polls))
    unchanged_gunicorn_ms = quiet.gunicorn * 1000 / max(1, len(q_polls))
    queries_per_poll = quiet.xact / max(1, len(q_polls))
    c_polls = stats.polls["changing"]
    c200 = sum(1 for s, _ in c_polls if s == 200)
    c304 = len(c_polls) - c200
    changed_ms = ((changing.gunicorn + changing.postgres) * 1000 - c304 * unchanged_ms) / max(1, c200)
    print(f"unchanged poll (quiet phase): {unchanged_ms:.2f} CPU-ms (gunicorn {unchanged_gunicorn_ms:.2f}, PostgreSQL "
          f"{quiet.postgres * 1000 / max(1, len(q_polls)):.2f}), {queries_per_poll:.3f} database transactions per poll "
          f"-> an idle {cores}-core machine could answer about {cores * 1000 / unchanged_ms:.0f} unchanged polls/s")
    print(f"changed poll (changing phase, {changes} screen switches, host actions counted in): {changed_ms:.1f} CPU-ms "
          f"({c200} full states), {changing.xact / max(1, c200):.1f} database transactions per full state")
    print("exact queries of one unchanged poll (Django test client, same settings): "
          + ", ".join(f"{kind} {status} {count}" for kind, (status, count) in exact.items()))
    if stats.errors:
        print(f"client errors: {dict(stats.errors)}")
    print(f"host actions: {dict(actions)}")

    print("\n== Buzzer questions", flush=True)
    to_screen = []
    to_device = []
    for q in questions:
        if q.get("earliest") is None:
            print(f"question {q['number']}: no valid buzz stored")
            continue
        received = q["received"]
        valid = sorted((r for r in q["results"] if r["status"] == 200 and r["tap"] == 1 and not r["buzz"]["foul"]),
                       key=lambda r: r["buzz"]["received_at"])
        gaps = [r["buzz"]["received_at"] - valid[0]["buzz"]["received_at"] for r in valid[1:3]]
        delays = {name: seen - received for name, (seen, _e) in q["seen"].items()}
        screens = [d for n, d in delays.items() if n.startswith("screen")]
        devices = [d for n, d in delays.items() if n.startswith("team")]
        to_screen += screens
        to_device += devices
        fouls = [r for r in q["results"] if r["status"] == 200 and r["buzz"]["foul"]]
        buzz_ms = [r["seconds"] * 1000 for r in q["results"] if r["status"] == 200]
        print(f"question {q['number']}: {len(valid)} valid buzzes (next two {', '.join(f'+{g} ms' for g in gaps)} after "
              f"the first), {len(fouls)} foul; winner team {q['earliest']} (the earliest receipt) "
              f"{(received - q['opens_at']) * 1000:.1f} ms after the opening; shown with the floor "
              f"{sorted(q.get('shown', ()))}; winner on every screen "
              f"after {max(screens, default=float('nan')):.2f} s, every device {max(devices, default=float('nan')):.2f} s "
              f"({len([n for n in q['names'] if n in q['seen']])}/{len(q['names'])} clients); buzz requests max {max(buzz_ms, default=0):.0f} ms")

    print("\n== Summary (targets from issue 16, 'Live quiz show')")
    p95 = percentile([s * 1000 for _st, s in everything], 95)
    worst = max(to_screen + to_device, default=float("nan"))
    print(f"polls/s {len(everything) / (quiet.elapsed + changing.elapsed + played.elapsed):.1f} "
          f"({args.teams} devices + {args.screens} screens + host); 304 share overall "
          f"{sum(1 for s, _ in everything if s == 304) / max(1, len(everything)) * 100:.1f} %, in the quiet phase "
          f"{q304 / max(1, len(q_polls)) * 100:.1f} %")
    print(f"unchanged poll server CPU {unchanged_ms:.2f} ms vs <= {TARGET_UNCHANGED_CPU_MS:g} ms: "
          f"{unchanged_ms / TARGET_UNCHANGED_CPU_MS:.2f} of the budget -> "
          f"{'met' if unchanged_ms <= TARGET_UNCHANGED_CPU_MS else 'NOT met'}; changed poll {changed_ms:.1f} ms")
    no_query = quiet.xact == 0 and all(count == 0 and status == 304 for status, count in exact.values())
    print(f"database queries per unchanged poll: {queries_per_poll:.3f} (transactions {quiet.xact} over "
          f"{len(q_polls)} polls; exact count {', '.join(f'{k} {c}' for k, (_s, c) in exact.items())}) vs 0 -> "
          f"{'met' if no_query else 'NOT met'}")
    print(f"poll latency p95 {p95:.1f} ms vs <= {TARGET_P95_MS:g} ms: {p95 / TARGET_P95_MS:.2f} of the budget -> "
          f"{'met' if p95 <= TARGET_P95_MS else 'NOT met'}; p50 {percentile([s * 1000 for _st, s in everything], 50):.1f}, "
          f"max {max((s * 1000 for _st, s in everything), default=float('nan')):.1f} ms")
    print(f"buzz to screen max {max(to_screen, default=float('nan')):.2f} s, to device max "
          f"{max(to_device, default=float('nan')):.2f} s vs <= {TARGET_BUZZ_TO_SCREEN_S:g} s: "
          f"{worst / TARGET_BUZZ_TO_SCREEN_S:.2f} of the budget -> {'met' if worst <= TARGET_BUZZ_TO_SCREEN_S else 'NOT met'}"
          f"; median {statistics.median(to_screen + to_device) if to_screen + to_device else float('nan'):.2f} s "
          f"(settle window 0.2 s + up to one poll interval 0.5 s + latency)")
    print(f"one winner per question, the earliest receipt: {len(questions) - len({p.split(':')[0] for p in problems})}"
          f"/{len(questions)} questions clean")
    for line in problems:
        print(f"FAIL {line}")
    print(f"server tracebacks in the gunicorn log: {tracebacks}")
    print(f"1-min load average max {max(sampler.samples, default=0):.2f}; at the end "
          f"{' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
