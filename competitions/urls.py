"""Portal URLs of the competitions app (included at the site root, before Wagtail)."""

from django.urls import path

from . import portal_views

app_name = "competitions"

urlpatterns = [
    path("me/competitions/", portal_views.my_competitions, name="mine"),
]
