"""Quarter and year roll-ups for 评先评优: the mean of each person's monthly scores over the
months approved or later, graded with their centre's current scheme and quota."""

from collections import defaultdict

from .. import scoring
from ..models import Evaluation, EvaluationPeriod
from .evaluations import current_scheme_versions


def rollup_rows(*, months, centre_ids=None):
    """Quarter or year roll-ups for 评先评优 over `months` ("YYYY-MM"; only those approved or
    later count): per person the mean of their monthly scores, graded with their centre's
    current scheme (bands and 优秀 quota per centre; a person belongs to the centre of
    their latest counted month). Returns (counted months, [row dicts]) ordered by centre
    and score. Three queries whatever the headcount."""
    qs = Evaluation.objects.filter(period__month__in=months, period__status__in=EvaluationPeriod.LOCKED)
    if centre_ids is not None:
        qs = qs.filter(centre_id__in=centre_ids)
    rows = list(
        qs.order_by("staff_id", "period__month").values(
            "staff_id", "staff__staff_no", "staff__name", "centre_id", "centre__name", "vendor__name",
            "period__month", "score", "veto", "ratings", "tests", "inputs__ratings__confirmed_bad_reviews",
        )
    )
    counted = sorted({r["period__month"] for r in rows})
    people = {}
    for r in rows:
        bad = r["inputs__ratings__confirmed_bad_reviews"] or {}
        person = people.setdefault(r["staff_id"], {"months": []})
        person.update(staff_no=r["staff__staff_no"], name=r["staff__name"], centre_id=r["centre_id"],
                      centre=r["centre__name"], vendor=r["vendor__name"] or "")
        person["months"].append(
            scoring.RollupMonth(
                month=r["period__month"],
                score=r["score"],
                veto=r["veto"],
                confirmed_bad_reviews=sum(int(v) for v in bad.values()) if isinstance(bad, dict) else 0,
                ratings=r["ratings"],
                tests=r["tests"],
            )
        )
    by_centre = defaultdict(list)
    for staff_id, p in people.items():
        by_centre[p["centre_id"]].append(scoring.RollupPerson(staff_id, p["staff_no"], p["months"]))
    versions, default = current_scheme_versions(by_centre.keys())
    result = []
    for centre_id, centre_people in by_centre.items():
        version = versions.get(centre_id, default)
        rules = version.scoring_rules() if version else scoring.DEFAULT_RULES
        places = scoring.excellent_quota(len(centre_people), rules)
        for staff_id, r in scoring.rollup_centre(centre_people, rules).items():
            p = people[staff_id]
            result.append(
                {
                    "staff_no": p["staff_no"],
                    "name": p["name"],
                    "centre": p["centre"],
                    "vendor": p["vendor"],
                    "months": r.month_count,
                    "score": r.score,
                    "ratings": r.ratings,
                    "tests": r.tests,
                    "confirmed_bad_reviews": r.confirmed_bad_reviews,
                    "veto_months": r.veto_months,
                    "grade_before_quota": r.grade_before_quota,
                    "grade": r.grade,
                    "demoted": r.demoted,
                    "places": places,
                    "scheme": f"{version.scheme.name} v{version.number}" if version else "—",
                }
            )
    result.sort(key=lambda row: (row["centre"], -row["score"], row["staff_no"]))
    return counted, result
