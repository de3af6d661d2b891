"""Receivers that keep assignments in step with the organisation directory: people who
join or move into an audience get its open assignments (connected in apps.py)."""

from django.db import transaction


def sync_after_roster_import(sender, staff_ids, **kwargs):
    from .services import assignments_sync_all

    if staff_ids:
        assignments_sync_all()


def sync_after_staff_saved(sender, instance, raw=False, **kwargs):
    """A profile created or changed one at a time (the admin's staff form): after the
    commit, so a failed save changes nothing."""
    if raw or not instance.active:
        return
    from .services import assignments_sync_for_staff

    staff_id = instance.pk
    transaction.on_commit(lambda: assignments_sync_for_staff(staff_ids=[staff_id]))
