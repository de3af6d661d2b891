"""Reads of site-wide records."""

from .imports import get_import
from .models import ImportBatch


def import_file_name_for(user, name):
    """The original name of the import upload stored as `name`, when `user` may run that
    kind of import (HR for rosters, attendance and ratings; trainers for question banks
    and training hours; administrators), else None."""
    batch = ImportBatch.objects.filter(file=name).only("kind", "permission", "original_name").first()
    if batch is None:
        return None
    permission = batch.permission
    if not permission:
        spec = get_import(batch.kind)
        permission = spec.permission if spec else None
    if not permission or not user.has_perm(permission):
        return None
    return batch.original_name
