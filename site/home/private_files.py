"""Private files: import uploads, inspection photos and whatever else must not be public.

They are kept in the "private" storage (settings.STORAGES; a folder outside MEDIA_ROOT,
under no served URL), under unguessable names, and reached only through the
`private_file` view (home.private_views), which asks the app that owns the file whether
the user may see it. An app declares its files with the `register_private_file_kind`
hook: a `PrivateFileKind` with the folder its names start with and a `resolve(user, name)`
that answers the name to show (the upload's original name) or None when the user may not
see it, one query, no existence oracle.

Behind nginx (production) the view only checks and answers `X-Accel-Redirect`
(PRIVATE_MEDIA_X_ACCEL_PREFIX); nginx sends the file from an `internal` location.
"""

import mimetypes
import os
import secrets
from dataclasses import dataclass
from urllib.parse import quote

from django.conf import settings
from django.core.files.storage import storages
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.http import FileResponse, HttpResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import LazyObject, empty
from wagtail import hooks

PRIVATE_FILE_KIND_HOOK = "register_private_file_kind"

# Shown inline (the admin and the portal show photos); everything else is an attachment.
INLINE_TYPES = {".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".png": "image/png", ".webp": "image/webp"}


class PrivateStorage(LazyObject):
    """settings.STORAGES["private"], looked up when first used (tests swap it). Its URLs
    lead to the guarded view, so every link the admin renders for a private file (the
    file input's "currently", the inspect view) is checked."""

    def _setup(self):
        self._wrapped = storages["private"]

    def url(self, name):
        return reverse("private_file", args=[name])


private_storage = PrivateStorage()


def get_private_storage():
    """The storage of private FileFields (a callable, so migrations name it, not a path)."""
    return private_storage


@receiver(setting_changed)
def _reset_private_storage(*, setting, **kwargs):
    if setting == "STORAGES":
        private_storage._wrapped = empty


def unguessable_name(folder, filename, *, extensions):
    """`folder/YYYY/MM/<32 random hex><ext>`: nothing of the uploaded name but a known
    extension (the original name is kept on the model for display)."""
    ext = os.path.splitext(filename or "")[1].lower()
    if ext not in extensions:
        ext = ""
    return f"{folder}/{timezone.now():%Y/%m}/{secrets.token_hex(16)}{ext}"


def delete_private_file(name):
    """Delete a private file; a missing one is not an error (it may be gone already)."""
    if name:
        private_storage.delete(name)


@dataclass(frozen=True)
class PrivateFileKind:
    folder: str
    # resolve(user, name) -> the file name to show, or None when the user may not see it.
    resolve: callable


def private_file_kinds():
    kinds = {}
    for hook in hooks.get_hooks(PRIVATE_FILE_KIND_HOOK):
        kind = hook()
        kinds[kind.folder] = kind
    return kinds


def kind_of(name):
    folder = name.split("/", 1)[0]
    return private_file_kinds().get(folder)


def private_file_response(name, display_name):
    """The file: from nginx (X-Accel-Redirect, empty body) when configured, else streamed by
    Django. Images inline, anything else as an attachment; never sniffed, never cached."""
    ext = os.path.splitext(name)[1].lower()
    inline = ext in INLINE_TYPES
    content_type = INLINE_TYPES.get(ext) or mimetypes.guess_type(name)[0] or "application/octet-stream"
    display_name = display_name or os.path.basename(name)
    prefix = settings.PRIVATE_MEDIA_X_ACCEL_PREFIX
    if prefix:
        response = HttpResponse(content_type=content_type)
        response["X-Accel-Redirect"] = prefix.rstrip("/") + "/" + quote(name)
        disposition = "inline" if inline else "attachment"
        response["Content-Disposition"] = f"{disposition}; filename*=UTF-8''{quote(display_name)}"
    else:
        response = FileResponse(
            private_storage.open(name, "rb"),
            as_attachment=not inline,
            filename=display_name,
            content_type=content_type,
        )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    # A file opened directly runs nothing and frames nothing.
    response["Content-Security-Policy"] = "default-src 'none'; img-src 'self'; sandbox"
    return response
