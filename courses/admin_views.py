"""Trainer reports in the Wagtail admin: completion and overdue by centre, post and item,
satisfaction with courses, and acknowledgement coverage of policy updates, each with an
Excel export. For trainers, supervisors, HR and administrators; no pay anywhere here."""

import datetime as dt

import tablib
from django import forms
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import TemplateView
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin
from wagtail.admin.views.generic.permissions import PermissionCheckedMixin
from wagtail.admin.widgets import AdminDateInput
from wagtail.models import Page

from home.spreadsheets import xlsx_response
from people.models import ServiceCentre

from . import charts, selectors
from .models import CaseScenarioPage, CoursePage, ItemKind, PolicyUpdatePage


class ItemChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return obj.title


class CompletionFilterForm(forms.Form):
    course = ItemChoiceField(
        label=gettext_lazy("Item"),
        queryset=Page.objects.none(),
        required=False,
        empty_label=gettext_lazy("All items"),
    )
    centre = forms.ModelChoiceField(
        label=gettext_lazy("Service centre"),
        queryset=ServiceCentre.objects.all(),
        required=False,
        empty_label=gettext_lazy("All centres"),
    )
    due_from = forms.DateField(label=gettext_lazy("Due from"), required=False, widget=AdminDateInput)
    due_to = forms.DateField(label=gettext_lazy("Due to"), required=False, widget=AdminDateInput)

    item_types = (CoursePage, CaseScenarioPage, PolicyUpdatePage)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["course"].queryset = Page.objects.type(*self.item_types).order_by("title")

    def filters(self):
        if not self.is_valid():
            return {}
        data = self.cleaned_data
        return {
            "course_ids": [data["course"].pk] if data.get("course") else [],
            "centre_ids": [data["centre"].pk] if data.get("centre") else [],
            "due_from": data.get("due_from"),
            "due_to": data.get("due_to"),
        }


class CourseFilterForm(CompletionFilterForm):
    item_types = (CoursePage,)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("centre", "due_from", "due_to"):
            del self.fields[name]
        self.fields["course"].label = _("Course")
        self.fields["course"].empty_label = _("All courses")


class CentreFilterForm(forms.Form):
    centre = forms.ModelChoiceField(
        label=gettext_lazy("Service centre"),
        queryset=ServiceCentre.objects.all(),
        required=False,
        empty_label=gettext_lazy("All centres"),
    )

    def centre_ids(self):
        return [self.cleaned_data["centre"].pk] if self.is_valid() and self.cleaned_data.get("centre") else []


class ReportView(PermissionCheckedMixin, WagtailAdminTemplateMixin, TemplateView):
    """A tab of the learning reports; LearningReportsViewSet gives the permission."""

    header_icon = "tasks"
    tab = None

    def get_breadcrumbs_items(self):
        return [*super().get_breadcrumbs_items(), {"url": "", "label": _("Learning reports")}]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["tabs"] = [
            ("completion", _("Completion"), reverse("courses_reports:completion")),
            ("feedback", _("Satisfaction"), reverse("courses_reports:feedback")),
            ("policies", _("Policy acknowledgements"), reverse("courses_reports:policies")),
        ]
        context["tab"] = self.tab
        context["export_query"] = self.request.GET.copy()
        context["export_query"]["export"] = "xlsx"
        return context

    def get(self, request, *args, **kwargs):
        if request.GET.get("export") == "xlsx":
            return self.export()
        return super().get(request, *args, **kwargs)


def completion_dataset(rows, *, title, first_column):
    dataset = tablib.Dataset(
        headers=[
            first_column,
            _("Assigned"),
            _("Completed"),
            _("Completed on time"),
            _("Completed late"),
            _("Not yet due"),
            _("Overdue"),
            _("Completion rate (%)"),
        ],
        title=title[:31],
    )
    for row in rows:
        dataset.append(
            [
                row["label"],
                row["total"],
                row["completed"],
                row["on_time"],
                row["late"],
                row["pending"],
                row["overdue"],
                float(row["rate"]),
            ]
        )
    return dataset


def detail_dataset(detail):
    labels = charts.status_labels()
    kinds = dict(ItemKind.choices)
    dataset = tablib.Dataset(
        headers=[
            _("Staff number"),
            _("Name"),
            _("Service centre"),
            _("Post"),
            _("Item"),
            _("Kind"),
            _("Mandatory"),
            _("Due date"),
            _("Completed at"),
            _("Status"),
        ],
        title=_("Per person")[:31],
    )
    for row in detail:
        completed = row["completed_at"]
        dataset.append(
            [
                row["staff__staff_no"],
                row["staff__name"],
                row["staff__centre__name"] or "",
                row["staff__post__name"] or "",
                row["assignment__page__title"],
                str(kinds.get(row["assignment__kind"], row["assignment__kind"])),
                _("Yes") if row["assignment__mandatory"] else _("No"),
                row["assignment__due_date"],
                f"{timezone.localtime(completed):%Y-%m-%d %H:%M}" if completed else "",
                labels[row["status"]],
            ]
        )
    return dataset


class CompletionReportView(ReportView):
    template_name = "courses/admin/report_completion.html"
    page_title = gettext_lazy("Learning reports")
    tab = "completion"

    def dimensions(self):
        return [
            ("centre", _("By service centre"), _("Service centre")),
            ("post", _("By post"), _("Post")),
            ("course", _("By item"), _("Item")),
        ]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        form = CompletionFilterForm(self.request.GET or None)
        filters = form.filters()
        sections = []
        for key, title, column in self.dimensions():
            rows = selectors.completion_by(key, **filters)
            sections.append(
                {
                    "key": key,
                    "title": title,
                    "column": column,
                    "rows": rows,
                    "figure": charts.completion_figure(rows, title=title) if rows else None,
                }
            )
        context.update(form=form, sections=sections, statuses=charts.status_labels())
        return context

    def export(self):
        form = CompletionFilterForm(self.request.GET or None)
        filters = form.filters()
        datasets = [
            completion_dataset(selectors.completion_by(key, **filters), title=title, first_column=column)
            for key, title, column in self.dimensions()
        ]
        datasets.append(detail_dataset(selectors.completion_detail(**filters)))
        return xlsx_response(datasets, f"learning-completion-{dt.date.today():%Y%m%d}")


class FeedbackReportView(ReportView):
    template_name = "courses/admin/report_feedback.html"
    page_title = gettext_lazy("Learning reports")
    tab = "feedback"

    def course_ids(self, form):
        return [form.cleaned_data["course"].pk] if form.is_valid() and form.cleaned_data.get("course") else []

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        form = CourseFilterForm(self.request.GET or None)
        course_ids = self.course_ids(form)
        rows = selectors.feedback_by_course(course_ids=course_ids)
        context.update(
            form=form,
            rows=rows,
            figure=charts.feedback_figure(rows) if rows else None,
            comments=selectors.feedback_comments(course_ids=course_ids),
        )
        return context

    def export(self):
        form = CourseFilterForm(self.request.GET or None)
        course_ids = self.course_ids(form)
        summary = tablib.Dataset(
            headers=[_("Course"), _("Ratings"), _("Mean"), "1", "2", "3", "4", "5"], title=_("Satisfaction")[:31]
        )
        for row in selectors.feedback_by_course(course_ids=course_ids):
            summary.append([row["title"], row["count"], float(row["mean"]), *row["distribution"]])
        comments = tablib.Dataset(
            headers=[_("Course"), _("Satisfaction"), _("Comment"), _("Service centre"), _("Date")],
            title=_("Comments")[:31],
        )
        for item in selectors.feedback_comments(course_ids=course_ids, limit=None):
            comments.append(
                [item.course.title, item.rating, item.comment, item.staff.centre.name, timezone.localdate(item.created_at)]
            )
        return xlsx_response([summary, comments], f"learning-feedback-{dt.date.today():%Y%m%d}")


class PolicyCoverageView(ReportView):
    template_name = "courses/admin/report_policies.html"
    page_title = gettext_lazy("Learning reports")
    tab = "policies"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        form = CentreFilterForm(self.request.GET or None)
        coverage = selectors.policy_acknowledgement_coverage(centre_ids=form.centre_ids())
        context.update(
            form=form, coverage=coverage, figure=charts.coverage_figure(coverage) if coverage else None
        )
        return context

    def export(self):
        form = CentreFilterForm(self.request.GET or None)
        dataset = tablib.Dataset(
            headers=[
                _("Policy update"),
                _("Acknowledgement round"),
                _("Service centre"),
                _("Must acknowledge"),
                _("Acknowledged"),
                _("Not yet"),
                _("Coverage (%)"),
            ],
            title=_("Policy acknowledgements")[:31],
        )
        for item in selectors.policy_acknowledgement_coverage(centre_ids=form.centre_ids()):
            for row in item["rows"]:
                dataset.append(
                    [
                        item["policy"].title,
                        item["policy"].acknowledgement_round,
                        row["centre"],
                        row["expected"],
                        row["acknowledged"],
                        row["missing"],
                        float(row["rate"]),
                    ]
                )
        return xlsx_response([dataset], f"policy-acknowledgements-{dt.date.today():%Y%m%d}")


class PolicyMissingView(ReportView):
    """Who has not yet acknowledged a policy update's current round."""

    template_name = "courses/admin/report_policy_missing.html"
    tab = "policies"

    def get_page_title(self):
        return _("Not yet acknowledged: %(title)s") % {"title": self.policy.title}

    def dispatch(self, request, *args, **kwargs):
        self.policy = get_object_or_404(PolicyUpdatePage, pk=kwargs["pk"])
        return super().dispatch(request, *args, **kwargs)

    def people(self):
        form = CentreFilterForm(self.request.GET or None)
        return form, selectors.policy_not_acknowledged(self.policy, centre_ids=form.centre_ids())

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        form, people = self.people()
        context.update(form=form, people=people, policy=self.policy)
        return context

    def export(self):
        _form, people = self.people()
        dataset = tablib.Dataset(
            headers=[_("Staff number"), _("Name"), _("Service centre"), _("Window"), _("Post")],
            title=_("Not yet acknowledged")[:31],
        )
        for person in people:
            dataset.append(
                [
                    person.staff_no,
                    person.name,
                    person.centre.name,
                    str(person.window) if person.window_id else "",
                    person.post.name if person.post_id else "",
                ]
            )
        return xlsx_response([dataset], f"not-acknowledged-{self.policy.pk}-{dt.date.today():%Y%m%d}")
