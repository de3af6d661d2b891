"""Health, metrics and request ids for the people who run Frontline (issue "Production as it runs")."""

import datetime as dt
import json
import logging

import pytest
from django.test import override_settings
from django.utils import timezone

pytestmark = pytest.mark.django_db

DB_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


def health(client, address="127.0.0.1", **extra):
    return client.get("/internal/health/", {"format": "json"}, REMOTE_ADDR=address, **extra)


def test_health_from_the_host_reports_every_check(client):
    response = health(client)
    assert response.status_code == 200, response.content
    checks = " ".join(json.loads(response.content))
    for name in ("Database", "Cache", "Storage", "MigrationsApplied", "TaskQueue"):
        assert name in checks
    assert response["Cache-Control"].startswith("max-age=0")


@pytest.mark.parametrize("address", ["203.0.113.9", "8.8.8.8", "2001:db8::1"])
def test_health_and_metrics_are_not_for_the_internet(client, address):
    assert health(client, address).status_code == 404
    assert client.get("/internal/metrics", REMOTE_ADDR=address).status_code == 404


@override_settings(MONITORING_NETWORKS=["10.8.0.0/16"])
def test_the_monitoring_networks_are_a_setting(client):
    assert health(client, "10.8.3.4").status_code == 200
    assert health(client, "127.0.0.1").status_code == 404


@override_settings(AXES_IPWARE_META_PRECEDENCE_ORDER=["HTTP_X_FORWARDED_FOR", "REMOTE_ADDR"],
                   AXES_IPWARE_PROXY_COUNT=1)
def test_a_forged_forwarded_header_does_not_open_health(client):
    """Behind nginx the client is the address nginx appended; what the client wrote is not trusted."""
    response = health(client, "127.0.0.1", HTTP_X_FORWARDED_FOR="127.0.0.1, 198.51.100.7")
    assert response.status_code == 404


@override_settings(TASKS=DB_TASKS)
def test_a_stalled_task_queue_fails_the_health_check():
    """(The check itself: the view runs checks in threads, which do not see a test's transaction.)"""
    from django_tasks_db.models import DBTaskResult
    from health_check.exceptions import ServiceUnavailable, ServiceWarning

    from assessment.tasks import compute_evaluations_task
    from home.monitoring import TaskQueue

    compute_evaluations_task.enqueue(month="2026-10")
    assert DBTaskResult.objects.count() == 1
    TaskQueue().run()  # just enqueued: a worker will take it
    with pytest.raises(ServiceWarning):
        TaskQueue(backlog_max=0).run()
    DBTaskResult.objects.update(enqueued_at=timezone.now() - dt.timedelta(minutes=30))
    with pytest.raises(ServiceUnavailable, match="worker"):
        TaskQueue().run()


def test_pending_migrations_fail_the_check(monkeypatch):
    from health_check.exceptions import ServiceUnavailable

    from home import monitoring

    monkeypatch.setattr(monitoring.MigrationExecutor, "migration_plan", lambda self, targets: [("app", "0099")])
    with pytest.raises(ServiceUnavailable):
        monitoring.MigrationsApplied().run()
    monkeypatch.undo()
    monitoring.MigrationsApplied().run()


def test_metrics_count_requests(client):
    client.get("/accounts/login/")
    response = client.get("/internal/metrics", REMOTE_ADDR="127.0.0.1")
    assert response.status_code == 200
    text = response.content.decode()
    assert "django_http_requests_total_by_view_transport_method_total" in text
    assert "frontline_tasks_finished_total" in text


def test_tasks_are_counted_in_the_metrics(client):
    from assessment.tasks import compute_evaluations_task
    from home.monitoring import TASKS_FINISHED

    name = compute_evaluations_task.module_path
    before = TASKS_FINISHED.labels(task=name, status="SUCCESSFUL")._value.get()
    compute_evaluations_task.enqueue(month="2026-10")  # the immediate backend runs it now
    assert TASKS_FINISHED.labels(task=name, status="SUCCESSFUL")._value.get() == before + 1


def test_a_request_id_from_nginx_is_kept_and_answered(client):
    response = client.get("/accounts/login/", HTTP_X_REQUEST_ID="0f1e2d3c4b5a69788796a5b4c3d2e1f0")
    assert response["X-Request-ID"] == "0f1e2d3c4b5a69788796a5b4c3d2e1f0"


@pytest.mark.parametrize("given", ["", "short", "a b c d e f g h", "x" * 65, "id\nFAKE LOG LINE", "<script>1</script>"])
def test_a_hostile_request_id_is_replaced(client, given):
    response = client.get("/accounts/login/", HTTP_X_REQUEST_ID=given)
    made = response["X-Request-ID"]
    assert made != given and len(made) == 32 and made.isalnum()


def test_log_lines_carry_the_request_id_and_a_task_its_request(client, caplog):
    from assessment.tasks import compute_evaluations_task
    from home.request_ids import JsonLogFormatter, RequestIdLogFilter, RequestIdMiddleware

    seen = {}

    def view(request):
        logging.getLogger("frontline.test").warning("inside the view")
        compute_evaluations_task.enqueue(month="2026-10")
        from home.request_ids import current_request_id
        seen["id"] = request.request_id
        seen["after_task"] = current_request_id()
        from django.http import HttpResponse
        return HttpResponse("ok")

    from django.test import RequestFactory
    caplog.set_level(logging.INFO)
    for handler in (caplog.handler,):
        handler.addFilter(RequestIdLogFilter())
    RequestIdMiddleware(view)(RequestFactory().get("/", HTTP_X_REQUEST_ID="abcdef0123456789"))
    assert seen["id"] == seen["after_task"] == "abcdef0123456789"
    inside = next(r for r in caplog.records if r.getMessage() == "inside the view")
    assert inside.request_id == "abcdef0123456789"
    enqueued = next(r for r in caplog.records if r.getMessage() == "task enqueued")
    assert enqueued.request_id == "abcdef0123456789" and enqueued.task_id
    # In the task itself the log carries the task's id (the enqueue line joins the two).
    finished = next(r for r in caplog.records if r.getMessage() == "task finished"
                    and r.task_id == enqueued.task_id)
    assert finished.request_id == f"task:{enqueued.task_id}"
    # The view's later lines are its request's again, and nothing leaks past the request.
    from home.request_ids import current_request_id
    assert current_request_id() == ""
    line = json.loads(JsonLogFormatter().format(inside))
    assert line["request_id"] == "abcdef0123456789" and line["message"] == "inside the view"
    assert line["level"] == "WARNING"
