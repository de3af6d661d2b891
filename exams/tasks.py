"""Background tasks of the exams app (thin: they call services). Without a task worker,
cron runs the same work: `python manage.py exams_housekeeping` (docs/exams.md)."""

from django_tasks import task

from . import services


@task()
def close_expired_attempts():
    """Close and grade attempts whose time ran out (pages also close them lazily on access)."""
    return services.close_expired_attempts()


@task()
def sync_open_exam_candidates():
    """Add people who joined an open exam's audience since it was set up (new hires, transfers)."""
    return sum(services.exams_sync_open_candidates().values())
