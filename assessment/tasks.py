"""Background tasks of the assessment app (Django Tasks API): the monthly compute for big
months, with its progress stored on the period for the month page's progress bar.

Thin: the work is services.evaluations_compute; this records where it stands.
"""

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django_tasks import task

from . import services


@task()
def compute_evaluations_task(month, user_id=None):
    """Compute `month` ("YYYY-MM") as `user_id`; returns how many evaluations were written.
    A refusal (e.g. the month was approved meanwhile) is stored as the task's message."""
    user = get_user_model().objects.filter(pk=user_id).first() if user_id else None
    services.compute_task_progress(month=month, state="running", done=0)

    def progress(done, total):
        # Inside the compute's transaction: seen once it commits on databases that isolate.
        services.compute_task_progress(month=month, state="running", done=done)

    try:
        result = services.evaluations_compute(period=month, user=user, progress=progress)
    except ValidationError as exc:
        services.compute_task_progress(month=month, state="failed", message=" ".join(exc.messages))
        return 0
    except Exception as exc:
        services.compute_task_progress(month=month, state="failed", message=str(exc))
        raise
    services.compute_task_progress(month=month, state="done", done=services.COMPUTE_STEPS, message="")
    return result.count
