"""URLs of the evaluation dashboards: portal pages (included by urls.py) and admin pages
(registered by wagtail_hooks.py under /admin/evaluations/dashboards/)."""

from django.urls import path

from . import dashboard_views

# /me/... pages for staff and vendor managers.
urlpatterns = [
    path("me/dashboard/", dashboard_views.my_dashboard, name="my_dashboard"),
    path("me/vendor/dashboard/", dashboard_views.vendor_dashboard, name="vendor_dashboard"),
]

# Wagtail admin pages for HR and supervisors.
admin_urlpatterns = [
    path("", dashboard_views.HRDashboardView.as_view(), name="hr"),
    path("rollups/", dashboard_views.RollupView.as_view(), name="rollups"),
]
