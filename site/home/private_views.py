"""The one door to private files (see home.private_files)."""

from django.http import Http404
from django.views.decorators.http import require_GET

from .private_files import kind_of, private_file_response, private_storage


@require_GET
def private_file(request, name):
    """The file, to a user its app allows; 404 to everyone else, alike for a file that does
    not exist, one they may not see and one already deleted (no oracle)."""
    if not request.user.is_authenticated or ".." in name.split("/"):
        raise Http404
    kind = kind_of(name)
    if kind is None:
        raise Http404
    display_name = kind.resolve(request.user, name)
    if display_name is None or not private_storage.exists(name):
        raise Http404
    return private_file_response(name, display_name)
