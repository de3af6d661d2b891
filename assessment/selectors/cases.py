"""Reads of bad-review cases: those a user may see, what is overdue, and the counts."""

from django.db.models import Count, Q
from django.utils import timezone

from ..models import BadReviewCase


def cases_for(user):
    """The cases a user may see: HR and administrators all, supervisors their centres'."""
    qs = BadReviewCase.objects.select_related("rating", "centre", "staff", "rating__window")
    if user.has_perm("assessment.handle_all_centres"):
        return qs
    if user.has_perm("assessment.view_badreviewcase"):
        return qs.filter(centre__supervisors=user)
    return qs.none()


def overdue_filter(today=None):
    today = today or timezone.localdate()
    return Q(status=BadReviewCase.Status.OPEN, verify_due__lt=today) | (
        ~Q(status=BadReviewCase.Status.CLOSED) & Q(feedback_due__lt=today)
    )


def case_counts(cases):
    today = timezone.localdate()
    return cases.aggregate(
        open=Count("id", filter=~Q(status=BadReviewCase.Status.CLOSED)),
        overdue=Count("id", filter=overdue_filter(today)),
        appeals=Count("id", filter=Q(appeal_status=BadReviewCase.Appeal.PENDING)),
    )
