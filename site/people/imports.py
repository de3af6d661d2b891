"""The staff roster as a registered spreadsheet import (see home.imports)."""

from django.utils.translation import gettext_lazy as _

from home.imports import SpreadsheetImport

from .resources import NAME, REQUIRED_HEADERS, ROSTER_HEADERS, STAFF_NO
from .services import staff_roster_import

STAFF_ROSTER_IMPORT = SpreadsheetImport(
    key="staff",
    label=_("Staff roster"),
    permission="people.add_staffprofile",
    header_markers=(STAFF_NO, NAME),
    required_headers=REQUIRED_HEADERS,
    all_headers=ROSTER_HEADERS,
    run=staff_roster_import,
    help_text=_(
        "One row per person; 工号 identifies a person, so importing again updates and never "
        "duplicates. New staff get an account named after their 工号 and no password: print "
        "their activation links after the import."
    ),
)
