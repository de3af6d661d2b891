"""Wagtail admin classes of service records, grouped under one 服务记录 menu
(registered in wagtail_hooks.py)."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from wagtail.admin.forms import WagtailAdminModelForm
from wagtail.admin.menu import MenuItem
from wagtail.admin.site_summary import SummaryItem
from wagtail.admin.panels import FieldPanel, FieldRowPanel, MultiFieldPanel, ObjectList
from wagtail.admin.views import generic
from wagtail.admin.viewsets.model import ModelViewSet, ModelViewSetGroup

from . import roles
from .models import (
    CalendarDay,
    CentreRules,
    Commendation,
    FindingType,
    InspectionFinding,
    Rating,
    RatingSource,
    ShiftSchedule,
)

RECORDS_MENU_HOOK = "register_service_records_menu_item"


class RecordedByCreateView(generic.CreateView):
    """Keeps who recorded a finding or commendation."""

    def save_instance(self):
        self.form.instance.recorded_by = self.request.user
        return super().save_instance()


class RatingSourceCreateView(generic.CreateView):
    """A new feed or device gets its API token here, shown once (only its hash is kept)."""

    def save_instance(self):
        token = self.form.instance.new_token()
        instance = super().save_instance()
        messages.warning(
            self.request,
            _("API token of %(name)s, shown only now: %(token)s") % {"name": instance.name, "token": token},
        )
        return instance


class LockedMonthForm(WagtailAdminModelForm):
    """Refuses a change to a finding or commendation of an approved month (before and after
    the edit): those count in the month's evaluation (services.period_ensure_open)."""

    date_field = None
    what = ""

    @staticmethod
    def _month(value):
        if value is None:
            return None
        if hasattr(value, "tzinfo") and value.tzinfo is not None:
            value = timezone.localtime(value)
        return value.strftime("%Y-%m")

    def clean(self):
        from . import services

        cleaned = super().clean()
        months = {self._month(cleaned.get(self.date_field))}
        if self.instance.pk:
            months.add(self._month(getattr(self.instance, self.date_field)))
        try:
            services.period_ensure_open(months=[m for m in months if m], what=str(self.what))
        except ValidationError as exc:
            raise ValidationError(exc.messages) from exc
        return cleaned


class LockedMonthDeleteView(generic.DeleteView):
    """Deleting a finding or commendation of an approved month is refused the same way."""

    locked_date_field = None
    locked_what = ""

    def form_valid(self, form):
        from . import services

        month = LockedMonthForm._month(getattr(self.object, self.locked_date_field))
        try:
            services.period_ensure_open(months=[month], what=str(self.locked_what))
        except ValidationError as exc:
            messages.error(self.request, " ".join(exc.messages))
            return redirect(self.get_success_url())
        return super().form_valid(form)


class LockedMonthViewSetMixin:
    """For records that count in a month's evaluation: create, edit and delete refused
    while the month is approved (set locked_date_field and locked_what)."""

    locked_date_field = None
    locked_what = ""
    delete_view_class = LockedMonthDeleteView

    def get_form_class(self, for_update=False):
        from django.forms import modelform_factory

        form = type(
            "LockedForm", (LockedMonthForm,), {"date_field": self.locked_date_field, "what": self.locked_what}
        )
        return modelform_factory(
            self.model, form=form, formfield_callback=self.formfield_for_dbfield, fields=self.form_fields
        )

    def get_delete_view_kwargs(self, **kwargs):
        return super().get_delete_view_kwargs(
            locked_date_field=self.locked_date_field, locked_what=self.locked_what, **kwargs
        )


class RecordsViewSet(ModelViewSet):
    search_backend_name = None
    copy_view_enabled = False
    list_per_page = 50


class CentreRulesViewSet(RecordsViewSet):
    model = CentreRules
    icon = "cogs"
    menu_order = 50
    list_display = ["centre", "late_grace_minutes", "late_serious_minutes", "late_absence_minutes", "case_verify_days", "case_feedback_days"]
    edit_handler = ObjectList(
        [
            FieldPanel("centre"),
            MultiFieldPanel(
                [
                    FieldRowPanel([FieldPanel("late_grace_minutes"), FieldPanel("late_serious_minutes"), FieldPanel("late_absence_minutes")]),
                    FieldRowPanel([FieldPanel("early_grace_minutes"), FieldPanel("early_serious_minutes"), FieldPanel("early_absence_minutes")]),
                ],
                heading=_("Attendance"),
            ),
            MultiFieldPanel(
                [
                    FieldRowPanel([FieldPanel("points_very_satisfied"), FieldPanel("points_satisfied"), FieldPanel("points_basic")]),
                    FieldRowPanel([FieldPanel("points_dissatisfied"), FieldPanel("points_very_dissatisfied")]),
                ],
                heading=_("Rating points"),
            ),
            MultiFieldPanel(
                [FieldRowPanel([FieldPanel("case_verify_days"), FieldPanel("case_feedback_days"), FieldPanel("case_appeal_days")])],
                heading=_("Bad-review cases"),
            ),
        ]
    )


class ShiftScheduleViewSet(RecordsViewSet):
    model = ShiftSchedule
    icon = "time"
    menu_order = 51
    list_display = ["name", "centre", "start", "end", "start2", "end2", "is_default"]
    list_filter = ["centre"]
    form_fields = ["centre", "name", "start", "end", "start2", "end2", "is_default"]


class CalendarDayViewSet(RecordsViewSet):
    model = CalendarDay
    icon = "date"
    menu_order = 52
    list_display = ["date", "kind", "name"]
    list_filter = ["kind"]
    form_fields = ["date", "kind", "name"]


class RatingViewSet(RecordsViewSet):
    model = Rating
    icon = "pick"
    menu_order = 20
    list_display = ["ticket_no", "assess_number", "rated_at", "level", "staff", "window_code", "channel", "source", "superseded"]
    list_filter = ["level", "source", "superseded"]
    search_fields = ["ticket_no", "staff__staff_no", "staff__name", "window_code"]
    form_fields = ["level", "channel", "staff", "window", "window_code", "matter", "comment"]
    inspect_view_enabled = True
    list_export = ["ticket_no", "assess_number", "rated_at", "level", "staff", "window_code", "matter", "channel", "comment", "source", "superseded"]
    export_filename = "frontline-ratings"

    def get_queryset(self, request):
        return Rating.objects.select_related("staff", "source")


class RatingSourceViewSet(RecordsViewSet):
    model = RatingSource
    icon = "link"
    menu_order = 53
    list_display = ["name", "code", "kind", "direction", "token_hint", "active", "last_used_at"]
    form_fields = ["name", "code", "kind", "direction", "active"]
    add_view_class = RatingSourceCreateView


class FindingTypeViewSet(RecordsViewSet):
    model = FindingType
    icon = "list-ul"
    menu_order = 54
    list_display = ["name", "points", "veto", "active"]
    form_fields = ["name", "points", "veto", "description", "active"]


class InspectionFindingViewSet(LockedMonthViewSetMixin, RecordsViewSet):
    model = InspectionFinding
    icon = "search"
    menu_order = 30
    list_display = ["staff", "finding_type", "method", "observed_at", "points", "veto"]
    list_filter = ["finding_type", "method", "veto"]
    search_fields = ["staff__staff_no", "staff__name"]
    form_fields = ["staff", "finding_type", "method", "observed_at", "points", "note", "photo"]
    inspect_view_enabled = True
    add_view_class = RecordedByCreateView
    locked_date_field = "observed_at"
    locked_what = _("inspection findings")


class CommendationViewSet(LockedMonthViewSetMixin, RecordsViewSet):
    model = Commendation
    icon = "success"
    menu_order = 31
    list_display = ["staff", "kind", "date", "bonus_points"]
    list_filter = ["kind"]
    search_fields = ["staff__staff_no", "staff__name"]
    form_fields = ["staff", "kind", "date", "bonus_points", "note"]
    add_view_class = RecordedByCreateView
    locked_date_field = "date"
    locked_what = _("commendations")


class RecordsViewSetGroup(ModelViewSetGroup):
    menu_label = _("Service records")
    menu_icon = "clipboard-list"
    menu_order = 250
    submenu_hook = RECORDS_MENU_HOOK
    items = (
        RatingViewSet("assessment_ratings", url_prefix="records/ratings"),
        InspectionFindingViewSet("assessment_findings", url_prefix="records/findings"),
        CommendationViewSet("assessment_commendations", url_prefix="records/commendations"),
        CentreRulesViewSet("assessment_rules", url_prefix="records/rules"),
        ShiftScheduleViewSet("assessment_shifts", url_prefix="records/shifts"),
        CalendarDayViewSet("assessment_calendar", url_prefix="records/calendar"),
        RatingSourceViewSet("assessment_sources", url_prefix="records/sources"),
        FindingTypeViewSet("assessment_finding_types", url_prefix="records/finding-types"),
    )


class PermissionMenuItem(MenuItem):
    def __init__(self, *args, permission, **kwargs):
        super().__init__(*args, **kwargs)
        self.permission = permission

    def is_shown(self, request):
        return request.user.has_perm(self.permission)


def records_menu_items():
    return [
        PermissionMenuItem(
            _("Bad-review cases"), reverse("assessment_admin:cases"), icon_name="warning", order=1, permission=roles.VIEW_CASES
        ),
        PermissionMenuItem(
            _("Monthly attendance sheet"), reverse("assessment_admin:monthly_sheet"), icon_name="date", order=2,
            permission=roles.VIEW_ATTENDANCE,
        ),
        PermissionMenuItem(
            _("Rating QR codes"), reverse("assessment_admin:qr_sheet"), icon_name="view", order=60, permission=roles.PRINT_QR
        ),
    ]


class CasesSummaryItem(SummaryItem):
    """Dashboard figures for supervisors and HR: open, overdue and appealed bad-review cases."""

    order = 300
    template_name = "assessment/admin/site_summary_cases.html"

    def get_context_data(self, parent_context):
        from . import selectors

        return {"counts": selectors.case_counts(selectors.cases_for(self.request.user))}

    def is_shown(self):
        return self.request.user.has_perm(roles.VIEW_CASES)


# --- Monthly evaluations: schemes (HR edits numbers; each save is a new version) and the
# read-only list of evaluations. HR and administrators only (assessment/roles.py).

from decimal import Decimal as _Decimal  # noqa: E402

from django import forms  # noqa: E402
from django.core.exceptions import ValidationError  # noqa: E402
from django.core.exceptions import PermissionDenied  # noqa: E402
from django.shortcuts import redirect  # noqa: E402
from django.utils.functional import cached_property  # noqa: E402
from django.views.generic import FormView  # noqa: E402
from wagtail.admin.forms import WagtailAdminModelForm  # noqa: E402
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin  # noqa: E402
from wagtail.admin.widgets.button import HeaderButton  # noqa: E402
from wagtail.permission_policies.base import ModelPermissionPolicy  # noqa: E402

from . import scoring  # noqa: E402
from .models import AssessmentScheme, Evaluation, EvaluationAppeal, EvaluationPeriod  # noqa: E402

_COMPONENT_LABELS = {
    scoring.RATINGS: _("R ratings"),
    scoring.DISCIPLINE: _("D discipline"),
    scoring.TESTS: _("T tests"),
    scoring.LEARNING: _("L learning"),
}
_GRADE_LABELS = {
    scoring.EXCELLENT: _("excellent (优秀)"),
    scoring.GOOD: _("good (良好)"),
    scoring.PASS: _("pass (合格)"),
    scoring.BASIC_PASS: _("basic pass (基本合格)"),
    scoring.FAIL: _("fail (不合格)"),
}
_BAD_REVIEW_LABELS = {
    scoring.DISSATISFIED: _("confirmed 不满意"),
    scoring.VERY_DISSATISFIED: _("confirmed 非常不满意"),
}
_ATTENDANCE_LABELS = {
    scoring.LATE: pgettext_lazy("attendance", "late"),
    scoring.SERIOUS_LATE: _("seriously late"),
    scoring.EARLY: _("left early"),
    scoring.SERIOUS_EARLY: _("left seriously early"),
    scoring.MISSING_PUNCH: _("missing punch"),
    scoring.HALF_DAY_ABSENCE: _("half-day absence"),
    scoring.FULL_DAY_ABSENCE: _("full-day absence"),
}

# (form field name, Rules attribute, key or None, label, help)
SCHEME_NUMBERS = (
    [(f"weight_{k}", "weights", k, label, _("weight")) for k, label in _COMPONENT_LABELS.items()]
    + [(f"bad_review_{k}", "bad_review_deductions", k, label, _("points off R each"))
       for k, label in _BAD_REVIEW_LABELS.items()]
    + [(f"attendance_{k}", "attendance_deductions", k, label, _("points off D each"))
       for k, label in _ATTENDANCE_LABELS.items()]
    + [("bonus_cap", "bonus_cap", None, _("bonus cap"), pgettext_lazy("evaluation", "points"))]
    + [(f"floor_{k}", "grade_floors", k, label, _("lowest score of the grade"))
       for k, label in _GRADE_LABELS.items() if k != scoring.FAIL]
    + [("excellent_quota_percent", "excellent_quota_percent", None, _("优秀 quota (percent of headcount)"), "")]
    + [(f"coefficient_{k}", "coefficients", k, label, _("pay coefficient")) for k, label in _GRADE_LABELS.items()]
)


def _number_field(label, help_text):
    return forms.DecimalField(
        label=label, help_text=help_text, min_value=_Decimal("0"), max_digits=6, decimal_places=2
    )


class SchemeFormBase(WagtailAdminModelForm):
    """The scheme's name and centre, and every number of its rules; saving adds a version."""

    version_note = forms.CharField(label=_("what changed"), max_length=200, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        version = self.instance.current_version if self.instance.pk else None
        rules = version.scoring_rules() if version else scoring.DEFAULT_RULES
        for name, attr, key, _label, _help in SCHEME_NUMBERS:
            value = getattr(rules, attr)
            self.fields[name].initial = value[key] if key else value

    def clean(self):
        cleaned = super().clean()
        if any(cleaned.get(name) is None for name, *_rest in SCHEME_NUMBERS):
            return cleaned
        weights = [cleaned[f"weight_{k}"] for k in scoring.COMPONENTS]
        if sum(weights) <= 0:
            raise ValidationError(_("The weights must add up to more than 0."))
        floors = [cleaned[f"floor_{k}"] for k in scoring.GRADES if k != scoring.FAIL]
        if any(higher <= lower for higher, lower in zip(floors, floors[1:])):
            raise ValidationError(_("Each grade's lowest score must be below the one of the grade above."))
        if cleaned["excellent_quota_percent"] > 100:
            self.add_error("excellent_quota_percent", _("At most 100%."))
        return cleaned

    def scoring_rules(self):
        data = {}
        for name, attr, key, _label, _help in SCHEME_NUMBERS:
            value = str(self.cleaned_data[name])
            if key:
                data.setdefault(attr, {})[key] = value
            else:
                data[attr] = value
        return scoring.rules_from_dict(data)


SchemeForm = type(SchemeFormBase)(
    "SchemeForm",
    (SchemeFormBase,),
    {name: _number_field(label, help_text) for name, _attr, _key, label, help_text in SCHEME_NUMBERS},
)


class _SavesVersion:
    def save_instance(self):
        from . import services

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

    def names(prefix):
        return [name for name, *_rest in SCHEME_NUMBERS if name.startswith(prefix)]

    return ObjectList(
        [
            FieldPanel("name"),
            FieldPanel("centre"),
            MultiFieldPanel([row(names("weight_"))], heading=_("Component weights")),
            MultiFieldPanel(
                [row(names("bad_review_")), row(names("attendance_")[:4]), row(names("attendance_")[4:])],
                heading=_("Deductions"),
            ),
            MultiFieldPanel(
                [row(["bonus_cap", "excellent_quota_percent"]), row(names("floor_"))], heading=_("Bonus, quota and grades")
            ),
            MultiFieldPanel([row(names("coefficient_"))], heading=_("Pay coefficients")),
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
        from . import selectors

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

    def get_queryset(self, request):
        return Evaluation.objects.select_related("period", "staff", "centre", "vendor")


class ComputeMonthForm(forms.Form):
    month = forms.CharField(label=_("month"), max_length=7, help_text=_("YYYY-MM, e.g. 2026-10"))

    def clean_month(self):
        from .selectors import Period

        try:
            return Period.parse(self.cleaned_data["month"].strip())
        except ValueError as exc:
            raise ValidationError(_("Give the month as YYYY-MM, e.g. 2026-10.")) from exc


class ComputeEvaluationsView(WagtailAdminTemplateMixin, FormView):
    """HR's button: (re)compute a month's evaluations for everyone, then show its blockers."""

    template_name = "assessment/evaluations/admin_compute.html"
    page_title = _("Compute a month's evaluations")
    header_icon = "table"
    form_class = ComputeMonthForm

    def dispatch(self, request, *args, **kwargs):
        if not request.user.has_perm(roles.COMPUTE_EVALUATIONS):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get_initial(self):
        from .selectors import Period

        return {"month": str(Period.current().previous())}

    def form_valid(self, form):
        from . import services

        try:
            result = services.evaluations_compute(period=form.cleaned_data["month"], user=self.request.user)
        except ValidationError as exc:
            form.add_error(None, " ".join(exc.messages))
            return self.form_invalid(form)
        messages.success(
            self.request,
            _("%(month)s: %(count)d evaluations computed.") % {"month": result.period.month, "count": result.count},
        )
        if result.blockers:
            messages.warning(
                self.request, _("%(n)d blockers to look at before approval.") % {"n": len(result.blockers)}
            )
        return redirect("assessment_evaluation_periods:inspect", result.period.pk)


class EvaluationPeriodIndexView(generic.IndexView):
    @cached_property
    def header_buttons(self):
        buttons = super().header_buttons
        if self.request.user.has_perm(roles.COMPUTE_EVALUATIONS):
            buttons.append(
                HeaderButton(_("Compute a month"), url=reverse("assessment_compute_evaluations"), icon_name="plus")
            )
        return buttons


class EvaluationPeriodInspectView(generic.InspectView):
    """A month's page: status, the compute's progress, blockers, counts per grade, the
    buttons of the next allowed actions (with their note or reason) and the log."""

    template_name = "assessment/evaluations/admin_period.html"

    def _forms(self, data=None, action=None):
        from . import forms as workflow_forms
        from . import selectors

        def bound(name):
            return data if action == name else None

        blockers = [selectors.describe_blocker(b) for b in self.object.blockers]
        return {
            selectors.ACTION_REVIEW: workflow_forms.WorkflowNoteForm(bound("review"), prefix="review"),
            selectors.ACTION_APPROVE: workflow_forms.ApproveForm(bound("approve"), prefix="approve", blockers=blockers),
            selectors.ACTION_REOPEN: workflow_forms.ReopenForm(bound("reopen"), prefix="reopen"),
            selectors.ACTION_PUBLISH: workflow_forms.WorkflowNoteForm(bound("publish"), prefix="publish"),
            selectors.ACTION_FINALIZE: workflow_forms.WorkflowNoteForm(bound("finalize"), prefix="finalize"),
        }

    def get(self, request, *args, **kwargs):
        if request.GET.get("progress"):
            from django.http import JsonResponse

            period = self.object
            return JsonResponse(
                {"state": period.task_state, "percent": period.task_percent, "message": period.task_message}
            )
        return super().get(request, *args, **kwargs)

    def post(self, request, *args, **kwargs):
        from . import selectors, services

        action = request.POST.get("action", "")
        forms_by_action = self._forms(request.POST, action)
        period = self.object
        try:
            if action == selectors.ACTION_COMPUTE:
                services.compute_task_enqueue(period=period.month, user=request.user)
                messages.success(request, _("The compute of %(month)s has started.") % {"month": period.month})
                return redirect(request.path)
            form = forms_by_action.get(action)
            if form is None:
                raise ValidationError(_("Unknown action."))
            if form.is_valid():
                data = form.cleaned_data
                if action == selectors.ACTION_REVIEW:
                    services.period_review(period=period, user=request.user, note=data["note"])
                elif action == selectors.ACTION_APPROVE:
                    services.period_approve(
                        period=period, user=request.user, signed_off=data["signed_off"],
                        acknowledgements=form.acknowledgements(), note=data["note"],
                    )
                elif action == selectors.ACTION_REOPEN:
                    services.period_reopen(period=period, user=request.user, reason=data["reason"])
                elif action == selectors.ACTION_PUBLISH:
                    services.period_publish(period=period, user=request.user, note=data["note"])
                elif action == selectors.ACTION_FINALIZE:
                    services.period_finalize(period=period, user=request.user)
                messages.success(request, _("%(month)s: done.") % {"month": period.month})
                return redirect(request.path)
        except ValidationError as exc:
            if action in forms_by_action and forms_by_action[action].is_bound:
                forms_by_action[action].add_error(None, " ".join(exc.messages))
            else:
                messages.error(request, " ".join(exc.messages))
                return redirect(request.path)
        except PermissionDenied as exc:
            messages.error(request, str(exc) or _("You may not do that."))
            return redirect(request.path)
        self.object = type(period).objects.get(pk=period.pk)
        context = self.get_context_data(forms=forms_by_action, failed_action=action)
        return self.render_to_response(context, status=400)

    def get_context_data(self, **kwargs):
        from . import selectors

        forms_by_action = kwargs.pop("forms", None) or self._forms()
        context = super().get_context_data(**kwargs)
        period = self.object
        today = timezone.localdate()
        pending = selectors.pending_appeal_count(period)
        allowed = selectors.period_actions(period, self.request.user, today=today, pending_appeals=pending)
        context["period_obj"] = period
        context["blocker_lines"] = [selectors.describe_blocker(b) for b in period.blockers]
        context["evaluations_url"] = reverse("assessment_evaluations:index") + f"?period={period.pk}"
        context["appeals_url"] = reverse("assessment_evaluation_appeals:index")
        context["grade_counts"] = selectors.grade_counts(period)
        context["headcount"] = sum(n for _value, _label, n in context["grade_counts"])
        context["actions"] = [(key, _ACTION_LABELS[key], forms_by_action.get(key)) for key in allowed]
        context["pending_appeals"] = pending
        context["appeal_open"] = period.appeal_open(today)
        context["period_log"] = selectors.period_log(period)
        context["appeal_log"] = selectors.appeal_log(period=period)
        context["figure_log"], context["figure_log_count"] = selectors.evaluation_figure_log(period=period)
        context["progress_url"] = self.request.path + "?progress=1"
        return context


_ACTION_LABELS = {
    "compute": _("Compute (in the background)"),
    "review": _("Mark as reviewed (复核)"),
    "approve": _("Approve and lock"),
    "reopen": _("Reopen to draft"),
    "publish": _("Publish to staff"),
    "finalize": _("Finalize"),
}


class EvaluationPeriodViewSet(RecordsViewSet):
    """The computed months, their workflow status and blockers; the workflow's buttons are
    on each month's page (the policy allows viewing only: no generic edit)."""

    model = EvaluationPeriod
    icon = "date"
    menu_order = 5
    list_display = ["month", "status", "computed_at", "computed_by", "blocker_count", "appeal_deadline"]
    list_filter = ["status"]
    index_view_class = EvaluationPeriodIndexView
    inspect_view_class = EvaluationPeriodInspectView
    form_fields = ["status"]  # never shown: the policy allows viewing only
    inspect_view_enabled = True
    inspect_view_fields = [
        "month", "status", "computed_at", "computed_by", "reviewed_at", "reviewed_by", "approved_at", "approved_by",
        "published_at", "published_by", "appeal_deadline", "finalized_at",
    ]


class EvaluationAppealInspectView(generic.InspectView):
    """One appeal, the evaluation it disputes, its history, and HR's decision form."""

    template_name = "assessment/evaluations/admin_appeal.html"

    def post(self, request, *args, **kwargs):
        from . import forms as workflow_forms
        from . import services

        form = workflow_forms.AppealDecisionForm(request.POST)
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
        from . import forms as workflow_forms
        from . import selectors

        form = kwargs.pop("decision_form", None)
        context = super().get_context_data(**kwargs)
        appeal = self.object
        context["appeal"] = appeal
        context["evaluation"] = appeal.evaluation
        context["can_decide"] = appeal.is_open and self.request.user.has_perm(roles.DECIDE_EVALUATION_APPEALS)
        context["decision_form"] = form or workflow_forms.AppealDecisionForm()
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
        from . import selectors

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
