"""Reads of monthly evaluations: who is evaluated, schemes, blockers, receipts, the workflow's
next actions, appeals and the log of figures."""

import datetime as dt
from collections import Counter

from django.db.models import Count, Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from .. import rating_rules as rr
from ..models import (
    BadReviewCase,
    CentreRules,
    Evaluation,
    EvaluationPeriod,
    SchemeVersion,
)
from ..periods import Period
from .ratings import unmatched_ratings_count


def rating_points_by_centre(centre_ids):
    """{centre id: {level: points}} from each centre's service-record rules. One query."""
    return {cid: rules.points() for cid, rules in CentreRules.for_centres(centre_ids).items()}


def evaluation_staff(*, period):
    """Who is evaluated in the month (DESIGN "Who is evaluated"): everyone employed on at
    least one day of it (入职日期 ≤ month end, 离职日期 empty or ≥ month start), whether or
    not their profile or account is still active, with what the evaluation needs; the pay
    base is the one in force at the month's end (a leaver's: on their last day), from the
    dated history. One query."""
    from people.models import StaffProfile
    from people.selectors import employed_between, pay_base_in_force

    return list(
        StaffProfile.objects.filter(employed_between(period.first, period.last))
        .annotate(pay_base_of_month=pay_base_in_force(period.last))
        .order_by("staff_no")
        .values(
            "pk", "staff_no", "name", "centre_id", "centre__name", "vendor_id", "pay_base_of_month",
            "hire_date", "leave_date", "active",
        )
    )


def current_scheme_versions(centre_ids):
    """({centre id: SchemeVersion}, default SchemeVersion or None): each scheme's newest
    version, for the given centres and the default scheme. One query."""
    newest = {}
    rows = (
        SchemeVersion.objects.filter(Q(scheme__centre_id__in=list(centre_ids)) | Q(scheme__centre__isnull=True))
        .select_related("scheme")
        .order_by("scheme_id", "-number")
    )
    for version in rows:
        newest.setdefault(version.scheme_id, version)
    by_centre = {v.scheme.centre_id: v for v in newest.values() if v.scheme.centre_id is not None}
    default = next((v for v in newest.values() if v.scheme.centre_id is None), None)
    return by_centre, default


def published_evaluations_of(staff):
    """A staff member's own evaluations that staff may read (published or final), newest first."""
    return (
        Evaluation.objects.filter(staff=staff, period__status__in=EvaluationPeriod.VISIBLE_TO_STAFF)
        .select_related("period", "centre", "scheme_version__scheme")
        .order_by("-period__month")
    )


def published_evaluations_of_vendor(vendor):
    """A vendor company's staff's published (or final) evaluations, newest month first."""
    return (
        Evaluation.objects.filter(vendor=vendor, period__status__in=EvaluationPeriod.VISIBLE_TO_STAFF)
        .select_related("period", "staff", "centre", "scheme_version__scheme")
        .order_by("-period__month", "staff__staff_no")
    )


# Kinds of blockers: what HR must look at before a month's evaluations are approved.
BLOCKER_NO_ATTENDANCE = "no_attendance"
BLOCKER_PENDING_CASES = "pending_cases"
BLOCKER_UNMATCHED_RATINGS = "unmatched_ratings"
BLOCKER_NO_LEAVE_DATE = "no_leave_date"


def _has_attendance_while_employed(period):
    """An Exists() on staff querysets: any attendance record on the days of the month the
    person was employed (a leaver's days after their last day, a newcomer's before their
    first, do not count)."""
    from django.db.models import DateField, Exists, OuterRef, Value
    from django.db.models.functions import Coalesce

    from ..models import AttendanceDay

    return Exists(
        AttendanceDay.objects.filter(
            staff=OuterRef("pk"),
            date__range=(period.first, period.last),
            date__gte=Coalesce(OuterRef("hire_date"), Value(period.first), output_field=DateField()),
            date__lte=Coalesce(OuterRef("leave_date"), Value(period.last), output_field=DateField()),
        )
    )


def evaluation_blockers(*, period):
    """What stands in the way of approving the month, as JSON-safe dicts: active people with
    no attendance record at all (D would read 100 for missing data), people with bad-review
    cases of the month still pending, and ratings of the month that name no staff member.
    Three queries."""
    from people.models import StaffProfile
    from people.selectors import employed_between

    start, end = period.moments()
    employed = employed_between(period.first, period.last)
    no_attendance = (
        StaffProfile.objects.filter(employed)
        .filter(~_has_attendance_while_employed(period))
        .order_by("staff_no")
        .values_list("staff_no", "name")
    )
    blockers = [{"kind": BLOCKER_NO_ATTENDANCE, "staff_no": no, "name": name} for no, name in no_attendance]
    # Deactivated without a last working day: still evaluated every month until HR enters it.
    blockers += [
        {"kind": BLOCKER_NO_LEAVE_DATE, "staff_no": no, "name": name}
        for no, name in StaffProfile.objects.filter(employed)
        .filter(Q(active=False) | Q(user__is_active=False), leave_date__isnull=True)
        .order_by("staff_no")
        .values_list("staff_no", "name")
    ]
    # Pending cases are few (the open ones of every month): they are read whole and the month
    # picked here. With the month in the WHERE, SQLite drives the join from the month's
    # ratings, 200,000 index probes for a 10,000-person centre.
    pending = Counter(
        (staff_no, name)
        for staff_no, name, rated_at, superseded, channel in BadReviewCase.objects.filter(
            employed_between(period.first, period.last, prefix="staff__")
        )
        .filter(Q(outcome="") | Q(appeal_status=BadReviewCase.Appeal.PENDING))
        .values_list("staff__staff_no", "staff__name", "rating__rated_at", "rating__superseded", "rating__channel")
        if start <= rated_at < end and not superseded and channel != rr.SYSTEM_DEFAULT_CHANNEL
    )
    blockers += [
        {"kind": BLOCKER_PENDING_CASES, "staff_no": staff_no, "name": name, "count": n}
        for (staff_no, name), n in sorted(pending.items())
    ]
    unmatched = unmatched_ratings_count(period=period)
    if unmatched:
        blockers.append({"kind": BLOCKER_UNMATCHED_RATINGS, "count": unmatched})
    return blockers


def describe_blocker(blocker):
    """A blocker as one sentence for HR."""
    from django.utils.translation import gettext

    if blocker["kind"] == BLOCKER_NO_ATTENDANCE:
        return gettext("%(staff_no)s %(name)s: no attendance record this month.") % blocker
    if blocker["kind"] == BLOCKER_NO_LEAVE_DATE:
        return gettext(
            "%(staff_no)s %(name)s: deactivated without a last working day (离职日期), so still evaluated; "
            "enter the last day in their profile."
        ) % blocker
    if blocker["kind"] == BLOCKER_PENDING_CASES:
        return gettext("%(staff_no)s %(name)s: %(count)d bad-review cases still pending.") % blocker
    return gettext("%(count)d ratings of the month name no staff member.") % blocker

# --- The score receipt -----------------------------------------------------------------

_COMPONENT_NAMES = {
    "R": _("R ratings"),
    "D": _("D discipline"),
    "T": _("T tests"),
    "L": _("L learning"),
}
_LINE_NAMES = {
    "rating_mean": _("mean points of valid ratings"),
    "bad_review_dissatisfied": _("confirmed 不满意"),
    "bad_review_very_dissatisfied": _("confirmed 非常不满意"),
    "attendance_late": pgettext_lazy("attendance", "late"),
    "attendance_serious_late": _("seriously late"),
    "attendance_early": _("left early"),
    "attendance_serious_early": _("left seriously early"),
    "attendance_missing_punch": _("missing punch"),
    "attendance_absent_half_day": _("half-day absence"),
    "attendance_absent_full_day": _("full-day absence"),
    "inspection_finding": _("inspection finding"),
    "exam": _("exam"),
    "learning_due": _("items due"),
    "learning_on_time": _("completed on time"),
}


def receipt_components(evaluation):
    """The receipt's component rows (name, weight, value, labelled lines) from the stored inputs."""
    components = evaluation.inputs.get("components", {})
    return [
        {
            "key": key,
            "name": name,
            "value": components.get(key, {}).get("value"),
            "weight": components.get(key, {}).get("weight"),
            "lines": [
                line | {"name": _LINE_NAMES.get(line["code"], line["code"])}
                for line in components.get(key, {}).get("lines", [])
            ],
        }
        for key, name in _COMPONENT_NAMES.items()
    ]


def locked_months(months):
    """The months among `months` ("YYYY-MM" strings, dates or Periods) whose evaluations
    are approved, published or final: their pay-affecting inputs may not change. One query."""
    wanted = {str(Period.of(m)) if isinstance(m, dt.date) else str(m) for m in months}
    if not wanted:
        return set()
    return set(
        EvaluationPeriod.objects.filter(month__in=wanted, status__in=EvaluationPeriod.LOCKED).values_list(
            "month", flat=True
        )
    )


# --- The workflow: next actions, counts, recipients, appeals and the log ----------------

def grade_counts(period):
    """[(grade, label, count)] of a month, every grade listed (zeros too). One query."""
    from ..models.evaluations import Grade

    counts = dict(
        Evaluation.objects.filter(period=period).values_list("grade").annotate(n=Count("id")).order_by()
    )
    return [(value, label, counts.get(value, 0)) for value, label in Grade.choices]


def evaluation_recipients(period):
    """(user id, e-mail) of everyone evaluated in the month who has an account. One query."""
    return list(
        Evaluation.objects.filter(period=period, staff__user__isnull=False, staff__user__is_active=True).values_list(
            "staff__user_id", "staff__user__email"
        )
    )


# Action keys of the month page, in workflow order.
ACTION_COMPUTE = "compute"
ACTION_REVIEW = "review"
ACTION_APPROVE = "approve"
ACTION_REOPEN = "reopen"
ACTION_PUBLISH = "publish"
ACTION_FINALIZE = "finalize"


def period_actions(period, user, *, today, pending_appeals=0):
    """The next actions `user` may take on the month (keys above), by status and role."""
    from .. import roles

    status = EvaluationPeriod.Status
    busy = period.task_state in ("queued", "running")
    allowed = []
    if period.status == status.DRAFT and user.has_perm(roles.COMPUTE_EVALUATIONS) and not busy:
        allowed.append(ACTION_COMPUTE)
    if period.status == status.DRAFT and period.computed_at and user.has_perm(roles.REVIEW_EVALUATIONS) and not busy:
        allowed.append(ACTION_REVIEW)
    if period.status == status.REVIEWED and user.has_perm(roles.APPROVE_EVALUATIONS):
        allowed.append(ACTION_APPROVE)
    if period.status == status.APPROVED and user.has_perm(roles.PUBLISH_EVALUATIONS):
        allowed.append(ACTION_PUBLISH)
    if (
        period.status == status.PUBLISHED
        and user.has_perm(roles.PUBLISH_EVALUATIONS)
        and not period.appeal_open(today)
        and not pending_appeals
    ):
        allowed.append(ACTION_FINALIZE)
    if period.status in (status.REVIEWED, status.APPROVED, status.PUBLISHED) and user.has_perm(
        roles.REOPEN_EVALUATIONS
    ):
        allowed.append(ACTION_REOPEN)
    return allowed


def appeal_queue():
    """Every appeal with what the queue shows, pending first, then newest."""
    from django.db.models import Case, IntegerField, Value, When

    from ..models import EvaluationAppeal

    return (
        EvaluationAppeal.objects.select_related(
            "evaluation__staff", "evaluation__centre", "evaluation__vendor", "evaluation__period", "decided_by"
        )
        .annotate(
            open_first=Case(
                When(status=EvaluationAppeal.Status.PENDING, then=Value(0)), default=Value(1),
                output_field=IntegerField(),
            )
        )
        .order_by("open_first", "-created_at")
    )


def pending_appeal_count(period):
    from ..models import EvaluationAppeal

    return EvaluationAppeal.objects.filter(evaluation__period=period, status=EvaluationAppeal.Status.PENDING).count()


def appeals_of(evaluation):
    """One evaluation's appeals, newest first."""
    return list(evaluation.appeals.select_related("decided_by").order_by("-created_at"))


def appeals_by_evaluation(evaluation_ids):
    """{evaluation id: newest appeal} for a list of evaluations (the vendor's list). One query."""
    from ..models import EvaluationAppeal

    newest = {}
    for appeal in EvaluationAppeal.objects.filter(evaluation_id__in=list(evaluation_ids)).order_by("-created_at"):
        newest.setdefault(appeal.evaluation_id, appeal)
    return newest


def appeals_of_staff(staff):
    """A staff member's appeals of every month, newest first (shown even while a month is
    reopened after an upheld appeal)."""
    from ..models import EvaluationAppeal

    return EvaluationAppeal.objects.filter(evaluation__staff=staff).select_related("evaluation__period").order_by(
        "-created_at"
    )


# The figures the log compares, with their labels.
LOG_FIGURES = (
    ("ratings", _("R ratings")),
    ("discipline", _("D discipline")),
    ("tests", _("T tests")),
    ("learning", _("L learning")),
    ("total", _("weighted total")),
    ("bonus", _("bonus")),
    ("score", pgettext_lazy("evaluation", "score")),
    ("grade", pgettext_lazy("evaluation", "grade")),
    ("coefficient", _("pay coefficient")),
    ("pay_base", _("performance pay base")),
    ("pay", _("performance pay")),
)
LOG_LIMIT = 300


def _who(row, prefix="history_user__"):
    name = (row.get(f"{prefix}first_name") or "") + (row.get(f"{prefix}last_name") or "")
    return name or row.get(f"{prefix}username") or _("the system")


def _figure_changes(rows):
    """Log lines of changed figures from historical evaluation rows ordered by (id, date)."""
    from ..models.evaluations import GRADE_LABELS_ZH

    lines, previous = [], {}
    for row in rows:
        before = previous.get(row["id"])
        previous[row["id"]] = row
        if before is None:
            continue
        changes = []
        for field, label in LOG_FIGURES:
            old, new = before[field], row[field]
            if old != new:
                if field == "grade":
                    old, new = GRADE_LABELS_ZH.get(old, old), GRADE_LABELS_ZH.get(new, new)
                changes.append({"figure": label, "before": old, "after": new})
        if changes:
            lines.append(
                {
                    "when": row["history_date"],
                    "who": _who(row),
                    "action": _("Figures changed"),
                    "staff": f"{row['staff__staff_no']} {row['staff__name']}",
                    "changes": changes,
                    "why": row["history_change_reason"] or "",
                }
            )
    return lines


_HISTORY_VALUES = (
    "history_date", "history_change_reason", "history_user__username", "history_user__first_name",
    "history_user__last_name",
)


def evaluation_figure_log(*, period=None, evaluation=None, limit=LOG_LIMIT):
    """Changed figures (before → after, who, when, why), newest first, of a month or of one
    evaluation. One query."""
    rows = Evaluation.history.all()
    rows = rows.filter(period_id=period.pk) if period is not None else rows.filter(id=evaluation.pk)
    rows = rows.order_by("id", "history_date", "history_id").values(
        "id", "staff__staff_no", "staff__name", *[f for f, _label in LOG_FIGURES], *_HISTORY_VALUES
    )
    lines = _figure_changes(rows)
    lines.sort(key=lambda line: line["when"], reverse=True)
    return lines[:limit], len(lines)


def period_log(period):
    """The month's own steps (computed, reviewed, approved, reopened, published, final):
    who, when, status before → after, why; newest first. One query."""
    rows = list(
        EvaluationPeriod.history.filter(id=period.pk)
        .order_by("history_date", "history_id")
        .values("status", "computed_at", *_HISTORY_VALUES)
    )
    labels = dict(EvaluationPeriod.Status.choices)
    lines, before = [], None
    for row in rows:
        if before is None or before["status"] != row["status"]:
            action = labels[row["status"]] if before is None else f"{labels[before['status']]} → {labels[row['status']]}"
        elif before["computed_at"] != row["computed_at"]:
            action = _("Computed")
        else:
            action = _("Changed")
        lines.append({"when": row["history_date"], "who": _who(row), "action": action, "why": row["history_change_reason"] or ""})
        before = row
    lines.reverse()
    return lines


def appeal_log(*, period=None, evaluation=None):
    """Appeals filed and decided (who, when, what, why), newest first. One query."""
    from ..models import EvaluationAppeal

    rows = EvaluationAppeal.history.all()
    rows = rows.filter(evaluation__period_id=period.pk) if period is not None else rows.filter(evaluation_id=evaluation.pk)
    labels = dict(EvaluationAppeal.Status.choices)
    lines = []
    for row in rows.order_by("-history_date").values(
        "status", "evaluation__staff__staff_no", "evaluation__staff__name", "reason", *_HISTORY_VALUES
    ):
        lines.append(
            {
                "when": row["history_date"],
                "who": _who(row),
                "action": _("Appeal: %(status)s") % {"status": labels[row["status"]]},
                "staff": f"{row['evaluation__staff__staff_no']} {row['evaluation__staff__name']}",
                "why": row["history_change_reason"] or "",
            }
        )
    return lines


# --- Changes since approval, and what each step of the month did ---------------------------


def pending_period_changes(period):
    """The changes made to the approved month since its approval (审批后变更) that no
    recompute has taken in yet, newest first, with who made them. One query."""
    from ..models import PeriodChange

    return list(
        PeriodChange.objects.filter(period=period, applied_at__isnull=True)
        .select_related("by__staff_profile", "staff", "case")
        .order_by("-at", "-pk")
    )


def period_totals(period):
    """(headcount, performance pay total) of the month's stored evaluations. One query."""
    from decimal import Decimal

    from django.db.models import Sum

    row = Evaluation.objects.filter(period=period).aggregate(n=Count("id"), pay=Sum("pay"))
    return row["n"], (row["pay"] or Decimal("0")).quantize(Decimal("0.01"))


def money_text(value, *, signed=False):
    """¥ 262,400.00 (a sum of money as the month page and its messages show it); -¥ 120.00
    below zero, and +¥ 120.00 above it when `signed` (a difference)."""
    sign = "-" if value < 0 else ("+" if signed and value > 0 else "")
    return f"{sign}¥ {abs(value):,.2f}"
