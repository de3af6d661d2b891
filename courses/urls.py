"""Public and portal URLs of the courses app (included at the site root, before Wagtail)."""

from django.urls import path  # noqa: F401

app_name = "courses"

urlpatterns = []
