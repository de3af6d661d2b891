"""The month lock: once a month's evaluations are approved, its pay-affecting inputs may not
change until HR reopens it; the daily work that cannot wait is recorded on the month."""

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from ..models import EvaluationPeriod, PeriodChange
from ..selectors.evaluations import locked_months


def period_ensure_open(*, months, what):
    """Refuse a change to pay-affecting inputs (`what`, e.g. "考勤") of an approved month.

    `months`: "YYYY-MM" strings, dates or Periods the change touches. Raises ValidationError
    naming the locked months; HR must first reopen the month with a reason.
    """
    locked = sorted(locked_months(months))
    if locked:
        raise ValidationError(
            _(
                "The evaluations of %(months)s are approved: %(what)s of that month can no longer "
                "change. HR must first reopen the month, giving a reason."
            )
            % {"months": "、".join(locked), "what": what}
        )


def period_locked_for_change(*, month):
    """The approved (published, final) EvaluationPeriod of `month` (a Period or "YYYY-MM"),
    locked for the transaction, or None when the month is open (draft, reviewed, never
    computed).

    For the daily work that may not wait for a reopen (concluding bad-review cases): the
    change goes through, the approved evaluations stay as they are, and the caller records
    it with period_change_record. The row lock serialises it with approval and recompute, so
    a change is either in the figures or on the month's list, never lost between them."""
    record = EvaluationPeriod.objects.select_for_update().filter(month=str(month)).first()
    return record if record is not None and record.locked else None


def period_change_record(*, period, kind, summary, user=None, case=None, staff=None):
    """Log a pay-affecting change to the locked month `period` (审批后变更): who, when, what.
    HR sees it on the month's page until a recompute after a reopen applies it."""
    change = PeriodChange(
        period=period,
        kind=kind,
        summary=str(summary)[:500],
        period_status=period.status,
        case=case,
        staff=staff,
        by=user if user is not None and user.is_authenticated else None,
        at=timezone.now(),
    )
    change.full_clean()
    change.save()
    return change
