from django.urls import include, path, reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop
from wagtail import hooks
from wagtail.admin.menu import MenuItem

from .admin_language import WAGTAIL_ADMIN_STRINGS
from .imports import registered_imports
from .private_files import PRIVATE_FILE_KIND_HOOK, PrivateFileKind
from .urls_admin import import_urls

# Admin strings Wagtail 8.0's own zh_Hans catalogue lacks (the breadcrumb of every "new"
# form read "New: 试卷"). Named here, they stay in site/locale, which Django reads first.
# admin_language holds the rest (and registers the help menu hook when imported).
WAGTAIL_STRINGS_TRANSLATED_HERE = [gettext_noop("New: %(model_name)s"), *WAGTAIL_ADMIN_STRINGS]


@hooks.register("register_admin_urls")
def register_import_urls():
    return [path("imports/", include((import_urls, "frontline_imports")))]


class ImportsMenuItem(MenuItem):
    def is_shown(self, request):
        return any(request.user.has_perm(s.permission) for s in registered_imports().values())


@hooks.register("register_admin_menu_item")
def register_imports_menu_item():
    return ImportsMenuItem(_("Imports"), reverse("frontline_imports:index"), icon_name="upload", order=900)


@hooks.register("register_admin_menu_item")
def register_help_menu_item():
    return MenuItem(_("User guides"), reverse("help:index"), icon_name="help", order=10000)


@hooks.register(PRIVATE_FILE_KIND_HOOK)
def register_import_files():
    from .selectors import import_file_name_for

    return PrivateFileKind(folder="imports", resolve=import_file_name_for)
