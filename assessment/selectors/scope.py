"""Whose records a user may see: the service centres in their scope, and staff id lists."""

from django.db.models import Q


def staff_ids(staff):
    """Accept staff ids, profiles or a queryset."""
    if hasattr(staff, "values_list"):
        return staff.values_list("pk", flat=True)
    return [getattr(s, "pk", s) for s in staff]


def centre_scope(user):
    """The ids of the service centres whose records a user may see, or None for every centre.

    HR and administrators (the all-centres permission) see every centre; everyone else only
    the centres they supervise (ServiceCentre.supervisors), which may be none. Cached on the
    user object for the request. One query."""
    if user.has_perm("assessment.handle_all_centres"):
        return None
    cached = getattr(user, "_frontline_centre_scope", None)
    if cached is None:
        from people.models import ServiceCentre

        cached = frozenset(ServiceCentre.objects.filter(supervisors=user).values_list("pk", flat=True))
        user._frontline_centre_scope = cached
    return cached


def in_centre_scope(queryset, user, lookup):
    """`queryset` narrowed to the centres `user` may see. `lookup` is the path from the model
    to its service centre ("centre", "staff__centre"), or several paths (any may match)."""
    ids = centre_scope(user)
    if ids is None:
        return queryset
    condition = Q()
    for path in (lookup,) if isinstance(lookup, str) else lookup:
        condition |= Q(**{f"{path}__in": list(ids)})
    return queryset.filter(condition)


def staff_in_scope(user, queryset=None):
    """The staff profiles a user may see or record something about (their centres' staff)."""
    from people.models import StaffProfile

    return in_centre_scope(StaffProfile.objects.all() if queryset is None else queryset, user, "centre")
