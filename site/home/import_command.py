"""The shared body of the `import_*` management commands."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from .imports import get_import, run_import


class SpreadsheetImportCommand(BaseCommand):
    """`manage.py import_<x> FILE [--dry-run]`: all rows or none; exits non-zero on any error."""

    import_key = None

    def add_arguments(self, parser):
        parser.add_argument("file", help=_("An .xlsx or .csv file"))
        parser.add_argument("--dry-run", action="store_true", help=_("Validate only; write nothing"))

    def handle(self, *args, **options):
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(_("File not found: %(path)s") % {"path": path})
        spec = get_import(self.import_key)
        result = run_import(spec, path.read_bytes(), path.name, dry_run=options["dry_run"])
        if not result.ok:
            for error in result.errors:
                self.stderr.write(str(error))
            raise CommandError(
                _("%(n)d errors: nothing was imported.") % {"n": len(result.errors)}, returncode=1
            )
        for label, names in result.side_effects.items():
            self.stdout.write(_("New %(label)s: %(names)s") % {"label": label, "names": "、".join(names)})
        summary = _("%(total)d rows: %(created)d new, %(updated)d updated, %(unchanged)d unchanged.") % result.summary()
        if options["dry_run"]:
            summary = _("Dry run, nothing written. ") + summary
        self.stdout.write(self.style.SUCCESS(summary))
