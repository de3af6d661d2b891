"""Public and portal URLs of the assessment app (included at the site root, before Wagtail)."""

from django.urls import path  # noqa: F401

app_name = "assessment"

urlpatterns = []
