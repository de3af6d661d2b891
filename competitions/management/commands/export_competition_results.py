from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from competitions.models import CompetitionPage
from competitions.services import results_dataset
from home.spreadsheets import export_bytes


class Command(BaseCommand):
    help = "Write a competition's standings: 名次, 参赛者 (工号 or 队名), 姓名, one column per round, 总分, 奖项."

    def add_arguments(self, parser):
        parser.add_argument("--competition", required=True, help=_("The competition's code"))
        parser.add_argument("--out", required=True, help=_("The .xlsx (or .csv) file to write"))

    def handle(self, *args, **options):
        competition = CompetitionPage.objects.filter(code__iexact=options["competition"].strip()).first()
        if competition is None:
            raise CommandError(_("No competition with code %(code)s.") % {"code": options["competition"]})
        out = Path(options["out"])
        file_format = "csv" if out.suffix.lower() == ".csv" else "xlsx"
        out.write_bytes(export_bytes(results_dataset(competition=competition), file_format))
        self.stdout.write(self.style.SUCCESS(_("Wrote %(path)s.") % {"path": out}))
