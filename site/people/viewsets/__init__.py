"""Wagtail admin screens of the organisation directory, grouped under one Organisation menu."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from wagtail.admin.menu import MenuItem
from wagtail.admin.site_summary import SummaryItem
from wagtail.admin.viewsets.model import ModelViewSetGroup

from .. import selectors
from .directory import PostViewSet, ServiceCentreViewSet, VendorCompanyViewSet, WindowViewSet
from .staff import (
    ACTIVATION_SHEET_ACTION,
    RESET_SHEET_ACTION,
    CentreMoveViewSet,
    StaffPayBaseViewSet,
    StaffProfileFilterSet,
    StaffProfileViewSet,
    VendorManagerViewSet,
    staff_search_q,
)

__all__ = [
    "ACTIVATION_SHEET_ACTION",
    "ORGANISATION_MENU_HOOK",
    "RESET_SHEET_ACTION",
    "DirectorySummaryItem",
    "OrganisationViewSetGroup",
    "StaffProfileFilterSet",
    "roster_import_menu_item",
    "staff_search_q",
]

# Sub-menu items registered under this hook name appear in the Organisation menu.
ORGANISATION_MENU_HOOK = "register_organisation_menu_item"


class OrganisationViewSetGroup(ModelViewSetGroup):
    menu_label = _("Organisation")
    menu_icon = "group"
    menu_order = 200
    submenu_hook = ORGANISATION_MENU_HOOK
    items = (
        StaffProfileViewSet("people_staff", url_prefix="people/staff"),
        ServiceCentreViewSet("people_service_centres", url_prefix="people/service-centres"),
        WindowViewSet("people_windows", url_prefix="people/windows"),
        VendorCompanyViewSet("people_vendor_companies", url_prefix="people/vendor-companies"),
        PostViewSet("people_posts", url_prefix="people/posts"),
        VendorManagerViewSet("people_vendor_managers", url_prefix="people/vendor-managers"),
        CentreMoveViewSet("people_centre_moves", url_prefix="people/centre-moves"),
        StaffPayBaseViewSet("people_pay_bases", url_prefix="people/pay-bases"),
    )


class RosterImportMenuItem(MenuItem):
    """Links to the roster import screens (upload → preview → confirm)."""

    def is_shown(self, request):
        return request.user.has_perm("people.add_staffprofile")


def roster_import_menu_item():
    return RosterImportMenuItem(
        _("Import staff roster"),
        reverse("wagtailadmin_home") + "imports/staff/",
        name="import-staff-roster",
        icon_name="upload",
        order=10,
    )


class DirectorySummaryItem(SummaryItem):
    """Dashboard figures: active service centres, vendors and staff."""

    order = 200
    template_name = "people/admin/site_summary_directory.html"

    def get_context_data(self, parent_context):
        return {"counts": selectors.directory_counts()}

    def is_shown(self):
        return self.request.user.has_perm("people.view_staffprofile")
