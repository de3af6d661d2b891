"""Writes of site-wide records: import batches."""

import hashlib

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from .imports import run_import
from .models import ImportBatch

MAX_STORED_ERRORS = 2000


def _record_result(batch, result):
    batch.summary = {
        **result.summary(),
        "side_effects": result.side_effects,
        "preview": [[row, status, values] for row, status, values in result.preview],
    }
    batch.errors = [str(e) for e in result.errors[:MAX_STORED_ERRORS]]


def import_batch_check(*, spec, uploaded_file, user):
    """Store an upload and validate it without writing anything (the preview)."""
    if not user.has_perm(spec.permission):
        raise PermissionDenied
    content = uploaded_file.read()
    batch = ImportBatch(
        kind=spec.key,
        original_name=uploaded_file.name[:255],
        sha256=hashlib.sha256(content).hexdigest(),
        uploaded_by=user,
    )
    uploaded_file.seek(0)
    batch.file.save(uploaded_file.name, uploaded_file, save=False)
    result = run_import(spec, content, uploaded_file.name, dry_run=True, user=user)
    _record_result(batch, result)
    batch.status = ImportBatch.Status.PREVIEWED if result.ok else ImportBatch.Status.INVALID
    batch.full_clean()
    batch.save()
    return batch


def import_batch_confirm(*, spec, batch_id, user):
    """Import a previewed file for real. Confirming twice imports once."""
    if not user.has_perm(spec.permission):
        raise PermissionDenied
    with transaction.atomic():
        batch = ImportBatch.objects.select_for_update().get(pk=batch_id, kind=spec.key)
        if batch.status != ImportBatch.Status.PREVIEWED:
            return batch, False
        with batch.file.open("rb") as handle:
            content = handle.read()
        # Validated again: the data may have changed since the preview.
        result = run_import(spec, content, batch.original_name, dry_run=False, user=user)
        _record_result(batch, result)
        if result.ok:
            batch.status = ImportBatch.Status.IMPORTED
            batch.imported_at = timezone.now()
        else:
            batch.status = ImportBatch.Status.INVALID
        batch.save()
    return batch, result.ok
