"""Writes of bad-review cases (差评整改): opening them for bad ratings, the supervisor's
verify → rectify → close, the decision on a 可疑 rating, and the staff member's appeal.

A case of an approved month may still be concluded: the change is recorded on the month
(period_change_record) rather than refused.
"""

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from home.db import BATCH_SIZE

from .. import attendance_rules as ar
from .. import rating_rules as rr
from ..models import BadReviewCase, CalendarDay, CaseEvent, CentreRules, PeriodChange, Rating
from ..periods import Period
from .locks import period_change_record, period_locked_for_change
from .rows import chunks


def case_deadlines(opened_on, rules):
    """(verify due, feedback due) of a case opened on `opened_on`: working days by the centre's rules."""
    holidays, workdays = CalendarDay.sets_between(opened_on, opened_on + dt.timedelta(days=90))
    return (
        ar.add_working_days(opened_on, rules.case_verify_days, holidays=holidays, workdays=workdays),
        ar.add_working_days(opened_on, rules.case_feedback_days, holidays=holidays, workdays=workdays),
    )


def _centre_id(rating):
    if rating.window_id:
        return rating.window.centre_id
    if rating.staff_id:
        return rating.staff.centre_id
    return None


def case_open(*, rating, opened_at=None):
    """Open the case of a bad rating (once); due dates count working days from today."""
    centre_id = _centre_id(rating)
    if centre_id is None or not rating.is_bad:
        return None
    opened_at = opened_at or timezone.now()
    rules = CentreRules.for_centre(centre_id)
    verify_due, feedback_due = case_deadlines(timezone.localdate(opened_at), rules)
    case, created = BadReviewCase.objects.get_or_create(
        rating=rating,
        defaults={
            "centre_id": centre_id,
            "staff": rating.staff,
            "opened_at": opened_at,
            "verify_due": verify_due,
            "feedback_due": feedback_due,
        },
    )
    if created:
        CaseEvent.objects.create(case=case, action=CaseEvent.Action.OPENED, at=opened_at)
    return case


def cases_open_for_bad_ratings(*, ticket_nos, source):
    """Cases for the bad ratings among just-imported tickets that have none yet (set-based)."""
    opened = 0
    for chunk in chunks(set(ticket_nos), 2000):
        ratings = (
            Rating.objects.filter(ticket_no__in=chunk, level__in=rr.BAD_LEVELS, case__isnull=True)
            .select_related("window", "staff")
            .order_by()
        )
        ratings = [r for r in ratings if r.source_id == source.pk]  # by 办件编号 alone, as ratings._RatingImport reads
        if not ratings:
            continue
        now = timezone.now()
        centre_ids = {_centre_id(r) for r in ratings} - {None}
        rules = CentreRules.for_centres(centre_ids)
        today = timezone.localdate(now)
        due = {cid: case_deadlines(today, rules[cid]) for cid in centre_ids}
        cases = [
            BadReviewCase(
                rating=r,
                centre_id=_centre_id(r),
                staff=r.staff,
                opened_at=now,
                verify_due=due[_centre_id(r)][0],
                feedback_due=due[_centre_id(r)][1],
            )
            for r in ratings
            if _centre_id(r)
        ]
        BadReviewCase.objects.bulk_create(cases, batch_size=BATCH_SIZE)
        created = BadReviewCase.objects.filter(rating__in=[c.rating for c in cases])
        CaseEvent.objects.bulk_create(
            [CaseEvent(case=c, action=CaseEvent.Action.OPENED, at=now) for c in created], batch_size=BATCH_SIZE
        )
        opened += len(cases)
    return opened


def _can_handle(user, case):
    if not user.has_perm("assessment.change_badreviewcase"):
        return False
    if user.has_perm("assessment.handle_all_centres"):
        return True  # HR and administrators: every centre
    return case.centre.supervisors.filter(pk=user.pk).exists()


def _check(user, case):
    if not _can_handle(user, case):
        raise PermissionDenied


@transaction.atomic
def case_verify(*, case, user, verify_note, revisit_note, staff=None):
    _check(user, case)
    case = BadReviewCase.objects.select_for_update().get(pk=case.pk)
    if case.status != BadReviewCase.Status.OPEN:
        raise ValidationError(_("This case has been verified already."))
    if not verify_note.strip() or not revisit_note.strip():
        raise ValidationError(_("Record the verification and the revisit of the citizen."))
    case.verify_note, case.revisit_note = verify_note.strip(), revisit_note.strip()
    case.verified_at = timezone.now()
    case.status = BadReviewCase.Status.VERIFIED
    if staff is not None and staff.pk != case.staff_id:
        case.staff = staff
        CaseEvent.objects.create(case=case, by=user, action=CaseEvent.Action.REASSIGNED, note=str(staff))
    case.save()
    CaseEvent.objects.create(case=case, by=user, action=CaseEvent.Action.VERIFIED, note=case.verify_note)
    return case


@transaction.atomic
def case_rectify(*, case, user, rectify_note):
    _check(user, case)
    case = BadReviewCase.objects.select_for_update().get(pk=case.pk)
    if case.status != BadReviewCase.Status.VERIFIED:
        raise ValidationError(_("Verify the case first."))
    if not rectify_note.strip():
        raise ValidationError(_("Describe the rectification (or the explanation given)."))
    case.rectify_note = rectify_note.strip()
    case.rectified_at = timezone.now()
    case.status = BadReviewCase.Status.RECTIFIED
    case.save()
    CaseEvent.objects.create(case=case, by=user, action=CaseEvent.Action.RECTIFIED, note=case.rectify_note)
    return case


def _case_locked_period(case):
    """The outcome of a bad review counts in the month of its rating. When that month is
    approved (published, final), the case may still be concluded (daily work does not wait
    for HR): this returns the locked month, whose approved evaluations stay as they are, and
    the caller records the change on it (_case_month_changed). None when the month is open.
    Imports and edits of ratings and attendance of such a month stay refused."""
    rated_at = Rating.objects.filter(pk=case.rating_id).values_list("rated_at", flat=True).get()
    return period_locked_for_change(month=Period.of(rated_at))


def _case_month_changed(case, period, *, kind, summary, user):
    """Record on the approved month that the case changed after approval; the case carries
    the record as `period_change` so the screen can tell the supervisor (None: month open)."""
    case.period_change = None
    if period is not None:
        case.period_change = period_change_record(
            period=period, kind=kind, summary=summary, user=user, case=case, staff=case.staff
        )
    return case


def _case_label(case):
    staff = f"{case.staff.staff_no} {case.staff.name}" if case.staff_id else "—"
    return {"number": case.number, "staff": staff}


@transaction.atomic
def case_close(*, case, user, feedback_note, outcome):
    """Feed back to the citizen and give the outcome: 属实 or 不属实."""
    _check(user, case)
    case = BadReviewCase.objects.select_for_update().select_related("centre").get(pk=case.pk)
    if case.status != BadReviewCase.Status.RECTIFIED:
        raise ValidationError(_("Rectify the case first."))
    if Rating.objects.filter(pk=case.rating_id, suspicion=Rating.Suspicion.PENDING).exists():
        raise ValidationError(_("Accept or reject the suspicious rating first."))
    locked = _case_locked_period(case)
    if outcome not in (BadReviewCase.Outcome.CONFIRMED, BadReviewCase.Outcome.UNFOUNDED):
        raise ValidationError(_("Choose confirmed or unfounded."))
    if not feedback_note.strip():
        raise ValidationError(_("Record the feedback given to the citizen."))
    now = timezone.now()
    case.feedback_note = feedback_note.strip()
    case.closed_at = now
    case.status = BadReviewCase.Status.CLOSED
    if case.appeal_status != BadReviewCase.Appeal.UPHELD:
        case.outcome = outcome
    rules = CentreRules.for_centre(case.centre_id)
    today = timezone.localdate(now)
    holidays, workdays = CalendarDay.sets_between(today, today + dt.timedelta(days=60))
    case.appeal_due = ar.add_working_days(today, rules.case_appeal_days, holidays=holidays, workdays=workdays)
    case.save()
    CaseEvent.objects.create(case=case, by=user, action=CaseEvent.Action.CLOSED, note=f"{case.get_outcome_display()} · {case.feedback_note}")
    summary = _("Case %(number)s (%(staff)s) concluded: %(outcome)s") % (
        _case_label(case) | {"outcome": case.get_outcome_display()}
    )
    return _case_month_changed(case, locked, kind=PeriodChange.Kind.CASE_CLOSED, summary=summary, user=user)


@transaction.atomic
def case_suspicion_decide(*, case, user, accept, note):
    """Decide on a 可疑 (suspicious) rating: accepted, it counts again like any rating; rejected,
    it never counts and its case closes as 不属实. Logged on the case, by whom and why."""
    _check(user, case)
    case = BadReviewCase.objects.select_for_update().get(pk=case.pk)
    rating = Rating.objects.select_for_update().get(pk=case.rating_id)
    if rating.suspicion != Rating.Suspicion.PENDING:
        raise ValidationError(_("This rating is not awaiting a decision."))
    locked = _case_locked_period(case)
    if not note.strip():
        raise ValidationError(_("Give the reason for the decision."))
    rating.suspicion = Rating.Suspicion.ACCEPTED if accept else Rating.Suspicion.REJECTED
    rating.save(update_fields=["suspicion"])
    if not accept and case.status != BadReviewCase.Status.CLOSED:
        case.status = BadReviewCase.Status.CLOSED
        case.closed_at = timezone.now()
        case.outcome = BadReviewCase.Outcome.UNFOUNDED
        case.save(update_fields=["status", "closed_at", "outcome"])
    action = CaseEvent.Action.SUSPICION_ACCEPTED if accept else CaseEvent.Action.SUSPICION_REJECTED
    CaseEvent.objects.create(case=case, by=user, action=action, note=note.strip())
    summary = _("Case %(number)s (%(staff)s): %(decision)s") % (
        _case_label(case) | {"decision": CaseEvent.Action(action).label}
    )
    return _case_month_changed(case, locked, kind=PeriodChange.Kind.SUSPICION, summary=summary, user=user)


@transaction.atomic
def case_appeal(*, case, staff, text):
    """The staff member appeals the bad review (申诉), within the window."""
    case = BadReviewCase.objects.select_for_update().get(pk=case.pk)
    if case.staff_id != staff.pk:
        raise PermissionDenied
    if not case.can_appeal():
        raise ValidationError(_("This case can no longer be appealed."))
    if not text.strip():
        raise ValidationError(_("Explain why the review is wrong."))
    case.appeal_text = text.strip()[:2000]
    case.appealed_at = timezone.now()
    case.appeal_status = BadReviewCase.Appeal.PENDING
    case.save()
    CaseEvent.objects.create(case=case, by=staff.user, action=CaseEvent.Action.APPEALED, note=case.appeal_text)
    return case


@transaction.atomic
def case_appeal_decide(*, case, user, upheld, note):
    """Decide a pending appeal: upheld (申诉成立) excludes the rating from every score."""
    if not user.has_perm("assessment.decide_appeal"):
        raise PermissionDenied
    _check(user, case)
    case = BadReviewCase.objects.select_for_update().get(pk=case.pk)
    if case.appeal_status != BadReviewCase.Appeal.PENDING:
        raise ValidationError(_("There is no pending appeal."))
    locked = _case_locked_period(case)
    if not note.strip():
        raise ValidationError(_("Give the reason for the decision."))
    case.appeal_status = BadReviewCase.Appeal.UPHELD if upheld else BadReviewCase.Appeal.REJECTED
    case.appeal_decision_note = note.strip()
    case.appeal_decided_at = timezone.now()
    if upheld:
        case.outcome = BadReviewCase.Outcome.APPEAL_UPHELD
    case.save()
    CaseEvent.objects.create(
        case=case, by=user, action=CaseEvent.Action.APPEAL_DECIDED, note=f"{case.get_appeal_status_display()} · {note.strip()}"
    )
    summary = _("Case %(number)s (%(staff)s): %(decision)s") % (
        _case_label(case) | {"decision": case.get_appeal_status_display()}
    )
    return _case_month_changed(case, locked, kind=PeriodChange.Kind.CASE_APPEAL, summary=summary, user=user)
