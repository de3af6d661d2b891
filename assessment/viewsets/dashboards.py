"""The evaluation dashboard and the quarter and year roll-ups in the main menu, for HR and
administrators (every centre, with pay) and supervisors (their centres, without pay)."""

from django.urls import path
from django.utils.translation import gettext_lazy as _
from wagtail.permission_policies.base import BasePermissionPolicy

from ..dashboard_views import HRDashboardView, RollupView, can_open_dashboard
from ..models import Evaluation
from .base import ScreenViewSet


class DashboardPermissionPolicy(BasePermissionPolicy):
    """`view`: whoever may view evaluations, and supervisors (dashboard_views.can_open_dashboard)."""

    def __init__(self):
        super().__init__(Evaluation)

    def user_has_permission(self, user, action):
        return action == "view" and user.is_authenticated and can_open_dashboard(user)

    def user_has_any_permission(self, user, actions):
        return any(self.user_has_permission(user, action) for action in actions)


class EvaluationDashboardViewSet(ScreenViewSet):
    name = "assessment_dashboard"
    url_prefix = "evaluations/dashboards"
    icon = "view"
    menu_label = _("Evaluation dashboard")
    menu_order = 265
    add_to_admin_menu = True
    permission_policy = DashboardPermissionPolicy()

    def get_urlpatterns(self):
        return [path("", self.construct_view(HRDashboardView), name="index")]


class RollupViewSet(ScreenViewSet):
    name = "assessment_rollups"
    url_prefix = "evaluations/dashboards/rollups"
    icon = "list-ol"
    menu_label = _("Quarter and year roll-ups")
    menu_order = 266
    add_to_admin_menu = True
    permission_policy = DashboardPermissionPolicy()

    def get_urlpatterns(self):
        return [path("", self.construct_view(RollupView), name="index")]
