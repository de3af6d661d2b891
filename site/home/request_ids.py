"""A request id from nginx to the log line and to the task (DESIGN, production; issue
"Production as it runs").

nginx sets `X-Request-ID: $request_id` on every proxied request; without nginx (development,
the test server) one is made here. The id is kept for the request's duration in a context
variable, answered back in the `X-Request-ID` response header, and added to every log record
(`RequestIdLogFilter`). A task enqueued during the request logs the request id beside the
task's id; the worker then logs everything the task does under `task:<task id>`, so one grep
follows a click from nginx's access log to the worker.
"""

import contextvars
import json
import logging
import re
import uuid
from datetime import UTC, datetime

HEADER = "X-Request-ID"
META_KEY = "HTTP_X_REQUEST_ID"
# nginx's $request_id is 32 hex characters; accept a sane id from another proxy, refuse the rest
# (a client-made header is otherwise an injection into every log line).
_VALID = re.compile(r"^[A-Za-z0-9._:-]{8,64}$")

_current = contextvars.ContextVar("frontline_request_id", default="")
logger = logging.getLogger("frontline.requests")


def current_request_id():
    return _current.get()


def _incoming(request):
    given = request.META.get(META_KEY, "")
    return given if _VALID.match(given) else uuid.uuid4().hex


class RequestIdMiddleware:
    """First in the chain: every later middleware, view and log line sees the id."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request_id = _incoming(request)
        request.request_id = request_id
        token = _current.set(request_id)
        try:
            response = self.get_response(request)
        finally:
            _current.reset(token)
        response[HEADER] = request_id
        return response


class RequestIdLogFilter(logging.Filter):
    """Adds `request_id` to every record (empty outside a request or a task)."""

    def filter(self, record):
        if not getattr(record, "request_id", ""):
            record.request_id = _current.get()
        return True


class JsonLogFormatter(logging.Formatter):
    """One JSON object a line (time in UTC, level, logger, request id, message, exception), the
    shape journald, Loki or an ELK stack ingest without a parser of ours."""

    def format(self, record):
        data = {
            "time": datetime.fromtimestamp(record.created, tz=UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "request_id": getattr(record, "request_id", "") or _current.get(),
            "message": record.getMessage(),
        }
        for key in ("task_id", "task", "status"):
            value = getattr(record, key, None)
            if value is not None:
                data[key] = str(value)
        if record.exc_info:
            data["exception"] = self.formatException(record.exc_info)
        return json.dumps(data, ensure_ascii=False)


# --- tasks ---------------------------------------------------------------------------------


def task_enqueued(sender, task_result, **kwargs):
    """The join between a request and the task it started."""
    logger.info("task enqueued", extra={"task_id": task_result.id, "task": task_result.task.module_path})


# The id each running task replaced, to put back when it ends (a task run inside a request or
# inside another task, as the immediate backend does, hands the id back to its caller).
_replaced = {}


def task_started(sender, task_result, **kwargs):
    # A task's log lines carry its own id until it ends.
    _replaced[task_result.id] = _current.set(f"task:{task_result.id}")


def task_finished(sender, task_result, **kwargs):
    logger.info("task finished", extra={"task_id": task_result.id, "task": task_result.task.module_path,
                                        "status": task_result.status})
    token = _replaced.pop(task_result.id, None)
    if token is not None:
        try:
            _current.reset(token)
        except ValueError:  # started in another context (thread): nothing of ours to restore
            _current.set("")


def connect_task_signals():
    from django_tasks import signals

    signals.task_enqueued.connect(task_enqueued, dispatch_uid="frontline_request_id_enqueued")
    signals.task_started.connect(task_started, dispatch_uid="frontline_request_id_started")
    signals.task_finished.connect(task_finished, dispatch_uid="frontline_request_id_finished")
