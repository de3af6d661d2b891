"""Exams under load: gunicorn + PostgreSQL, candidates autosaving answers, and a crowd starting at once.

Issue "Exams", section Benchmarks. Targets: at least 100 saves/s with p95 at most 300 ms, and
afterwards every acknowledged save stored exactly once (0 lost, 0 duplicated, no stale
overwrite); 500 candidates starting within 10 s all get their first question.

Usage:
    .venv/bin/python bench/bench_exam_load.py [--candidates 200] [--seconds 30] [--think 1.0]
        [--start-candidates 500] [--start-window 10] [--questions 30]
        [--workers 4] [--worker-class gthread] [--threads 8] [--fresh] [--skip-b]

What it does:
1. A throwaway PostgreSQL database: BENCH_DATABASE_URL, by default
   postgres://postgres@127.0.0.1:5432/frontline_bench_exams. Created when missing (--fresh drops
   and recreates it, only when its name contains "bench"), then migrated. Every run creates its
   own staff, questions, paper and exams under a run tag, so runs never see each other's rows.
2. max(--candidates, --start-candidates) staff with user accounts (password
   `Frontline-bench-2026`, one hash for all) and a session each, written straight into the
   session store (no login requests, so django-axes never sees them); a fixed paper of
   --questions objective questions (单选, 多选, 判断, 填空) with shuffled questions and options;
   exam A for the first --candidates people, exam B for all of them.
3. gunicorn (`--chdir site config.wsgi`) on a free local port as a subprocess. Settings: the
   production settings (DEBUG off, the same middleware, persistent database connections, the
   database session store) through a small generated module that only switches off what needs
   HTTPS or collectstatic: the SSL redirect and HSTS, secure-only cookies (the bench speaks
   plain HTTP to 127.0.0.1) and the manifest static storage (no collectstatic into the project).
   Workers: 4 gthread workers with 8 threads by default (--workers/--worker-class/--threads);
   on this 2-core machine 4 sync workers served about half the saves per second of gthread (a
   save waits on PostgreSQL's commits, and threads overlap those waits); 2 workers x 8 threads
   cost about the same CPU per save and per start as 4 x 8. 32 persistent database
   connections at most. Suggested production start on 2 cores:
   `gunicorn config.wsgi --workers 4 --worker-class gthread --threads 8` behind nginx.
4. Phase A, from this process (a hand-written load generator: one thread and one HTTP
   connection per candidate, http.client; the server runs in its own processes): every
   candidate starts exam A and reads its questions off the page, then, for --seconds, changes
   one answer after another with a think time of --think s (uniformly 0.5x..1.5x), each save a
   POST to /me/exams/attempts/<id>/answer/ of {"position", "response", "seq"} with the session
   and CSRF cookies and the X-CSRFToken header, exactly as exams/static/exams/exam.js does; a
   failed save is retried with the same seq, like the page. 5 % of the time it also replays an
   older seq for an answered question with another response (a late retry), which must be
   refused ({"stored": false}). Then the database is reconciled against every acknowledged save.
   A save costs two queries besides the session's and the user's
   (exams.services.attempt_save_answer); like the start and the answer sheet it rewrites the
   session at most every 5 minutes (home.middleware.SessionRenewalMiddleware), while the exam
   page, a normal page, renews it on every request.
5. Phase B: --start-candidates candidates arrive spread evenly over --start-window seconds (in a
   shuffled order), each opening exam B's page, pressing start and loading the attempt page; a
   success is the page with question 1 on it. Times are taken from each candidate's scheduled
   arrival, so a slow server cannot hide its queue.
6. gunicorn is stopped (its whole process group) and the figures printed with the targets.
   Server CPU (gunicorn's workers and the database's backends, from /proc) is reported per save
   and per start, so a run on a busy machine still tells what an idle one could serve.
   Exit status 1 when the reconciliation finds a lost, duplicated or stale answer or the server
   logged a traceback; the speed targets only print "met" or "NOT met".
   Run by bench/run.py (make bench), it runs itself in a child process: its Django settings must
   not become the other benches'. Without a reachable PostgreSQL it prints "skipped".

Load generator, server and PostgreSQL share the machine's cores: the figures are a floor.
Not part of the test suite.
"""

import argparse
import http.client
import json
import os
import random
import re
import resource
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/frontline_bench_exams"
PASSWORD = "Frontline-bench-2026"
TARGET_SAVES_PER_S = 100
TARGET_P95_MS = 300
TARGET_START_WINDOW_S = 10

BENCH_SETTINGS = '''"""Generated by bench/bench_exam_load.py: production settings over plain HTTP on 127.0.0.1."""
from config.settings.production import *  # noqa: F401,F403

SECURE_SSL_REDIRECT = False
SECURE_HSTS_SECONDS = 0
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
STORAGES = {**STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}  # noqa: F405
'''


# --- database and Django ------------------------------------------------------------------


def prepare_database(url, *, fresh):
    """Create the database when missing (drop it first with --fresh)."""
    import psycopg

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    admin_url = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin_url, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone() is not None
        if exists and fresh:
            if "bench" not in name:
                raise SystemExit(f"--fresh drops only databases named *bench*; not dropping {name!r}")
            conn.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
            exists = False
        if not exists:
            conn.execute(f'CREATE DATABASE "{name}"')
    return not exists


def setup_django(url, settings_dir, secret_key):
    sys.path[:0] = [str(settings_dir), str(ROOT / "site"), str(ROOT)]
    os.environ.update(
        DJANGO_SETTINGS_MODULE="frontline_bench_settings",
        DATABASE_URL=url,
        DJANGO_SECRET_KEY=secret_key,
        DJANGO_ALLOWED_HOSTS="127.0.0.1",
    )
    import django

    django.setup()
    from django.core.management import call_command

    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    return time.perf_counter() - started


def build_fixture(tag, *, staff_count, exam_a_count, question_count):
    """Staff with sessions, a paper of objective questions, exam A (first exam_a_count) and B (all)."""
    from datetime import timedelta
    from decimal import Decimal

    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY, get_user_model
    from django.contrib.auth.hashers import make_password
    from django.contrib.auth.models import Group
    from django.contrib.sessions.backends.db import SessionStore
    from django.contrib.sessions.models import Session
    from django.db import transaction
    from django.utils import timezone
    from django.utils.crypto import get_random_string

    from exams.models import Paper, PaperKind, PaperSlot, Question, QuestionBank
    from exams.models.bank import stem_html_from_text
    from exams.services import exam_create, question_save
    from people import roles
    from people.models import ServiceCentre, StaffProfile, Window

    User = get_user_model()
    now = timezone.now()
    with transaction.atomic():
        centre = ServiceCentre.objects.create(name=f"压测政务服务中心{tag}", code=tag.lower())
        window = Window.objects.create(code=f"{tag}-01", name="综合受理窗口", centre=centre)
        password_hash = make_password(PASSWORD)
        users = User.objects.bulk_create(
            User(username=f"{tag}-{i:04d}", password=password_hash, first_name=f"考生{i}") for i in range(staff_count)
        )
        group = Group.objects.filter(name=roles.STAFF).first()
        if group is not None:
            User.groups.through.objects.bulk_create(User.groups.through(user_id=u.pk, group_id=group.pk) for u in users)
        staff = StaffProfile.objects.bulk_create(
            StaffProfile(user=u, staff_no=u.username, name=f"考生{i}", centre=centre, window=window)
            for i, u in enumerate(users)
        )
        store = SessionStore()
        backend = "people.auth.StaffNumberBackend"  # as settings.AUTHENTICATION_BACKENDS logs staff in
        sessions = []
        for user in users:
            key = get_random_string(32, "abcdefghijklmnopqrstuvwxyz0123456789")
            data = {SESSION_KEY: str(user.pk), BACKEND_SESSION_KEY: backend, HASH_SESSION_KEY: user.get_session_auth_hash()}
            sessions.append(Session(session_key=key, session_data=store.encode(data), expire_date=now + timedelta(hours=3)))
        Session.objects.bulk_create(sessions)

        bank = QuestionBank.objects.create(name=f"压测题库{tag}")
        kinds = ["single"] * 12 + ["multiple"] * 8 + ["truefalse"] * 6 + ["blank"] * 4
        questions = []
        for n in range(question_count):
            qtype = kinds[n % len(kinds)]
            options = ["甲方案", "乙方案", "丙方案", "丁方案"] if qtype in ("single", "multiple") else []
            answer = {"single": "B", "multiple": "A、C", "truefalse": "对", "blank": "一次告知|一次性告知"}[qtype]
            question = Question(bank=bank, qtype=qtype, stem=stem_html_from_text(f"压测题目{tag}第{n + 1}题：窗口服务规范？"),
                                options=options, answer=answer, points=Decimal("2"), difficulty=2, explanation="解析")
            question_save(question=question)
            questions.append(question)
        paper = Paper.objects.create(title=f"压测试卷{tag}", kind=PaperKind.FIXED, shuffle_questions=True, shuffle_options=True)
        PaperSlot.objects.bulk_create(PaperSlot(paper=paper, question=q, sort_order=i) for i, q in enumerate(questions))
        common = {"paper": paper, "opens_at": now - timedelta(minutes=5), "closes_at": now + timedelta(hours=3),
                  "duration_minutes": 120}
        exam_a = exam_create(title=f"压测自动保存{tag}", individuals=staff[:exam_a_count], **common)
        exam_b = exam_create(title=f"压测集中开考{tag}", individuals=staff, **common)
    candidates = [(s.pk, sess.session_key) for s, sess in zip(staff, sessions, strict=False)]
    return exam_a.pk, exam_b.pk, candidates


# --- gunicorn -------------------------------------------------------------------------------


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Server:
    def __init__(self, *, port, settings_dir, url, secret_key, workers, worker_class, threads, log_path,
                 extra_args=()):
        self.port = port
        self.log_path = log_path
        env = dict(os.environ)
        env.update(
            DJANGO_SETTINGS_MODULE="frontline_bench_settings",
            PYTHONPATH=os.pathsep.join([str(settings_dir), str(ROOT / "site"), str(ROOT)]),
            DATABASE_URL=url,
            DJANGO_SECRET_KEY=secret_key,
            DJANGO_ALLOWED_HOSTS="127.0.0.1",
        )
        self.command = [
            str(VENV_BIN / "gunicorn"), "--chdir", str(ROOT / "site"), "config.wsgi",
            "--bind", f"127.0.0.1:{port}", "--workers", str(workers), "--worker-class", worker_class,
            "--threads", str(threads), "--backlog", "2048", "--timeout", "120", "--graceful-timeout", "10",
            "--error-logfile", str(log_path), "--log-level", "warning",
            # e.g. ("--config", "deploy/gunicorn.conf.py"): the flags above still win over it.
            *extra_args,
        ]
        self.log = open(log_path, "ab")  # noqa: SIM115 - closed in stop()
        # Its own session (process group), so stop() ends the master and every worker.
        self.process = subprocess.Popen(self.command, env=env, cwd=str(ROOT), stdout=self.log, stderr=self.log,
                                        start_new_session=True)

    def wait_ready(self, timeout=90):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited ({self.process.returncode}); see {self.log_path}:\n{self.log_tail()}")
            try:
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=5)
                conn.request("GET", "/me/exams/")
                status = conn.getresponse().status
                conn.close()
                if status in (200, 302):
                    return
            except OSError:
                pass
            time.sleep(0.3)
        raise RuntimeError(f"gunicorn not ready after {timeout} s:\n{self.log_tail()}")

    def stop(self):
        if self.process.poll() is None:
            try:
                os.killpg(self.process.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
            try:
                self.process.wait(20)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(10)
        # Workers left without their master would belong to the same group.
        try:
            os.killpg(self.process.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        self.log.close()

    def log_tail(self, lines=40):
        try:
            return "\n".join(Path(self.log_path).read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""

    def tracebacks(self):
        try:
            return Path(self.log_path).read_text(errors="replace").count("Traceback (most recent call last)")
        except OSError:
            return 0


def process_cpu_seconds(pid):
    """utime + stime of one process (0 when it is gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class ServerCpu:
    """CPU seconds spent by gunicorn's workers and by PostgreSQL's backends of the bench database
    between snapshots: what a save or a start costs the server, whatever else runs on the machine."""

    def __init__(self, server, url):
        self.server = server
        self.url = url
        self.dbname = urlsplit(url).path.lstrip("/")

    def pids(self):
        import psycopg

        workers = [int(p) for p in Path(f"/proc/{self.server.process.pid}/task/{self.server.process.pid}/children")
                   .read_text().split()] if Path(f"/proc/{self.server.process.pid}").exists() else []
        with psycopg.connect(self.url, autocommit=True) as conn:
            own = conn.execute("SELECT pg_backend_pid()").fetchone()[0]
            backends = [r[0] for r in conn.execute("SELECT pid FROM pg_stat_activity WHERE datname = %s AND pid <> %s",
                                                   [self.dbname, own])]
        return workers, backends

    def snapshot(self):
        workers, backends = self.pids()
        return {("w", p): process_cpu_seconds(p) for p in workers} | {("b", p): process_cpu_seconds(p) for p in backends}

    @staticmethod
    def delta(before, after):
        """(gunicorn seconds, postgres seconds); a process born in between counts in full."""
        totals = {"w": 0.0, "b": 0.0}
        for key, value in after.items():
            totals[key[0]] += value - before.get(key, 0.0)
        return totals["w"], totals["b"]


# --- the load generator -----------------------------------------------------------------------


class Client:
    """One candidate's browser: the session and CSRF cookies, one keep-alive connection."""

    def __init__(self, port, session_key, timeout=30):
        self.port = port
        self.timeout = timeout
        self.csrf = secrets.token_hex(16)  # a 32-character CSRF secret, the cookie and the header alike
        self.cookie = f"sessionid={session_key}; csrftoken={self.csrf}"
        self.conn = None

    def request(self, method, path, body=None, content_type=None):
        """(status, headers, body bytes, seconds); raises OSError/HTTPException on network failure."""
        headers = {"Cookie": self.cookie, "Host": f"127.0.0.1:{self.port}"}
        if method == "POST":
            headers["X-CSRFToken"] = self.csrf
            headers["Content-Type"] = content_type or "application/x-www-form-urlencoded"
        started = time.perf_counter()
        for attempt in (1, 2):
            if self.conn is None:
                self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=self.timeout)
            try:
                self.conn.request(method, path, body=body, headers=headers)
                response = self.conn.getresponse()
                data = response.read()
            except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError):
                # A keep-alive connection the server had closed: reconnect once, like a browser.
                self.close()
                if attempt == 2:
                    raise
                continue
            except Exception:
                self.close()
                raise
            if response.will_close:
                self.close()
            return response.status, response, data, time.perf_counter() - started
        raise AssertionError("unreachable")

    def close(self):
        if self.conn is not None:
            self.conn.close()
            self.conn = None


QUESTION_RE = re.compile(r'data-position="(\d+)" data-qtype="(\w+)"')
CONFIG_RE = re.compile(r'<script id="exam-config" type="application/json">(.*?)</script>', re.S)


def parse_take_page(html):
    """{position: (qtype, displayed letters or blank count)} and the page's config."""
    config = json.loads(CONFIG_RE.search(html).group(1))
    questions = {}
    for match in QUESTION_RE.finditer(html):
        position, qtype = int(match.group(1)), match.group(2)
        if qtype in ("single", "multiple"):
            letters = sorted(set(re.findall(rf'name="q{position}" value="([A-Z])"', html)))
            questions[position] = (qtype, letters)
        elif qtype == "blank":
            questions[position] = (qtype, len(re.findall(rf'id="q{position}-\d+" type="text"', html)))
        else:
            questions[position] = (qtype, None)
    return questions, config


def start_attempt(client, exam_id, steps=None):
    """Open the exam page, press start, load the attempt page: (attempt id, take page html).
    The seconds of each request go into `steps` (a list) when given."""
    steps = steps if steps is not None else []
    status, response, _body, seconds = client.request("GET", f"/me/exams/{exam_id}/")
    steps.append(seconds)
    if status != 200:
        raise RuntimeError(f"exam page {status} {response.getheader('Location') or ''}")
    status, response, _body, seconds = client.request("POST", f"/me/exams/{exam_id}/start/", body=b"")
    steps.append(seconds)
    location = response.getheader("Location") or ""
    match = re.search(r"/me/exams/attempts/(\d+)/$", location)
    if status != 302 or not match:
        raise RuntimeError(f"start {status} {location!r}")
    status, _r, body, seconds = client.request("GET", match.group(0))
    steps.append(seconds)
    if status != 200:
        raise RuntimeError(f"attempt page {status}")
    return int(match.group(1)), body.decode()


def new_answer(rng, qtype, spec, previous, token):
    """A response different from the previous one, in the form the page sends (blanks get
    texts made of `token`, which must differ from the one that made `previous`)."""
    while True:
        if qtype == "single":
            answer = [rng.choice(spec)]
        elif qtype == "multiple":
            answer = sorted(rng.sample(spec, rng.randint(1, len(spec))))
        elif qtype == "truefalse":
            answer = "false" if previous == "true" else "true"
        else:
            answer = [f"答{token}-{i}" for i in range(spec)]
        if answer != previous:
            return answer


def expected_client_view(qtype, answer):
    """What exams.services.response_for_client gives back for a stored answer."""
    if qtype in ("single", "multiple"):
        return sorted(answer)
    if qtype == "truefalse":
        return answer == "true"
    return answer


class PhaseA:
    def __init__(self, *, port, exam_id, candidates, seconds, think, stale_fraction, seed=2026):
        self.port = port
        self.exam_id = exam_id
        self.candidates = candidates
        self.seconds = seconds
        self.think = think
        self.stale_fraction = stale_fraction
        self.seed = seed
        self.lock = threading.Lock()
        self.acks = []        # (attempt, position, seq, response, stored, qtype)
        self.attempted = {}   # (attempt, seq) -> response, every save sent (acknowledged or not)
        self.latencies = []   # seconds, every answered save request (new answers and late retries)
        self.errors = Counter()
        self.stale_probes = 0
        self.stale_accepted = []
        self.start_errors = []
        self.statuses = Counter()
        self.barrier = threading.Barrier(len(candidates) + 1)
        self.window = (0.0, 0.0)
        self.go = threading.Event()
        self.end_at = 0.0

    def run(self, cpu=None):
        threads = [threading.Thread(target=self.candidate, args=(i, c), daemon=True) for i, c in enumerate(self.candidates)]
        for thread in threads:
            thread.start()
        self.barrier.wait()  # everyone has started and read the paper
        server0 = cpu.snapshot() if cpu else {}
        cpu0 = resource.getrusage(resource.RUSAGE_SELF)
        started = time.perf_counter()
        self.end_at = started + self.seconds
        self.go.set()
        for thread in threads:
            thread.join(self.seconds + 120)
        elapsed = time.perf_counter() - started
        cpu1 = resource.getrusage(resource.RUSAGE_SELF)
        self.server_cpu = cpu.delta(server0, cpu.snapshot()) if cpu else (0.0, 0.0)
        self.window = (elapsed, (cpu1.ru_utime + cpu1.ru_stime) - (cpu0.ru_utime + cpu0.ru_stime))

    def candidate(self, index, candidate):
        _staff_id, session_key = candidate
        rng = random.Random(self.seed * 1000 + index)
        client = Client(self.port, session_key)
        try:
            attempt_id, html = start_attempt(client, self.exam_id)
            questions, config = parse_take_page(html)
            if not questions:
                raise RuntimeError("no questions on the page")
        except Exception as exc:  # noqa: BLE001 - counted and reported
            with self.lock:
                self.start_errors.append(f"{type(exc).__name__}: {exc}")
            self.barrier.wait()
            return
        self.barrier.wait()
        self.go.wait()
        seq = config.get("seq") or 0
        save_path = config["saveUrl"]
        last = {}  # position -> (seq, answer) of the last acknowledged save
        positions = sorted(questions)
        while True:
            pause = self.think * rng.uniform(0.5, 1.5)
            if time.perf_counter() + pause >= self.end_at:
                break
            time.sleep(pause)
            position = rng.choice(positions)
            qtype, spec = questions[position]
            seq += 1
            answer = new_answer(rng, qtype, spec, last.get(position, (0, None))[1], seq)
            body = self.save(client, save_path, attempt_id, position, answer, seq, qtype, retries=4)
            if body is not None and body.get("stored"):
                last[position] = (seq, answer)
            # Now and then a late retry of an older save arrives after a newer one: it must lose.
            if last.get(position) and rng.random() < self.stale_fraction:
                stale_seq = last[position][0] - 1
                if stale_seq >= 1:
                    stale_answer = new_answer(rng, qtype, spec, last[position][1], f"{seq}r")
                    body = self.save(client, save_path, attempt_id, position, stale_answer, stale_seq, qtype, retries=0,
                                     stale=True)
                    with self.lock:
                        self.stale_probes += 1
                        if body is not None and body.get("stored"):
                            self.stale_accepted.append((attempt_id, position, stale_seq))
        client.close()

    def save(self, client, path, attempt_id, position, answer, seq, qtype, *, retries, stale=False):
        payload = json.dumps({"position": position, "response": answer, "seq": seq}).encode()
        if not stale:
            with self.lock:
                self.attempted[(attempt_id, seq)] = (position, answer, qtype)
        for attempt in range(retries + 1):
            try:
                status, _r, data, seconds = client.request("POST", path, body=payload, content_type="application/json")
            except Exception as exc:  # noqa: BLE001 - a network failure: retry like the page
                with self.lock:
                    self.errors[f"network {type(exc).__name__}"] += 1
                time.sleep(min(2, 0.25 * 2**attempt))
                continue
            with self.lock:
                self.statuses[status] += 1
                self.latencies.append(seconds)
            if status == 200:
                body = json.loads(data)
                if not stale:
                    with self.lock:
                        self.acks.append((attempt_id, position, seq, answer, bool(body.get("stored")), qtype))
                return body
            with self.lock:
                self.errors[f"HTTP {status}"] += 1
            if status < 500:
                return None  # refused (400/403/409): the page does not retry these either
            time.sleep(min(2, 0.25 * 2**attempt))
        return None


def reconcile(exam_id, phase):
    """Every acknowledged save against the database: the final answer of each question is the
    highest acknowledged seq's, nothing lost, nothing duplicated, no stale overwrite."""
    from django.db import connections
    from django.db.models import Count

    from exams.models import Attempt, AttemptItem
    from exams.services import response_for_client

    connections.close_all()
    highest = {}
    for attempt_id, position, seq, answer, stored, qtype in phase.acks:
        if not stored:
            continue
        key = (attempt_id, position)
        if key not in highest or seq > highest[key][0]:
            highest[key] = (seq, answer, qtype)
    report = Counter()
    problems = []
    per_staff = Attempt.objects.filter(exam_id=exam_id).values("staff_id").annotate(n=Count("pk")).filter(n__gt=1).count()
    report["candidates with more than one attempt"] = per_staff
    duplicate_items = (AttemptItem.objects.filter(attempt__exam_id=exam_id).values("attempt_id", "position")
                       .annotate(n=Count("pk")).filter(n__gt=1).count())
    report["duplicated (attempt, position) rows"] = duplicate_items
    items = AttemptItem.objects.filter(attempt__exam_id=exam_id).select_related("version")
    seen = set()
    for item in items.iterator(chunk_size=2000):
        key = (item.attempt_id, item.position)
        seen.add(key)
        want = highest.get(key)
        if want is None:
            if item.response_seq == 0 and item.response is None:
                continue
            sent = phase.attempted.get((item.attempt_id, item.response_seq))
            if sent and sent[0] == item.position and expected_client_view(sent[2], sent[1]) == response_for_client(item):
                report["stored without an acknowledgement (request failed on the way back)"] += 1
            else:
                report["unexplained stored answers"] += 1
                problems.append(f"attempt {item.attempt_id} q{item.position}: seq {item.response_seq} never sent")
            continue
        seq, answer, qtype = want
        report["questions with acknowledged saves"] += 1
        if item.response_seq < seq:
            report["lost (stored seq below the highest acknowledged)"] += 1
            problems.append(f"attempt {item.attempt_id} q{item.position}: stored seq {item.response_seq} < acked {seq}")
        elif item.response_seq == seq:
            if response_for_client(item) != expected_client_view(qtype, answer):
                report["wrong value at the acknowledged seq"] += 1
                problems.append(f"attempt {item.attempt_id} q{item.position} seq {seq}: stored "
                                f"{response_for_client(item)!r}, acked {answer!r}")
            else:
                report["stored exactly as acknowledged"] += 1
        else:
            sent = phase.attempted.get((item.attempt_id, item.response_seq))
            if sent and sent[0] == item.position and expected_client_view(sent[2], sent[1]) == response_for_client(item):
                report["stored without an acknowledgement (request failed on the way back)"] += 1
            else:
                report["stale or unknown overwrite"] += 1
                problems.append(f"attempt {item.attempt_id} q{item.position}: stored seq {item.response_seq} > acked {seq}")
    missing = set(highest) - seen
    report["acknowledged saves of questions not in the database"] = len(missing)
    return report, problems


# --- phase B ------------------------------------------------------------------------------------


def phase_b(*, port, exam_id, candidates, window, cpu=None, seed=2027):
    rng = random.Random(seed)
    order = list(range(len(candidates)))
    rng.shuffle(order)
    offsets = {index: window * rank / len(candidates) for rank, index in enumerate(order)}
    results = [None] * len(candidates)
    t0 = time.perf_counter() + 1.0

    def arrive(index):
        scheduled = t0 + offsets[index]
        time.sleep(max(0.0, scheduled - time.perf_counter()))
        client = Client(port, candidates[index][1], timeout=120)
        steps = []
        try:
            _attempt_id, html = start_attempt(client, exam_id, steps)
            ok = 'data-position="0"' in html and "exam-config" in html
            results[index] = (ok, time.perf_counter() - scheduled, None if ok else "no first question", steps)
        except Exception as exc:  # noqa: BLE001 - reported
            results[index] = (False, time.perf_counter() - scheduled, f"{type(exc).__name__}: {exc}", steps)
        finally:
            client.close()

    threading.stack_size(512 * 1024)
    threads = [threading.Thread(target=arrive, args=(i,), daemon=True) for i in range(len(candidates))]
    for thread in threads:
        thread.start()
    threading.stack_size(0)
    server0 = cpu.snapshot() if cpu else {}
    for thread in threads:
        thread.join(window + 300)
    last_done = time.perf_counter() - t0
    server_cpu = cpu.delta(server0, cpu.snapshot()) if cpu else (0.0, 0.0)
    return results, last_done, server_cpu


# --- reporting ----------------------------------------------------------------------------------


def percentile(values, p):
    if not values:
        return float("nan")
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, int(round(p / 100 * len(ordered) + 0.5)) - 1))
    return ordered[k]


class LoadSampler(threading.Thread):
    """The 1-minute load average once a second, for the report."""

    def __init__(self):
        super().__init__(daemon=True)
        self.samples = []
        self.stopped = threading.Event()

    def run(self):
        while not self.stopped.wait(1.0):
            self.samples.append(os.getloadavg()[0])


def prepare_database_or_skip(url, *, fresh):
    """(True, created) once the bench database is ready; (False, None) after printing why the
    bench is skipped (no PostgreSQL driver or no server to measure)."""
    try:
        return True, prepare_database(url, fresh=fresh)
    except ImportError as exc:
        print(f"skipped: {exc}")
        return False, None
    except Exception as exc:  # noqa: BLE001 - psycopg.OperationalError and friends: no server to measure
        if type(exc).__module__.startswith("psycopg"):
            where = urlsplit(url)
            print(f"skipped: PostgreSQL not reachable at {where.hostname}:{where.port or 5432}{where.path}: {exc}")
            return False, None
        raise


def main(argv=None):
    if __name__ != "__main__":
        # Imported by bench/run.py: run in a child process, so that this bench's Django (generated
        # production-like settings on PostgreSQL) does not become the other benches' Django.
        return subprocess.call([sys.executable, str(Path(__file__).resolve()), *(argv or [])])
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--candidates", type=int, default=200)
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--think", type=float, default=1.5, help="mean seconds between one candidate's saves")
    parser.add_argument("--stale-fraction", type=float, default=0.05)
    parser.add_argument("--start-candidates", type=int, default=500)
    parser.add_argument("--start-window", type=float, default=TARGET_START_WINDOW_S)
    parser.add_argument("--questions", type=int, default=30)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--worker-class", default="gthread")
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--fresh", action="store_true", help="drop and recreate the bench database first")
    parser.add_argument("--skip-b", action="store_true")
    args = parser.parse_args(argv)

    url = os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL)
    if not url.startswith("postgres"):
        raise SystemExit("bench_exam_load needs PostgreSQL (BENCH_DATABASE_URL=postgres://...)")
    print(f"cpus {os.cpu_count()}, load average at start {' '.join(f'{x:.2f}' for x in os.getloadavg())}", flush=True)
    ready, created = prepare_database_or_skip(url, fresh=args.fresh)
    if not ready:
        return 0
    tmp = Path(tempfile.mkdtemp(prefix="frontline-bench-exams-"))
    (tmp / "frontline_bench_settings.py").write_text(BENCH_SETTINGS)
    secret_key = secrets.token_urlsafe(50)
    try:
        return _run(args, url, tmp, secret_key, created)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _run(args, url, tmp, secret_key, created):
    migrate_s = setup_django(url, tmp, secret_key)
    print(f"database {urlsplit(url).path.lstrip('/')} ({'created' if created else 'reused'}), migrate {migrate_s:.1f} s",
          flush=True)

    tag = f"BX{int(time.time()) % 10**7:07d}"
    staff_count = max(args.candidates, args.start_candidates)
    started = time.perf_counter()
    exam_a, exam_b, candidates = build_fixture(tag, staff_count=staff_count, exam_a_count=args.candidates,
                                               question_count=args.questions)
    print(f"fixture {tag}: {staff_count} staff with sessions, {args.questions} questions, exams {exam_a} and {exam_b} "
          f"({time.perf_counter() - started:.1f} s)", flush=True)
    from django.db import connections

    connections.close_all()

    server = Server(port=free_port(), settings_dir=tmp, url=url, secret_key=secret_key, workers=args.workers,
                    worker_class=args.worker_class, threads=args.threads, log_path=tmp / "gunicorn.log")
    sampler = LoadSampler()
    sampler.start()
    try:
        server.wait_ready()
        print(f"gunicorn on 127.0.0.1:{server.port}: {args.workers} workers, {args.worker_class}, "
              f"{args.threads} thread(s); settings = production with HTTP-only overrides", flush=True)

        # Phase A: autosave.
        phase = PhaseA(port=server.port, exam_id=exam_a, candidates=candidates[: args.candidates], seconds=args.seconds,
                       think=args.think, stale_fraction=args.stale_fraction)
        cpu = ServerCpu(server, url)
        phase.run(cpu)
        elapsed, client_cpu = phase.window
        gunicorn_cpu, postgres_cpu = phase.server_cpu
        load_a = list(sampler.samples)
        lat_ms = [s * 1000 for s in phase.latencies]
        answered = len(phase.latencies)
        acked = len(phase.acks)
        rate = answered / elapsed if elapsed else 0
        p50, p95, p99 = (percentile(lat_ms, p) for p in (50, 95, 99))
        report, problems = reconcile(exam_a, phase)

        print("\n== Phase A: autosave", flush=True)
        print(f"candidates {args.candidates} (started {args.candidates - len(phase.start_errors)}), "
              f"{elapsed:.1f} s, think time {args.think:g} s (0.5x..1.5x)")
        if phase.start_errors:
            print(f"  start errors: {Counter(phase.start_errors).most_common(5)}")
        print(f"save requests answered: {answered} = {rate:.1f} saves/s "
              f"(new answers acknowledged {acked}, late retries {phase.stale_probes})")
        print(f"latency ms: p50 {p50:.1f}  p95 {p95:.1f}  p99 {p99:.1f}  max {max(lat_ms, default=float('nan')):.1f}  "
              f"mean {statistics.fmean(lat_ms) if lat_ms else float('nan'):.1f}")
        print(f"HTTP statuses {dict(phase.statuses)}; errors {dict(phase.errors) or 0}")
        print(f"late retries (older seq) stored: {len(phase.stale_accepted)} of {phase.stale_probes} (must be 0)")
        print(f"load generator CPU {client_cpu:.1f} s over {elapsed:.1f} s; 1-min load average during the phase "
              f"max {max(load_a, default=0):.2f}")
        if answered:
            per_save = (gunicorn_cpu + postgres_cpu) / answered * 1000
            print(f"server CPU: gunicorn {gunicorn_cpu:.1f} s + PostgreSQL {postgres_cpu:.1f} s = {per_save:.1f} CPU-ms "
                  f"per save (gunicorn {gunicorn_cpu / answered * 1000:.1f}, PostgreSQL {postgres_cpu / answered * 1000:.1f})"
                  f" -> an idle {os.cpu_count()}-core machine could serve about {os.cpu_count() * 1000 / per_save:.0f} saves/s")
        print("reconciliation:")
        for name, value in report.items():
            print(f"  {name}: {value}")
        for line in problems[:20]:
            print(f"  ! {line}")
        lost = report["lost (stored seq below the highest acknowledged)"] + report[
            "acknowledged saves of questions not in the database"]
        duplicated = report["duplicated (attempt, position) rows"] + report["candidates with more than one attempt"]
        wrong = report["wrong value at the acknowledged seq"] + report["stale or unknown overwrite"] + len(phase.stale_accepted)
        print(f"=> lost {lost}, duplicated {duplicated}, wrong/stale {wrong}, unexplained "
              f"{report['unexplained stored answers']}")

        results_b = None
        if not args.skip_b:
            mark = len(sampler.samples)
            results_b, last_done, (gunicorn_b, postgres_b) = phase_b(
                port=server.port, exam_id=exam_b, candidates=candidates[: args.start_candidates], window=args.start_window,
                cpu=cpu)
            load_b = sampler.samples[mark:]
            ok = [r for r in results_b if r and r[0]]
            times = [r[1] for r in results_b if r]
            ok_times = [r[1] for r in ok]
            print("\n== Phase B: crowd start", flush=True)
            print(f"{len(ok)} of {len(results_b)} candidates got their first question "
                  f"(arrivals spread over {args.start_window:g} s; exam page + start + attempt page)")
            print(f"time from arrival to first question, s: p50 {percentile(ok_times, 50):.2f}  "
                  f"p95 {percentile(ok_times, 95):.2f}  slowest {max(times, default=float('nan')):.2f}; "
                  f"all done {last_done:.1f} s after the first arrival")
            for step, name in enumerate(("exam page GET", "start POST", "attempt page GET")):
                values = [r[3][step] * 1000 for r in results_b if r and len(r[3]) > step]
                print(f"  {name}: p50 {percentile(values, 50):.0f} ms, p95 {percentile(values, 95):.0f} ms, "
                      f"max {max(values, default=float('nan')):.0f} ms")
            failures = Counter(r[2] for r in results_b if r and not r[0])
            if failures:
                print(f"failures: {failures.most_common(5)}")
            print(f"1-min load average during the phase max {max(load_b, default=0):.2f}")
            per_start = (gunicorn_b + postgres_b) / len(results_b) * 1000
            print(f"server CPU: gunicorn {gunicorn_b:.1f} s + PostgreSQL {postgres_b:.1f} s = {per_start:.0f} CPU-ms per "
                  f"candidate (3 requests) -> an idle {os.cpu_count()}-core machine could start about "
                  f"{os.cpu_count() * 1000 / per_start:.0f} candidates/s")
            from django.db.models import Count

            from exams.models import Attempt

            connections.close_all()
            attempts = Attempt.objects.filter(exam_id=exam_b).values("staff_id").annotate(n=Count("pk"))
            doubles = sum(1 for a in attempts if a["n"] > 1)
            short = Attempt.objects.filter(exam_id=exam_b).annotate(n=Count("items")).exclude(n=args.questions).count()
            print(f"database: {len(attempts)} attempts, {doubles} candidates with two, {short} with a wrong question count")

        tracebacks = server.tracebacks()
        print("\n== Summary (targets from issue 'Exams')")
        print(f"saves/s {rate:.1f} vs >= {TARGET_SAVES_PER_S}: {rate / TARGET_SAVES_PER_S:.2f}x "
              f"-> {'met' if rate >= TARGET_SAVES_PER_S else 'NOT met'}")
        print(f"p95 {p95:.1f} ms vs <= {TARGET_P95_MS} ms: {p95 / TARGET_P95_MS:.2f} of the budget "
              f"-> {'met' if p95 <= TARGET_P95_MS else 'NOT met'}; p99 {p99:.1f} ms")
        print(f"lost {lost}, duplicated {duplicated}, stale overwrites {wrong} -> "
              f"{'met' if not (lost or duplicated or wrong) else 'NOT met'}")
        if results_b is not None:
            ok_count = sum(1 for r in results_b if r and r[0])
            slowest = max(r[1] for r in results_b if r)
            print(f"crowd start: {ok_count}/{len(results_b)} got their first question -> "
                  f"{'met' if ok_count == len(results_b) else 'NOT met'}; slowest {slowest:.2f} s after arriving "
                  f"(arrivals spread over {args.start_window:g} s; {slowest / args.start_window:.1f}x the window)")
        print(f"server tracebacks in the gunicorn log: {tracebacks}")
        if tracebacks:
            print(server.log_tail(30))
        print(f"load average at the end {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
        # Correctness decides the exit status; speed depends on the machine and its neighbours.
        return 1 if (lost or duplicated or wrong or report["unexplained stored answers"] or tracebacks) else 0
    finally:
        sampler.stopped.set()
        server.stop()


if __name__ == "__main__":
    sys.exit(main())
