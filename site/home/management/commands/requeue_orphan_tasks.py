"""Run before a task worker starts (deploy/systemd/frontline-worker.service, ExecStartPre):

    manage.py requeue_orphan_tasks --worker-id "$(hostname)"

A worker killed in the middle of a task (kill -9, a power cut) leaves it RUNNING for ever; as
the worker with the same id starts again, its tasks go back to the queue and run again (they
are idempotent). `--running-longer-than MINUTES` requeues the tasks of any worker that ran
that long (a host that is gone for good).
"""

from datetime import timedelta

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from home import services


class Command(BaseCommand):
    help = "Put the tasks a dead worker left running back in the queue."

    def add_arguments(self, parser):
        parser.add_argument("--worker-id", help="The id the worker runs with (db_worker --worker-id).")
        parser.add_argument("--running-longer-than", type=int, metavar="MINUTES",
                            help="Requeue the tasks of any worker running longer than this.")

    def handle(self, *args, worker_id=None, running_longer_than=None, **options):
        if not worker_id and running_longer_than is None:
            raise CommandError(_("Give --worker-id or --running-longer-than."))
        age = timedelta(minutes=running_longer_than) if running_longer_than is not None else None
        count = services.orphan_tasks_requeue(worker_id=worker_id or None, running_longer_than=age)
        self.stdout.write(_("Tasks put back in the queue: %(count)d") % {"count": count})
