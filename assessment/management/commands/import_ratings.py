import dataclasses
from functools import partial

from django.core.management.base import CommandError
from django.utils.translation import gettext as _

from home.import_command import SpreadsheetImportCommand

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

    def get_spec(self, options):
        if not options.get("source"):
            return super().get_spec(options)
        source = RatingSource.objects.filter(code=options["source"]).first()
        if source is None:
            raise CommandError(_("No rating source has the code %(code)s.") % {"code": options["source"]})
        return dataclasses.replace(RATINGS_IMPORT, run=partial(rating_import, source=source))
