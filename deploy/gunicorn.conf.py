"""gunicorn for Frontline, one file for every host (deploy/systemd/frontline-web.service and
`make prod-local`). Environment overrides: GUNICORN_BIND, GUNICORN_WORKERS, GUNICORN_THREADS.

gthread workers: an exam's autosave and a quiz poll wait on the database or the cache, not on
the CPU, so 8 threads per worker keep a core busy; one worker per core (docs/operations.md has
the capacity table this comes from).
"""

import multiprocessing
import os

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("GUNICORN_WORKERS", multiprocessing.cpu_count()))
worker_class = "gthread"
threads = int(os.environ.get("GUNICORN_THREADS", 8))
chdir = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "site")
wsgi_app = "config.wsgi"
# A worker restarted now and then returns memory a long import held; jitter spreads restarts.
max_requests = 5000
max_requests_jitter = 500
# nginx gives up on a request after its proxy_read_timeout (75 s); an import or an export runs
# as a task, so a request running longer than this is stuck.
timeout = 90
graceful_timeout = 30
keepalive = 5
# Only nginx talks to gunicorn, and it sets these headers.
forwarded_allow_ips = os.environ.get("GUNICORN_FORWARDED_ALLOW_IPS", "127.0.0.1")
accesslog = "-"
# The request id nginx made ($request_id, answered as X-Request-ID by Django) joins this line to
# nginx's and to the application's log lines.
access_log_format = '%(h)s "%(r)s" %(s)s %(B)s %(M)sms rid=%({x-request-id}o)s'
errorlog = "-"


def child_exit(server, worker):
    """Prometheus multiprocess mode: a dead worker's live gauges leave the metrics."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)
