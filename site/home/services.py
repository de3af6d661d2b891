"""Writes of site-wide records: import batches."""

import hashlib
import re
from datetime import timedelta
from functools import partial

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from .imports import run_import
from .models import ImportBatch
from .private_files import delete_private_file, private_storage

MAX_STORED_ERRORS = 2000
_CONTROL_CHARACTERS = re.compile(r"[\x00-\x1f\x7f]")


def _record_result(batch, result):
    batch.summary = {
        **result.summary(),
        "side_effects": result.side_effects,
        # Each changed person's before → after (the roster: 生效日期, pay base, centre …).
        "changes": result.changes[:MAX_STORED_ERRORS],
        "preview": [[row, status, values] for row, status, values in result.preview],
    }
    batch.errors = [str(e) for e in result.errors[:MAX_STORED_ERRORS]]


def import_batch_check(*, spec, uploaded_file, user):
    """Validate an upload without writing anything (the preview). Only a file that passes
    the checks is kept, in the private storage under a random name, until it is confirmed,
    cancelled or abandoned; a file with errors is never stored."""
    if not user.has_perm(spec.permission):
        raise PermissionDenied
    content = uploaded_file.read()
    batch = ImportBatch(
        kind=spec.key,
        original_name=_CONTROL_CHARACTERS.sub("", uploaded_file.name)[:255] or "upload",
        sha256=hashlib.sha256(content).hexdigest(),
        uploaded_by=user,
        permission=spec.permission,
    )
    result = run_import(spec, content, uploaded_file.name, dry_run=True, user=user)
    _record_result(batch, result)
    batch.status = ImportBatch.Status.PREVIEWED if result.ok else ImportBatch.Status.INVALID
    if result.ok:
        uploaded_file.seek(0)
        batch.file.save(uploaded_file.name, uploaded_file, save=False)
    try:
        batch.full_clean()
        batch.save()
    except BaseException:
        delete_private_file(batch.file.name)
        raise
    return batch


def _release_file(batch, status):
    """Set the batch's final status and delete its file once that is committed."""
    stored = batch.file.name
    batch.status = status
    batch.file = ""
    batch.save()
    if stored:
        transaction.on_commit(partial(_delete_import_file, stored))


def _delete_import_file(name):
    delete_private_file(name)
    # Uploads of older versions were stored in the public media folder under the same field.
    from django.core.files.storage import default_storage

    if default_storage.exists(name):
        default_storage.delete(name)


def import_batch_confirm(*, spec, batch_id, user):
    """Import a previewed file for real. Confirming twice imports once. Whatever the outcome,
    the file is deleted afterwards (the record keeps the summary and the errors)."""
    if not user.has_perm(spec.permission):
        raise PermissionDenied
    with transaction.atomic():
        batch = ImportBatch.objects.select_for_update().get(pk=batch_id, kind=spec.key)
        if batch.status != ImportBatch.Status.PREVIEWED:
            return batch, False
        if not batch.file or not private_storage.exists(batch.file.name):
            # Purged meanwhile, or stored by an older version in the public media folder.
            _release_file(batch, ImportBatch.Status.EXPIRED)
            return batch, False
        with batch.file.open("rb") as handle:
            content = handle.read()
        # Validated again: the data may have changed since the preview.
        result = run_import(spec, content, batch.original_name, dry_run=False, user=user)
        _record_result(batch, result)
        if result.ok:
            batch.imported_at = timezone.now()
        _release_file(batch, ImportBatch.Status.IMPORTED if result.ok else ImportBatch.Status.INVALID)
    return batch, result.ok


def import_batch_cancel(*, spec, batch_id, user):
    """Abandon a previewed upload: nothing is imported and the file is deleted."""
    if not user.has_perm(spec.permission):
        raise PermissionDenied
    with transaction.atomic():
        batch = ImportBatch.objects.select_for_update().get(pk=batch_id, kind=spec.key)
        if batch.status != ImportBatch.Status.PREVIEWED:
            return batch, False
        _release_file(batch, ImportBatch.Status.CANCELLED)
    return batch, True


def import_files_purge(*, now=None, older_than=None):
    """Housekeeping (manage.py purge_import_files): previews not confirmed within
    `older_than` (settings.IMPORT_FILE_RETENTION_HOURS) become expired; every file of a
    batch that is done or abandoned is deleted, and so are stray files in the private
    imports folder that no batch holds and, from older versions, uploads still in the
    public media folder. Returns (batches expired, files deleted). Safe to run again."""
    from django.conf import settings
    from django.core.files.storage import default_storage

    now = now or timezone.now()
    if older_than is None:
        older_than = timedelta(hours=settings.IMPORT_FILE_RETENTION_HOURS)
    cutoff = now - older_than
    deleted = 0
    with transaction.atomic():
        stale = list(
            ImportBatch.objects.select_for_update()
            .filter(status=ImportBatch.Status.PREVIEWED, created_at__lt=cutoff)
            .values_list("pk", "file")
        )
        ImportBatch.objects.filter(pk__in=[pk for pk, _name in stale]).update(
            status=ImportBatch.Status.EXPIRED, file=""
        )
        done = list(
            ImportBatch.objects.exclude(status=ImportBatch.Status.PREVIEWED).exclude(file="").values_list("pk", "file")
        )
        ImportBatch.objects.filter(pk__in=[pk for pk, _name in done]).update(file="")
    kept = set(ImportBatch.objects.exclude(file="").values_list("file", flat=True))
    for _pk, name in stale + done:
        if name and private_storage.exists(name):
            private_storage.delete(name)
            deleted += 1
    for name in _stored_names(private_storage, "imports"):
        if name not in kept and private_storage.get_modified_time(name) < cutoff:
            private_storage.delete(name)
            deleted += 1
    # Nothing is stored in the public media folder's imports/ any more: what is left there
    # is an older version's upload (the whole roster, readable by anyone with the link).
    for name in _stored_names(default_storage, "imports"):
        default_storage.delete(name)
        deleted += 1
    return len(stale), deleted


def _stored_names(storage, folder):
    """Every file under `folder` of a storage (an empty list when it does not exist)."""
    try:
        folders, files = storage.listdir(folder)
    except (FileNotFoundError, NotADirectoryError):
        return []
    names = [f"{folder}/{name}" for name in files]
    for sub in folders:
        names.extend(_stored_names(storage, f"{folder}/{sub}"))
    return names


# --- notices: in-portal messages, and their e-mail copy ---------------------------------

from django.conf import settings  # noqa: E402
from django.core.mail import EmailMessage, get_connection  # noqa: E402
from django.utils.http import url_has_allowed_host_and_scheme  # noqa: E402

from .models import Notice  # noqa: E402


def notices_for(user):
    """The user's notices, newest first (a queryset)."""
    return Notice.objects.filter(recipient=user)


def notice_unread_count(user):
    """How many of the user's notices are unread (one query; 0 when logged out)."""
    if user is None or not user.is_authenticated:
        return 0
    return Notice.objects.filter(recipient_id=user.pk, read_at__isnull=True).count()


def notice_safe_url(url):
    """The notice's link when it is a path on this site, else ""."""
    url = (url or "").strip()
    if url.startswith("/") and url_has_allowed_host_and_scheme(url, allowed_hosts=None):
        return url
    return ""


@transaction.atomic
def notices_send(*, key, recipients, title, body="", url="", email=True):
    """Give each of `recipients` ((user_id, email) pairs) the notice for the event `key`,
    unless they already have it: set-based (2 queries and one bulk insert) and idempotent.
    E-mail goes, after the commit, to the new recipients who have an address. Returns the
    user ids that were notified now."""
    recipients = dict(recipients)
    if not recipients:
        return []
    told = set(Notice.objects.filter(key=key, recipient_id__in=list(recipients)).values_list("recipient_id", flat=True))
    new = [user_id for user_id in recipients if user_id not in told]
    Notice.objects.bulk_create(
        [Notice(recipient_id=user_id, key=key, title=title[:200], body=body, url=notice_safe_url(url)) for user_id in new],
        ignore_conflicts=True,
    )
    addresses = [recipients[user_id] for user_id in new if recipients[user_id]]
    if email and addresses:
        link = f"{settings.WAGTAILADMIN_BASE_URL.rstrip('/')}{notice_safe_url(url)}" if notice_safe_url(url) else ""
        text = "\n\n".join(part for part in (body, link) if part)
        transaction.on_commit(lambda: _send_emails(title, text, addresses))
    return new


def _send_emails(subject, text, addresses):
    """One message per person (nobody sees the others' addresses), over one connection."""
    with get_connection() as connection:
        connection.send_messages([EmailMessage(subject, text, to=[address]) for address in addresses])


def notice_mark_read(*, user, notice_id):
    """Mark one of the user's notices read; returns it (None if it is not theirs)."""
    notice = Notice.objects.filter(recipient_id=user.pk, pk=notice_id).first()
    if notice is not None and notice.read_at is None:
        notice.read_at = timezone.now()
        notice.save(update_fields=["read_at"])
    return notice


def notices_mark_all_read(*, user):
    return Notice.objects.filter(recipient_id=user.pk, read_at__isnull=True).update(read_at=timezone.now())


def notices_mark_read_by_keys(*, user_id, keys):
    """Mark read the user's unread notices about the events `keys` (the task they announce
    is done). One query; returns how many."""
    keys = [key for key in keys if key]
    if not user_id or not keys:
        return 0
    return Notice.objects.filter(recipient_id=user_id, key__in=keys, read_at__isnull=True).update(
        read_at=timezone.now()
    )


# --- background tasks -------------------------------------------------------------------------


def orphan_tasks_requeue(*, worker_id=None, running_longer_than=None, now=None):
    """Put back in the queue the tasks a dead worker left RUNNING: those claimed last by
    `worker_id` (called as that worker starts again: whatever it had claimed died with it), or
    those running longer than `running_longer_than` (a host that never came back). The tasks
    are idempotent (a compute is one transaction; reminders skip whoever was reminded), so
    running one again gives what an uninterrupted run gives. Returns the number requeued."""
    from django_tasks import TaskResultStatus
    from django_tasks_db.models import DBTaskResult

    if worker_id is None and running_longer_than is None:
        raise ValueError("Name the worker or the age of the tasks to requeue.")
    now = now or timezone.now()
    running = DBTaskResult.objects.filter(status=TaskResultStatus.RUNNING)
    if running_longer_than is not None:
        running = running.filter(started_at__lt=now - running_longer_than)
    with transaction.atomic():
        orphans = [pk for pk, workers in running.select_for_update().values_list("pk", "worker_ids")
                   if worker_id is None or (workers and workers[-1] == worker_id)]
        return DBTaskResult.objects.filter(pk__in=orphans).update(status=TaskResultStatus.READY, started_at=None)
