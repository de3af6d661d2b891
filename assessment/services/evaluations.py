"""Writes of monthly evaluations: the compute of a month (DESIGN, "Monthly evaluation"), its
preview before a recompute of an approved month, and the background compute's state.

The arithmetic is scoring.py and pay.py; this gathers the inputs for everyone in a fixed
number of grouped queries (whatever the headcount), keeps them as each person's receipt,
applies the quota per centre and writes in bulk.
"""

import dataclasses
import datetime as dt
from collections import defaultdict
from decimal import Decimal
from types import SimpleNamespace

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from wagtail import hooks

from home.batch import gc_paused
from home.db import fast_insert, fast_update
from home.hooks import BEFORE_EVALUATION_COMPUTE_HOOK

from .. import attendance_rules as ar
from .. import pay, roles, scoring
from .. import rating_rules as rr
from ..models import CalendarDay, Evaluation, EvaluationPeriod, PeriodChange
from ..models.evaluations import GRADE_LABELS_ZH
from ..periods import Period
from ..selectors.attendance import attendance_summaries
from ..selectors.evaluations import (
    current_scheme_versions,
    evaluation_blockers,
    evaluation_staff,
    rating_points_by_centre,
)
from ..selectors.inspections import bonus_points, finding_lines
from ..selectors.ratings import rating_summaries
from .schemes import scheme_default_version
from .workflow import expect_status, require_permission, save_period

# attendance_rules' categories under scoring's names.
_ATTENDANCE_CATEGORY = {
    scoring.LATE: ar.LATE,
    scoring.SERIOUS_LATE: ar.SERIOUS_LATE,
    scoring.EARLY: ar.EARLY,
    scoring.SERIOUS_EARLY: ar.SERIOUS_EARLY,
    scoring.MISSING_PUNCH: ar.MISSING,
    scoring.HALF_DAY_ABSENCE: ar.HALF_ABSENCE,
    scoring.FULL_DAY_ABSENCE: ar.FULL_ABSENCE,
}
_BAD_REVIEW_LEVEL = {scoring.DISSATISFIED: rr.DISSATISFIED, scoring.VERY_DISSATISFIED: rr.VERY_DISSATISFIED}
_COMPONENT_FIELDS = {
    scoring.RATINGS: "ratings",
    scoring.DISCIPLINE: "discipline",
    scoring.TESTS: "tests",
    scoring.LEARNING: "learning",
}
EVALUATION_FIGURES = (
    "centre",
    "vendor",
    "scheme_version",
    "inputs",
    *_COMPONENT_FIELDS.values(),
    "total",
    "bonus",
    "score",
    "veto",
    "grade_before_quota",
    "grade",
    "demoted_by_quota",
    "coefficient",
    "pay_base",
    "pay",
    "computed_at",
)
EVALUATION_BATCH = 2000  # rows per executemany
DEFAULT_SCHEME_NAME = "默认考核方案"

ZERO_POINTS = Decimal("0.00")


@dataclasses.dataclass
class ComputeResult:
    period: EvaluationPeriod
    created: int = 0
    updated: int = 0
    removed: int = 0
    blockers: list = dataclasses.field(default_factory=list)
    # A dry run (evaluations_compute(dry_run=True)): the rows it would write, nothing written.
    rows: list = dataclasses.field(default_factory=list)
    # Changes since approval (PeriodChange) that this recompute took in.
    applied_changes: int = 0

    @property
    def count(self):
        return self.created + self.updated


def _text(value):
    return None if value is None else str(value)


def _period_for_compute(period, user, dry_run=False):
    month = str(period)
    if dry_run:
        # Whatever the status (an approved month's preview); never created, never locked.
        record = EvaluationPeriod.objects.filter(month=month).first()
        if record is None:
            raise ValidationError(_("The evaluations of %(month)s have not been computed yet.") % {"month": month})
        return record
    record, _created = EvaluationPeriod.objects.select_for_update().get_or_create(month=month)
    if record.status != EvaluationPeriod.Status.DRAFT:
        raise ValidationError(
            _("The evaluations of %(month)s are %(status)s: they can no longer be recomputed.")
            % {"month": month, "status": record.get_status_display()}
        )
    return record


def _inputs_for(person, *, attendance, ratings, rating_points, findings, exams, learning, bonus, award_bonus=None):
    """scoring.Inputs of one person, and the same facts as JSON for the receipt."""
    points_by_level = rating_points
    # SQLite may hand back Decimal('50') for 50.00: every percentage with its 2 places.
    exams = [(exam, scoring.round2(percent)) for exam, percent in exams]
    rating_values = []
    for level, n in ratings.level_counts.items():
        rating_values += [Decimal(points_by_level[level])] * n
    confirmed = {key: ratings.confirmed_bad[level] for key, level in _BAD_REVIEW_LEVEL.items()}
    attendance_counts = {key: attendance.count(category) for key, category in _ATTENDANCE_CATEGORY.items()}
    inputs = scoring.Inputs(
        rating_points=rating_values,
        confirmed_bad_reviews=confirmed,
        attendance=attendance_counts,
        inspection_points=[line.points for line in findings],
        veto=any(line.veto for line in findings),
        test_percents=[percent for _exam, percent in exams],
        learning_due=learning.get("due", 0),
        learning_on_time=learning.get("on_time", 0),
        bonus_points=[points for points in (bonus, award_bonus) if points],
    )
    snapshot = {
        "attendance": {
            "records": attendance.days,
            "working_days": attendance.working_days,
            "attended_days": attendance.attended_days,
            "approved_days": attendance.approved_days,
            "rest_days": attendance.rest_days,
            "late_minutes": attendance.late_minutes,
            "early_minutes": attendance.early_minutes,
            "counts": attendance_counts,
        },
        "ratings": {
            "levels": [
                {"level": level, "label": rr.LEVEL_LABELS[level], "count": n, "points": points_by_level[level]}
                for level, n in ratings.level_counts.items()
            ],
            "valid_count": ratings.valid_count,
            "confirmed_bad_reviews": confirmed,
            "pending_cases": ratings.pending_cases,
        },
        "findings": [
            {"name": f.name, "date": timezone.localdate(f.observed_at).isoformat(), "points": str(f.points), "veto": f.veto}
            for f in findings
        ],
        "exams": [{"title": exam.title, "percent": _text(percent)} for exam, percent in exams],
        "learning": {"due": inputs.learning_due, "on_time": inputs.learning_on_time},
        "bonus_points": str(bonus),
        "award_points": str(scoring.round2(award_bonus or ZERO_POINTS)),
    }
    return inputs, snapshot


def _evaluation_snapshot(result, rules):
    return {
        key: {
            "value": _text(component.value),
            "weight": str(component.weight),
            "lines": [
                {"code": line.code, "count": str(line.count), "points": str(scoring.round2(line.points))}
                for line in component.lines
            ],
        }
        for key, component in result.components.items()
    } | {"bonus_uncapped": str(result.bonus_uncapped), "bonus_cap": str(rules.bonus_cap)}


def _place_people_who_moved(people, period):
    """A person who moved centre during the month is evaluated where they spent most working
    days (scoring.main_centre); `people` rows get that centre and the days per centre for
    the receipt. One query when nobody moved, three otherwise."""
    from people.selectors import centre_names, centre_segments

    segments = centre_segments(staff_ids=[p["pk"] for p in people], start=period.first, end=period.last)
    # Only the days each person was employed count (a leaver's month ends on their last day).
    for person in people:
        rows = segments.get(person["pk"])
        if rows and person.get("employed") and person["employed"] != (period.first, period.last):
            first, last = person["employed"]
            clipped = [(c, max(a, first), min(b, last)) for c, a, b in rows if a <= last and b >= first]
            if clipped:
                segments[person["pk"]] = clipped
    if not segments:
        return
    holidays, workdays = CalendarDay.sets_between(period.first, period.last)
    names = centre_names({centre for rows in segments.values() for centre, _first, _last in rows})

    def working_days(first, last):
        span = range((last - first).days + 1)
        days = (first + dt.timedelta(days=i) for i in span)
        return sum(1 for day in days if ar.is_working_day(day, holidays=holidays, workdays=workdays))

    for person in people:
        rows = segments.get(person["pk"])
        if not rows:
            continue
        centre, days = scoring.main_centre([(c, working_days(first, last)) for c, first, last in rows])
        person["centre_id"], person["centre__name"] = centre, names.get(centre, "")
        person["centre_days"] = [{"id": c, "name": names.get(c, ""), "working_days": n} for c, n in days.items()]


class _EvaluationRow(SimpleNamespace):
    """An evaluation as the compute writes it (every column by attname): fast_insert and
    fast_update read only attributes, and 10,000 model instances, with their init signals,
    cost more than the writes themselves."""

    @property
    def pk(self):
        return self.id


def _history_rows(evaluations, *, kind, user, reason, date):
    """simple_history's rows for `evaluations` ("+" created, "~" changed), built as its
    bulk_history_create builds them: who, when, why and every tracked figure."""
    History = Evaluation.history.model
    tracked = [field.attname for field in History.tracked_fields]
    common = {
        "history_date": date,
        "history_user_id": user.pk if user is not None else None,
        "history_change_reason": reason,
        "history_type": kind,
    }
    # Plain namespaces, not model instances: fast_insert only reads attributes, and 10,000
    # model __init__ calls (with their signals) cost more than the INSERT itself.
    return [
        SimpleNamespace(**common, **{attname: getattr(evaluation, attname) for attname in tracked})
        for evaluation in evaluations
    ]


def _write_with_history(*, to_create, to_update, period, user, reason, date):
    """Write a month's evaluations and a history row for each, as simple_history's
    bulk_create_with_history / bulk_update_with_history would, but through home.db.fast_insert
    and fast_update (executemany, COPY on PostgreSQL), which skip Django's per-value SQL
    compilation and bulk_update's CASE WHEN. A fixed number of statements whatever the
    headcount."""
    if to_create:
        fast_insert(Evaluation, to_create, batch_size=EVALUATION_BATCH)
        ids = dict(Evaluation.objects.filter(period=period).values_list("staff_id", "pk"))
        for evaluation in to_create:
            evaluation.id = ids[evaluation.staff_id]
    fast_update(Evaluation, to_update, EVALUATION_FIGURES, batch_size=EVALUATION_BATCH)
    History = Evaluation.history.model
    rows = _history_rows(to_create, kind="+", user=user, reason=reason, date=date) + _history_rows(
        to_update, kind="~", user=user, reason=reason, date=date
    )
    fast_insert(History, rows, batch_size=EVALUATION_BATCH)


COMPUTE_STEPS = 3  # read the inputs, score and apply the quota, write


def evaluations_compute(*, period, user=None, reason="", progress=None, dry_run=False):
    """(Re)compute a month's evaluations for everyone employed in it; returns a ComputeResult.

    `period` is a Period or "YYYY-MM". Idempotent: a recompute replaces the draft
    figures. Refused (ValidationError) once the month is approved or later (and while it is
    reviewed: reopen it first). The query count does not depend on the number of people.
    Every changed evaluation gets a history row with `user` and `reason` (by default the
    reason the month was last reopened). `progress(done, total)` is told after each step.

    `dry_run=True` computes the month in memory, whatever its status, and writes nothing
    (anything the reads created is rolled back): the result's `rows` are the evaluations
    as a recompute would write them (evaluations_recompute_preview compares them).
    """
    from competitions.selectors import award_bonus_for_period
    from courses.selectors import learning_due_and_on_time
    from exams.selectors import exam_percentages_for_period
    from people.selectors import employment_span

    if isinstance(period, str):
        period = Period.parse(period)
    now = timezone.now()
    with gc_paused(), transaction.atomic():
        record = _period_for_compute(period, user, dry_run)
        if not reason:
            reason = (
                _("Recomputed after reopening: %(reason)s") % {"reason": record.reopen_reason}
                if record.reopen_reason
                else (_("Recomputed") if record.computed_at else _("Computed"))
            )
        history_user = user if user is not None and user.is_authenticated else None
        for fn in hooks.get_hooks(BEFORE_EVALUATION_COMPUTE_HOOK):
            fn(period=period)
        people = evaluation_staff(period=period)
        ids = [p["pk"] for p in people]
        partly = {}  # staff id -> (first, last day employed) for who joined or left during the month
        for person in people:
            person["pay_base"] = person.pop("pay_base_of_month")
            span = employment_span(person["hire_date"], person["leave_date"], period.first, period.last)
            span = span or (period.first, period.last)  # a hire date after the last day: data to correct
            person["employed"] = span
            if span != (period.first, period.last):
                partly[person["pk"]] = span
        _place_people_who_moved(people, period)
        centre_ids = {p["centre_id"] for p in people}
        attendance = attendance_summaries(period=period, staff=ids, employed_only=bool(partly))
        ratings = rating_summaries(period=period, staff=ids, with_means=False)
        findings = finding_lines(period=period, staff=ids)
        bonus = bonus_points(period=period, staff=ids)
        start, end = period.moments()
        exams = exam_percentages_for_period(start=start, end=end, staff_ids=ids)
        # Competition awards count in the month their results were published.
        awards = award_bonus_for_period(start=start, end=end, staff_ids=ids)
        for pk, (first, last) in partly.items():
            # Exams that closed before they joined or after they left are not theirs to take.
            exams[pk] = [(e, p) for e, p in exams.get(pk, []) if first <= timezone.localdate(e.closes_at) <= last]
        learning = learning_due_and_on_time(start=period.first, end=period.last, staff_ids=ids, employed=partly)
        rating_points = rating_points_by_centre(centre_ids)
        versions, default_version = current_scheme_versions(centre_ids)
        default_version = default_version or scheme_default_version(user=user)

        if progress:
            progress(1, COMPUTE_STEPS)
        results = {}
        rules_of = {}  # parsed once per scheme version, not once per person
        for person in people:
            pk = person["pk"]
            version = versions.get(person["centre_id"], default_version)
            rules = rules_of.get(version.pk) or rules_of.setdefault(version.pk, version.scoring_rules())
            inputs, snapshot = _inputs_for(
                person,
                attendance=attendance[pk],
                ratings=ratings[pk],
                rating_points=rating_points[person["centre_id"]],
                findings=findings[pk],
                exams=exams.get(pk, []),
                learning=learning.get(pk, {}),
                bonus=bonus[pk],
                award_bonus=awards.get(pk, ZERO_POINTS),
            )
            results[pk] = (person, version, rules, inputs, scoring.evaluate(inputs, rules), snapshot)

        # The quota, per centre: headcount = everyone evaluated there this month.
        by_centre = defaultdict(list)
        for pk, (person, _version, _rules, inputs, result, _snapshot) in results.items():
            by_centre[person["centre_id"]].append(
                scoring.QuotaEntry(
                    key=pk,
                    staff_no=person["staff_no"],
                    score=result.score,
                    grade=result.grade,
                    confirmed_bad_reviews=inputs.confirmed_bad_review_count,
                    ratings=result.value(scoring.RATINGS),
                    tests=result.value(scoring.TESTS),
                )
            )
        decisions = {}
        quota_facts = {}
        for centre_id, entries in by_centre.items():
            rules = versions.get(centre_id, default_version).scoring_rules()
            decisions.update(scoring.apply_quota(entries, len(entries), rules))
            quota_facts[centre_id] = {
                "headcount": len(entries),
                "places": scoring.excellent_quota(len(entries), rules),
                "percent": str(rules.excellent_quota_percent),
            }

        if progress:
            progress(2, COMPUTE_STEPS)
        existing = dict(Evaluation.objects.filter(period=record).values_list("staff_id", "pk"))
        to_create, to_update = [], []
        for pk, (person, version, rules, _inputs, result, snapshot) in results.items():
            decision = decisions[pk]
            snapshot["components"] = _evaluation_snapshot(result, rules)
            snapshot["quota"] = quota_facts[person["centre_id"]] | {"demoted": decision.demoted}
            snapshot["centre"] = {"id": person["centre_id"], "name": person["centre__name"], "basis": "profile"}
            if "centre_days" in person:
                # Moved during the month, or only afterwards (then the profile shows the new centre).
                basis = "working_days" if len(person["centre_days"]) > 1 else "moved_since"
                snapshot["centre"] |= {"basis": basis, "days": person["centre_days"]}
            snapshot["scheme"] = {"name": version.scheme.name, "version": version.number}
            if pk in partly:
                first, last = partly[pk]
                snapshot["employment"] = {"first": first.isoformat(), "last": last.isoformat()}
            evaluation = _EvaluationRow(id=existing.get(pk), period_id=record.pk, staff_id=pk)
            evaluation.centre_id = person["centre_id"]
            evaluation.vendor_id = person["vendor_id"]
            evaluation.scheme_version_id = version.pk
            evaluation.inputs = snapshot
            for key, field_name in _COMPONENT_FIELDS.items():
                setattr(evaluation, field_name, result.value(key))
            evaluation.total = result.total
            evaluation.bonus = result.bonus
            evaluation.score = result.score
            evaluation.veto = result.veto
            evaluation.grade_before_quota = result.grade
            evaluation.grade = decision.grade
            evaluation.demoted_by_quota = decision.demoted
            evaluation.coefficient = pay.coefficient(decision.grade, rules)
            evaluation.pay_base = scoring.round2(person["pay_base"])
            evaluation.pay = pay.performance_pay(person["pay_base"], decision.grade, rules)
            evaluation.computed_at = now
            (to_update if evaluation.id else to_create).append(evaluation)
        if dry_run:
            # Nothing is written: not even what the reads made (the default scheme's version).
            transaction.set_rollback(True)
            return ComputeResult(record, rows=to_create + to_update)
        # Set-based, with a history row per evaluation: who, when, why and every figure.
        _write_with_history(
            to_create=to_create, to_update=to_update, period=record, user=history_user, reason=reason, date=now
        )
        # People not employed in the month leave the draft (by the few ids that go, not the many that stay).
        evaluated = set(ids)
        gone = [pk for staff_id, pk in existing.items() if staff_id not in evaluated]
        removed = Evaluation.objects.filter(pk__in=gone).delete()[0] if gone else 0

        blockers = evaluation_blockers(period=period)
        record.computed_at = now
        record.computed_by = user if user is not None and user.is_authenticated else None
        record.blockers = blockers
        save_period(record, user=history_user, reason=reason)
        # The changes made since approval are in the figures now (only a draft is computed).
        applied = PeriodChange.objects.filter(period=record, applied_at__isnull=True).update(
            applied_at=now, applied_by=history_user
        )
        if progress:
            progress(3, COMPUTE_STEPS)
    return ComputeResult(
        record, created=len(to_create), updated=len(to_update), removed=removed, blockers=blockers,
        applied_changes=applied,
    )


# The figures a recompute preview compares, in the order the month page shows them.
PREVIEW_FIGURES = ("score", "grade", "coefficient", "pay")


@dataclasses.dataclass
class RecomputePreview:
    """What a reopen and recompute of an approved month would change (nothing written).

    `rows`: one dict per person whose score, grade, coefficient or pay would change (or who
    would join or leave the month): staff_no, name, centre, before and after ({figure:
    value}, None for someone not evaluated on that side) and `changed` (figure names)."""

    period: EvaluationPeriod
    rows: list
    headcount_before: int
    headcount_after: int
    pay_before: Decimal
    pay_after: Decimal

    @property
    def pay_difference(self):
        return self.pay_after - self.pay_before

    @property
    def changed_pay_before(self):
        return sum((r["before"]["pay"] for r in self.rows if r["before"]), Decimal("0.00"))

    @property
    def changed_pay_after(self):
        return sum((r["after"]["pay"] for r in self.rows if r["after"]), Decimal("0.00"))


def evaluations_recompute_preview(*, period, user):
    """预览重新计算: compute `period` (an EvaluationPeriod or "YYYY-MM") in memory, whatever
    its status, and compare with the stored evaluations. HR only; writes nothing. The same
    set-based compute as the real one, plus two queries."""
    from people.selectors import centre_names

    require_permission(user, roles.COMPUTE_EVALUATIONS, _("Only HR may preview a recompute of a month."))
    month = period.month if isinstance(period, EvaluationPeriod) else str(period)
    result = evaluations_compute(period=month, dry_run=True)
    stored = {
        row["staff_id"]: row
        for row in Evaluation.objects.filter(period=result.period).values(
            "staff_id", "staff__staff_no", "staff__name", "centre_id", "score", "grade", "coefficient", "pay"
        )
    }
    computed = {row.staff_id: row for row in result.rows}

    def figures(source):
        if source is None:
            return None
        get = source.get if isinstance(source, dict) else lambda name: getattr(source, name)
        values = {name: get(name) for name in PREVIEW_FIGURES}
        values["score"] = scoring.round2(values["score"])
        values["coefficient"] = scoring.round2(values["coefficient"])
        values["pay"] = scoring.round2(values["pay"])
        values["grade_label"] = GRADE_LABELS_ZH.get(values["grade"], values["grade"])
        return values

    changed = []
    for staff_id in stored.keys() | computed.keys():
        before, after = figures(stored.get(staff_id)), figures(computed.get(staff_id))
        names = [n for n in PREVIEW_FIGURES if before is None or after is None or before[n] != after[n]]
        if names:
            changed.append((staff_id, before, after, names))
    newcomers = [staff_id for staff_id, *_rest in changed if staff_id not in stored]
    people = {}
    if newcomers:
        from people.models import StaffProfile

        people = {
            pk: (staff_no, name)
            for pk, staff_no, name in StaffProfile.objects.filter(pk__in=newcomers).values_list("pk", "staff_no", "name")
        }
    centres = centre_names(
        {stored[s]["centre_id"] if s in stored else computed[s].centre_id for s, *_rest in changed}
    )
    rows = []
    for staff_id, before, after, names in changed:
        if staff_id in stored:
            staff_no, name = stored[staff_id]["staff__staff_no"], stored[staff_id]["staff__name"]
            centre_id = computed[staff_id].centre_id if staff_id in computed else stored[staff_id]["centre_id"]
        else:
            (staff_no, name), centre_id = people.get(staff_id, ("", "")), computed[staff_id].centre_id
        rows.append(
            {"staff_no": staff_no, "name": name, "centre": centres.get(centre_id, ""), "before": before,
             "after": after, "changed": names}
        )
    rows.sort(key=lambda r: r["staff_no"])
    return RecomputePreview(
        period=result.period,
        rows=rows,
        headcount_before=len(stored),
        headcount_after=len(computed),
        pay_before=sum((scoring.round2(r["pay"]) for r in stored.values()), Decimal("0.00")),
        pay_after=sum((scoring.round2(r.pay) for r in computed.values()), Decimal("0.00")),
    )


# A month of 10,000 people computes in seconds: a compute silent for this long died with
# its worker, and HR may start another.
STALE_TASK = dt.timedelta(minutes=15)


def compute_task_enqueue(*, period, user):
    """Queue the month's compute as a background task (assessment.tasks); the month page
    shows its progress. Refused while the month is locked or another compute is under way."""
    require_permission(user, roles.COMPUTE_EVALUATIONS, _("Only HR may compute a month's evaluations."))
    month = str(Period.parse(str(period)))
    now = timezone.now()
    with transaction.atomic():
        record, _created = EvaluationPeriod.objects.select_for_update().get_or_create(month=month)
        expect_status(record, [EvaluationPeriod.Status.DRAFT], _("recomputed"))
        busy = record.task_state in ("queued", "running")
        if busy and record.task_updated_at and now - record.task_updated_at < STALE_TASK:
            raise ValidationError(_("%(month)s is being computed already.") % {"month": month})
        EvaluationPeriod.objects.filter(pk=record.pk).update(
            task_state="queued", task_done=0, task_total=COMPUTE_STEPS, task_message="", task_updated_at=now
        )
    from ..tasks import compute_evaluations_task

    # After the commit: a worker must see the queued state.
    compute_evaluations_task.enqueue(month=month, user_id=user.pk)
    return EvaluationPeriod.objects.get(pk=record.pk)


def compute_task_progress(*, month, state, done=None, message=None):
    """Store the background compute's progress on the period (not part of its history)."""
    values = {"task_state": state, "task_updated_at": timezone.now()}
    if done is not None:
        values["task_done"] = done
    if message is not None:
        values["task_message"] = message[:500]
    EvaluationPeriod.objects.filter(month=month).update(**values)
