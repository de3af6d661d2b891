"""Registration of the exams app's admin screens, import and portal section."""

from django.utils.translation import gettext_lazy as _
from wagtail import hooks

from home.hooks import (
    BEFORE_EVALUATION_COMPUTE_HOOK,
    DEMO_LOADER_HOOK,
    EXAM_CANDIDATES_HOOK,
    EXAM_SCORES_HOOK,
)
from home.imports import SPREADSHEET_IMPORT_HOOK
from people.portal import PORTAL_SECTION_HOOK, PortalSection

from . import selectors, services
from .imports import question_import_spec
from .models import Exam
from .viewsets import ExamReportViewSet, ExamsViewSetGroup, GradingViewSet, QuestionBankFilesViewSet


@hooks.register("register_admin_viewset")
def register_exams_viewsets():
    return [ExamsViewSetGroup(), QuestionBankFilesViewSet(), ExamReportViewSet(), GradingViewSet()]


@hooks.register(BEFORE_EVALUATION_COMPUTE_HOOK)
def close_expired_attempts_before_compute(*, period):
    """Attempts of the month's counted exams whose time ran out are closed and graded
    before the evaluation reads them (exams_housekeeping does the same on a schedule)."""
    start, end = period.moments()
    exam_ids = list(selectors.counted_exams(start=start, end=end).values_list("pk", flat=True))
    if exam_ids:
        services.close_expired_attempts(exam_ids=exam_ids)


@hooks.register(EXAM_CANDIDATES_HOOK)
def set_exam_candidates(*, exam_id, staff_ids):
    exam = Exam.objects.get(pk=exam_id)
    return services.exam_candidates_set(exam=exam, staff_ids=staff_ids)


@hooks.register(EXAM_SCORES_HOOK)
def exam_scores(*, exam_id, staff_ids):
    exam = Exam.objects.only("pk", "scoring_rule").get(pk=exam_id)
    return selectors.counting_percentages(exam=exam, staff_ids=staff_ids)


@hooks.register(SPREADSHEET_IMPORT_HOOK)
def register_question_import():
    return question_import_spec()


@hooks.register(PORTAL_SECTION_HOOK)
def exams_portal_section(request):
    return PortalSection(
        key="exams",
        title=_("My exams"),
        description=_("Monthly tests and policy quizzes"),
        icon="考",
        url_name="exams:mine",
        order=20,
    )


@hooks.register(DEMO_LOADER_HOOK, order=20)
def load_exams_demo(tally):
    from .demo import load_exam_content

    load_exam_content(tally)
