"""The staff member's competition pages under /me/competitions/: thin, scoped to the user's
own staff profile (an account without one is refused)."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import render

from people.models import StaffProfile

from . import selectors


@login_required
def my_competitions(request):
    profile = StaffProfile.objects.only("pk", "name", "user_id").filter(user=request.user).first()
    if profile is None:
        raise PermissionDenied
    return render(request, "competitions/my_competitions.html",
                  {"items": selectors.competitions_for_staff(staff=profile)})
