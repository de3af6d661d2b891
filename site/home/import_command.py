"""The shared body of the `import_*` management commands."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from .imports import get_import, run_import


def report_errors(command, result):
    """Every listed error on stderr, then a CommandError with the total."""
    for error in result.errors:
        command.stderr.write(str(error))
    if result.errors_omitted:
        command.stderr.write(
            _("… and %(n)d more errors, not listed.") % {"n": result.errors_omitted}
        )
    raise CommandError(_("%(n)d errors: nothing was imported.") % {"n": result.error_count}, returncode=1)


class SpreadsheetImportCommand(BaseCommand):
    """`manage.py import_<x> FILE [--dry-run]`: all rows or none; exits non-zero on any error."""

    import_key = None

    def add_arguments(self, parser):
        parser.add_argument("file", help=_("An .xlsx or .csv file"))
        parser.add_argument("--dry-run", action="store_true", help=_("Validate only; write nothing"))

    def get_spec(self, options):
        """The import to run; a command with options of its own may adapt it."""
        return get_import(self.import_key)

    def handle(self, *args, **options):
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(_("File not found: %(path)s") % {"path": path})
        spec = self.get_spec(options)
        with path.open("rb") as handle:
            result = run_import(spec, handle, path.name, dry_run=options["dry_run"])
        if not result.ok:
            report_errors(self, result)
        for label, names in result.side_effects.items():
            self.stdout.write(_("New %(label)s: %(names)s") % {"label": label, "names": "、".join(names)})
        summary = _("%(total)d rows: %(created)d new, %(updated)d updated, %(unchanged)d unchanged.") % result.summary()
        if options["dry_run"]:
            summary = _("Dry run, nothing written. ") + summary
        self.stdout.write(self.style.SUCCESS(summary))
