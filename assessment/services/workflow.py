"""Writes of a month's workflow and of staff appeals against their evaluation.

DESIGN: draft (computed) → reviewed → approved (locked) → published → appeal window (5
working days) → final. Each step is one transaction on the locked period row, checks the
role and the current status, and leaves a history row with who, when and why.
"""

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from home.services import notices_send

from .. import attendance_rules as ar
from .. import roles
from ..models import CalendarDay, EvaluationAppeal, EvaluationPeriod
from ..selectors.evaluations import describe_blocker, evaluation_recipients

APPEAL_WORKING_DAYS = 5


def require_permission(user, permission, message):
    if user is None or not user.is_authenticated or not user.has_perm(permission):
        raise PermissionDenied(message)


def _locked_period(period):
    """The period row, locked for the transaction. `period`: an EvaluationPeriod or its month."""
    month = period.month if isinstance(period, EvaluationPeriod) else str(period)
    record = EvaluationPeriod.objects.select_for_update().filter(month=month).first()
    if record is None:
        raise ValidationError(_("The evaluations of %(month)s have not been computed yet.") % {"month": month})
    return record


def expect_status(record, statuses, action):
    if record.status not in statuses:
        raise ValidationError(
            _("%(month)s is %(status)s: it cannot be %(action)s now.")
            % {"month": record.month, "status": record.get_status_display(), "action": action}
        )


def _reason(label, note):
    note = (note or "").strip()
    return f"{label}：{note}" if note else str(label)


def save_period(record, *, user, reason):
    record._history_user = user
    record._change_reason = reason
    record.full_clean()
    record.save()


def period_review(*, period, user, note=""):
    """复核: HR has checked the computed draft."""
    require_permission(user, roles.REVIEW_EVALUATIONS, _("Only HR may review a month's evaluations."))
    with transaction.atomic():
        record = _locked_period(period)
        expect_status(record, [EvaluationPeriod.Status.DRAFT], _("reviewed"))
        if record.computed_at is None or not record.evaluations.exists():
            raise ValidationError(_("%(month)s has no computed evaluations to review.") % {"month": record.month})
        if record.task_state in ("queued", "running"):
            raise ValidationError(_("%(month)s is being computed; wait until it is done.") % {"month": record.month})
        record.status = EvaluationPeriod.Status.REVIEWED
        record.reviewed_at = timezone.now()
        record.reviewed_by = user
        save_period(record, user=user, reason=_reason(_("Reviewed"), note))
    return record


def period_approve(*, period, user, signed_off, acknowledgements=(), note=""):
    """审批: an HR approver signs the month off; it is locked from now on.

    `signed_off` must be True (a deliberate sign-off). Every blocker still listed needs a
    note in `acknowledgements` (same order as period.blockers) saying why the approver
    accepts it; otherwise the approval is refused.
    """
    require_permission(user, roles.APPROVE_EVALUATIONS, _("Only an HR approver may approve a month's evaluations."))
    with transaction.atomic():
        record = _locked_period(period)
        expect_status(record, [EvaluationPeriod.Status.REVIEWED], _("approved"))
        if not signed_off:
            raise ValidationError(_("Tick the sign-off to approve: you confirm the figures and the pay."))
        notes = [str(n or "").strip() for n in acknowledgements]
        missing = [
            describe_blocker(blocker)
            for i, blocker in enumerate(record.blockers)
            if i >= len(notes) or not notes[i]
        ]
        if missing:
            raise ValidationError(
                _("Blockers remain. Resolve them and recompute, or acknowledge each with a note: %(list)s")
                % {"list": "；".join(missing)}
            )
        record.acknowledged_blockers = [
            {"blocker": describe_blocker(blocker), "note": notes[i]} for i, blocker in enumerate(record.blockers)
        ]
        record.status = EvaluationPeriod.Status.APPROVED
        record.approved_at = timezone.now()
        record.approved_by = user
        record.reopen_reason = ""
        reason = note
        if record.acknowledged_blockers:
            acknowledged = _("%(n)d blockers acknowledged") % {"n": len(record.acknowledged_blockers)}
            reason = f"{note}（{acknowledged}）" if note else acknowledged
        save_period(record, user=user, reason=_reason(_("Approved"), reason))
    return record


def period_reopen(*, period, user, reason):
    """Back to draft, with a mandatory reason: the inputs may change and the month be recomputed."""
    require_permission(user, roles.REOPEN_EVALUATIONS, _("Only HR may reopen a month's evaluations."))
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(_("Give the reason for reopening the month."))
    with transaction.atomic():
        record = _locked_period(period)
        _reopen(record, user=user, reason=reason)
    return record


def _reopen(record, *, user, reason):
    expect_status(
        record,
        [EvaluationPeriod.Status.REVIEWED, EvaluationPeriod.Status.APPROVED, EvaluationPeriod.Status.PUBLISHED],
        _("reopened"),
    )
    record.status = EvaluationPeriod.Status.DRAFT
    record.reopen_reason = reason[:500]
    record.reviewed_at = record.reviewed_by = None
    record.approved_at = record.approved_by = None
    record.acknowledged_blockers = []
    record.appeal_deadline = None
    save_period(record, user=user, reason=_reason(_("Reopened"), reason))


def appeal_deadline_for(published_on):
    """The last day to appeal: 5 working days after publication (the service-record calendar)."""
    holidays, workdays = CalendarDay.sets_between(published_on, published_on + dt.timedelta(days=60))
    return ar.add_working_days(published_on, APPEAL_WORKING_DAYS, holidays=holidays, workdays=workdays)


def period_publish(*, period, user, note=""):
    """Publish an approved month to staff: their receipts open, the appeal window starts,
    and everyone evaluated gets a notice."""
    require_permission(user, roles.PUBLISH_EVALUATIONS, _("Only HR may publish a month's evaluations."))
    with transaction.atomic():
        record = _locked_period(period)
        expect_status(record, [EvaluationPeriod.Status.APPROVED], _("published"))
        now = timezone.now()
        record.status = EvaluationPeriod.Status.PUBLISHED
        record.published_at = now
        record.published_by = user
        record.appeal_deadline = appeal_deadline_for(timezone.localdate(now))
        save_period(record, user=user, reason=_reason(_("Published"), note))
        deadline = f"{record.appeal_deadline:%Y-%m-%d}"
        notices_send(
            key=f"evaluations:published:{record.month}:{now:%Y%m%d%H%M%S}",
            recipients=evaluation_recipients(record),
            title=_("Your evaluation of %(month)s is published") % {"month": record.month},
            body=_("Read your score receipt. If you disagree, you may appeal until %(deadline)s.")
            % {"deadline": deadline},
            url=reverse("assessment:my_evaluation", args=[record.month]),
        )
    return record


def period_finalize(*, period, user=None, today=None):
    """Final: the appeal window has closed and no appeal is pending. `user` None is the
    scheduled command (a person approved and published the figures before)."""
    if user is not None:
        require_permission(user, roles.PUBLISH_EVALUATIONS, _("Only HR may finalize a month's evaluations."))
    today = today or timezone.localdate()
    with transaction.atomic():
        record = _locked_period(period)
        expect_status(record, [EvaluationPeriod.Status.PUBLISHED], _("finalized"))
        if record.appeal_deadline and today <= record.appeal_deadline:
            raise ValidationError(
                _("Staff may appeal %(month)s until %(deadline)s: it can be finalized after that.")
                % {"month": record.month, "deadline": f"{record.appeal_deadline:%Y-%m-%d}"}
            )
        pending = EvaluationAppeal.objects.filter(
            evaluation__period=record, status=EvaluationAppeal.Status.PENDING
        ).count()
        if pending:
            raise ValidationError(
                _("%(n)d appeals of %(month)s are still pending: decide them first.")
                % {"n": pending, "month": record.month}
            )
        record.status = EvaluationPeriod.Status.FINAL
        record.finalized_at = timezone.now()
        label = _("Finalized") if user is not None else _("Finalized automatically after the appeal window")
        save_period(record, user=user, reason=str(label))
    return record


def periods_finalize_due(*, today=None):
    """Finalize every published month whose appeal window has closed and has no pending
    appeal (the cron command). Returns (finalized months, {month: why not})."""
    today = today or timezone.localdate()
    done, skipped = [], {}
    due = EvaluationPeriod.objects.filter(
        status=EvaluationPeriod.Status.PUBLISHED, appeal_deadline__lt=today
    ).values_list("month", flat=True)
    for month in list(due):
        try:
            period_finalize(period=month, today=today)
        except ValidationError as exc:
            skipped[month] = " ".join(exc.messages)
        else:
            done.append(month)
    return done, skipped


# --- Appeals (申诉) -----------------------------------------------------------------------

APPEAL_MAX_LENGTH = 2000


def evaluation_appeal_submit(*, evaluation, staff, reason, today=None):
    """A staff member appeals their own published evaluation, within the window; one open
    appeal per evaluation."""
    today = today or timezone.localdate()
    if evaluation.staff_id != staff.pk:
        raise PermissionDenied(_("You may appeal only your own evaluation."))
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(_("Say why you disagree with the evaluation."))
    if len(reason) > APPEAL_MAX_LENGTH:
        raise ValidationError(_("At most %(n)d characters.") % {"n": APPEAL_MAX_LENGTH})
    with transaction.atomic():
        record = EvaluationPeriod.objects.select_for_update().get(pk=evaluation.period_id)
        if not record.appeal_open(today):
            raise ValidationError(_("The appeal window of %(month)s is closed.") % {"month": record.month})
        if EvaluationAppeal.objects.filter(evaluation=evaluation, status=EvaluationAppeal.Status.PENDING).exists():
            raise ValidationError(_("Your appeal of this month is already with HR."))
        appeal = EvaluationAppeal(evaluation=evaluation, reason=reason)
        appeal._history_user = staff.user if staff.user_id else None
        appeal._change_reason = _("Appealed")
        appeal.full_clean()
        appeal.save()
    return appeal


def evaluation_appeal_decide(*, appeal, user, upheld, note):
    """HR decides an appeal with a note. Upheld: the month is reopened with the decision as
    the reason, so HR corrects the inputs, recomputes (the quota of the centre too) and
    approves and publishes again; every changed figure is logged with that reason."""
    require_permission(user, roles.DECIDE_EVALUATION_APPEALS, _("Only HR may decide evaluation appeals."))
    note = (note or "").strip()
    if not note:
        raise ValidationError(_("Write the decision: the staff member reads it on their receipt."))
    with transaction.atomic():
        appeal = (
            EvaluationAppeal.objects.select_for_update()
            .select_related("evaluation__staff")
            .get(pk=appeal.pk)
        )
        record = EvaluationPeriod.objects.select_for_update().get(pk=appeal.evaluation.period_id)
        if appeal.status != EvaluationAppeal.Status.PENDING:
            raise ValidationError(_("This appeal has been decided already."))
        if record.status == EvaluationPeriod.Status.FINAL:
            raise ValidationError(_("%(month)s is final.") % {"month": record.month})
        appeal.status = EvaluationAppeal.Status.UPHELD if upheld else EvaluationAppeal.Status.REJECTED
        appeal.decided_at = timezone.now()
        appeal.decided_by = user
        appeal.decision_note = note
        appeal._history_user = user
        appeal._change_reason = _reason(appeal.get_status_display(), note)
        appeal.full_clean()
        appeal.save()
        if upheld and record.status != EvaluationPeriod.Status.DRAFT:
            staff = appeal.evaluation.staff
            _reopen(
                record,
                user=user,
                reason=_("Appeal of %(staff_no)s %(name)s upheld: %(note)s")
                % {"staff_no": staff.staff_no, "name": staff.name, "note": note},
            )
    return appeal


