"""Builders for the assessment tests: spreadsheets and imports of service records, and the
records, exams and learning of October 2026 that the monthly evaluation tests compute
(with the `east`, `west` and `worked` fixtures, which a test module takes in by assigning
them to module names)."""

import datetime as dt
import io
import itertools
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from openpyxl import Workbook

from assessment import attendance_rules as ar
from assessment import rating_rules as rr
from assessment.models import (
    AttendanceDay,
    BadReviewCase,
    Commendation,
    FindingType,
    InspectionFinding,
    Rating,
    RatingSource,
)
from assessment.selectors import Period
from home.imports import get_import, run_import
from tests import factories
from tests.exams.builders import make_exam, make_fixed_paper, make_question

# --- spreadsheets and imports ---------------------------------------------------------


def make_xlsx(rows):
    """An .xlsx workbook whose first sheet holds `rows` (lists of cell values) as given."""
    workbook = Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def make_csv(text):
    return text.encode("utf-8")


def run(key, content, filename, *, dry_run=False):
    return run_import(get_import(key), content, filename, dry_run=dry_run)


DINGTALK_HEADER = [
    "姓名", "考勤组", "部门", "工号", "职位", "UserId", "日期", "班次",
    "上班1打卡时间", "上班1打卡结果", "下班1打卡时间", "下班1打卡结果", "关联的审批单",
]


def make_dingtalk(rows, header=DINGTALK_HEADER):
    """A DingTalk 每日统计 workbook with its two title rows; rows are dicts by header."""
    return make_xlsx(
        [
            ["每日统计"],
            ["统计日期：2026-10-01 至 2026-10-31  报表生成时间：2026-11-02 09:12"],
            header,
            *[[row.get(h, "") for h in header] for row in rows],
        ]
    )


# --- the evaluation month ------------------------------------------------------------

OCTOBER = Period(2026, 10)
_seq = itertools.count(1)


def at(day, hour=10):
    """An aware moment on `day` of October 2026 (the site's time zone)."""
    return timezone.make_aware(dt.datetime(2026, 10, day, hour))


def make_attendance(person, day, status=ar.NORMAL, **counts):
    return AttendanceDay.objects.create(
        staff=person, date=dt.date(2026, 10, day), source=AttendanceDay.Source.MANUAL, status=status, **counts
    )


def make_normal_days(person, days=range(8, 10)):
    for day in days:
        make_attendance(person, day)


def make_rating_source():
    return RatingSource.objects.get_or_create(code="test", defaults={"name": "测试来源"})[0]


def make_rating(person, level, day=12, outcome=None):
    rated = Rating.objects.create(
        source=make_rating_source(), ticket_no=f"T{next(_seq):06d}", level=level, staff=person, rated_at=at(day)
    )
    if outcome is not None:
        BadReviewCase.objects.create(
            rating=rated,
            centre=person.centre,
            staff=person,
            verify_due=dt.date(2026, 10, 20),
            feedback_due=dt.date(2026, 10, 25),
            status=BadReviewCase.Status.CLOSED if outcome else BadReviewCase.Status.OPEN,
            outcome=outcome,
        )
    return rated


def make_finding(person, points, day=15, veto=False):
    kind, _created = FindingType.objects.get_or_create(name=f"巡查{points}{veto}", defaults={"points": points, "veto": veto})
    return InspectionFinding.objects.create(
        staff=person, finding_type=kind, observed_at=at(day), points=Decimal(points), veto=veto
    )


def make_commendation(person, points, day=18):
    return Commendation.objects.create(staff=person, date=dt.date(2026, 10, day), bonus_points=Decimal(points))


def make_october_exam(people, answers):
    """An exam closed on 2026-10-20 with two questions (answer A); `answers` maps a person to
    their responses to take a graded attempt (one right answer = 50%)."""
    from exams import services as exam_services
    from exams.models import Exam

    exam = make_exam(
        make_fixed_paper([make_question(answer="A"), make_question(answer="A")]),
        individuals=people,
        title="十月业务测试",
    )
    for person, responses in answers.items():
        attempt = exam_services.attempt_start(exam=exam, staff=person)
        for position, response in enumerate(responses):
            exam_services.attempt_save_answer(attempt=attempt, position=position, response=response, seq=position + 1)
        exam_services.attempt_close(attempt=attempt)
    closes = at(20)
    Exam.objects.filter(pk=exam.pk).update(opens_at=closes - timedelta(days=2), closes_at=closes)
    return exam


def make_october_learning(home_page, person, *, due=2, on_time=1):
    """`due` mandatory courses due on 2026-10-25, `on_time` of them completed before."""
    from courses import services as course_services
    from courses.models import CourseIndexPage, CoursePage, Enrolment

    index = CourseIndexPage.objects.first() or home_page.add_child(
        instance=CourseIndexPage(title="学习中心", slug="learning")
    )
    for n in range(due):
        number = next(_seq)
        course = index.add_child(
            instance=CoursePage(title=f"课程{number}", slug=f"course-{number}", summary="摘要", category="etiquette", hours=Decimal("1.0"))
        )
        course_services.assignment_create(
            page=course, due_date=dt.date(2026, 10, 25), created_by=None, individuals=[person]
        )
        if n < on_time:
            Enrolment.objects.create(staff=person, course=course, completed_at=at(21))


@pytest.fixture
def east(db):
    return factories.make_centre("城东政务服务中心")


@pytest.fixture
def west(db):
    return factories.make_centre("城西政务服务中心")


@pytest.fixture
def worked(east, west, home_page):
    """The hand-worked example of the receipt (figures in test_compute_matches_the_hand_worked_example)."""
    vendor = factories.make_vendor("联合人力资源有限公司")
    anna = factories.make_staff("E001", name="安娜", centre=east, vendor=vendor, pay_base=Decimal("2345.67"))
    bo = factories.make_staff("E002", name="柏涛", centre=east, vendor=vendor, pay_base=Decimal("2000.00"))
    chen = factories.make_staff("W001", name="陈晨", centre=west, pay_base=Decimal("1800.00"))
    leaver = factories.make_staff("W002", name="离职者", centre=west, active=False)
    # Left at the end of September: not evaluated in October (DESIGN "Who is evaluated").
    type(leaver).objects.filter(pk=leaver.pk).update(leave_date=dt.date(2026, 9, 30))
    # Anna: 18 days on time, one late, one seriously late, one missing punch; a 3-point finding.
    make_normal_days(anna, range(1, 19))
    make_attendance(anna, 19, ar.LATE, late_count=1, late_minutes=12)
    make_attendance(anna, 20, ar.SERIOUS_LATE, serious_late_count=1, late_minutes=40)
    make_attendance(anna, 21, ar.MISSING, missing_count=1)
    make_finding(anna, "3.00")
    # Ratings 100, 100, 80 and a confirmed 不满意 (30); a system-default rating does not count.
    make_rating(anna, rr.VERY_SATISFIED)
    make_rating(anna, rr.VERY_SATISFIED)
    make_rating(anna, rr.SATISFIED)
    make_rating(anna, rr.DISSATISFIED, outcome=BadReviewCase.Outcome.CONFIRMED)
    # One exam at 50%, two courses due of which one on time, a 2-point commendation.
    make_october_exam([anna], {anna: [["A"], ["B"]]})
    make_october_learning(home_page, anna, due=2, on_time=1)
    make_commendation(anna, "2.00")
    # Bo: on time every day, nothing else.
    make_normal_days(bo, range(1, 4))
    # Chen: no attendance record at all (a blocker).
    return {"anna": anna, "bo": bo, "chen": chen, "vendor": vendor}
