"""Reads of ratings, set-based: which ratings count, and per person the valid ratings per
level, their mean points, confirmed bad reviews and cases still pending."""

from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, Q

from home.db import ids_filter

from .. import rating_rules as rr
from ..models import BadReviewCase, CentreRules, Rating
from .scope import staff_ids


def valid_ratings():
    """Ratings that count: not superseded by a later rating of the ticket from the same source,
    not a system default, not held as 可疑 (suspicious, until a supervisor accepts it) and not
    excluded by an upheld appeal."""
    return (
        Rating.objects.filter(superseded=False, suspicion__in=Rating.COUNTED_SUSPICION)
        .exclude(channel=rr.SYSTEM_DEFAULT_CHANNEL)
        .exclude(case__outcome=BadReviewCase.Outcome.APPEAL_UPHELD)
    )


@dataclass
class RatingSummary:
    level_counts: dict = field(default_factory=lambda: dict.fromkeys(rr.LEVEL_LABELS, 0))
    mean_points: Decimal | None = None
    confirmed_bad: dict = field(default_factory=lambda: {rr.DISSATISFIED: 0, rr.VERY_DISSATISFIED: 0})
    pending_cases: int = 0

    @property
    def valid_count(self):
        return sum(self.level_counts.values())

    @property
    def bad_count(self):
        return sum(self.level_counts[level] for level in rr.BAD_LEVELS)

    @property
    def confirmed_dissatisfied(self):
        return self.confirmed_bad[rr.DISSATISFIED]


def rating_summaries(*, period, staff, with_means=True):
    """{staff id: RatingSummary}: valid ratings per level and their mean points (with each
    person's centre's points), confirmed bad reviews per level and cases still pending.
    Four queries whatever the number of people; two without the means (the evaluation
    computes its own, with the centre it evaluates the person at)."""
    from people.models import StaffProfile

    ids = list(staff_ids(staff))
    start, end = period.moments()
    result = {staff_id: RatingSummary() for staff_id in ids}
    level_rows = (
        valid_ratings()
        .filter(ids_filter("staff_id", ids), rated_at__gte=start, rated_at__lt=end)
        .values("staff_id", "level")
        .annotate(n=Count("id"))
    )
    for row in level_rows:
        if row["staff_id"] in result:
            result[row["staff_id"]].level_counts[row["level"]] = row["n"]
    case_rows = (
        BadReviewCase.objects.filter(
            ids_filter("staff_id", ids),
            rating__rated_at__gte=start,
            rating__rated_at__lt=end,
            rating__superseded=False,
            rating__suspicion__in=Rating.COUNTED_SUSPICION,
        )
        .exclude(rating__channel=rr.SYSTEM_DEFAULT_CHANNEL)
        .values("staff_id")
        .annotate(
            confirmed_dissatisfied=Count(
                "id", filter=Q(outcome=BadReviewCase.Outcome.CONFIRMED, rating__level=rr.DISSATISFIED)
            ),
            confirmed_very=Count(
                "id", filter=Q(outcome=BadReviewCase.Outcome.CONFIRMED, rating__level=rr.VERY_DISSATISFIED)
            ),
            pending=Count("id", filter=Q(outcome="") | Q(appeal_status=BadReviewCase.Appeal.PENDING)),
        )
    )
    for row in case_rows:
        summary = result.get(row["staff_id"])
        if summary is None:
            continue
        summary.confirmed_bad = {rr.DISSATISFIED: row["confirmed_dissatisfied"], rr.VERY_DISSATISFIED: row["confirmed_very"]}
        summary.pending_cases = row["pending"]
    if not with_means:
        return result
    centres = dict(StaffProfile.objects.filter(pk__in=ids).values_list("pk", "centre_id"))
    rules = CentreRules.for_centres(set(centres.values()))
    for staff_id, summary in result.items():
        if summary.valid_count and staff_id in centres:
            summary.mean_points = rr.mean_points(summary.level_counts, rules[centres[staff_id]].points())
    return result


def unmatched_ratings_count(*, period):
    """Valid ratings of the month that name no staff member (only a window): a blocker. One query."""
    start, end = period.moments()
    return valid_ratings().filter(staff__isnull=True, rated_at__gte=start, rated_at__lt=end).count()
