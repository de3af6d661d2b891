"""Background tasks of the exams app (thin: they call services)."""

from django.utils import timezone
from django_tasks import task

from . import services
from .models import Exam


@task()
def close_expired_attempts():
    """Close and grade attempts whose time ran out (pages also close them lazily on access)."""
    return services.close_expired_attempts()


@task()
def sync_open_exam_candidates():
    """Add people who joined an open exam's audience since it was set up (new hires, transfers)."""
    added = 0
    for exam in Exam.objects.filter(active=True, closes_at__gt=timezone.now()):
        added += services.exam_sync_candidates(exam=exam)
    return added
