"""Registration of the exams app's admin screens, import and portal section."""

from django.urls import include, path, reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.menu import MenuItem

from home.imports import SPREADSHEET_IMPORT_HOOK
from people.portal import PORTAL_SECTION_HOOK, PortalSection

from .admin_views import admin_urls
from .imports import question_import_spec
from .viewsets import ExamsViewSetGroup


@hooks.register("register_admin_viewset")
def register_exams_viewsets():
    return ExamsViewSetGroup()


@hooks.register("register_admin_urls")
def register_exams_admin_urls():
    return [path("exams/", include((admin_urls, "exams_admin")))]


class GradingMenuItem(MenuItem):
    def is_shown(self, request):
        return request.user.has_perm("exams.grade_exam")


@hooks.register("register_admin_menu_item")
def register_grading_menu_item():
    return GradingMenuItem(_("Grading queue"), reverse("exams_admin:grading"), icon_name="edit", order=251)


@hooks.register(SPREADSHEET_IMPORT_HOOK)
def register_question_import():
    return question_import_spec()


@hooks.register(PORTAL_SECTION_HOOK)
def exams_portal_section(request):
    return PortalSection(
        key="exams",
        title=_("My exams"),
        description=_("Monthly tests and policy quizzes"),
        icon="考",
        url_name="exams:mine",
        order=20,
    )
