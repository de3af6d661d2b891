from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from competitions.services import round_scores_import_file
from home.import_command import report_errors


class Command(BaseCommand):
    help = (
        "Import one round's scores: judges' sheets (评委, 参赛者, 得分 or one column per 评分项) or, for offline "
        "written rounds, 参赛者, 得分. All rows or none; re-importing the same file changes nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help=_("An .xlsx or .csv file"))
        parser.add_argument("--competition", required=True, help=_("The competition's code"))
        parser.add_argument("--round", required=True, help=_("The round's code"))
        parser.add_argument("--dry-run", action="store_true", help=_("Validate only; write nothing"))

    def handle(self, *args, **options):
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(_("File not found: %(path)s") % {"path": path})
        with path.open("rb") as handle:
            result = round_scores_import_file(
                handle, path.name, competition_code=options["competition"], round_code=options["round"],
                dry_run=options["dry_run"],
            )
        if not result.ok:
            report_errors(self, result)
        for line in result.changes:
            self.stdout.write(line)
        summary = _("%(total)d rows: %(created)d new, %(updated)d updated, %(unchanged)d unchanged.") % result.summary()
        if options["dry_run"]:
            summary = _("Dry run, nothing written. ") + summary
        self.stdout.write(self.style.SUCCESS(summary))
