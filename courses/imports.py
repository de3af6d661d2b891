"""Offline training records as a registered spreadsheet import (see home.imports)."""

from django.utils.translation import gettext_lazy as _

from home.imports import SpreadsheetImport

from .resources import HOURS, STAFF_NO, TITLE, TRAINING_HEADERS
from .roles import TRAINING_IMPORT_PERMISSION
from .services import training_records_import

TRAINING_IMPORT = SpreadsheetImport(
    key="training",
    label=_("Offline training records"),
    permission=TRAINING_IMPORT_PERMISSION,
    header_markers=(STAFF_NO, TITLE, HOURS),
    required_headers=TRAINING_HEADERS,
    all_headers=TRAINING_HEADERS,
    run=training_records_import,
    help_text=_(
        "One row per person and training: 工号, 培训名称, 日期, 学时, 形式 (线上 or 线下). A person's "
        "training is identified by 工号, 培训名称 and 日期, so importing again updates the hours "
        "and never duplicates. The hours count towards the yearly 学时 target."
    ),
)
