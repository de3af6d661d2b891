"""Registration of the organisation directory's admin screens (the classes live in viewsets.py)."""

from django.urls import path
from django.utils.translation import gettext_lazy as _
from wagtail import hooks

from home.hooks import DEMO_LOADER_HOOK
from home.imports import SPREADSHEET_IMPORT_HOOK

from .admin_views import (
    ACTIVATION_LINK_LOG_ACTION,
    RESET_LINK_LOG_ACTION,
    ActivationSheetBulkAction,
    PasswordResetSheetBulkAction,
)
from .audience import AudienceCountView
from .imports import STAFF_ROSTER_IMPORT
from .viewsets import (
    ORGANISATION_MENU_HOOK,
    DirectorySummaryItem,
    OrganisationViewSetGroup,
    roster_import_menu_item,
)


@hooks.register("register_admin_urls")
def register_audience_count_url():
    return [path("people/audience-count/", AudienceCountView.as_view(), name="people_audience_count")]


@hooks.register("register_admin_viewset")
def register_organisation_viewsets():
    return OrganisationViewSetGroup()


@hooks.register(ORGANISATION_MENU_HOOK)
def register_roster_import_menu_item():
    return roster_import_menu_item()


hooks.register("register_bulk_action", ActivationSheetBulkAction)
hooks.register("register_bulk_action", PasswordResetSheetBulkAction)


@hooks.register("register_log_actions")
def register_people_log_actions(actions):
    actions.register_action(
        ACTIVATION_LINK_LOG_ACTION, _("Issue activation link"), _("Activation link issued")
    )
    actions.register_action(
        RESET_LINK_LOG_ACTION, _("Issue password reset link"), _("Password reset link issued")
    )


@hooks.register("construct_homepage_summary_items")
def add_directory_summary_item(request, summary_items):
    summary_items.append(DirectorySummaryItem(request))


@hooks.register(SPREADSHEET_IMPORT_HOOK)
def register_staff_roster_import():
    return STAFF_ROSTER_IMPORT


@hooks.register(DEMO_LOADER_HOOK, order=0)
def load_people_demo(tally):
    from .demo import load_people_demo

    return load_people_demo(tally)
