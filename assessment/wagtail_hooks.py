"""Registration of the assessment app's admin screens, imports, portal sections and demo data."""

from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.permissions import register_permission_policy

from home.hooks import DEMO_LOADER_HOOK
from home.imports import SPREADSHEET_IMPORT_HOOK
from home.private_files import PRIVATE_FILE_KIND_HOOK
from people.portal import PORTAL_SECTION_HOOK, PortalSection

from .imports import ATTENDANCE_IMPORT, RATINGS_IMPORT, RATINGS_PROVINCIAL_IMPORT
from .models import Evaluation, EvaluationAppeal, EvaluationPeriod
from .services import RATING_EDIT_LOG_ACTION
from .viewsets.attendance import AttendanceViewSet
from .viewsets.cases import CasesSummaryItem, CaseViewSet
from .viewsets.chooser import staff_chooser_viewset
from .viewsets.dashboards import EvaluationDashboardViewSet, RollupViewSet
from .viewsets.evaluations import (
    ComputeEvaluationsViewSet,
    EvaluationsViewSetGroup,
    PaySheetViewSet,
    ViewOnlyPermissionPolicy,
)
from .viewsets.records import RatingLogFormatter, RatingQRCodesViewSet, RecordsViewSetGroup


@hooks.register(PRIVATE_FILE_KIND_HOOK)
def register_inspection_photos():
    from .private_files import private_file_kind

    return private_file_kind()


@hooks.register(SPREADSHEET_IMPORT_HOOK)
def register_attendance_import():
    return ATTENDANCE_IMPORT


@hooks.register(SPREADSHEET_IMPORT_HOOK)
def register_ratings_import():
    return RATINGS_IMPORT


@hooks.register(SPREADSHEET_IMPORT_HOOK)
def register_provincial_ratings_import():
    return RATINGS_PROVINCIAL_IMPORT


@hooks.register(PORTAL_SECTION_HOOK)
def records_portal_section(request):
    return PortalSection(
        key="records",
        title=_("My service records"),
        description=_("Ratings, attendance, inspections and commendations"),
        icon="服",
        url_name="assessment:my_records",
        order=30,
    )


@hooks.register(PORTAL_SECTION_HOOK)
def evaluations_portal_section(request):
    return PortalSection(
        key="evaluations",
        title=_("My evaluations"),
        description=_("Monthly scores, grades and appeals"),
        icon="评",
        url_name="assessment:my_evaluations",
        order=40,
    )


@hooks.register("register_admin_viewset")
def register_records_viewsets():
    # The 服务记录 menu: the record listings, then the cases, attendance and QR screens,
    # which add their own items to it (RECORDS_MENU_HOOK).
    return [
        RecordsViewSetGroup(), staff_chooser_viewset, CaseViewSet(), AttendanceViewSet(), RatingQRCodesViewSet(),
    ]


@hooks.register("register_log_actions")
def register_rating_log_actions(actions):
    actions.register_action(RATING_EDIT_LOG_ACTION)(RatingLogFormatter)


@hooks.register("construct_homepage_summary_items")
def add_cases_summary_item(request, summary_items):
    summary_items.append(CasesSummaryItem(request))


# Evaluations are written by the compute only: the admin may view them, never edit
# (the month's status changes through the workflow's buttons on the month page).
register_permission_policy(Evaluation, ViewOnlyPermissionPolicy(Evaluation))
register_permission_policy(EvaluationPeriod, ViewOnlyPermissionPolicy(EvaluationPeriod))
# Appeals are filed on the site and decided on their own page (services check the role).
register_permission_policy(EvaluationAppeal, ViewOnlyPermissionPolicy(EvaluationAppeal))


@hooks.register("register_admin_viewset")
def register_evaluations_viewsets():
    return [
        EvaluationsViewSetGroup(), ComputeEvaluationsViewSet(), PaySheetViewSet(), EvaluationDashboardViewSet(),
        RollupViewSet(),
    ]


@hooks.register(PORTAL_SECTION_HOOK)
def dashboard_portal_section(request):
    # The portal lists sections for staff; vendor managers reach their company's dashboard
    # at assessment:vendor_dashboard (/me/vendor/dashboard/).
    return PortalSection(
        key="dashboard",
        title=_("My dashboard"),
        description=_("My score trend and my components against my centre"),
        icon="图",
        url_name="assessment:my_dashboard",
        order=45,
    )


@hooks.register(DEMO_LOADER_HOOK, order=40)
def load_records_demo(tally):
    from .demo import load_service_records

    load_service_records(tally)
