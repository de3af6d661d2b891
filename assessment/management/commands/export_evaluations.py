from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from ...models import EvaluationPeriod
from ...periods import Period
from ...selectors import pay_sheet_workbook


class Command(BaseCommand):
    help = "Write the month's pay sheet (one row per person, a totals row, who approved it) and a per-vendor summary to an .xlsx file."

    def add_arguments(self, parser):
        parser.add_argument("--period", required=True, help=_("The month, YYYY-MM"))
        parser.add_argument("--out", required=True, help=_("The .xlsx file to write"))

    def handle(self, *args, **options):
        try:
            period = Period.parse(options["period"])
        except ValueError as exc:
            raise CommandError(_("Give the month as YYYY-MM, e.g. 2026-10.")) from exc
        record = EvaluationPeriod.objects.filter(month=str(period)).first()
        if record is None:
            raise CommandError(_("%(month)s has not been computed: run compute_evaluations first.") % {"month": period})
        # The same builder as the approved month's 导出绩效工资表 button; text cells that
        # Excel would run as formulas are escaped.
        out = Path(options["out"])
        out.write_bytes(pay_sheet_workbook(period))
        rows = record.evaluations.count()
        self.stdout.write(self.style.SUCCESS(_("%(n)d rows written to %(path)s.") % {"n": rows, "path": out}))
        if not record.locked:
            self.stderr.write(
                _("%(month)s is not approved yet: the sheet is stamped as a draft, not for payment.") % {"month": period}
            )
