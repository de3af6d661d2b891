"""Reads of the evaluation dashboards: grouped aggregates over a range of months and an
optional scope (service centres, one vendor company).

Every function runs a fixed number of queries whatever the headcount and returns plain
data (dicts, tuples, Decimals) for assessment.charts and the tables; no raw rows leave.
Snapshots (grades, histogram, people who need attention, vendor scorecards, attendance
heat map) read the range's last month, the "focus month"; trends read every month.
The figures of months approved or later (evaluations, rating and attendance counts) are kept
in the cache, since they are locked until a logged reopen (see _locked_keys): a million
ratings cost one scan per month, and a year's trend reads only its open months.
"""

from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from django.db import connection
from django.db.models import (
    Aggregate,
    Avg,
    Case,
    CharField,
    Count,
    DecimalField,
    Exists,
    F,
    OuterRef,
    Q,
    Subquery,
    Sum,
    Value,
    When,
    Window,
)
from django.db.models.functions import Floor, RowNumber

from .. import attendance_rules as ar
from .. import rating_rules as rr
from .. import scoring
from ..models import AttendanceDay, CentreRules, Evaluation, EvaluationAppeal, EvaluationPeriod
from ..periods import Period
from .ratings import valid_ratings

# A score this many points below the previous month's puts a person on the attention list.
ATTENTION_DROP = Decimal("10")
# At most this many people are listed (the count says how many there are in all).
ATTENTION_LIMIT = 200

COMPONENT_FIELDS = {
    scoring.RATINGS: "ratings",
    scoring.DISCIPLINE: "discipline",
    scoring.TESTS: "tests",
    scoring.LEARNING: "learning",
}
SATISFIED_LEVELS = (rr.VERY_SATISFIED, rr.SATISFIED)
NOT_WORKING = (ar.REST, ar.APPROVED)


@dataclass(frozen=True)
class DashboardScope:
    """Whose numbers: None = everyone; centre_ids = those centres; vendor_id = that company.
    statuses: the period statuses that count (None = any computed month)."""

    centre_ids: tuple | None = None
    vendor_id: int | None = None
    statuses: tuple | None = None

    def evaluations(self):
        qs = Evaluation.objects.all()
        if self.centre_ids is not None:
            qs = qs.filter(centre_id__in=self.centre_ids)
        if self.vendor_id is not None:
            qs = qs.filter(vendor_id=self.vendor_id)
        if self.statuses is not None:
            qs = qs.filter(period__status__in=self.statuses)
        return qs

    def staff_filter(self, prefix="staff__"):
        q = Q()
        if self.centre_ids is not None:
            q &= Q(**{f"{prefix}centre_id__in": self.centre_ids})
        if self.vendor_id is not None:
            q &= Q(**{f"{prefix}vendor_id": self.vendor_id})
        return q


def _d2(value):
    return None if value is None else scoring.round2(value)


def dashboard_months(scope):
    """The computed months the scope may see, newest first. One query."""
    qs = EvaluationPeriod.objects.all()
    if scope.statuses is not None:
        qs = qs.filter(status__in=scope.statuses)
    return list(qs.order_by("-month").values_list("month", flat=True))


def grade_distribution(scope, month):
    """[(centre name, {grade: count})] of one month, centres by name. One query (and one for
    the month's status; kept in the cache once the month is approved, see _locked_keys)."""

    def count():
        rows = (
            scope.evaluations()
            .filter(period__month=month)
            .values("centre__name", "grade")
            .annotate(n=Count("id"))
            .order_by("centre__name")
        )
        result = {}
        for row in rows:
            result.setdefault(row["centre__name"], dict.fromkeys(scoring.GRADES, 0))[row["grade"]] = row["n"]
        return list(result.items())

    return _cached_month(scope, month, "grades", count)


def score_histogram(scope, month, width=10):
    """[(low, high, count)] of one month's scores. One query (counts per whole score; kept in
    the cache once the month is approved)."""

    def count():
        rows = (
            scope.evaluations()
            .filter(period__month=month)
            .annotate(bin=Floor("score"))
            .values("bin")
            .annotate(n=Count("id"))
            .order_by()
        )
        return {int(r["bin"]): r["n"] for r in rows}

    return scoring.histogram_bins(_cached_month(scope, month, "histogram", count), width=width)


class _MiddleValue(Aggregate):
    """PostgreSQL's PERCENTILE_DISC(0.5): the lower middle value (ascending) or the upper
    one (descending); their mean is the median, exact in numeric."""

    function = "PERCENTILE_DISC"
    template = "%(function)s(0.5) WITHIN GROUP (ORDER BY %(expressions)s %(direction)s)"


def _medians(base):
    """{month: median score}: one query (PERCENTILE_DISC on PostgreSQL; the middle rows by a
    window function elsewhere)."""
    if connection.vendor == "postgresql":
        rows = base.values("period__month").annotate(
            low=_MiddleValue("score", direction="ASC", output_field=DecimalField()),
            high=_MiddleValue("score", direction="DESC", output_field=DecimalField()),
        ).order_by()
        return {r["period__month"]: scoring.median_of_middle([r["low"], r["high"]]) for r in rows}
    middles = (
        base.annotate(
            rn=Window(RowNumber(), partition_by=[F("period_id")], order_by=[F("score").asc(), F("pk").asc()]),
            n=Window(Count("id"), partition_by=[F("period_id")]),
        )
        .filter(rn__gte=F("n") / 2.0, rn__lte=F("n") / 2.0 + 1)
        .values_list("period__month", "score")
    )
    values = defaultdict(list)
    for month, score in middles:  # the middle row (odd count) or the two middle rows (even)
        values[month].append(score)
    return {month: scoring.median_of_middle(v) for month, v in values.items()}


def score_trend(scope, month_range):
    """[{month, count, mean, median}] per month of the range that has evaluations. Two
    queries for the months not yet approved (counts and means, and the medians); approved
    months come from the cache once read (see _locked_keys), with one query for their status."""

    def read(live):
        base = scope.evaluations().filter(period__month__in=live)
        means = {
            r["period__month"]: r
            for r in base.values("period__month").annotate(n=Count("id"), mean=Avg("score")).order_by()
        }
        medians = _medians(base) if means else {}
        return {
            month: {"month": month, "count": row["n"], "mean": _d2(row["mean"]), "median": medians.get(month)}
            for month, row in means.items()
        }

    by_month = _cached_months(scope, month_range.months(), "score-trend", read)
    return [by_month[month] for month in month_range.months() if by_month.get(month)]


def component_trend(scope, month_range):
    """[{month, R, D, T, L}] mean of each component per month (absent components left out
    of their mean). One query for the months not yet approved (see score_trend)."""

    def read(live):
        rows = (
            scope.evaluations()
            .filter(period__month__in=live)
            .values("period__month")
            .annotate(**{key: Avg(field) for key, field in COMPONENT_FIELDS.items()})
            .order_by()
        )
        return {r["period__month"]: {"month": r["period__month"], **{k: _d2(r[k]) for k in COMPONENT_FIELDS}} for r in rows}

    by_month = _cached_months(scope, month_range.months(), "components", read)
    return [by_month[month] for month in month_range.months() if by_month.get(month)]


def _reasons(inputs, row, previous):
    """Why a person needs attention, in words HR reads, from their receipt's inputs."""
    from django.utils.translation import gettext as _

    reasons = []
    if row["veto"]:
        names = [f["name"] for f in inputs.get("findings", []) if f.get("veto")]
        reasons.append(_("Veto finding: %(names)s") % {"names": "、".join(names) or "—"})
    if row["grade"] in (scoring.FAIL, scoring.BASIC_PASS):
        components = inputs.get("components", {})
        present = [
            (Decimal(c["value"]), key) for key, c in components.items()
            if isinstance(c, dict) and c.get("value") not in (None, "")
        ]
        if present:
            value, key = min(present)
            reasons.append(_("Lowest component: %(key)s %(value)s") % {"key": key, "value": value})
    if previous is not None and row["score"] <= previous - ATTENTION_DROP:
        reasons.append(_("Score fell from %(before)s to %(after)s") % {"before": previous, "after": row["score"]})
    bad = inputs.get("ratings", {}).get("confirmed_bad_reviews", {})
    if sum(bad.values() if isinstance(bad, dict) else []):
        reasons.append(_("Confirmed bad reviews: %(n)d") % {"n": sum(bad.values())})
    counts = inputs.get("attendance", {}).get("counts", {})
    incidents = sum(counts.values()) if isinstance(counts, dict) else 0
    if incidents:
        reasons.append(_("Attendance incidents: %(n)d") % {"n": incidents})
    pending = inputs.get("ratings", {}).get("pending_cases", 0)
    if pending:
        reasons.append(_("Bad-review cases pending: %(n)d") % {"n": pending})
    if row.get("appeal_pending"):
        reasons.append(_("Appeal (申诉) pending"))
    return reasons


def attention_list(scope, month, limit=ATTENTION_LIMIT):
    """(total, rows): the month's people graded 不合格 or 基本合格, vetoed, whose score
    fell by ATTENTION_DROP or more since the previous month, or with an appeal pending, lowest score first, each with
    the reasons read from their receipt. One query."""
    previous_month = str(Period.parse(month).previous())
    previous_score = Evaluation.objects.filter(
        staff_id=OuterRef("staff_id"), period__month=previous_month
    ).values("score")[:1]
    appeal = Exists(
        EvaluationAppeal.objects.filter(evaluation=OuterRef("pk"), status=EvaluationAppeal.Status.PENDING)
    )
    qs = (
        scope.evaluations()
        .filter(period__month=month)
        .annotate(previous=Subquery(previous_score), appeal_pending=appeal)
        .filter(
            Q(grade__in=[scoring.FAIL, scoring.BASIC_PASS])
            | Q(veto=True)
            | Q(previous__gte=F("score") + ATTENTION_DROP)
            | Q(appeal_pending=True)
        )
        .annotate(total_count=Window(Count("id")))
        .order_by("score", "staff__staff_no")
        .values(
            "staff__staff_no", "staff__name", "centre__name", "vendor__name", "score", "grade", "veto",
            "previous", "inputs", "total_count", "appeal_pending",
        )[:limit]
    )
    rows, total = [], 0
    for row in qs:
        total = row["total_count"]
        previous = _d2(row["previous"])
        rows.append(
            {
                "staff_no": row["staff__staff_no"],
                "name": row["staff__name"],
                "centre": row["centre__name"],
                "vendor": row["vendor__name"] or "",
                "score": _d2(row["score"]),
                "previous": previous,
                "grade": row["grade"],
                "veto": row["veto"],
                "appeal_pending": bool(row["appeal_pending"]),
                "reasons": _reasons(row["inputs"] or {}, row, previous),
            }
        )
    return total, rows


def month_bucket(field, month_range):
    """A CASE expression naming the month ("YYYY-MM", site time zone) a moment falls in:
    the database groups by it with plain comparisons against each month's start (an index
    range, no per-row date function; SQLite's month truncation is a Python callback)."""
    whens = [
        When(**{f"{field}__gte": Period.parse(month).moments()[0], "then": Value(month)})
        for month in reversed(month_range.months())
    ]
    return Case(*whens, default=Value(""), output_field=CharField())


# The figures of months approved or later are kept in the cache: their records and
# evaluations can no longer change (services.period_ensure_open refuses it until a logged
# reopen, which moves the month back to draft). The key holds the month's status and
# compute time (see _locked_keys).
DASHBOARD_CACHE_SECONDS = 7 * 24 * 3600


def _scope_key(scope):
    centres = "all" if scope.centre_ids is None else ",".join(str(c) for c in sorted(scope.centre_ids))
    return f"{centres}|{scope.vendor_id}"


def _month_ranges_q(field, months):
    """OR of [start, end) of each run of consecutive months."""
    q, run = Q(), []
    for month in sorted(months) + [None]:
        if run and (month is None or str(Period.parse(run[-1]).next()) != month):
            q |= Q(**{f"{field}__gte": Period.parse(run[0]).moments()[0],
                      f"{field}__lt": Period.parse(run[-1]).moments()[1]})
            run = []
        if month is not None:
            run.append(month)
    return q


def _locked_keys(scope, months, kind):
    """{month: cache key} for the months approved or later: their figures stay as they are
    until a logged reopen, which moves the month back to draft (and a recompute changes its
    compute time). The key holds the status too, so publishing starts a new entry for the
    scopes that see only published months. One query."""
    locked = EvaluationPeriod.objects.filter(month__in=list(months), status__in=EvaluationPeriod.LOCKED)
    return {
        month: f"frontline:dash:{kind}:{month}:{status}:{stamp.timestamp() if stamp else 0}:{_scope_key(scope)}"
        for month, status, stamp in locked.values_list("month", "status", "computed_at")
    }


def _cached_months(scope, months, kind, compute):
    """{month: value} where compute(months) returns the values of the months asked for (one
    grouped query); the values of months approved or later are kept in the cache, so only the
    others are computed. One query for the months' status, and compute's for the rest."""
    from django.core.cache import cache

    keys = _locked_keys(scope, months, kind)
    found = cache.get_many(list(keys.values())) if keys else {}
    result = {m: found[keys[m]] for m in keys if keys[m] in found}
    live = [m for m in months if m not in result]
    if live:
        computed = compute(live)
        cache.set_many({keys[m]: computed.get(m) for m in live if m in keys}, DASHBOARD_CACHE_SECONDS)
        result.update({m: computed.get(m) for m in live})
    return result


def _cached_month(scope, month, kind, compute):
    """compute() for one month, kept in the cache once the month is approved or later (see
    _locked_keys). One query for the month's status, and compute's when not kept."""
    return _cached_months(scope, [month], kind, lambda _months: {month: compute()})[month]


def rating_counts(scope, month_range):
    """{month: [(centre id, level, count)]} of valid ratings in the scope (by the rated staff
    member's centre/company), grouped in the database by month in the site's time zone.
    Months approved or later come from the cache once counted. At most two queries."""

    def count(live):
        counted = {m: [] for m in live}
        rows = (
            valid_ratings()
            .filter(_month_ranges_q("rated_at", live))
            .filter(scope.staff_filter())
            .annotate(month=month_bucket("rated_at", month_range))
            .values("month", "staff__centre_id", "level")
            .annotate(n=Count("id"))
            .order_by()
        )
        for r in rows:
            counted[r["month"]].append((r["staff__centre_id"], r["level"], r["n"]))
        return counted

    return _cached_months(scope, month_range.months(), "ratings", count)


def rating_trend(scope, month_range):
    """[{month, valid, satisfied, bad, mean_points, satisfied_share, bad_rate}] per month of
    valid ratings in the scope (see rating_counts). At most three queries (closed months,
    counts, the centres' points)."""
    counts = rating_counts(scope, month_range)
    rows = [
        {"month": month, "staff__centre_id": centre_id, "level": level, "n": n}
        for month, items in counts.items()
        for centre_id, level, n in items
    ]
    centre_ids = {r["staff__centre_id"] for r in rows if r["staff__centre_id"] is not None}
    points = {cid: rules.points() for cid, rules in CentreRules.for_centres(centre_ids).items()}
    by_month = defaultdict(lambda: {"valid": 0, "satisfied": 0, "bad": 0, "points": Decimal(0)})
    for r in rows:
        entry = by_month[r["month"]]
        entry["valid"] += r["n"]
        entry["satisfied"] += r["n"] if r["level"] in SATISFIED_LEVELS else 0
        entry["bad"] += r["n"] if r["level"] in rr.BAD_LEVELS else 0
        level_points = points.get(r["staff__centre_id"], rr.DEFAULT_POINTS)[r["level"]]
        entry["points"] += Decimal(level_points) * r["n"]
    result = []
    for month in month_range.months():
        entry = by_month.get(month)
        if not entry or not entry["valid"]:
            result.append({"month": month, "valid": 0, "satisfied": 0, "bad": 0, "mean_points": None,
                           "satisfied_share": None, "bad_rate": None})
            continue
        result.append(
            {
                "month": month,
                "valid": entry["valid"],
                "satisfied": entry["satisfied"],
                "bad": entry["bad"],
                "mean_points": scoring.round2(entry["points"] / entry["valid"]),
                "satisfied_share": scoring.share(entry["satisfied"], entry["valid"]),
                "bad_rate": scoring.share(entry["bad"], entry["valid"]),
            }
        )
    return result


def attendance_heatmap(scope, month):
    """{days: [date], centres: [name], shares: [[% or None per day] per centre]}: the share
    of working days that were not on time, per day and centre. One query."""
    period = Period.parse(month)
    rows = _cached_month(
        scope, month, "attendance-days",
        lambda: list(
            AttendanceDay.objects.filter(date__range=(period.first, period.last))
            .filter(scope.staff_filter())
            .exclude(status__in=NOT_WORKING)
            .values("date", "staff__centre__name")
            .annotate(working=Count("id"), off=Count("id", filter=~Q(status=ar.NORMAL)))
            .order_by()
        ),
    )
    cells = {(r["staff__centre__name"], r["date"]): (r["off"], r["working"]) for r in rows}
    centres = sorted({name for name, _day in cells})
    days = list(period.days())
    shares = [
        [scoring.share(*cells[(name, day)]) if (name, day) in cells else None for day in days] for name in centres
    ]
    counts = [[cells.get((name, day), (0, 0)) for day in days] for name in centres]
    return {"days": days, "centres": centres, "shares": shares, "counts": counts}


def vendor_scorecards(scope, month, *, with_pay):
    """[{vendor, headcount, mean, grades {grade: share %}, grade_counts, bad_rate, late_rate,
    pay_total?}] per vendor company of the month, side by side (by name; staff employed by
    the centre itself under "—"). Three queries: evaluations, ratings and attendance, each
    grouped by company."""
    period = Period.parse(month)
    start, end = period.moments()
    evaluations = _cached_month(
        scope, month, "vendor-evaluations",
        lambda: list(
            scope.evaluations()
            .filter(period__month=month)
            .values("vendor_id", "vendor__name")
            .annotate(
                headcount=Count("id"),
                mean=Avg("score"),
                pay_total=Sum("pay"),
                **{f"g_{g}": Count("id", filter=Q(grade=g)) for g in scoring.GRADES},
            )
            .order_by()
        ),
    )
    ratings = _cached_month(
        scope, month, "vendor-ratings",
        lambda: {
            r["staff__vendor_id"]: {"valid": r["valid"], "bad": r["bad"]}
            for r in valid_ratings()
            .filter(rated_at__gte=start, rated_at__lt=end, staff__isnull=False)
            .filter(scope.staff_filter())
            .values("staff__vendor_id")
            .annotate(valid=Count("id"), bad=Count("id", filter=Q(level__in=rr.BAD_LEVELS)))
            .order_by()
        },
    )
    attendance = _cached_month(
        scope, month, "vendor-attendance",
        lambda: {
            r["staff__vendor_id"]: {"working": r["working"], "late": r["late"]}
            for r in AttendanceDay.objects.filter(date__range=(period.first, period.last))
            .filter(scope.staff_filter())
            .exclude(status__in=NOT_WORKING)
            .values("staff__vendor_id")
            .annotate(working=Count("id"), late=Count("id", filter=Q(status__in=[ar.LATE, ar.SERIOUS_LATE])))
            .order_by()
        },
    )
    cards = []
    for row in evaluations:
        vendor_id = row["vendor_id"]
        rating = ratings.get(vendor_id, {"valid": 0, "bad": 0})
        days = attendance.get(vendor_id, {"working": 0, "late": 0})
        counts = {g: row[f"g_{g}"] for g in scoring.GRADES}
        card = {
            "vendor_id": vendor_id,
            "vendor": row["vendor__name"] or "—",
            "headcount": row["headcount"],
            "mean": _d2(row["mean"]),
            "grade_counts": counts,
            "grades": {g: scoring.share(n, row["headcount"]) or Decimal("0.00") for g, n in counts.items()},
            "ratings": rating["valid"],
            "bad_rate": scoring.share(rating["bad"], rating["valid"]),
            "late_rate": scoring.share(days["late"], days["working"]),
        }
        if with_pay:
            card["pay_total"] = _d2(row["pay_total"] or 0)
        cards.append(card)
    return sorted(cards, key=lambda c: (c["vendor_id"] is None, c["vendor"]))


def staff_score_trend(staff, statuses=EvaluationPeriod.VISIBLE_TO_STAFF):
    """A person's months (oldest first) with score, grade and components. One query."""
    rows = (
        Evaluation.objects.filter(staff=staff, period__status__in=statuses)
        .order_by("period__month")
        .values("period__month", "centre_id", "score", "grade", *COMPONENT_FIELDS.values())
    )
    return [
        {
            "month": r["period__month"],
            "centre_id": r["centre_id"],
            "score": _d2(r["score"]),
            "grade": r["grade"],
            **{k: _d2(r[f]) for k, f in COMPONENT_FIELDS.items()},
        }
        for r in rows
    ]


def centre_component_means(centre_id, month, statuses=EvaluationPeriod.VISIBLE_TO_STAFF):
    """{R, D, T, L, score, count}: a centre's means of one month (the staff radar compares
    with it). One query."""
    row = Evaluation.objects.filter(centre_id=centre_id, period__month=month, period__status__in=statuses).aggregate(
        count=Count("id"), score=Avg("score"), **{k: Avg(f) for k, f in COMPONENT_FIELDS.items()}
    )
    return {k: (_d2(v) if k != "count" else v) for k, v in row.items()}


def dashboard_centres(user):
    """[(id, name)] of the centres a user may read on the HR dashboard and the roll-ups; None:
    not allowed. HR and administrators: every centre; supervisors: the centres they supervise.
    One query."""
    from people import roles as people_roles
    from people.models import ServiceCentre
    from people.selectors import user_has_role

    from .. import roles

    if not user.is_authenticated:
        return None
    if user.has_perm(roles.VIEW_EVALUATIONS):
        return list(ServiceCentre.objects.order_by("name").values_list("pk", "name"))
    if user_has_role(user, people_roles.SUPERVISOR):
        return list(ServiceCentre.objects.filter(supervisors=user).order_by("name").values_list("pk", "name"))
    return None
