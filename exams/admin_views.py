"""Admin screens beyond the model viewsets: bank import/export, the exam report, grading.
Each belongs to a viewset in viewsets.py, which gives it its URL, menu item and permission."""

import tablib
from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import FormView, TemplateView, View
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin
from wagtail.admin.views.generic.permissions import PermissionCheckedMixin
from wagtail.permission_policies import ModelPermissionPolicy

from home.import_views import UploadForm, batch_context, confirm_or_cancel
from home.models import ImportBatch
from home.services import import_batch_check
from home.spreadsheets import xlsx_response

from . import charts, selectors, services
from .imports import question_import_spec
from .models import AttemptItem, Exam, GradingLog, Question, QuestionBank
from .models.bank import stem_plain_text


class ExamPermissionPolicy(ModelPermissionPolicy):
    """Exam permissions, with `view_results` (exams.view_results), which an exam's
    invigilators also have for that exam."""

    def __init__(self):
        super().__init__(Exam)

    def _get_permission_codename(self, action):
        return "view_results" if action == "view_results" else super()._get_permission_codename(action)

    def user_has_permission_for_instance(self, user, action, instance):
        if action == "view_results" and instance.invigilators.filter(pk=user.pk).exists():
            return True
        return super().user_has_permission_for_instance(user, action, instance)


class TitledMixin:
    """The page's title as the last breadcrumb (Wagtail shows the breadcrumbs as the header)."""

    def get_breadcrumbs_items(self):
        return [*super().get_breadcrumbs_items(), {"url": "", "label": self.get_page_title()}]


# --- bank import and export ------------------------------------------------------------


class BankMixin(PermissionCheckedMixin):
    permission_policy = ModelPermissionPolicy(Question)
    permission_required = "add"
    header_icon = "upload"

    def setup(self, request, *args, **kwargs):
        super().setup(request, *args, **kwargs)
        self.bank = get_object_or_404(QuestionBank, pk=kwargs["pk"])
        self.spec = question_import_spec(self.bank)

    def get_page_title(self):
        return _("Import questions into %(bank)s") % {"bank": self.bank.name}

    def get_context_data(self, **kwargs):
        kwargs.pop("batch_id", None)
        return super().get_context_data(spec=self.spec, bank=self.bank, **kwargs)


class BankImportView(BankMixin, TitledMixin, WagtailAdminTemplateMixin, FormView):
    template_name = "exams/admin/bank_import.html"
    form_class = UploadForm

    def form_valid(self, form):
        batch = import_batch_check(spec=self.spec, uploaded_file=form.cleaned_data["file"], user=self.request.user)
        return redirect("exams_bank_files:import_batch", self.bank.pk, batch.pk)


class BankImportBatchView(BankMixin, TitledMixin, WagtailAdminTemplateMixin, TemplateView):
    template_name = "home/admin/import_batch.html"

    def get_context_data(self, **kwargs):
        batch = get_object_or_404(ImportBatch, pk=self.kwargs["batch_id"], kind=self.spec.key)
        upload_url = reverse("exams_bank_files:import", args=[self.bank.pk])
        return super().get_context_data(**batch_context(self.spec, batch, upload_url), **kwargs)

    def post(self, request, *args, **kwargs):
        batch, cancelled = confirm_or_cancel(request, self.spec, kwargs["batch_id"])
        if cancelled:
            return redirect("exams_bank_files:import", self.bank.pk)
        return redirect("exams_bank_files:import_batch", self.bank.pk, batch.pk)


class BankExportView(PermissionCheckedMixin, View):
    permission_policy = ModelPermissionPolicy(Question)
    permission_required = "change"

    def get(self, request, pk):
        bank = get_object_or_404(QuestionBank, pk=pk)
        return xlsx_response(services.question_export_dataset(bank=bank), f"questions-{bank.pk}.xlsx")


# --- the exam report -------------------------------------------------------------------


class ExamReportMixin(PermissionCheckedMixin):
    """An exam's report and what it links to: for who may read the exam's results."""

    permission_policy = ExamPermissionPolicy()

    def setup(self, request, *args, **kwargs):
        super().setup(request, *args, **kwargs)
        self.exam = get_object_or_404(Exam.objects.select_related("paper"), pk=kwargs["pk"])

    def dispatch(self, request, *args, **kwargs):
        if not self.user_has_permission_for_instance("view_results", self.exam):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)


class ExamReportView(ExamReportMixin, TitledMixin, WagtailAdminTemplateMixin, TemplateView):
    template_name = "exams/admin/exam_report.html"
    header_icon = "table"

    def get_page_title(self):
        return _("Report: %(exam)s") % {"exam": self.exam.title}

    def get_context_data(self, **kwargs):
        exam = self.exam
        services.close_expired_attempts(exam_ids=[exam.pk])
        results = selectors.exam_results(exam)
        counting = [a for _s, a, _all in results if a is not None]
        by_centre = selectors.pass_rate_by_centre(results)
        stats = selectors.item_statistics(exam)
        in_progress = sum(1 for _s, _a, attempts in results for a in attempts if a.status == "in_progress")
        return super().get_context_data(
            exam=exam,
            results=results,
            taken=len(counting),
            passed=sum(1 for a in counting if a.passed),
            in_progress=in_progress,
            pass_rate=selectors.scoring.percentage(sum(1 for a in counting if a.passed), len(results)),
            distribution=charts.score_distribution([a.percent for a in counting], pass_percent=exam.pass_percent,
                                                   title=_("Score distribution")),
            centre_chart=charts.pass_rate_by_centre(by_centre, title=_("Pass rate by service centre")) if by_centre else None,
            by_centre=by_centre,
            stats=stats,
            logs=GradingLog.objects.filter(exam=exam).select_related("by", "question")[:50],
            pending=selectors.grading_queue(exam=exam).count(),
            can_grade=self.user_has_permission("grade"),
            **kwargs,
        )


class QuestionActionForm(forms.Form):
    action = forms.ChoiceField(choices=[("regrade", "regrade"), ("full_marks", "full_marks")])
    reason = forms.CharField(label=gettext_lazy("Reason"), max_length=1000)


class ExamQuestionActionView(ExamReportMixin, View):
    """POST: regrade a question after its key was corrected, or give everyone full marks."""

    def post(self, request, pk, question_id):
        if not self.user_has_permission("grade"):
            raise PermissionDenied
        question = get_object_or_404(Question, pk=question_id)
        form = QuestionActionForm(request.POST)
        if not form.is_valid():
            messages.error(request, _("Say why (the reason is logged)."))
            return redirect("exams_report:index", pk)
        try:
            if form.cleaned_data["action"] == "regrade":
                changed = services.question_regrade(exam=self.exam, question=question, user=request.user,
                                                    reason=form.cleaned_data["reason"])
                messages.success(request, _("Regraded: %(n)d answers changed.") % {"n": changed})
            else:
                count = services.question_full_marks(exam=self.exam, question=question, user=request.user,
                                                     reason=form.cleaned_data["reason"])
                messages.success(request, _("Full marks given on %(n)d answers.") % {"n": count})
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        return redirect("exams_report:index", pk)


class ExamStatisticsView(ExamReportMixin, View):
    """POST: write the exam's item statistics into the bank's questions."""

    def post(self, request, pk):
        if not self.user_has_permission("grade"):
            raise PermissionDenied
        count = services.exam_statistics_to_bank(exam=self.exam)
        messages.success(request, _("Statistics written to %(n)d questions.") % {"n": count})
        return redirect("exams_report:index", pk)


class ExamResultsExportView(ExamReportMixin, View):
    def get(self, request, pk):
        dataset = tablib.Dataset(headers=["工号", "姓名", "服务中心", "用工单位", "次数", "得分", "满分", "百分比", "是否合格", "交卷时间"],
                                 title="成绩")
        for staff, attempt, attempts in selectors.exam_results(self.exam):
            dataset.append([
                staff.staff_no, staff.name, staff.centre.name, staff.vendor.name if staff.vendor_id else "", len(attempts),
                attempt.score if attempt else None, attempt.max_score if attempt else None,
                attempt.percent if attempt else 0, ("合格" if attempt.passed else "不合格") if attempt else "未参加",
                timezone.localtime(attempt.closed_at).strftime("%Y-%m-%d %H:%M") if attempt and attempt.closed_at else "",
            ])
        return xlsx_response(dataset, f"exam-{self.exam.pk}-results.xlsx")


class ExamAnswersExportView(ExamReportMixin, View):
    def get(self, request, pk):
        dataset = tablib.Dataset(headers=["工号", "姓名", "次数", "题号", "题型", "题干", "版本", "作答", "得分", "分值"], title="作答明细")
        items = (
            AttemptItem.objects.filter(attempt__exam=self.exam)
            .select_related("attempt__staff", "version")
            .order_by("attempt__staff__staff_no", "attempt__number", "position")
        )
        for item in items:
            response = item.response
            if isinstance(response, bool):
                response = "对" if response else "错"
            elif isinstance(response, list):
                response = "；".join(response)
            dataset.append([
                item.attempt.staff.staff_no, item.attempt.staff.name, item.attempt.number, item.position + 1,
                item.version.get_qtype_display(), stem_plain_text(item.version.stem)[:200], item.version.number,
                response if response is not None else "", item.score, item.points,
            ])
        return xlsx_response(dataset, f"exam-{self.exam.pk}-answers.xlsx")


# --- grading -------------------------------------------------------------------------


class GradeForm(forms.Form):
    score = forms.DecimalField(label=gettext_lazy("Score"), min_value=0, decimal_places=2, max_digits=6)
    comment = forms.CharField(label=gettext_lazy("Comment"), required=False, widget=forms.Textarea(attrs={"rows": 3}))


class GradingQueueView(PermissionCheckedMixin, TitledMixin, WagtailAdminTemplateMixin, TemplateView):
    permission_policy = ExamPermissionPolicy()
    permission_required = "grade"
    template_name = "exams/admin/grading_queue.html"
    page_title = gettext_lazy("Grading queue")
    header_icon = "edit"

    def get_context_data(self, **kwargs):
        items = list(selectors.grading_queue()[:100])
        return super().get_context_data(items=[(item, GradeForm(prefix=str(item.pk))) for item in items], **kwargs)

    def post(self, request):
        item = get_object_or_404(AttemptItem.objects.select_related("attempt"), pk=request.POST.get("item"))
        form = GradeForm(request.POST, prefix=str(item.pk))
        if form.is_valid():
            try:
                services.item_grade_manual(item=item, score=form.cleaned_data["score"], comment=form.cleaned_data["comment"],
                                           user=request.user)
                messages.success(request, _("Marks saved."))
            except ValidationError as exc:
                messages.error(request, " ".join(exc.messages))
        else:
            messages.error(request, _("Enter a score."))
        return redirect("exams_grading:index")
