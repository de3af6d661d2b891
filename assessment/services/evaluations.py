"""Writes of monthly evaluations: schemes and their versions, the monthly compute."""

from collections import defaultdict
import dataclasses
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from .. import attendance_rules as ar
from .. import pay, scoring
from .. import rating_rules as rr
from ..models import (
    AssessmentScheme,
    Evaluation,
    EvaluationPeriod,
)

# --- Monthly evaluations ---------------------------------------------------------------
# DESIGN, "Monthly evaluation". The arithmetic is scoring.py and pay.py; this gathers the
# inputs for everyone in a fixed number of grouped queries (whatever the headcount), keeps
# them as each person's receipt, applies the quota per centre and writes in bulk.

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
EVALUATION_BATCH = 200
DEFAULT_SCHEME_NAME = "默认考核方案"


@dataclasses.dataclass
class ComputeResult:
    period: EvaluationPeriod
    created: int = 0
    updated: int = 0
    removed: int = 0
    blockers: list = dataclasses.field(default_factory=list)

    @property
    def count(self):
        return self.created + self.updated


def _text(value):
    return None if value is None else str(value)


def scheme_default_version(*, user=None):
    """The default scheme's newest version; made from DESIGN's numbers when nothing is configured."""
    scheme = AssessmentScheme.objects.filter(centre__isnull=True).first()
    if scheme is None:
        scheme = AssessmentScheme.objects.create(name=DEFAULT_SCHEME_NAME)
    return scheme.current_version or scheme.add_version(
        rules=scoring.DEFAULT_RULES, user=user, note=_("DESIGN's default numbers")
    )


def scheme_save_version(*, scheme, rules, user=None, note=""):
    """Editing a scheme: its numbers become a new version; earlier versions stay as they were."""
    with transaction.atomic():
        # Two editors at once still get distinct version numbers.
        AssessmentScheme.objects.select_for_update().filter(pk=scheme.pk).order_by("pk").first()
        return scheme.add_version(rules=rules, user=user, note=note)


def period_ensure_open(*, months, what):
    """Refuse a change to pay-affecting inputs (`what`, e.g. "考勤") of an approved month.

    `months`: "YYYY-MM" strings, dates or Periods the change touches. Raises ValidationError
    naming the locked months; HR must first reopen the month with a reason.
    """
    from .. import selectors

    locked = sorted(selectors.locked_months(months))
    if locked:
        raise ValidationError(
            _(
                "The evaluations of %(months)s are approved: %(what)s of that month can no longer "
                "change. HR must first reopen the month, giving a reason."
            )
            % {"months": "、".join(locked), "what": what}
        )


def _period_for_compute(period, user):
    month = str(period)
    record, _created = EvaluationPeriod.objects.select_for_update().get_or_create(month=month)
    if record.locked:
        raise ValidationError(
            _("The evaluations of %(month)s are %(status)s: they can no longer be recomputed.")
            % {"month": month, "status": record.get_status_display()}
        )
    return record


def _inputs_for(person, *, attendance, ratings, rating_points, findings, exams, learning, bonus):
    """scoring.Inputs of one person, and the same facts as JSON for the receipt."""
    points_by_level = rating_points
    # SQLite may hand back Decimal('50') for 50.00: every percentage with its 2 places.
    exams = [(exam, scoring.round2(percent)) for exam, percent in exams]
    rating_values = [
        Decimal(points_by_level[level]) for level, n in ratings.level_counts.items() for _i in range(n)
    ]
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
        bonus_points=[bonus] if bonus else [],
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
            {"name": f.name, "date": f.observed_at.date().isoformat(), "points": str(f.points), "veto": f.veto}
            for f in findings
        ],
        "exams": [{"title": exam.title, "percent": _text(percent)} for exam, percent in exams],
        "learning": {"due": inputs.learning_due, "on_time": inputs.learning_on_time},
        "bonus_points": str(bonus),
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


def evaluations_compute(*, period, user=None):
    """(Re)compute a month's evaluations for every active staff member; returns a ComputeResult.

    `period` is a selectors.Period or "YYYY-MM". Idempotent: a recompute replaces the draft
    figures. Refused (ValidationError) once the month is approved or later. The query count
    does not depend on the number of people.
    """
    from courses.selectors import learning_due_and_on_time
    from exams.selectors import exam_percentages_for_period

    from .. import selectors

    if isinstance(period, str):
        period = selectors.Period.parse(period)
    now = timezone.now()
    with transaction.atomic():
        record = _period_for_compute(period, user)
        people = selectors.evaluation_staff()
        ids = [p["pk"] for p in people]
        centre_ids = {p["centre_id"] for p in people}
        attendance = selectors.attendance_summaries(period=period, staff=ids)
        ratings = selectors.rating_summaries(period=period, staff=ids)
        findings = selectors.finding_lines(period=period, staff=ids)
        bonus = selectors.bonus_points(period=period, staff=ids)
        start, end = period.moments()
        exams = exam_percentages_for_period(start=start, end=end, staff_ids=ids)
        learning = learning_due_and_on_time(start=period.first, end=period.last, staff_ids=ids)
        rating_points = selectors.rating_points_by_centre(centre_ids)
        versions, default_version = selectors.current_scheme_versions(centre_ids)
        default_version = default_version or scheme_default_version(user=user)

        results = {}
        for person in people:
            pk = person["pk"]
            version = versions.get(person["centre_id"], default_version)
            rules = version.scoring_rules()
            inputs, snapshot = _inputs_for(
                person,
                attendance=attendance[pk],
                ratings=ratings[pk],
                rating_points=rating_points[person["centre_id"]],
                findings=findings[pk],
                exams=exams.get(pk, []),
                learning=learning.get(pk, {}),
                bonus=bonus[pk],
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

        existing = {e.staff_id: e for e in Evaluation.objects.filter(period=record).only("pk", "staff_id")}
        to_create, to_update = [], []
        for pk, (person, version, rules, _inputs, result, snapshot) in results.items():
            decision = decisions[pk]
            snapshot["components"] = _evaluation_snapshot(result, rules)
            snapshot["quota"] = quota_facts[person["centre_id"]] | {"demoted": decision.demoted}
            # Attendance records carry no centre: a person is evaluated at their profile's centre.
            snapshot["centre"] = {"id": person["centre_id"], "name": person["centre__name"], "basis": "profile"}
            snapshot["scheme"] = {"name": version.scheme.name, "version": version.number}
            evaluation = existing.get(pk) or Evaluation(period=record, staff_id=pk)
            evaluation.centre_id = person["centre_id"]
            evaluation.vendor_id = person["vendor_id"]
            evaluation.scheme_version = version
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
            (to_update if evaluation.pk else to_create).append(evaluation)
        Evaluation.objects.bulk_create(to_create, batch_size=EVALUATION_BATCH)
        Evaluation.objects.bulk_update(to_update, EVALUATION_FIGURES, batch_size=EVALUATION_BATCH)
        # People no longer active leave the draft.
        removed, _detail = Evaluation.objects.filter(period=record).exclude(staff_id__in=ids).delete()

        blockers = selectors.evaluation_blockers(period=period)
        record.computed_at = now
        record.computed_by = user if user is not None and user.is_authenticated else None
        record.blockers = blockers
        record.save(update_fields=["computed_at", "computed_by", "blockers"])
    return ComputeResult(record, created=len(to_create), updated=len(to_update), removed=removed, blockers=blockers)
