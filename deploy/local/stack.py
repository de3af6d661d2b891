"""The production stack on one machine, for tests, drills and demos (`make prod-local`).

    nginx (TLS, 127.0.0.1:8443; :8080 redirects)
      → two gunicorn instances on 127.0.0.1:8101 and :8102 (two "app hosts", deploy/gunicorn.conf.py)
      → PostgreSQL (PROD_LOCAL_DATABASE_URL, default postgres://postgres@127.0.0.1:5432/frontline_local)
    + Redis cache (REDIS_URL, default redis://127.0.0.1:6379/3), one task worker (db_worker) and a
      clock that runs the timers' commands (exams_housekeeping every 5 minutes, ...).

The settings are production's (config.settings.prod_local adds only the demo data). Everything the
stack writes lives in .prod-local/ (gitignored): the secret key, a self-signed certificate for
localhost, the rendered nginx files, static files, media, private media, the Procfile and its
environment. honcho runs the processes; Ctrl-C stops them all.

    python deploy/local/stack.py up        # prepare, then run in the foreground (make prod-local)
    python deploy/local/stack.py prepare   # only the database, static files, demo data and configs
    python deploy/local/stack.py smoke     # start in the background, run deploy/local/smoke.py, stop
"""

import argparse
import os
import secrets
import shutil
import signal
import ssl
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parents[2]
STATE = ROOT / ".prod-local"
RUN = STATE / "run"
VENV_BIN = ROOT / ".venv" / "bin"
NGINX_SOURCE = ROOT / "deploy" / "nginx"

HTTPS_PORT = int(os.environ.get("PROD_LOCAL_HTTPS_PORT", 8443))
HTTP_PORT = int(os.environ.get("PROD_LOCAL_HTTP_PORT", 8080))
APP_PORTS = (int(os.environ.get("PROD_LOCAL_APP1_PORT", 8101)), int(os.environ.get("PROD_LOCAL_APP2_PORT", 8102)))
DATABASE_URL = os.environ.get("PROD_LOCAL_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/frontline_local")
REDIS_URL = os.environ.get("PROD_LOCAL_REDIS_URL", "redis://127.0.0.1:6379/3")
WORKERS_PER_HOST = os.environ.get("PROD_LOCAL_WORKERS", "2")
BASE_URL = f"https://127.0.0.1:{HTTPS_PORT}"
LOCAL_WORKER_ID = "prod-local-worker"


def say(text):
    print(f"[prod-local] {text}", flush=True)


def environment():
    """The variables every process of the stack gets (also written to .prod-local/env)."""
    secret_file = STATE / "secret_key"
    if not secret_file.exists():
        secret_file.write_text(secrets.token_urlsafe(50))
        secret_file.chmod(0o600)
    return {
        "DJANGO_SETTINGS_MODULE": "config.settings.prod_local",
        "DJANGO_SECRET_KEY": secret_file.read_text().strip(),
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
        "DJANGO_CSRF_TRUSTED_ORIGINS": f"https://127.0.0.1:{HTTPS_PORT},https://localhost:{HTTPS_PORT}",
        "WAGTAILADMIN_BASE_URL": BASE_URL,
        "DATABASE_URL": DATABASE_URL,
        "REDIS_URL": REDIS_URL,
        "DJANGO_PROXY_COUNT": "1",
        "DJANGO_STATIC_ROOT": str(STATE / "static"),
        "DJANGO_MEDIA_ROOT": str(STATE / "media"),
        "DJANGO_PRIVATE_MEDIA_ROOT": str(STATE / "private_media"),
        # A self-signed certificate on localhost: no HSTS pinned in the browser that tries it.
        "DJANGO_HSTS_SECONDS": "0",
        "DJANGO_LOG_FORMAT": "json",
        "PROMETHEUS_MULTIPROC_DIR": str(RUN / "prometheus"),
        "GUNICORN_WORKERS": WORKERS_PER_HOST,
        "PYTHONUNBUFFERED": "1",
    }


def run(command, env, **kwargs):
    say(" ".join(str(c) for c in command))
    subprocess.run([str(c) for c in command], cwd=ROOT, env={**os.environ, **env}, check=True, **kwargs)


def database_ensure():
    """Create the stack's database when missing (like a DBA would, once)."""
    url = urlsplit(DATABASE_URL)
    name = url.path.lstrip("/")
    admin = DATABASE_URL.rsplit("/", 1)[0] + "/postgres"
    exists = subprocess.run(["psql", admin, "-tAc", f"SELECT 1 FROM pg_database WHERE datname = '{name}'"],
                            capture_output=True, text=True, check=True).stdout.strip()
    if exists != "1":
        say(f"creating database {name}")
        subprocess.run(["psql", admin, "-c", f'CREATE DATABASE "{name}"'], check=True, capture_output=True)


def certificate_ensure():
    crt, key = RUN / "tls.crt", RUN / "tls.key"
    if crt.exists() and key.exists():
        return
    say("making a self-signed certificate for localhost")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "825",
                    "-keyout", key, "-out", crt, "-subj", "/CN=localhost",
                    "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1"], check=True, capture_output=True)
    key.chmod(0o600)


def nginx_render():
    """The production nginx files with this machine's paths, and the local http block."""
    target = STATE / "nginx"
    target.mkdir(parents=True, exist_ok=True)
    values = {
        "__STATIC_ROOT__": str(STATE / "static"),
        "__MEDIA_ROOT__": str(STATE / "media"),
        "__PRIVATE_MEDIA_ROOT__": str(STATE / "private_media"),
        "__NGINX_DIR__": str(target),
        "__RUN__": str(RUN),
        "__APP1_PORT__": str(APP_PORTS[0]),
        "__APP2_PORT__": str(APP_PORTS[1]),
        "__HTTP_PORT__": str(HTTP_PORT),
        "__HTTPS_PORT__": str(HTTPS_PORT),
    }
    sources = {
        "frontline-common.conf": NGINX_SOURCE / "frontline-common.conf",
        "frontline-proxy.conf": NGINX_SOURCE / "frontline-proxy.conf",
        "nginx.conf": ROOT / "deploy" / "local" / "nginx.conf.template",
    }
    for name, source in sources.items():
        text = source.read_text()
        for placeholder, value in values.items():
            text = text.replace(placeholder, value)
        (target / name).write_text(text)
    for folder in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"):
        (RUN / folder).mkdir(exist_ok=True)
    return target / "nginx.conf"


def procfile_write(env, nginx_conf):
    python, gunicorn = VENV_BIN / "python", VENV_BIN / "gunicorn"
    config = ROOT / "deploy" / "gunicorn.conf.py"
    lines = [
        f"nginx: {shutil.which('nginx') or '/usr/sbin/nginx'} -p {RUN} -c {nginx_conf} -e stderr",
        f"app1: {gunicorn} -c {config} --bind 127.0.0.1:{APP_PORTS[0]}",
        f"app2: {gunicorn} -c {config} --bind 127.0.0.1:{APP_PORTS[1]}",
        f"worker: sh -c '{python} manage.py requeue_orphan_tasks --worker-id {LOCAL_WORKER_ID} && "
        f"exec {python} manage.py db_worker --queue-name \"*\" --no-reload --worker-id {LOCAL_WORKER_ID}'",
        f"clock: {python} deploy/local/clock.py",
    ]
    (STATE / "Procfile").write_text("\n".join(lines) + "\n")
    (STATE / "env").write_text("".join(f"{k}={v}\n" for k, v in env.items()))


def prepare(*, demo=True):
    for folder in (STATE, RUN, STATE / "media", STATE / "private_media"):
        folder.mkdir(parents=True, exist_ok=True)
    if shutil.which("nginx") is None:
        raise SystemExit("nginx is missing: apt-get install -y nginx-light (make prod-local does it)")
    env = environment()
    prometheus = RUN / "prometheus"
    shutil.rmtree(prometheus, ignore_errors=True)
    prometheus.mkdir()
    database_ensure()
    certificate_ensure()
    python = VENV_BIN / "python"
    run([python, "manage.py", "migrate", "--noinput"], env, stdout=subprocess.DEVNULL)
    run([python, "manage.py", "createcachetable"], env)  # the fallback of the Redis cache (home.cache)
    run([python, "manage.py", "collectstatic", "--noinput"], env, stdout=subprocess.DEVNULL)
    if demo:
        run([python, "manage.py", "load_initial_data"], env, stdout=subprocess.DEVNULL)
    conf = nginx_render()
    subprocess.run(["nginx", "-t", "-p", str(RUN), "-c", str(conf), "-e", "stderr"], check=True,
                   capture_output=True)
    procfile_write(env, conf)
    return env


def honcho_command():
    return [str(VENV_BIN / "honcho"), "start", "-f", str(STATE / "Procfile"), "-e", str(STATE / "env"),
            "-d", str(ROOT)]


def wait_healthy(timeout=90):
    """Until nginx answers the health check (every app host behind it healthy)."""
    context = ssl.create_default_context(cafile=str(RUN / "tls.crt"))
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"https://localhost:{HTTPS_PORT}/internal/health/?format=json",
                                        context=context, timeout=5) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, OSError) as exc:
            last = exc
        time.sleep(1)
    raise RuntimeError(f"the stack is not healthy after {timeout} s: {last}")


class Stack:
    """The stack in the background (for the smoke test and the drills in bench/)."""

    def __init__(self, log_path=None):
        self.log_path = log_path or STATE / "stack.log"
        self.process = None

    def start(self):
        self.log = open(self.log_path, "w")
        self.process = subprocess.Popen(honcho_command(), cwd=ROOT, stdout=self.log, stderr=subprocess.STDOUT,
                                        start_new_session=True)
        wait_healthy()
        return self

    def stop(self):
        if self.process is None:
            return
        try:
            os.killpg(self.process.pid, signal.SIGTERM)
            self.process.wait(timeout=40)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            try:
                os.killpg(self.process.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        self.process = None
        self.log.close()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("command", choices=["up", "prepare", "smoke"])
    args = parser.parse_args(argv)
    prepare()
    if args.command == "prepare":
        say(f"ready: {STATE}")
        return 0
    if args.command == "up":
        say(f"starting; open {BASE_URL}/ (self-signed certificate: {RUN / 'tls.crt'}); Ctrl-C stops")
        os.execv(honcho_command()[0], honcho_command())
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    import smoke

    with Stack():
        return smoke.main(base_url=f"https://localhost:{HTTPS_PORT}", env=environment(), cafile=RUN / "tls.crt")


if __name__ == "__main__":
    sys.exit(main())
