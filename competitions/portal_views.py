"""The staff member's competition pages under /me/competitions/: thin, scoped to the user's
own staff profile (an account without one is refused); and the public verification page of
an award certificate."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET

from home.qr import mask_name, qr_svg
from people.models import StaffProfile

from . import selectors


def _own_profile(request):
    profile = StaffProfile.objects.only("pk", "name", "user_id").filter(user=request.user).first()
    if profile is None:
        raise PermissionDenied
    return profile


@login_required
def my_competitions(request):
    profile = _own_profile(request)
    return render(request, "competitions/my_competitions.html",
                  {"items": selectors.competitions_for_staff(staff=profile)})


@require_GET
@login_required
def certificate(request, code):
    """My award's printable certificate (A4 landscape), with a QR code of its public
    verification page; an award of withdrawn results says so instead. Nobody else's: 404."""
    profile = _own_profile(request)
    award = selectors.award_by_code(code)
    if award is None or award.staff_id != profile.pk:
        raise Http404
    context = {"award": award, "withdrawn": award.snapshot.withdrawn_at is not None}
    if not context["withdrawn"]:
        verify_url = request.build_absolute_uri(reverse("competitions:certificate_verify", args=[award.code]))
        context.update(verify_url=verify_url, qr_svg=qr_svg(verify_url, scale=4, border=2, dark="#111827"))
    return render(request, "competitions/certificate.html", context)


@require_GET
def certificate_verify(request, code):
    """Public: anyone holding a printed award certificate can check it (no login). Withdrawn
    results show as invalid with the date, never the (internal) reason."""
    award = selectors.award_by_code(code)
    if award is None:
        # Echo what was asked, printable characters only and short.
        shown = "".join(ch for ch in str(code) if ch.isprintable())[:24]
        return render(request, "competitions/certificate_verify.html", {"code": shown}, status=404)
    context = {"award": award, "masked_name": mask_name(award.staff.name),
               "withdrawn_at": award.snapshot.withdrawn_at}
    return render(request, "competitions/certificate_verify.html", context)
