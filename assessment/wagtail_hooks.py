from django.urls import include, path
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.permissions import register_permission_policy

from home.hooks import DEMO_LOADER_HOOK
from home.imports import SPREADSHEET_IMPORT_HOOK
from home.private_files import PRIVATE_FILE_KIND_HOOK
from people.portal import PORTAL_SECTION_HOOK, PortalSection

from .admin_urls import urlpatterns as admin_urlpatterns
from .dashboard_urls import admin_urlpatterns as dashboard_admin_urlpatterns
from .dashboard_views import admin_menu_items as dashboard_menu_items
from .imports import ATTENDANCE_IMPORT, RATINGS_IMPORT, RATINGS_PROVINCIAL_IMPORT
from .models import Evaluation, EvaluationAppeal, EvaluationPeriod
from .viewsets import (
    RECORDS_MENU_HOOK,
    CasesSummaryItem,
    ComputeEvaluationsView,
    EvaluationsViewSetGroup,
    RecordsViewSetGroup,
    ViewOnlyPermissionPolicy,
    records_menu_items,
    staff_chooser_viewset,
)


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


@hooks.register("register_admin_urls")
def register_records_admin_urls():
    return [path("service-records/", include((admin_urlpatterns, "assessment_admin")))]


@hooks.register("register_admin_viewset")
def register_records_viewsets():
    return RecordsViewSetGroup()


@hooks.register("register_admin_viewset")
def register_staff_chooser():
    return staff_chooser_viewset


def _menu_item(index):
    # One hook per item of the 服务记录 menu (a submenu hook returns one item each).
    def hook():
        return records_menu_items()[index]

    return hook


for _index in range(3):
    hooks.register(RECORDS_MENU_HOOK, _menu_item(_index))


@hooks.register("register_log_actions")
def register_rating_log_actions(actions):
    from .services import RATING_EDIT_LOG_ACTION
    from .viewsets import RatingLogFormatter

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
    return EvaluationsViewSetGroup()


@hooks.register("register_admin_urls")
def register_evaluations_admin_urls():
    return [
        path("evaluations/compute/", ComputeEvaluationsView.as_view(), name="assessment_compute_evaluations"),
    ]


# --- Dashboards (owned by the dashboards work; keep the workflow's hooks above) --------


@hooks.register("register_admin_urls")
def register_dashboard_admin_urls():
    return [path("evaluations/dashboards/", include((dashboard_admin_urlpatterns, "assessment_dashboards")))]


@hooks.register("register_admin_menu_item")
def register_dashboard_menu_item():
    return dashboard_menu_items()[0]


@hooks.register("register_admin_menu_item")
def register_rollup_menu_item():
    return dashboard_menu_items()[1]


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
