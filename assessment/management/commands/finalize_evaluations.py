import datetime as dt

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from ...services import periods_finalize_due


class Command(BaseCommand):
    help = (
        "Finalize every published month whose appeal window has closed and that has no pending "
        "appeal (run daily from cron). Idempotent."
    )

    def add_arguments(self, parser):
        parser.add_argument("--today", help=_("Act as if today were this date, YYYY-MM-DD (for checks)."))

    def handle(self, *args, **options):
        today = None
        if options.get("today"):
            try:
                today = dt.date.fromisoformat(options["today"])
            except ValueError as exc:
                raise CommandError(_("Give the date as YYYY-MM-DD.")) from exc
        done, skipped = periods_finalize_due(today=today)
        for month, why in skipped.items():
            self.stdout.write(self.style.WARNING(f"{month}: {why}"))
        if done:
            self.stdout.write(self.style.SUCCESS(_("Finalized: %(months)s.") % {"months": "、".join(done)}))
        else:
            self.stdout.write(_("No month to finalize."))
