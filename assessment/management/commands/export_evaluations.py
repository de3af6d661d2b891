from pathlib import Path

import tablib
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from home.spreadsheets import safe_dataset

from ...models import EvaluationPeriod
from ...selectors import Period, pay_sheet


class Command(BaseCommand):
    help = "Write the month's pay sheet (one row per person) and a per-vendor summary to an .xlsx file."

    def add_arguments(self, parser):
        parser.add_argument("--period", required=True, help=_("The month, YYYY-MM"))
        parser.add_argument("--out", required=True, help=_("The .xlsx file to write"))

    def handle(self, *args, **options):
        try:
            period = Period.parse(options["period"])
        except ValueError as exc:
            raise CommandError(_("Give the month as YYYY-MM, e.g. 2026-10.")) from exc
        if not EvaluationPeriod.objects.filter(month=str(period)).exists():
            raise CommandError(_("%(month)s has not been computed: run compute_evaluations first.") % {"month": period})
        people, vendors = pay_sheet(period)
        # Text cells that Excel would run as formulas are escaped.
        book = tablib.Databook([safe_dataset(people), safe_dataset(vendors)])
        out = Path(options["out"])
        out.write_bytes(book.export("xlsx"))
        self.stdout.write(self.style.SUCCESS(_("%(n)d rows written to %(path)s.") % {"n": len(people), "path": out}))
