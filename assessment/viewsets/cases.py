"""Bad-review cases (差评工单) in the 服务记录 menu: the listing, with filters, pages and the
ledger (台账) download, and each case's page, where its steps are taken.

Supervisors see only their centres' cases, HR and administrators every centre
(selectors.cases_for). Nobody adds, edits or deletes a case by hand: a case opens with a bad
rating and changes only through its steps (services.case_*)."""

import django_filters
from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect
from django.urls import path
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from wagtail.admin.filters import WagtailFilterSet
from wagtail.admin.site_summary import SummaryItem
from wagtail.admin.ui.tables import Column, StatusFlagColumn, TitleColumn
from wagtail.admin.views import generic
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.admin.widgets import BooleanRadioSelect

from people.models import ServiceCentre

from .. import roles, selectors, services
from ..forms.cases import CaseStepForm
from ..models import BadReviewCase, Rating
from ..periods import MonthField
from .base import RECORDS_MENU_HOOK

# The status filter's value for every case not closed yet: what the listing shows unless
# the query names a status ("All" is an empty status).
NOT_CLOSED = "open"


class MonthFilter(django_filters.Filter):
    """A month (YYYY-MM) of a date-time field, in the site's time zone."""

    field_class = MonthField

    def filter(self, queryset, value):
        if value is None:
            return queryset
        start, end = value.moments()
        return queryset.filter(**{f"{self.field_name}__gte": start, f"{self.field_name}__lt": end})


def _centres_in_scope(request):
    if request is None:
        return ServiceCentre.objects.none()
    return selectors.in_centre_scope(ServiceCentre.objects.filter(active=True), request.user, "pk")


class CaseFilterSet(WagtailFilterSet):
    status = django_filters.ChoiceFilter(
        label=_("Status"),
        choices=[(NOT_CLOSED, _("Not closed")), *BadReviewCase.Status.choices],
        empty_label=_("All"),
        initial=NOT_CLOSED,
        method="filter_status",
        widget=forms.RadioSelect,
    )
    overdue = django_filters.BooleanFilter(label=pgettext_lazy("case", "Overdue"), method="filter_overdue", widget=BooleanRadioSelect)
    appeal_status = django_filters.ChoiceFilter(
        label=_("Appeal"), choices=BadReviewCase.Appeal.choices, empty_label=_("All"), widget=forms.RadioSelect
    )
    centre = django_filters.ModelChoiceFilter(label=_("Service centre"), queryset=_centres_in_scope)
    month = MonthFilter(label=_("Month of the rating"), field_name="rating__rated_at")

    class Meta:
        model = BadReviewCase
        fields = []

    def __init__(self, data=None, *args, **kwargs):
        if data is not None and "status" not in data:
            data = data.copy()
            data["status"] = NOT_CLOSED
        super().__init__(data, *args, **kwargs)

    def filter_status(self, queryset, name, value):
        if value == NOT_CLOSED:
            return queryset.exclude(status=BadReviewCase.Status.CLOSED)
        return queryset.filter(status=value)

    def filter_overdue(self, queryset, name, value):
        overdue = selectors.overdue_filter()
        return queryset.filter(overdue) if value else queryset.exclude(overdue)


def _local_minute(moment):
    return f"{timezone.localtime(moment):%Y-%m-%d %H:%M}"


# The ledger (台账): (key, heading, value of a case on `today`).
LEDGER_COLUMNS = (
    ("number", "工单编号", lambda c, today: c.number),
    ("centre", "服务中心", lambda c, today: c.centre.name),
    ("staff_no", "工号", lambda c, today: c.staff.staff_no if c.staff else ""),
    ("staff_name", "姓名", lambda c, today: c.staff.name if c.staff else ""),
    ("window", "窗口", lambda c, today: c.rating.window_code),
    ("ticket_no", "办件编号", lambda c, today: c.rating.ticket_no),
    ("rated_at", "评价时间", lambda c, today: _local_minute(c.rating.rated_at)),
    ("level", "评价等级", lambda c, today: c.rating.get_level_display()),
    ("channel", "评价渠道", lambda c, today: c.rating.channel),
    ("comment", "评价内容", lambda c, today: f"{c.rating.reasons} {c.rating.comment}".strip()),
    ("status", "状态", lambda c, today: c.get_status_display()),
    ("verify_due", "核实期限", lambda c, today: c.verify_due),
    ("feedback_due", "反馈期限", lambda c, today: c.feedback_due),
    ("overdue", "超期", lambda c, today: "是" if c.overdue(today) else ""),
    ("verify_note", "核实情况", lambda c, today: c.verify_note),
    ("revisit_note", "回访情况", lambda c, today: c.revisit_note),
    ("rectify_note", "整改情况", lambda c, today: c.rectify_note),
    ("feedback_note", "反馈情况", lambda c, today: c.feedback_note),
    ("outcome", "结论", lambda c, today: c.get_outcome_display()),
    ("appeal_text", "申诉", lambda c, today: c.appeal_text),
    ("appeal_decision_note", "申诉处理", lambda c, today: c.appeal_decision_note),
)


class CaseIndexView(generic.IndexView):
    template_name = "assessment/admin/case_index.html"
    default_ordering = "feedback_due"

    @cached_property
    def today(self):
        return timezone.localdate()

    def get_base_queryset(self):
        return selectors.cases_for(self.request.user)

    def order_queryset(self, queryset):
        # The primary key last: pages of equal deadlines keep their order.
        return queryset.order_by(self.ordering or self.default_ordering, "pk")

    @cached_property
    def columns(self):
        return [
            TitleColumn("number", label=_("Case"), get_url=self.get_inspect_url),
            StatusFlagColumn(
                "overdue", label=pgettext_lazy("case", "Overdue"), accessor=lambda c: c.overdue(self.today),
                true_label=pgettext_lazy("case", "Overdue"),
            ),
            Column("centre", label=_("Service centre"), sort_key="centre__name"),
            Column("staff", label=_("Staff member")),
            Column("level", label=_("Level"), accessor="rating.get_level_display"),
            Column(
                "rated_at", label=_("Rated at"), accessor=lambda c: _local_minute(c.rating.rated_at),
                sort_key="rating__rated_at",
            ),
            Column("status", label=_("Status"), accessor="get_status_display", sort_key="status"),
            Column("verify_due", label=_("Verify by"), accessor=lambda c: f"{c.verify_due:%Y-%m-%d}", sort_key="verify_due"),
            Column(
                "feedback_due", label=_("Feed back by"), accessor=lambda c: f"{c.feedback_due:%Y-%m-%d}",
                sort_key="feedback_due",
            ),
            Column("outcome", label=_("Outcome"), accessor="get_outcome_display"),
            Column("appeal", label=_("Appeal"), accessor="get_appeal_status_display"),
        ]

    def get_filename(self):
        return f"bad-review-ledger-{self.today:%Y%m%d}"

    def to_row_dict(self, item):
        return {key: value(item, self.today) for key, _heading, value in LEDGER_COLUMNS}

    def stream_csv(self, queryset):
        # Excel reads a CSV file as UTF-8 (and shows Chinese correctly) only after a BOM.
        yield "\ufeff"
        yield from super().stream_csv(queryset)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        if not self.results_only:
            context["counts"] = selectors.case_counts(selectors.cases_for(self.request.user))
        return context


class CaseInspectView(generic.InspectView):
    """A case: the rating, the deadlines, the form of the next step (for who handles cases),
    the decisions on an appeal or a suspicious rating, and the log."""

    template_name = "assessment/admin/case_detail.html"

    def get_object(self, queryset=None):
        # The permission first (the view's check comes after setup): who may not see cases is
        # refused, who may see them finds only their centres' cases.
        if not self.user_has_any_permission(self.any_permission_required):
            raise PermissionDenied
        return get_object_or_404(selectors.cases_for(self.request.user), pk=self.pk)

    def get_page_title(self):
        return _("Bad-review case %(number)s") % {"number": self.object.number}

    def get_page_subtitle(self):
        return ""

    @cached_property
    def can_handle(self):
        return self.user_has_permission("change")

    @staticmethod
    def _open_decision(case):
        """Whether a decision that counts in the evaluation is still to be taken on the case."""
        return (
            case.status != BadReviewCase.Status.CLOSED
            or case.appeal_status == BadReviewCase.Appeal.PENDING
            or case.rating.suspicion == Rating.Suspicion.PENDING
        )

    def get_context_data(self, form=None, **kwargs):
        case = self.object
        step = {
            BadReviewCase.Status.OPEN: CaseStepForm.STEP_VERIFY,
            BadReviewCase.Status.VERIFIED: CaseStepForm.STEP_RECTIFY,
            BadReviewCase.Status.RECTIFIED: CaseStepForm.STEP_CLOSE,
        }.get(case.status)
        can_handle = self.can_handle
        return super().get_context_data(
            case=case,
            rating=case.rating,
            events=case.events.select_related("by"),
            step=step if can_handle else None,
            can_decide=can_handle
            and self.request.user.has_perm(roles.DECIDE_APPEALS)
            and case.appeal_status == BadReviewCase.Appeal.PENDING,
            can_decide_suspicion=can_handle and case.rating.suspicion == Rating.Suspicion.PENDING,
            # Its outcome still counts in the rating's month: approved already, HR must recompute.
            locked_month="".join(selectors.locked_months([timezone.localdate(case.rating.rated_at)]))
            if can_handle and self._open_decision(case)
            else "",
            form=form or CaseStepForm(initial={"step": step}),
            overdue=case.overdue(),
            **kwargs,
        )

    def _take_step(self, data):
        """The step the form names; the updated case, or None when the step has no result to report."""
        case, user = self.object, self.request.user
        step = data["step"]
        if step == CaseStepForm.STEP_VERIFY:
            services.case_verify(case=case, user=user, verify_note=data["verify_note"], revisit_note=data["revisit_note"])
            return None
        if step == CaseStepForm.STEP_RECTIFY:
            services.case_rectify(case=case, user=user, rectify_note=data["rectify_note"])
            return None
        if step == CaseStepForm.STEP_CLOSE:
            return services.case_close(case=case, user=user, feedback_note=data["feedback_note"], outcome=data["outcome"])
        if step == CaseStepForm.STEP_DECIDE:
            return services.case_appeal_decide(case=case, user=user, upheld=data["upheld"], note=data["decision_note"])
        if step == CaseStepForm.STEP_SUSPICION:
            if data["accept"] == "":
                raise ValidationError(_("Accept or reject the suspicious rating."))
            return services.case_suspicion_decide(
                case=case, user=user, accept=data["accept"], note=data["suspicion_note"]
            )
        raise ValidationError(_("Unknown step."))

    def post(self, request, *args, **kwargs):
        if not self.can_handle:
            raise PermissionDenied
        form = CaseStepForm(request.POST)
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(form=form))
        try:
            done = self._take_step(form.cleaned_data)
        except ValidationError as exc:
            form.add_error(None, exc.messages[0])
            return self.render_to_response(self.get_context_data(form=form))
        change = getattr(done, "period_change", None)
        if change is not None:
            # Concluded in an approved month: saved, but the approved pay does not move by itself.
            values = {"month": change.period.month, "status": change.period.get_status_display()}
            if change.period.status == change.period.Status.FINAL:
                text = _(
                    "Saved. The evaluations of %(month)s are final: they stay as they are. HR sees the change "
                    "on the month's page."
                )
            else:
                text = _(
                    "Saved. The evaluations of %(month)s are already %(status)s: they stay as approved and "
                    "reflect this only after HR reopens the month and recomputes it. HR sees the change on "
                    "the month's page."
                )
            messages.success(request, text % values)
        else:
            messages.success(request, _("Saved."))
        return redirect(request.path)


class CaseViewSet(ModelViewSet):
    """Listing and case pages only: no add, edit, delete, history or usage screens."""

    name = "assessment_cases"
    url_prefix = "service-records/cases"
    model = BadReviewCase
    icon = "warning"
    menu_label = _("Bad-review cases")
    menu_order = 1
    menu_hook = RECORDS_MENU_HOOK
    index_view_class = CaseIndexView
    inspect_view_class = CaseInspectView
    inspect_view_enabled = True
    copy_view_enabled = False
    filterset_class = CaseFilterSet
    search_backend_name = None
    search_fields = ["staff__staff_no", "staff__name", "rating__ticket_no"]
    list_per_page = 50
    list_export = [key for key, _heading, _value in LEDGER_COLUMNS]
    export_headings = {key: heading for key, heading, _value in LEDGER_COLUMNS}

    def get_common_view_kwargs(self, **kwargs):
        return super().get_common_view_kwargs(
            add_url_name=None, edit_url_name=None, delete_url_name=None, history_url_name=None,
            usage_url_name=None, **kwargs,
        )

    def get_urlpatterns(self):
        return [
            path("", self.index_view, name="index"),
            path("results/", self.index_results_view, name="index_results"),
            path("<int:pk>/", self.inspect_view, name="inspect"),
        ]

    def get_permissions_to_register(self):
        # The group editor offers what the screens use: seeing and handling cases, and the
        # named permissions (deciding appeals, every centre).
        return super().get_permissions_to_register().exclude(
            codename__in=["add_badreviewcase", "delete_badreviewcase"]
        )


class CasesSummaryItem(SummaryItem):
    """Dashboard figures for supervisors and HR: open, overdue and appealed bad-review cases."""

    order = 300
    template_name = "assessment/admin/site_summary_cases.html"

    def get_context_data(self, parent_context):
        return {"counts": selectors.case_counts(selectors.cases_for(self.request.user))}

    def is_shown(self):
        return self.request.user.has_perm(roles.VIEW_CASES)
