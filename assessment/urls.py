"""Public and portal URLs of the assessment app (included at the site root, before Wagtail)."""

from django.urls import path

from . import dashboard_views, views
from .api import api

app_name = "assessment"

urlpatterns = [
    path("rate/<str:window_code>/", views.rate_window, name="rate"),
    path("rate/<str:window_code>/thanks/", views.rate_thanks, name="rate_thanks"),
    path("me/records/", views.my_records, name="my_records"),
    path("me/records/cases/<int:pk>/", views.my_case, name="my_case"),
    path("me/vendor/records/", views.vendor_records, name="vendor_records"),
    path("me/evaluations/", views.my_evaluations, name="my_evaluations"),
    path("me/evaluations/<str:month>/", views.my_evaluation, name="my_evaluation"),
    path("me/vendor/evaluations/", views.vendor_evaluations, name="vendor_evaluations"),
    path("me/vendor/evaluations/<str:month>/<str:staff_no>/", views.vendor_evaluation, name="vendor_evaluation"),
    path("me/dashboard/", dashboard_views.my_dashboard, name="my_dashboard"),
    path("me/vendor/dashboard/", dashboard_views.vendor_dashboard, name="vendor_dashboard"),
    path("api/v1/", api.urls),
]
