"""Writes to the organisation directory, by subject: the roster import, the dated history
of centres and pay bases, and staff accounts."""

from .accounts import staff_account_create, staff_profile_save, user_sessions_end
from .history import (
    centre_moves_record,
    dated_centre_moves_record,
    pay_base_changes_record,
    pay_base_profile_sync,
)
from .roster import PREVIEW_ROWS, ROSTER_FK_FIELDS, ROSTER_SCALAR_FIELDS, staff_roster_import

__all__ = [
    "PREVIEW_ROWS",
    "ROSTER_FK_FIELDS",
    "ROSTER_SCALAR_FIELDS",
    "centre_moves_record",
    "dated_centre_moves_record",
    "pay_base_changes_record",
    "pay_base_profile_sync",
    "staff_account_create",
    "staff_profile_save",
    "staff_roster_import",
    "user_sessions_end",
]
