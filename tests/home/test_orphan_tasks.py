"""A task worker killed mid-task: its tasks go back to the queue as it starts again."""

import datetime as dt

import pytest
from django.core.management import call_command
from django.test import override_settings
from django.utils import timezone

from home import services

pytestmark = pytest.mark.django_db

DB_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


def claimed(worker, minutes_ago=1):
    from django_tasks_db.models import DBTaskResult

    from courses.tasks import send_due_reminders

    result = send_due_reminders.enqueue(days=3)
    row = DBTaskResult.objects.get(pk=result.id)
    row.claim(worker)
    DBTaskResult.objects.filter(pk=row.pk).update(started_at=timezone.now() - dt.timedelta(minutes=minutes_ago))
    return row.pk


def status(pk):
    from django_tasks_db.models import DBTaskResult

    return DBTaskResult.objects.values_list("status", flat=True).get(pk=pk)


@override_settings(TASKS=DB_TASKS)
def test_a_restarted_worker_requeues_only_its_own_tasks():
    mine, other = claimed("host-a"), claimed("host-b")
    call_command("requeue_orphan_tasks", "--worker-id", "host-a", stdout=open("/dev/null", "w"))
    assert status(mine) == "READY"
    assert status(other) == "RUNNING"  # host-b may still be running it
    # It is what the next worker run picks up (db_worker takes from ready()).
    from django_tasks_db.models import DBTaskResult

    assert list(DBTaskResult.objects.ready().values_list("pk", flat=True)) == [mine]


@override_settings(TASKS=DB_TASKS)
def test_a_task_first_taken_by_another_worker_belongs_to_its_last_claimant():
    from django_tasks_db.models import DBTaskResult

    pk = claimed("host-b")
    DBTaskResult.objects.get(pk=pk).claim("host-a")  # host-b died, it was requeued, host-a took it
    assert services.orphan_tasks_requeue(worker_id="host-b") == 0
    assert services.orphan_tasks_requeue(worker_id="host-a") == 1


@override_settings(TASKS=DB_TASKS)
def test_tasks_of_a_host_gone_for_good_are_requeued_by_age():
    old, recent = claimed("gone", minutes_ago=180), claimed("alive", minutes_ago=2)
    assert services.orphan_tasks_requeue(running_longer_than=dt.timedelta(minutes=120)) == 1
    assert (status(old), status(recent)) == ("READY", "RUNNING")


def test_the_command_needs_a_worker_or_an_age():
    from django.core.management.base import CommandError

    with pytest.raises(CommandError):
        call_command("requeue_orphan_tasks")
