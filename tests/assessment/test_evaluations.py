"""Monthly evaluations: models, schemes and versions, compute (end to end, idempotent,
set-based), the quota per centre and the refusal once a month is approved."""

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from assessment import attendance_rules as ar
from assessment import rating_rules as rr
from assessment import scoring, selectors, services
from assessment.models import AssessmentScheme, Evaluation, EvaluationPeriod, Rating, SchemeVersion
from assessment.models.cases import BadReviewCase
from people.models import StaffProfile
from tests import factories
from tests.assessment import builders
from tests.assessment.builders import (
    OCTOBER,
    make_attendance,
    make_commendation,
    make_finding,
    make_october_exam,
    make_rating,
)

pytestmark = pytest.mark.django_db
east, west, worked = builders.east, builders.west, builders.worked  # fixtures
CONFIRMED = BadReviewCase.Outcome.CONFIRMED


def _evaluations():
    return {e.staff.staff_no: e for e in Evaluation.objects.select_related("staff", "period")}


def test_compute_matches_the_hand_worked_example(worked):
    result = services.evaluations_compute(period="2026-10")
    assert result.created == 3 and result.period.status == EvaluationPeriod.Status.DRAFT
    evaluations = _evaluations()
    assert set(evaluations) == {"E001", "E002", "W001"}  # not W002, who left in September

    anna = evaluations["E001"]
    # R = (100 + 100 + 80 + 30) / 4 − 8 × 1 = 77.50 − 8 = 69.50
    assert anna.ratings == Decimal("69.50")
    # D = 100 − 4 (late) − 8 (serious late) − 2 (missing punch) − 3 (finding) = 83.00
    assert anna.discipline == Decimal("83.00")
    assert anna.tests == Decimal("50.00")  # one exam, one of two answers right
    assert anna.learning == Decimal("50.00")  # 1 of 2 on time
    # (40 × 69.50 + 30 × 83 + 20 × 50 + 10 × 50) / 100 = 67.70; + bonus 2 = 69.70 → 基本合格
    assert anna.total == Decimal("67.70")
    assert anna.bonus == Decimal("2.00")
    assert anna.score == Decimal("69.70")
    assert anna.grade_before_quota == anna.grade == scoring.BASIC_PASS
    assert anna.coefficient == Decimal("0.80")
    # 2345.67 × 0.8 = 1876.536 → 1876.54
    assert (anna.pay_base, anna.pay) == (Decimal("2345.67"), Decimal("1876.54"))
    assert anna.grade_label_zh == "基本合格"

    receipt = anna.inputs
    assert receipt["attendance"]["counts"]["late"] == 1 and receipt["attendance"]["records"] == 21
    assert receipt["ratings"]["valid_count"] == 4
    assert receipt["ratings"]["confirmed_bad_reviews"] == {"dissatisfied": 1, "very_dissatisfied": 0}
    assert receipt["findings"] == [{"name": "巡查3.00False", "date": "2026-10-15", "points": "3.00", "veto": False}]
    assert receipt["exams"] == [{"title": "十月业务测试", "percent": "50.00"}]
    assert receipt["learning"] == {"due": 2, "on_time": 1}
    assert receipt["components"]["R"]["lines"][1] == {"code": "bad_review_dissatisfied", "count": "1", "points": "-8.00"}
    assert receipt["centre"]["basis"] == "profile"
    assert receipt["scheme"]["version"] == 1

    bo = evaluations["E002"]
    # Only D (100): score 100 → 优秀, but the centre's quota is floor(20% × 2) = 0 places → 良好.
    assert (bo.ratings, bo.discipline, bo.tests, bo.learning) == (None, Decimal("100.00"), None, None)
    assert (bo.score, bo.grade_before_quota, bo.grade, bo.demoted_by_quota) == (
        Decimal("100.00"), scoring.EXCELLENT, scoring.GOOD, True,
    )
    assert bo.pay == Decimal("2200.00")
    assert bo.inputs["quota"] == {"headcount": 2, "places": 0, "percent": "20", "demoted": True}

    kinds = {(b["kind"], b.get("staff_no")) for b in result.blockers}
    assert kinds == {(selectors.BLOCKER_NO_ATTENDANCE, "W001")}
    assert EvaluationPeriod.objects.get(month="2026-10").blockers == result.blockers


def test_blockers_list_pending_cases_and_unmatched_ratings(worked):
    make_rating(worked["bo"], rr.VERY_DISSATISFIED, outcome="")
    make_rating(worked["bo"], rr.DISSATISFIED, outcome="")
    make_rating(None, rr.SATISFIED)  # names only a window: unmatched
    # Pending cases that do not block October: September's, a superseded rating's, a
    # system-default rating's, and a decided one.
    chen = worked["chen"]
    september = make_rating(chen, rr.DISSATISFIED, outcome="")
    Rating.objects.filter(pk=september.pk).update(rated_at=builders.at(1) - dt.timedelta(days=2))
    superseded = make_rating(chen, rr.DISSATISFIED, outcome="")
    Rating.objects.filter(pk=superseded.pk).update(superseded=True)
    system_default = make_rating(chen, rr.DISSATISFIED, outcome="")
    Rating.objects.filter(pk=system_default.pk).update(channel=rr.SYSTEM_DEFAULT_CHANNEL)
    make_rating(chen, rr.DISSATISFIED, outcome=CONFIRMED)
    result = services.evaluations_compute(period=OCTOBER)
    pending = [b for b in result.blockers if b["kind"] == selectors.BLOCKER_PENDING_CASES]
    assert pending == [{"kind": selectors.BLOCKER_PENDING_CASES, "staff_no": "E002", "name": "柏涛", "count": 2}]
    kinds = {(b["kind"], b.get("staff_no")) for b in result.blockers}
    assert (selectors.BLOCKER_UNMATCHED_RATINGS, None) in kinds


def test_a_headcount_too_large_for_id_lists_gives_the_same_figures(worked, monkeypatch):
    """Above home.db.LARGE_ID_SET the reads leave out `staff_id IN (…)` and keep the
    requested people's rows themselves: nobody else's records may leak in (W002 has left,
    and has ratings, attendance and a finding of the month)."""
    import home.db

    leaver = StaffProfile.objects.get(staff_no="W002")
    for _i in range(3):
        make_rating(leaver, rr.VERY_DISSATISFIED, outcome=CONFIRMED)
    make_attendance(leaver, 7, ar.FULL_ABSENCE, full_absence_count=1)
    make_finding(leaver, "20.00", veto=True)
    make_commendation(leaver, "9.00")

    def figures():
        return {
            no: (e.ratings, e.discipline, e.tests, e.learning, e.bonus, e.score, e.grade, e.pay, e.inputs)
            for no, e in _evaluations().items()
        }

    services.evaluations_compute(period=OCTOBER)
    with_lists = figures()
    monkeypatch.setattr(home.db, "LARGE_ID_SET", 0)
    with CaptureQueriesContext(connection) as queries:
        services.evaluations_compute(period=OCTOBER)
    assert figures() == with_lists
    assert set(with_lists) == {"E001", "E002", "W001"}
    assert not [q["sql"] for q in queries.captured_queries if '"staff_id" IN (' in q["sql"]]


def test_compute_is_idempotent(worked):
    services.evaluations_compute(period=OCTOBER)
    before = {no: (e.pk, e.score, e.pay, e.inputs) for no, e in _evaluations().items()}
    result = services.evaluations_compute(period=OCTOBER)
    assert (result.created, result.updated, result.removed) == (0, 3, 0)
    assert {no: (e.pk, e.score, e.pay, e.inputs) for no, e in _evaluations().items()} == before
    # New inputs replace the draft figures. Someone deactivated without a last working day
    # stays (a blocker asks for the day); once it says they left before October, they drop
    # out of the draft.
    make_commendation(worked["anna"], "3.00")
    worked["chen"].active = False
    worked["chen"].save()
    result = services.evaluations_compute(period=OCTOBER)
    assert result.removed == 0
    assert {"kind": selectors.BLOCKER_NO_LEAVE_DATE, "staff_no": "W001", "name": "陈晨"} in result.blockers
    worked["chen"].leave_date = dt.date(2026, 9, 30)
    worked["chen"].save()
    result = services.evaluations_compute(period=OCTOBER)
    assert result.removed == 1
    anna = _evaluations()["E001"]
    assert (anna.bonus, anna.score, anna.grade) == (Decimal("5.00"), Decimal("72.70"), scoring.PASS)
    assert Evaluation.objects.count() == 2


def test_refused_once_the_month_is_approved(worked):
    services.evaluations_compute(period=OCTOBER)
    EvaluationPeriod.objects.filter(month="2026-10").update(status=EvaluationPeriod.Status.APPROVED)
    with pytest.raises(ValidationError) as excinfo:
        services.evaluations_compute(period=OCTOBER)
    assert "2026-10" in excinfo.value.messages[0]
    assert "不能再重新计算" in excinfo.value.messages[0]


def _people_with_records(centre, count, start):
    people = [factories.make_staff(f"Q{start + i:04d}", centre=centre) for i in range(count)]
    for person in people:
        make_attendance(person, 5)
        make_attendance(person, 6, ar.LATE, late_count=1)
        make_rating(person, rr.SATISFIED)
        make_rating(person, rr.DISSATISFIED, outcome=CONFIRMED)
        make_finding(person, "1.00")
        make_commendation(person, "1.00")
    return people


def test_query_count_does_not_grow_with_headcount(east, west, home_page):
    first = _people_with_records(east, 3, 0) + _people_with_records(west, 2, 100)
    make_october_exam(first, {first[0]: [["A"], ["A"]]})
    services.evaluations_compute(period=OCTOBER)  # makes the default scheme
    with CaptureQueriesContext(connection) as five:
        services.evaluations_compute(period=OCTOBER)
    more = _people_with_records(east, 25, 200) + _people_with_records(west, 20, 300)
    make_october_exam(more, {more[0]: [["A"], ["B"]]})
    services.evaluations_compute(period=OCTOBER)
    with CaptureQueriesContext(connection) as fifty:
        result = services.evaluations_compute(period=OCTOBER)
    assert result.updated == 50
    # Reads are the same queries whatever the headcount; the bulk writes come in batches.
    assert _reads(fifty) == _reads(five)
    # The evaluations and their history rows: one statement each (executemany; PostgreSQL's
    # COPY is not captured), whatever the headcount.
    assert 1 <= len(_writes(fifty)) == len(_writes(five)) <= 2


_WRITES = re.compile(r'^(\d+ times: )?(UPDATE "assessment_evaluation" |INSERT INTO "assessment_(historical)?evaluation" )')


def _writes(context):
    return [q["sql"] for q in context.captured_queries if _WRITES.match(q["sql"])]


def _reads(context):
    return [
        re.sub(r'"s\d+_x\d+"', "", q["sql"])[:60] for q in context.captured_queries if not _WRITES.match(q["sql"])
    ]


def test_quota_per_centre_keeps_the_best_and_demotes_the_rest(east, west):
    # Ten people at the east centre scoring 100, 99, … 91: 2 places (20% of 10).
    people = [factories.make_staff(f"K{i:03d}", centre=east) for i in range(10)]
    for i, person in enumerate(people):
        make_attendance(person, 5)
        if i:
            make_finding(person, f"{i}.00")
    tie = factories.make_staff("K100", centre=west)
    make_attendance(tie, 5)
    services.evaluations_compute(period=OCTOBER)
    evaluations = _evaluations()
    kept = sorted(no for no, e in evaluations.items() if e.grade == scoring.EXCELLENT)
    assert kept == ["K000", "K001"]
    demoted = [e for e in evaluations.values() if e.demoted_by_quota]
    assert len(demoted) == 9  # 8 at east, and the west centre's only person (0 places)
    assert all(e.grade == scoring.GOOD and e.grade_before_quota == scoring.EXCELLENT for e in demoted)
    assert evaluations["K005"].inputs["quota"]["headcount"] == 10


def test_scheme_versions_are_recorded_and_a_new_version_is_used(worked, east):
    services.evaluations_compute(period=OCTOBER)
    default = AssessmentScheme.objects.get(centre__isnull=True)
    v1 = default.current_version
    assert _evaluations()["E001"].scheme_version == v1
    assert v1.scoring_rules() == scoring.DEFAULT_RULES

    # The east centre gets its own scheme: 基本合格 from 65 and 合格 coefficient unchanged.
    scheme = AssessmentScheme.objects.create(centre=east, name="城东方案")
    rules = scoring.rules_from_dict({"grade_floors": {"basic_pass": "65", "pass": "69"}})
    own_v1 = services.scheme_save_version(scheme=scheme, rules=rules, note="城东")
    services.evaluations_compute(period=OCTOBER)
    evaluations = _evaluations()
    assert evaluations["E001"].scheme_version == own_v1
    assert evaluations["E001"].grade == scoring.PASS  # 69.70 ≥ 69
    assert evaluations["W001"].scheme_version == v1

    # Editing makes v2; v1 stays as it was and cannot be changed.
    v2 = services.scheme_save_version(scheme=scheme, rules=scoring.DEFAULT_RULES, note="恢复默认")
    assert (own_v1.number, v2.number) == (1, 2)
    own_v1.refresh_from_db()
    assert own_v1.scoring_rules() == rules
    with pytest.raises(ValidationError):
        own_v1.save()
    services.evaluations_compute(period=OCTOBER)
    anna = _evaluations()["E001"]
    assert anna.scheme_version == v2 and anna.grade == scoring.BASIC_PASS
    assert anna.inputs["scheme"] == {"name": "城东方案", "version": 2}
    assert SchemeVersion.objects.filter(scheme=scheme).count() == 2


def test_one_default_scheme_only(db):
    AssessmentScheme.objects.create(name="默认")
    second = AssessmentScheme(name="另一个默认")
    with pytest.raises(ValidationError):
        second.full_clean()


def test_a_person_who_moved_mid_month_is_evaluated_where_most_working_days_were(east, west):
    import datetime as dt

    from assessment.models import CalendarDay
    from people.services import centre_moves_record

    mover = factories.make_staff("M001", name="迁移者", centre=west)  # moved east → west on Tuesday 20 October
    stayer = factories.make_staff("W010", name="留守者", centre=west)
    centre_moves_record(moves=[(mover.pk, east.pk, west.pk)], moved_on=dt.date(2026, 10, 20))

    # Weekdays: 1–19 October hold 13, 20–31 October 9: east wins.
    services.evaluations_compute(period="2026-10")
    evaluation = Evaluation.objects.get(staff=mover)
    assert evaluation.centre == east
    assert evaluation.inputs["centre"]["basis"] == "working_days"
    assert evaluation.inputs["centre"]["days"] == [
        {"id": east.pk, "name": east.name, "working_days": 13},
        {"id": west.pk, "name": west.name, "working_days": 9},
    ]
    assert Evaluation.objects.get(staff=stayer).inputs["centre"]["basis"] == "profile"

    # With the National Day holidays (1, 2, 5, 6 and 7 October) east has 8 days to west's 9.
    for day in (1, 2, 5, 6, 7):
        CalendarDay.objects.create(date=dt.date(2026, 10, day), kind=CalendarDay.Kind.HOLIDAY, name="国庆节")
    services.evaluations_compute(period="2026-10")
    evaluation.refresh_from_db()
    assert evaluation.centre == west
    assert [row["working_days"] for row in evaluation.inputs["centre"]["days"]] == [8, 9]
    assert evaluation.inputs["quota"]["headcount"] == 2  # counted in west's quota with the stayer


def test_a_person_who_moved_after_the_month_is_evaluated_at_the_old_centre(east, west):
    import datetime as dt

    from people.services import centre_moves_record

    mover = factories.make_staff("M002", name="后来调走", centre=west)
    centre_moves_record(moves=[(mover.pk, east.pk, west.pk)], moved_on=dt.date(2026, 11, 9))
    services.evaluations_compute(period="2026-10")
    evaluation = Evaluation.objects.get(staff=mover)
    assert evaluation.centre == east and evaluation.inputs["centre"]["basis"] == "moved_since"


def test_the_receipt_dates_a_finding_by_beijing_time(worked):
    # 07:00 on 16 October in Beijing is still 15 October in UTC.
    early = make_finding(worked["bo"], "2.00", day=16)
    early.observed_at = builders.at(16, hour=7)
    early.save()
    services.evaluations_compute(period=OCTOBER)
    assert _evaluations()["E002"].inputs["findings"][0]["date"] == "2026-10-16"


def test_a_leavers_learning_counts_only_what_fell_due_while_employed(worked, home_page):
    """Courses due on 25 October: someone whose last day was the 20th is not marked late for
    them (L absent), while everyone still employed is."""
    bo = StaffProfile.objects.get(staff_no="E002")
    chen = StaffProfile.objects.get(staff_no="W001")
    builders.make_october_learning(home_page, bo, due=2, on_time=0)
    builders.make_october_learning(home_page, chen, due=1, on_time=0)
    StaffProfile.objects.filter(pk=bo.pk).update(leave_date=dt.date(2026, 10, 20), active=False)
    services.evaluations_compute(period=OCTOBER)
    evaluations = _evaluations()
    assert evaluations["E002"].learning is None
    assert evaluations["W001"].learning == Decimal("0.00")
