"""Reads of the organisation directory. Set-based: callers get querysets, never loops."""

import datetime as dt
from collections import defaultdict

from django.db.models import Count, DateField, F, OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce, Least

from . import roles
from .models import CentreMove, ServiceCentre, StaffPayBase, StaffProfile, VendorCompany, VendorManager


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


# --- Employment dates and dated history ---------------------------------------------------


def employed_between(first, last, *, prefix=""):
    """A Q on StaffProfile (or through `prefix`, e.g. "staff__"): employed on at least one day
    of [first, last] (DESIGN "Who is evaluated": 入职日期 ≤ last, and 离职日期 empty or ≥ first).
    An unknown hire date counts as employed."""
    hire, leave = f"{prefix}hire_date", f"{prefix}leave_date"
    return (Q(**{f"{hire}__isnull": True}) | Q(**{f"{hire}__lte": last})) & (
        Q(**{f"{leave}__isnull": True}) | Q(**{f"{leave}__gte": first})
    )


def employment_span(hire_date, leave_date, first, last):
    """The days of [first, last] a person was employed: (first day, last day), or None."""
    start = max(first, hire_date) if hire_date else first
    end = min(last, leave_date) if leave_date else last
    return (start, end) if start <= end else None


def pay_base_in_force(month_last):
    """An expression for StaffProfile querysets: the pay base in force on `month_last`, or
    on the person's last working day when that comes first (DESIGN: a month is paid with the
    values in force in it). From the dated history; the earliest entry when the history
    starts later, the profile's own figure when it has none. Correlated subqueries on the
    (staff, effective_from) index: no query of its own."""
    day = Least(Coalesce(OuterRef("leave_date"), Value(month_last)), Value(month_last), output_field=DateField())
    entries = StaffPayBase.objects.filter(staff_id=OuterRef("pk"))
    in_force = entries.filter(effective_from__lte=day).order_by("-effective_from").values("amount")[:1]
    earliest = entries.order_by("effective_from").values("amount")[:1]
    return Coalesce(Subquery(in_force), Subquery(earliest), F("pay_base"))


def pay_base_histories(staff_ids):
    """{staff id: [(effective_from, amount), ...]} in date order. One query."""
    histories = defaultdict(list)
    for staff_id, day, amount in (
        StaffPayBase.objects.filter(staff_id__in=list(staff_ids))
        .order_by("staff_id", "effective_from")
        .values_list("staff_id", "effective_from", "amount")
    ):
        histories[staff_id].append((day, amount))
    return histories


def centre_move_histories(staff_ids):
    """{staff id: [CentreMove, ...]} in date order. One query."""
    histories = defaultdict(list)
    moves = CentreMove.objects.filter(staff_id__in=list(staff_ids)).select_related("from_centre", "to_centre")
    for move in moves.order_by("staff_id", "moved_on", "pk"):
        histories[move.staff_id].append(move)
    return histories


def value_on(history, day, default):
    """The value of a dated history [(from day, value), ...] (date order) in force on `day`:
    the latest entry from that day or before, else the earliest entry, else `default`."""
    value = history[0][1] if history else default
    for since, entry in history:
        if since > day:
            break
        value = entry
    return value


def centre_on(moves, day, current_centre_id):
    """The centre a person worked at on `day`, from their moves (date order) and current centre."""
    if not moves:
        return current_centre_id
    centre = moves[0].from_centre_id or current_centre_id
    for move in moves:
        if move.moved_on > day:
            break
        centre = move.to_centre_id
    return centre
