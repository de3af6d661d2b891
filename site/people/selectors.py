"""Reads of the organisation directory. Set-based: callers get querysets, never loops."""

import datetime as dt
from collections import defaultdict

from django.db.models import Count, Q

from . import roles
from .models import CentreMove, ServiceCentre, StaffProfile, VendorCompany, VendorManager


def user_role_names(user):
    """The role (group) names of a user, cached on the user object for the request."""
    if not user.is_authenticated:
        return frozenset()
    cached = getattr(user, "_frontline_roles", None)
    if cached is None:
        cached = frozenset(user.groups.values_list("name", flat=True))
        user._frontline_roles = cached
    return cached


def user_has_role(user, *role_names):
    return bool(user_role_names(user) & set(role_names))


def staff_profile_for(user):
    """The user's own staff profile, or None."""
    if not user.is_authenticated:
        return None
    try:
        return StaffProfile.objects.select_related("centre", "window", "vendor", "post").get(user=user)
    except StaffProfile.DoesNotExist:
        return None


def vendor_for_manager(user):
    """The vendor company a vendor manager belongs to, or None."""
    if not user.is_authenticated or not user_has_role(user, roles.VENDOR):
        return None
    manager = VendorManager.objects.select_related("vendor").filter(user=user).first()
    return manager.vendor if manager else None


def staff_list(*, centre=None, vendor=None, active=True, search=None):
    qs = StaffProfile.objects.select_related("centre", "window", "vendor", "post")
    if active is not None:
        qs = qs.filter(active=active)
    if centre is not None:
        qs = qs.filter(centre=centre)
    if vendor is not None:
        qs = qs.filter(vendor=vendor)
    if search:
        qs = qs.filter(Q(staff_no__icontains=search) | Q(name__icontains=search))
    return qs.order_by("staff_no")


def vendor_headcount_by_centre(*, vendor):
    """Active headcount of a vendor's staff per service centre (one query)."""
    return (
        ServiceCentre.objects.filter(staff__vendor=vendor, staff__active=True)
        .annotate(headcount=Count("staff"))
        .order_by("name")
        .values("name", "headcount")
    )


def directory_counts():
    """Figures for the admin dashboard panel: one query per table."""
    return {
        "centres": ServiceCentre.objects.filter(active=True).count(),
        "vendors": VendorCompany.objects.filter(active=True).count(),
        "staff": StaffProfile.objects.filter(active=True).count(),
    }


def audience_filter(*, centre_ids=(), post_ids=(), vendor_ids=(), individuals=()):
    """The people an audience describes, as a Q on StaffProfile: every dimension that is set
    (centres, posts, vendors) must match, and people named individually are included as well.
    `individuals` may be ids or a queryset of staff profiles (kept as a subquery)."""
    condition = Q()
    for field, ids in (("centre_id", centre_ids), ("post_id", post_ids), ("vendor_id", vendor_ids)):
        ids = list(ids)
        if ids:
            condition &= Q(**{f"{field}__in": ids})
    named = Q(pk__in=individuals.values("pk") if hasattr(individuals, "values") else list(individuals))
    return (condition | named) if condition != Q() else named


def audience_filter_of(audience):
    """`audience_filter` for a model with centres/posts/vendors/individuals many-to-manys
    (a course assignment, an exam): 3 queries."""
    return audience_filter(
        centre_ids=audience.centres.values_list("pk", flat=True),
        post_ids=audience.posts.values_list("pk", flat=True),
        vendor_ids=audience.vendors.values_list("pk", flat=True),
        individuals=audience.individuals.all(),
    )


def centre_segments(*, staff_ids, start, end):
    """Where each person worked between two dates (inclusive), from their centre moves.

    Returns {staff id: [(centre id, first day, last day), ...]} in date order, for the
    people among `staff_ids` who did not spend the whole span at their current centre
    (they moved during it, or after it); everyone else worked all of it at their current
    centre. Two queries, whatever the number of people.
    """
    wanted = set(staff_ids)
    moves_by_staff = defaultdict(list)
    # Moves are few: read all since `start` rather than send thousands of ids.
    for move in CentreMove.objects.filter(moved_on__gt=start).order_by("staff_id", "moved_on", "pk"):
        if move.staff_id in wanted:
            moves_by_staff[move.staff_id].append(move)
    if not moves_by_staff:
        return {}
    current = dict(StaffProfile.objects.filter(pk__in=list(moves_by_staff)).values_list("pk", "centre_id"))
    segments = {}
    for staff_id, moves in moves_by_staff.items():
        first = moves[0]
        centre_id = first.from_centre_id or current[staff_id]
        day, rows = start, []
        for move in moves:
            if move.moved_on > end:
                break
            if move.moved_on > day:
                rows.append((centre_id, day, move.moved_on - dt.timedelta(days=1)))
            centre_id, day = move.to_centre_id, move.moved_on
        rows.append((centre_id, day, end))
        if rows != [(current[staff_id], start, end)]:
            segments[staff_id] = rows
    return segments


def centre_names(centre_ids):
    """{centre id: name}. One query."""
    return dict(ServiceCentre.objects.filter(pk__in=list(centre_ids)).values_list("pk", "name"))
