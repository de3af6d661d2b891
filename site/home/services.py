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


# --- notices: in-portal messages, and their e-mail copy ---------------------------------

from django.conf import settings  # noqa: E402
from django.core.mail import get_connection, EmailMessage  # noqa: E402
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
