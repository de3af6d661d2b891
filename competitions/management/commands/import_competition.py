from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from competitions.services import competition_import_file
from home.import_command import report_errors


class Command(BaseCommand):
    help = "Create or update a competition from its workbook (sheets 竞赛, 轮次, 报名, 评委, optional 评分标准): all rows or none."

    def add_arguments(self, parser):
        parser.add_argument("file", help=_("An .xlsx workbook"))
        parser.add_argument("--dry-run", action="store_true", help=_("Validate only; write nothing"))

    def handle(self, *args, **options):
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(_("File not found: %(path)s") % {"path": path})
        with path.open("rb") as handle:
            result = competition_import_file(handle, path.name, dry_run=options["dry_run"])
        if not result.ok:
            report_errors(self, result)
        for label, names in result.side_effects.items():
            self.stdout.write(_("New %(label)s: %(names)s") % {"label": label, "names": "、".join(names)})
        for line in result.changes:
            self.stdout.write(line)
        summary = _("%(total)d rows: %(created)d new, %(updated)d updated, %(unchanged)d unchanged.") % result.summary()
        if options["dry_run"]:
            summary = _("Dry run, nothing written. ") + summary
        self.stdout.write(self.style.SUCCESS(summary))
