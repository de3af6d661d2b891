"""Builders for the trainer-side tests (assignments admin, reports, workflow, imports):
learning sections with their permissions and workflow, published pages, and what staff did."""

import datetime as dt
from decimal import Decimal

from courses import services
from courses.models import (
    Acknowledgement,
    CaseScenarioPage,
    CourseFeedback,
    CoursePage,
    Enrolment,
    LessonPage,
    PolicyUpdatePage,
)
from tests import factories


def make_sections(home_page):
    """学习中心 and 政策更新 with their permissions and the moderation workflow."""
    factories.ensure_roles()
    return services.learning_sections_ensure(home=home_page)


def make_course(learning, title="服务礼仪", *, slug=None, lessons=1, hours=Decimal("2.0")):
    course = learning.add_child(
        instance=CoursePage(
            title=title, slug=slug or f"course-{factories._next()}", summary="四步服务法", category="etiquette", hours=hours
        )
    )
    course.save_revision().publish()
    for n in range(1, lessons + 1):
        lesson = course.add_child(
            instance=LessonPage(title=f"第{n}课", slug=f"lesson-{n}", body=[("paragraph", "<p>微笑、迎接语</p>")])
        )
        lesson.save_revision().publish()
    return course


def make_policy(policies, title="好差评新规", *, slug=None, round=1):
    page = policies.add_child(
        instance=PolicyUpdatePage(
            title=title,
            slug=slug or f"policy-{factories._next()}",
            effective_date=dt.date(2026, 1, 1),
            summary="差评 2 个工作日内核实",
            body=[("paragraph", "<p>正文</p>")],
            acknowledgement_round=round,
        )
    )
    page.save_revision().publish()
    return page


def make_scenario(learning, title="材料不全"):
    page = learning.add_child(
        instance=CaseScenarioPage(
            title=title,
            slug=f"scenario-{factories._next()}",
            category="business_skills",
            background="<p>背景</p>",
            what_happened="<p>经过</p>",
            analysis="<p>分析</p>",
        )
    )
    page.save_revision().publish()
    return page


def make_completion(staff, course, when):
    """The person completed `course` at `when` (an aware datetime)."""
    enrolment, _created = Enrolment.objects.get_or_create(staff=staff, course=course)
    Enrolment.objects.filter(pk=enrolment.pk).update(completed_at=when)


def make_acknowledgement(staff, policy, when, round=None):
    ack = Acknowledgement.objects.create(staff=staff, policy=policy, round=round or policy.acknowledgement_round)
    Acknowledgement.objects.filter(pk=ack.pk).update(acknowledged_at=when)


def make_feedback(staff, course, rating, comment=""):
    return CourseFeedback.objects.create(staff=staff, course=course, rating=rating, comment=comment)
