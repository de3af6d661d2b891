"""Signals other apps listen to; `people` imports none of them (it is the bottom layer)."""

from django.dispatch import Signal

# Sent inside the import's transaction once a staff roster has been written, with
# `staff_ids`: the profiles the roster created or changed. Receivers may write
# (e.g. courses gives new staff the assignments whose audience they match).
staff_roster_imported = Signal()
