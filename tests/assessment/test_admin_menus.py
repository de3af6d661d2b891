"""Who sees which assessment screen in the admin menu, and in what order."""

import pytest
from django.test import RequestFactory
from django.urls import reverse
from wagtail.admin.menu import admin_menu

from assessment.viewsets.base import RECORDS_MENU_HOOK
from people import roles
from tests import factories

pytestmark = pytest.mark.django_db

RECORDS_HR = [
    "/admin/service-records/cases/", "/admin/service-records/attendance/", "/admin/records/ratings/",
    "/admin/records/findings/", "/admin/records/commendations/", "/admin/records/rules/", "/admin/records/shifts/",
    "/admin/records/calendar/", "/admin/records/sources/", "/admin/records/finding-types/",
    "/admin/service-records/qr-codes/",
]
RECORDS_SUPERVISOR = [
    "/admin/service-records/cases/", "/admin/service-records/attendance/", "/admin/records/ratings/",
    "/admin/records/findings/", "/admin/records/commendations/", "/admin/records/finding-types/",
]
DASHBOARDS = ["/admin/evaluations/dashboards/", "/admin/evaluations/dashboards/rollups/"]


def _menu(user):
    reverse("wagtailadmin_home")  # the admin's URLs register the viewsets and their menu items
    request = RequestFactory().get("/admin/")
    request.user = user
    top = sorted(admin_menu.menu_items_for_request(request), key=lambda item: item.order)
    records = next(
        (item for item in top if getattr(getattr(item, "menu", None), "register_hook_name", "") == RECORDS_MENU_HOOK),
        None,
    )
    submenu = sorted(records.menu.menu_items_for_request(request), key=lambda i: i.order) if records else []
    return [item.url for item in submenu], [item.url for item in top if item.url in DASHBOARDS]


@pytest.mark.parametrize(
    "role, records, dashboards",
    [
        (roles.HR, RECORDS_HR, DASHBOARDS),
        (roles.ADMIN, RECORDS_HR, DASHBOARDS),
        (roles.SUPERVISOR, RECORDS_SUPERVISOR, DASHBOARDS),
        (roles.TRAINER, [], []),
    ],
)
def test_each_role_sees_its_assessment_screens_in_the_menu(role, records, dashboards):
    factories.ensure_roles()
    assert _menu(factories.make_user_with_role(role, f"menu-{role}")) == (records, dashboards)
