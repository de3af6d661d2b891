from django.urls import path

from . import help_views

app_name = "help"

urlpatterns = [
    path("", help_views.help_index, name="index"),
    path("screenshots/<str:name>", help_views.help_screenshot, name="screenshot"),
    path("<slug:slug>/", help_views.help_guide, name="guide"),
]
