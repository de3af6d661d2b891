"""Wagtail admin classes of service records, grouped under one 服务记录 menu
(registered in wagtail_hooks.py)."""

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from wagtail.admin.forms import WagtailAdminModelForm
from wagtail.admin.forms.choosers import BaseFilterForm
from wagtail.admin.menu import MenuItem
from wagtail.admin.panels import FieldPanel, FieldRowPanel, MultiFieldPanel, ObjectList
from wagtail.admin.site_summary import SummaryItem
from wagtail.admin.ui.tables import Column
from wagtail.admin.views import generic
from wagtail.admin.views.generic import chooser as chooser_views
from wagtail.admin.viewsets.chooser import ChooserViewSet
from wagtail.admin.viewsets.model import ModelViewSet, ModelViewSetGroup
from wagtail.log_actions import LogFormatter

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


# --- Centre scope: supervisors see and record only their centres' records (HR and
# administrators every centre; selectors.centre_scope). Listings, exports, inspect, edit,
# delete and history pages all go through it, and so do the forms' staff choices.


class CentreScopedMixin:
    """A view of records that belong to a service centre through `centre_lookup`."""

    centre_lookup = None

    def scoped(self, queryset):
        from . import selectors

        if self.centre_lookup is None:
            return queryset
        return selectors.in_centre_scope(queryset, self.request.user, self.centre_lookup)


class ScopedIndexView(CentreScopedMixin, generic.IndexView):
    def get_base_queryset(self):
        return self.scoped(super().get_base_queryset())


class ScopedObjectMixin(CentreScopedMixin):
    """A page of one record: a record outside the user's centres is not found (404)."""

    def get_object(self, *args, **kwargs):
        from django.http import Http404

        obj = super().get_object(*args, **kwargs)
        if not self.scoped(type(obj)._default_manager.filter(pk=obj.pk)).exists():
            raise Http404
        return obj


class ScopedInspectView(ScopedObjectMixin, generic.InspectView):
    pass


class ScopedEditView(ScopedObjectMixin, generic.EditView):
    pass


class ScopedHistoryView(ScopedObjectMixin, generic.HistoryView):
    pass


class ScopedUsageView(ScopedObjectMixin, generic.UsageView):
    pass


class ScopedFormMixin:
    """Limits a form's staff choices to the user's centres: a POST naming someone of
    another centre fails validation like any invalid choice."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        from . import selectors

        user = getattr(self, "for_user", None)
        if user is not None and "staff" in self.fields:
            field = self.fields["staff"]
            field.queryset = selectors.staff_in_scope(user, field.queryset)


class CentreScopedViewSetMixin:
    """For a viewset of records that belong to a centre: every view is scoped."""

    centre_lookup = "staff__centre"
    index_view_class = ScopedIndexView
    edit_view_class = ScopedEditView
    inspect_view_class = ScopedInspectView
    history_view_class = ScopedHistoryView
    usage_view_class = ScopedUsageView

    def get_common_view_kwargs(self, **kwargs):
        return super().get_common_view_kwargs(centre_lookup=self.centre_lookup, **kwargs)

    def get_form_class(self, for_update=False):
        form_class = super().get_form_class(for_update)
        return type(form_class.__name__, (ScopedFormMixin, form_class), {})


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


class ScopedLockedMonthDeleteView(ScopedObjectMixin, LockedMonthDeleteView):
    pass


class LockedMonthViewSetMixin:
    """For records that count in a month's evaluation: create, edit and delete refused
    while the month is approved (set locked_date_field and locked_what)."""

    locked_date_field = None
    locked_what = ""
    delete_view_class = ScopedLockedMonthDeleteView

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


class RatingLogFormatter(LogFormatter):
    """A rating edit in the rating's history: what changed (before → after), and why."""

    label = _("Edit rating")
    labels = {
        "level": _("level"), "channel": _("channel"), "staff": _("staff member"), "window": _("window"),
        "window_code": _("window code"), "matter": _("matter"), "comment": _("comment"),
    }

    def format_message(self, log_entry):
        changes = (log_entry.data or {}).get("changes", {})
        parts = [
            f"{self.labels.get(name, name)}: {before or '—'} → {after or '—'}"
            for name, (before, after) in changes.items()
        ]
        return _("Rating edited: %(changes)s. Reason: %(reason)s") % {
            "changes": "; ".join(parts), "reason": self.format_comment(log_entry),
        }

    def format_comment(self, log_entry):
        return (log_entry.data or {}).get("reason", "")


class RatingEditForm(WagtailAdminModelForm):
    """HR's correction of a rating: the reason is required and goes into the rating's log."""

    reason = forms.CharField(
        label=_("reason for the change"),
        max_length=200,
        help_text=_("Required. Kept in the rating's history with the values before and after."),
    )


class RatingEditView(ScopedEditView):
    """Saves through services.rating_edit: refused in an approved month, logged with
    before, after and why (the rating's 历史 page)."""

    def save_instance(self):
        from . import services

        data = self.form.cleaned_data
        changes = {name: data[name] for name in services.RATING_EDITABLE if name in data}
        return services.rating_edit(
            rating=self.object, user=self.request.user, reason=data.get("reason", ""), changes=changes
        )

    def form_valid(self, form):
        try:
            return super().form_valid(form)
        except ValidationError as exc:
            errors = exc.message_dict if hasattr(exc, "error_dict") else {None: exc.messages}
            for name, messages_ in errors.items():
                form.add_error(name if name in form.fields else None, messages_)
            self.produced_error_code = "validation_error"
            self.produced_error_message = " ".join(exc.messages)
            return self.form_invalid(form)


class RatingViewSet(CentreScopedViewSetMixin, RecordsViewSet):
    model = Rating
    # A rating belongs to its window's centre, or (without a window) to the rated person's.
    centre_lookup = ("window__centre", "staff__centre")
    edit_view_class = RatingEditView
    delete_view_class = ScopedLockedMonthDeleteView
    add_view_enabled = False  # ratings arrive by import, API or the QR page only
    icon = "pick"
    menu_order = 20
    list_display = ["ticket_no", "assess_number", "rated_at", "level", "staff", "window_code", "channel", "source", "superseded"]
    list_filter = ["level", "source", "superseded"]
    search_fields = ["ticket_no", "staff__staff_no", "staff__name", "window_code"]
    edit_handler = ObjectList(
        [
            FieldPanel(name)
            for name in ("level", "channel", "staff", "window", "window_code", "matter", "comment", "reason")
        ],
        base_form_class=RatingEditForm,
    )
    inspect_view_enabled = True
    list_export = ["ticket_no", "assess_number", "rated_at", "level", "staff", "window_code", "matter", "channel", "comment", "source", "superseded"]
    export_filename = "frontline-ratings"

    def get_delete_view_kwargs(self, **kwargs):
        return super().get_delete_view_kwargs(locked_date_field="rated_at", locked_what=_("ratings"), **kwargs)


class RatingSourceViewSet(RecordsViewSet):
    model = RatingSource
    icon = "link"
    menu_order = 53
    list_display = ["name", "code", "kind", "direction", "token_hint", "active", "last_used_at"]
    form_fields = ["name", "code", "kind", "direction", "active"]
    add_view_class = RatingSourceCreateView


class StaffSearchForm(BaseFilterForm):
    q = forms.CharField(
        label=_("Search"),
        required=False,
        widget=forms.TextInput(attrs={"placeholder": _("Staff number or name")}),
    )

    def filter(self, objects):
        objects = super().filter(objects)
        query = (self.cleaned_data.get("q") or "").strip()
        if query:
            objects = objects.filter(Q(staff_no__icontains=query) | Q(name__icontains=query))
            self.is_searching, self.search_query = True, query
        return objects


class StaffChooseMixin:
    """The people a user may record something about (their centres' active staff),
    searchable by 工号 or name."""

    filter_form_class = StaffSearchForm
    ordering = "staff_no"

    def get_object_list(self):
        from people.models import StaffProfile

        people = StaffProfile.objects.filter(active=True).select_related("centre", "window")
        from . import selectors

        return selectors.staff_in_scope(self.request.user, people)

    @property
    def columns(self):
        return [
            self.title_column,
            Column("centre", label=_("Service centre"), accessor=lambda p: p.centre.name if p.centre_id else "—"),
            Column("window", label=_("Window"), accessor=lambda p: p.window.code if p.window_id else "—"),
        ]


class StaffChooseView(StaffChooseMixin, chooser_views.ChooseView):
    pass


class StaffChooseResultsView(StaffChooseMixin, chooser_views.ChooseResultsView):
    pass


class StaffChosenView(chooser_views.ChosenView):
    def get_object(self, pk):
        from people.models import StaffProfile

        from . import selectors

        return get_object_or_404(selectors.staff_in_scope(self.request.user, StaffProfile.objects.all()), pk=pk)


class StaffChooserViewSet(ChooserViewSet):
    """A searchable chooser of the staff in the user's centres, for the finding and
    commendation forms (a roster has thousands of people: no select of everyone)."""

    model = "people.StaffProfile"
    icon = "user"
    choose_one_text = _("Choose a staff member")
    choose_another_text = _("Choose another staff member")
    per_page = 20
    register_widget = False
    choose_view_class = StaffChooseView
    choose_results_view_class = StaffChooseResultsView
    chosen_view_class = StaffChosenView


staff_chooser_viewset = StaffChooserViewSet("assessment_staff_chooser", url_prefix="records/staff-chooser")


class StaffChooserFieldMixin:
    def formfield_for_dbfield(self, db_field, **kwargs):
        if db_field.name == "staff":
            kwargs["widget"] = staff_chooser_viewset.widget_class()
        return super().formfield_for_dbfield(db_field, **kwargs)


class FindingTypeViewSet(RecordsViewSet):
    model = FindingType
    icon = "list-ul"
    menu_order = 54
    list_display = ["name", "points", "veto", "active"]
    form_fields = ["name", "points", "veto", "description", "active"]


class InspectionFindingViewSet(
    StaffChooserFieldMixin, CentreScopedViewSetMixin, LockedMonthViewSetMixin, RecordsViewSet
):
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


class CommendationViewSet(StaffChooserFieldMixin, CentreScopedViewSetMixin, LockedMonthViewSetMixin, RecordsViewSet):
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
from django.core.exceptions import PermissionDenied  # noqa: E402
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
        if any(higher <= lower for higher, lower in zip(floors, floors[1:], strict=False)):
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
        from . import selectors

        _headcount, pay_total = selectors.period_totals(result.period)
        text = _(
            "%(month)s computed: %(n)d people, performance pay total %(pay)s, %(blockers)d items to look at."
        ) % {
            "month": result.period.month, "n": result.count, "pay": selectors.money_text(pay_total),
            "blockers": len(result.blockers),
        }
        if result.applied_changes:
            text += _(" %(n)d changes made since approval are now in the figures.") % {"n": result.applied_changes}
        messages.success(self.request, text)
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
    """A month's page: first its status, the compute's progress, the changes made since
    approval and the buttons of the next allowed actions (with their note or reason); then
    the details: the preview of a recompute, counts per grade, blockers and the log. Each
    action says what it did, with numbers."""

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
        self.preview = None
        if request.GET.get("preview"):
            # 预览重新计算: HR only (the month page is HR's, but a reader must not trigger it).
            from . import services

            if not request.user.has_perm(roles.COMPUTE_EVALUATIONS):
                raise PermissionDenied
            try:
                self.preview = services.evaluations_recompute_preview(period=self.object, user=request.user)
            except ValidationError as exc:
                messages.error(request, " ".join(exc.messages))
        return super().get(request, *args, **kwargs)

    def _done_message(self, action, period, *, acknowledged=0, changes=0):
        """What the step did, with numbers (the month as it is after the step)."""
        from . import selectors

        headcount, pay_total = selectors.period_totals(period)
        values = {
            "month": period.month, "n": headcount, "pay": selectors.money_text(pay_total),
            "blockers": len(period.blockers), "acks": acknowledged, "changes": changes,
        }
        if action == selectors.ACTION_REVIEW:
            return _(
                "%(month)s reviewed: %(n)d people, performance pay total %(pay)s, %(blockers)d items to look at "
                "before approval."
            ) % values
        if action == selectors.ACTION_APPROVE:
            text = _("%(month)s approved: %(n)d people, performance pay total %(pay)s.") % values
            if acknowledged:
                text += _(" %(acks)d items acknowledged with a note.") % values
            return text
        if action == selectors.ACTION_REOPEN:
            return _(
                "%(month)s reopened to draft: the figures of %(n)d people can be recomputed; %(changes)d changes "
                "made since approval wait for the recompute."
            ) % values
        if action == selectors.ACTION_PUBLISH:
            values["notified"] = len(selectors.evaluation_recipients(period))
            values["deadline"] = f"{period.appeal_deadline:%Y-%m-%d}" if period.appeal_deadline else "—"
            return _(
                "%(month)s published: %(n)d people can read their receipt (%(notified)d notified); they may "
                "appeal until %(deadline)s."
            ) % values
        if action == selectors.ACTION_FINALIZE:
            return _("%(month)s finalized: %(n)d people, performance pay total %(pay)s.") % values
        return _("%(month)s: done.") % values

    def _compute_message(self, request, period, pending_before):
        """The compute runs in the background: say what it did if it has already finished
        (the immediate backend, a fast worker), else that it started."""
        from . import selectors

        period = type(period).objects.get(pk=period.pk)
        if period.task_state == "done":
            headcount, pay_total = selectors.period_totals(period)
            applied = pending_before - len(selectors.pending_period_changes(period))
            text = _(
                "%(month)s computed: %(n)d people, performance pay total %(pay)s, %(blockers)d items to look at."
            ) % {
                "month": period.month, "n": headcount, "pay": selectors.money_text(pay_total),
                "blockers": len(period.blockers),
            }
            if applied:
                text += _(" %(n)d changes made since approval are now in the figures.") % {"n": applied}
            messages.success(request, text)
        elif period.task_state == "failed":
            messages.error(request, period.task_message or _("The compute of %(month)s failed.") % {"month": period.month})
        else:
            messages.success(
                request,
                _("The compute of %(month)s has started; this page shows its progress and then the result.")
                % {"month": period.month},
            )

    def post(self, request, *args, **kwargs):
        from . import selectors, services

        action = request.POST.get("action", "")
        forms_by_action = self._forms(request.POST, action)
        period = self.object
        try:
            if action == selectors.ACTION_COMPUTE:
                pending_before = len(selectors.pending_period_changes(period))
                services.compute_task_enqueue(period=period.month, user=request.user)
                self._compute_message(request, period, pending_before)
                return redirect(request.path)
            form = forms_by_action.get(action)
            if form is None:
                raise ValidationError(_("Unknown action."))
            if form.is_valid():
                data = form.cleaned_data
                acknowledged = changes = 0
                if action == selectors.ACTION_REVIEW:
                    done = services.period_review(period=period, user=request.user, note=data["note"])
                elif action == selectors.ACTION_APPROVE:
                    done = services.period_approve(
                        period=period, user=request.user, signed_off=data["signed_off"],
                        acknowledgements=form.acknowledgements(), note=data["note"],
                    )
                    acknowledged = len(done.acknowledged_blockers)
                elif action == selectors.ACTION_REOPEN:
                    done = services.period_reopen(period=period, user=request.user, reason=data["reason"])
                    changes = len(selectors.pending_period_changes(done))
                elif action == selectors.ACTION_PUBLISH:
                    done = services.period_publish(period=period, user=request.user, note=data["note"])
                elif action == selectors.ACTION_FINALIZE:
                    done = services.period_finalize(period=period, user=request.user)
                messages.success(
                    request, self._done_message(action, done, acknowledged=acknowledged, changes=changes)
                )
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
        context["pay_sheet_url"] = (
            reverse("assessment_admin:pay_sheet", args=[period.month])
            if period.locked and self.request.user.has_perm(roles.VIEW_EVALUATIONS)
            else ""
        )
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
        context["pending_changes"] = selectors.pending_period_changes(period)
        _headcount, pay_total = selectors.period_totals(period)
        context["pay_total"] = selectors.money_text(pay_total)
        context["can_preview"] = period.status != EvaluationPeriod.Status.DRAFT and self.request.user.has_perm(
            roles.COMPUTE_EVALUATIONS
        )
        context["preview_url"] = self.request.path + "?preview=1#recompute-preview"
        preview = getattr(self, "preview", None)
        context["preview"] = preview
        if preview is not None:
            context["preview_totals"] = {
                "changed_before": selectors.money_text(preview.changed_pay_before),
                "changed_after": selectors.money_text(preview.changed_pay_after),
                "before": selectors.money_text(preview.pay_before),
                "after": selectors.money_text(preview.pay_after),
                "difference": selectors.money_text(preview.pay_difference, signed=True),
            }
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
