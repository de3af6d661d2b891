"""For cron (e.g. daily at 08:00): give new hires and transfers their open assignments, then
remind everyone whose assigned item is due within N days. Both run as background tasks
(`manage.py db_worker` in production); running the command twice tells nobody twice."""

from django.core.management.base import BaseCommand, CommandError

from courses.tasks import REMINDER_DAYS, send_due_reminders, sync_assignments


class Command(BaseCommand):
    help = "Sync learning assignments with the staff directory and send due-date reminders."

    def add_arguments(self, parser):
        parser.add_argument(
            "--days", type=int, default=REMINDER_DAYS, help=f"remind this many days ahead (default {REMINDER_DAYS})"
        )
        parser.add_argument("--no-sync", action="store_true", help="only send reminders")

    def handle(self, *args, days, no_sync, **options):
        if days < 0:
            raise CommandError("--days must be 0 or more")
        results = []
        if not no_sync:
            results.append(("sync_assignments", sync_assignments.enqueue()))
        results.append(("send_due_reminders", send_due_reminders.enqueue(days=days)))
        for name, result in results:
            if result.status == "FAILED":
                raise CommandError(f"{name} failed: {result.errors[-1].traceback if result.errors else ''}")
            if result.is_finished:
                self.stdout.write(f"{name}: {result.return_value}")
            else:
                self.stdout.write(f"{name}: queued ({result.id})")
