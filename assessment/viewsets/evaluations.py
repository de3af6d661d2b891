"""Monthly evaluations in the admin (评价与绩效 menu, HR and administrators): assessment
schemes (HR edits numbers; each save is a new version), the read-only evaluations, the
appeals queue, and the screens that compute a month and export its pay sheet."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel, FieldRowPanel, MultiFieldPanel, ObjectList
from wagtail.admin.views import generic
from wagtail.admin.viewsets.model import ModelViewSetGroup
from wagtail.permission_policies import ModelPermissionPolicy

from .. import roles, selectors, services
from ..admin_views import ComputeEvaluationsView, PaySheetExportView
from ..forms.evaluations import AppealDecisionForm
from ..forms.schemes import SchemeForm, scheme_number_names
from ..models import AssessmentScheme, Evaluation, EvaluationAppeal, EvaluationPeriod
from .base import AssessmentPermissionPolicy, RecordsViewSet, ScreenViewSet
from .periods import EvaluationPeriodViewSet


class _SavesVersion:
    def save_instance(self):
        instance = super().save_instance()
        services.scheme_save_version(
            scheme=instance,
            rules=self.form.scoring_rules(),
            user=self.request.user,
            note=self.form.cleaned_data.get("version_note", ""),
        )
        return instance


class SchemeCreateView(_SavesVersion, generic.CreateView):
    pass


class SchemeEditView(_SavesVersion, generic.EditView):
    pass


def _scheme_panels():
    def row(names):
        return FieldRowPanel([FieldPanel(name) for name in names])

    return ObjectList(
        [
            FieldPanel("name"),
            FieldPanel("centre"),
            MultiFieldPanel([row(scheme_number_names("weight_"))], heading=_("Component weights")),
            MultiFieldPanel(
                [row(scheme_number_names("bad_review_")), row(scheme_number_names("attendance_")[:4]), row(scheme_number_names("attendance_")[4:])],
                heading=_("Deductions"),
            ),
            MultiFieldPanel(
                [row(["bonus_cap", "excellent_quota_percent"]), row(scheme_number_names("floor_"))], heading=_("Bonus, quota and grades")
            ),
            MultiFieldPanel([row(scheme_number_names("coefficient_"))], heading=_("Pay coefficients")),
            FieldPanel("version_note"),
        ],
        base_form_class=SchemeForm,
    )


class AssessmentSchemeViewSet(RecordsViewSet):
    model = AssessmentScheme
    icon = "cogs"
    menu_order = 10
    list_display = ["name", "centre", "current_version"]
    add_view_class = SchemeCreateView
    edit_view_class = SchemeEditView
    inspect_view_enabled = True
    inspect_view_fields = ["name", "centre", "current_version"]
    edit_handler = _scheme_panels()


class ViewOnlyPermissionPolicy(ModelPermissionPolicy):
    """Evaluations are written by the compute only: nobody adds, edits or deletes them here."""

    def user_has_permission(self, user, action):
        return action == "view" and super().user_has_permission(user, action)

    def user_has_any_permission(self, user, actions):
        return any(self.user_has_permission(user, action) for action in actions)


class EvaluationInspectView(generic.InspectView):
    """HR's view of one evaluation: the same score receipt staff read once it is published."""

    template_name = "assessment/evaluations/admin_inspect.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["evaluation"] = self.object
        context["inputs"] = self.object.inputs
        context["components"] = selectors.receipt_components(self.object)
        context["figure_log"], _count = selectors.evaluation_figure_log(evaluation=self.object)
        context["appeal_log"] = selectors.appeal_log(evaluation=self.object)
        context["appeals"] = selectors.appeals_of(self.object)
        return context


class EvaluationViewSet(RecordsViewSet):
    model = Evaluation
    icon = "table"
    menu_order = 20
    list_display = ["period", "staff", "centre", "vendor", "score", "grade", "coefficient", "pay"]
    list_filter = ["period", "centre", "grade"]
    search_fields = ["staff__staff_no", "staff__name"]
    form_fields = ["grade"]  # never shown: the policy allows viewing only
    inspect_view_enabled = True
    inspect_view_class = EvaluationInspectView
    # The listing's own download (the filtered rows); the full pay sheet with totals and the
    # approval stamp is the approved month's 导出绩效工资表 button.
    list_export = [
        "staff.staff_no", "staff.name", "centre", "vendor", "period.month", "score", "grade_label_zh",
        "coefficient", "pay_base", "pay",
    ]
    export_headings = {
        "staff.staff_no": "工号", "staff.name": "姓名", "centre": "服务中心", "vendor": "用工单位",
        "period.month": "月份", "score": "评价得分", "grade_label_zh": "等级", "coefficient": "绩效系数",
        "pay_base": "绩效工资基数", "pay": "绩效工资",
    }
    export_filename = "frontline-evaluations"

    def get_queryset(self, request):
        return Evaluation.objects.select_related("period", "staff", "centre", "vendor")


class EvaluationAppealInspectView(generic.InspectView):
    """One appeal, the evaluation it disputes, its history, and HR's decision form."""

    template_name = "assessment/evaluations/admin_appeal.html"

    def post(self, request, *args, **kwargs):
        form = AppealDecisionForm(request.POST)
        if form.is_valid():
            try:
                appeal = services.evaluation_appeal_decide(
                    appeal=self.object, user=request.user, upheld=form.cleaned_data["decision"] == "upheld",
                    note=form.cleaned_data["note"],
                )
            except PermissionDenied as exc:
                messages.error(request, str(exc))
                return redirect(request.path)
            except ValidationError as exc:
                form.add_error(None, " ".join(exc.messages))
            else:
                if appeal.status == appeal.Status.UPHELD:
                    messages.success(
                        request,
                        _("Appeal upheld. %(month)s is back in draft: correct the inputs, then recompute, review, "
                          "approve and publish the month again.") % {"month": appeal.evaluation.period.month},
                    )
                    return redirect("assessment_evaluation_periods:inspect", appeal.evaluation.period_id)
                messages.success(request, _("Appeal rejected."))
                return redirect(request.path)
        return self.render_to_response(self.get_context_data(decision_form=form), status=400)

    def get_context_data(self, **kwargs):
        form = kwargs.pop("decision_form", None)
        context = super().get_context_data(**kwargs)
        appeal = self.object
        context["appeal"] = appeal
        context["evaluation"] = appeal.evaluation
        context["can_decide"] = appeal.is_open and self.request.user.has_perm(roles.DECIDE_EVALUATION_APPEALS)
        context["decision_form"] = form or AppealDecisionForm()
        context["appeal_log"] = selectors.appeal_log(evaluation=appeal.evaluation)
        context["evaluation_url"] = reverse("assessment_evaluations:inspect", args=[appeal.evaluation_id])
        context["period_url"] = reverse("assessment_evaluation_periods:inspect", args=[appeal.evaluation.period_id])
        return context


class EvaluationAppealViewSet(RecordsViewSet):
    """申诉 queue: pending first. Staff file appeals on the site; HR decides here."""

    model = EvaluationAppeal
    icon = "help"
    menu_order = 15
    list_display = ["evaluation", "status", "created_at", "decided_by", "decided_at"]
    list_filter = ["status", "evaluation__period"]
    search_fields = ["evaluation__staff__staff_no", "evaluation__staff__name"]
    form_fields = ["status"]  # never shown: the policy allows viewing only
    inspect_view_enabled = True
    inspect_view_class = EvaluationAppealInspectView
    # "pending" sorts before "rejected" and "upheld": open appeals first, newest first.
    ordering = ["status", "-created_at"]

    def get_queryset(self, request):
        return selectors.appeal_queue()


class EvaluationsViewSetGroup(ModelViewSetGroup):
    menu_label = _("Evaluations and pay")
    menu_icon = "table"
    menu_order = 260
    items = (
        EvaluationPeriodViewSet("assessment_evaluation_periods", url_prefix="evaluations/months"),
        EvaluationViewSet("assessment_evaluations", url_prefix="evaluations/evaluations"),
        EvaluationAppealViewSet("assessment_evaluation_appeals", url_prefix="evaluations/appeals"),
        AssessmentSchemeViewSet("assessment_schemes", url_prefix="evaluations/schemes"),
    )


class ComputeEvaluationsViewSet(ScreenViewSet):
    """HR's form that (re)computes a month (the button on the months' listing; no menu item)."""

    name = "assessment_compute"
    url_prefix = "evaluations/compute"
    icon = "table"
    permission_policy = AssessmentPermissionPolicy(EvaluationPeriod)
    permission_required = "compute_evaluations"

    def get_urlpatterns(self):
        return [path("", self.construct_view(ComputeEvaluationsView), name="index")]


class PaySheetViewSet(ScreenViewSet):
    """The pay sheet of an approved month (导出绩效工资表, a button on the month's page; no
    menu item), for who may view evaluations."""

    name = "assessment_pay_sheet"
    url_prefix = "service-records/evaluations"
    icon = "download"
    permission_policy = AssessmentPermissionPolicy(Evaluation)
    permission_required = "view"

    def get_urlpatterns(self):
        return [path("<str:month>/pay-sheet/", self.construct_view(PaySheetExportView), name="export")]
