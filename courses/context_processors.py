"""Counts in the site header for a logged-in person: policy updates waiting for their
acknowledgement and unread notices. Lazy: nothing is queried unless a template shows them
(the Wagtail admin never does), then one cheap query each."""

from functools import cached_property

from home.services import notice_unread_count
from people import roles
from people.selectors import user_has_role

from . import selectors


class HeaderCounts:
    def __init__(self, user):
        self.user = user

    @cached_property
    def is_staff_member(self):
        return bool(self.user and self.user.is_authenticated and user_has_role(self.user, roles.STAFF))

    @cached_property
    def pending_acknowledgements(self):
        return selectors.pending_acknowledgement_count(user=self.user) if self.is_staff_member else 0

    @cached_property
    def unread_notices(self):
        return notice_unread_count(self.user)


def header_counts(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"header_counts": HeaderCounts(user)}
