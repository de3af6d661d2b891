"""URLs of the evaluation dashboards: portal pages (included by urls.py) and admin pages
(registered by wagtail_hooks.py under /admin/evaluations/dashboards/)."""

from django.urls import path  # noqa: F401

from . import dashboard_views  # noqa: F401

# /me/... pages for staff and vendor managers.
urlpatterns = []

# Wagtail admin pages for HR and supervisors.
admin_urlpatterns = []
