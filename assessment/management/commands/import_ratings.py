import dataclasses
from functools import partial
from pathlib import Path

from django.core.management.base import CommandError
from django.utils.translation import gettext as _

from home.import_command import SpreadsheetImportCommand
from home.imports import run_import

from ...imports import RATINGS_IMPORT
from ...models import RatingSource
from ...services import rating_import


class Command(SpreadsheetImportCommand):
    help = (
        "Import citizen ratings (好差评) from an .xlsx or .csv file: all rows or none. Numeric levels "
        "are read with --source's direction (without --source: GB/T 39046, 1 = 非常满意)."
    )
    import_key = "ratings"

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument("--source", help=_("The code of a rating source (see rating_source_create)"))

    def handle(self, *args, **options):
        if not options.get("source"):
            return super().handle(*args, **options)
        source = RatingSource.objects.filter(code=options["source"]).first()
        if source is None:
            raise CommandError(_("No rating source has the code %(code)s.") % {"code": options["source"]})
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(_("File not found: %(path)s") % {"path": path})
        spec = dataclasses.replace(RATINGS_IMPORT, run=partial(rating_import, source=source))
        result = run_import(spec, path.read_bytes(), path.name, dry_run=options["dry_run"])
        self.report(result, options["dry_run"])

    def report(self, result, dry_run):
        if not result.ok:
            for error in result.errors:
                self.stderr.write(str(error))
            raise CommandError(_("%(n)d errors: nothing was imported.") % {"n": len(result.errors)}, returncode=1)
        for label, names in result.side_effects.items():
            self.stdout.write(f"{label}: " + "、".join(names))
        summary = _("%(total)d rows: %(created)d new, %(updated)d updated, %(unchanged)d unchanged.") % result.summary()
        if dry_run:
            summary = _("Dry run, nothing written. ") + summary
        self.stdout.write(self.style.SUCCESS(summary))
