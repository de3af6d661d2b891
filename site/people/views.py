from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import render

from . import selectors
from .portal import portal_sections
from .privacy import can_see_personal_data


@login_required
def portal_home(request):
    profile = selectors.staff_profile_for(request.user)
    return render(
        request,
        "people/portal_home.html",
        {
            "profile": profile,
            "sections": [s for s in portal_sections(request) if profile or not s.needs_profile],
            "vendor": selectors.vendor_for_manager(request.user),
        },
    )


@login_required
def vendor_staff(request):
    vendor = selectors.vendor_for_manager(request.user)
    if vendor is None:
        raise PermissionDenied
    search = request.GET.get("q", "").strip()
    staff = selectors.staff_list(vendor=vendor, search=search)
    page = Paginator(staff, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "people/vendor_staff.html",
        {
            "vendor": vendor,
            "page": page,
            "search": search,
            "by_centre": selectors.vendor_headcount_by_centre(vendor=vendor),
            "show_personal": can_see_personal_data(request.user),
        },
    )
