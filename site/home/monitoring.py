"""Health and metrics for the people who run Frontline (issue "Production as it runs").

- `/internal/health/`: django-health-check over the database, the cache, both storages, the
  migrations (all applied) and the task queue (backlog and the oldest task waiting). 200 when
  all pass, 500 otherwise; `?format=json` for monitors.
- `/internal/metrics`: Prometheus metrics of requests (django-prometheus), of tasks (below)
  and of the database; with several gunicorn workers set PROMETHEUS_MULTIPROC_DIR (deploy/).

Both answer only to the networks in `MONITORING_NETWORKS` (loopback and the private ranges by
default; the client address is read as everywhere else, home.client_address) and 404 to the
rest; nginx refuses /internal/ from outside too (deploy/nginx).
"""

import dataclasses
import ipaddress
from functools import wraps

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.migrations.executor import MigrationExecutor
from django.http import Http404
from django.utils import timezone
from django_prometheus.exports import ExportToDjangoView
from health_check.base import HealthCheck
from health_check.exceptions import ServiceUnavailable, ServiceWarning
from health_check.views import HealthCheckView
from prometheus_client import Counter, Histogram

from .client_address import client_ip

DEFAULT_NETWORKS = ("127.0.0.0/8", "::1/128", "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16")


def _networks():
    given = getattr(settings, "MONITORING_NETWORKS", None) or DEFAULT_NETWORKS
    return [ipaddress.ip_network(n.strip(), strict=False) for n in given if str(n).strip()]


def from_monitoring_network(request):
    address = client_ip(request)
    if not address:
        return False
    ip = ipaddress.ip_address(address)
    return any(ip.version == net.version and ip in net for net in _networks())


# --- health ----------------------------------------------------------------------------------


@dataclasses.dataclass
class MigrationsApplied(HealthCheck):
    """A host started on code newer than the database (or older) must not take traffic."""

    alias: str = DEFAULT_DB_ALIAS

    def run(self):
        executor = MigrationExecutor(connections[self.alias])
        pending = executor.migration_plan(executor.loader.graph.leaf_nodes())
        if pending:
            raise ServiceUnavailable(f"{len(pending)} migrations not applied")


@dataclasses.dataclass
class TaskQueue(HealthCheck):
    """The database task queue (django-tasks-db): how many tasks are due and how long the
    oldest has waited. A worker that died shows here first."""

    backlog_max: int = 500
    oldest_seconds_max: int = 600

    def run(self):
        backend = settings.TASKS.get("default", {}).get("BACKEND", "")
        if "django_tasks_db" not in backend:
            return  # tasks run in the request (development, tests): nothing can queue up
        from django_tasks_db.models import DBTaskResult

        due = DBTaskResult.objects.ready()
        count = due.count()
        oldest = due.order_by("enqueued_at").values_list("enqueued_at", flat=True).first()
        waited = (timezone.now() - oldest).total_seconds() if oldest else 0
        if waited > self.oldest_seconds_max:
            raise ServiceUnavailable(f"the oldest of {count} due tasks has waited {waited:.0f} s: is the worker running?")
        if count > self.backlog_max:
            raise ServiceWarning(f"{count} tasks due (more than {self.backlog_max})")


def _checks():
    task_limits = getattr(settings, "MONITORING_TASK_QUEUE", {})
    return (
        "health_check.checks.Database",
        "health_check.checks.Cache",
        ("health_check.checks.Storage", {"alias": "default"}),
        ("health_check.checks.Storage", {"alias": "private"}),
        MigrationsApplied,
        (TaskQueue, task_limits),
    )


class InternalHealthView(HealthCheckView):
    async def dispatch(self, request, *args, **kwargs):
        if not from_monitoring_network(request):
            raise Http404
        self.checks = _checks()
        return await super().dispatch(request, *args, **kwargs)


health = InternalHealthView.as_view()


# --- metrics ---------------------------------------------------------------------------------

TASKS_FINISHED = Counter("frontline_tasks_finished_total", "Background tasks finished", ["task", "status"])
TASK_SECONDS = Histogram("frontline_task_seconds", "Background task run time", ["task"],
                         buckets=(0.1, 0.5, 1, 5, 15, 60, 300, 900, 3600))
TASK_WAIT_SECONDS = Histogram("frontline_task_wait_seconds", "Time from enqueue to start", ["task"],
                              buckets=(0.1, 1, 5, 15, 60, 300, 900, 3600))


def task_finished(sender, task_result, **kwargs):
    name = task_result.task.module_path
    TASKS_FINISHED.labels(task=name, status=str(task_result.status)).inc()
    started, finished = task_result.started_at, task_result.finished_at
    if started and finished:
        TASK_SECONDS.labels(task=name).observe((finished - started).total_seconds())
    if started and task_result.enqueued_at:
        TASK_WAIT_SECONDS.labels(task=name).observe(max((started - task_result.enqueued_at).total_seconds(), 0))


def connect_task_signals():
    from django_tasks import signals

    signals.task_finished.connect(task_finished, dispatch_uid="frontline_task_metrics")


def internal_only(view):
    @wraps(view)
    def guarded(request, *args, **kwargs):
        if not from_monitoring_network(request):
            raise Http404
        return view(request, *args, **kwargs)

    return guarded


metrics = internal_only(ExportToDjangoView)

__all__ = ["health", "metrics"]
