"""学习管理 in the Wagtail admin: assignments of courses, case scenarios and policy updates.

Trainers create, change and deactivate assignments (there is no delete: recipients'
records point at them); HR and supervisors see them. Saving goes through
courses.services, which records the recipients (and whatever else assigning does).
"""

import django_filters
from django import forms
from django.db.models import Q
from django.urls import path, reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from wagtail.admin.filters import WagtailFilterSet
from wagtail.admin.menu import MenuItem
from wagtail.admin.panels import FieldPanel, FieldRowPanel, HelpPanel, MultiFieldPanel, ObjectList
from wagtail.admin.ui.tables import BooleanColumn, Column, TitleColumn
from wagtail.admin.views import generic
from wagtail.admin.viewsets.base import ViewSet
from wagtail.admin.viewsets.model import ModelViewSet, ModelViewSetGroup
from wagtail.admin.widgets import AdminPageChooser
from wagtail.log_actions import log
from wagtail.permission_policies import ModelPermissionPolicy

from people.models import ServiceCentre

from . import admin_views, selectors, services
from .admin_forms import AssignmentForm
from .models import Assignment, CaseScenarioPage, CoursePage, ItemKind, PolicyUpdatePage
from .roles import REPORTS_PERMISSION, TRAINING_IMPORT_PERMISSION

# Sub-menu items registered under this hook name appear in the 学习管理 menu.
LEARNING_ADMIN_MENU_HOOK = "register_learning_admin_menu_item"
ASSIGNABLE_PAGE_TYPES = [CoursePage, CaseScenarioPage, PolicyUpdatePage]


class AssignmentFilterSet(WagtailFilterSet):
    kind = django_filters.ChoiceFilter(label=_("Kind"), choices=ItemKind.choices, empty_label=_("All"))
    due = django_filters.ChoiceFilter(
        label=_("Due"),
        choices=[("upcoming", _("Not yet due")), ("past", _("Past due date"))],
        empty_label=_("All"),
        method="filter_due",
    )
    centre = django_filters.ModelChoiceFilter(
        label=_("Service centre"),
        queryset=ServiceCentre.objects.all(),
        method="filter_centre",
        help_text=_("Assignments whose audience includes this centre."),
    )
    active = django_filters.BooleanFilter(label=_("Active"))

    class Meta:
        model = Assignment
        fields = ["kind", "active"]

    def filter_due(self, queryset, name, value):
        today = timezone.localdate()
        return queryset.filter(due_date__gte=today) if value == "upcoming" else queryset.filter(due_date__lt=today)

    def filter_centre(self, queryset, name, value):
        return queryset.filter(Q(centres=value) | Q(recipient_rows__staff__centre=value)).distinct()


class AssignmentIndexView(generic.IndexView):
    def search_queryset(self, queryset):
        if not self.is_searching:
            return queryset
        return queryset.filter(page__title__icontains=self.search_query)


class AssignmentCreateView(generic.CreateView):
    def save_instance(self):
        data = self.form.cleaned_data
        assignment = services.assignment_create(
            page=data["page"],
            due_date=data["due_date"],
            mandatory=data["mandatory"],
            created_by=self.request.user,
            **self.form.audience(),
        )
        log(instance=assignment, action="wagtail.create", user=self.request.user)
        return assignment


class AssignmentEditView(generic.EditView):
    def save_instance(self):
        data = self.form.cleaned_data
        assignment = services.assignment_update(
            assignment=self.form.instance,
            page=data["page"],
            due_date=data["due_date"],
            mandatory=data["mandatory"],
            active=data["active"],
            **self.form.audience(),
        )
        log(instance=assignment, action="wagtail.edit", user=self.request.user)
        return assignment


class AssignmentInspectView(generic.InspectView):
    template_name = "courses/admin/assignment_inspect.html"

    @cached_property
    def recipients(self):
        return selectors.assignment_recipient_list(self.object)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        assignment = self.object
        audience = selectors.audience_staff(
            centre_ids=assignment.centres.values_list("pk", flat=True),
            post_ids=assignment.posts.values_list("pk", flat=True),
            vendor_ids=assignment.vendors.values_list("pk", flat=True),
            staff_ids=assignment.individuals.values_list("pk", flat=True),
        )
        progress = selectors.assignments_with_progress(Assignment.objects.filter(pk=assignment.pk)).get()
        today = timezone.localdate()
        for row in self.recipients:
            if row.completed_on is not None:
                row.status = "on_time" if row.completed_on <= assignment.due_date else "late"
            else:
                row.status = "overdue" if assignment.due_date < today else "pending"
        context.update(
            matching_count=audience.count(),
            recipient_count=progress.recipient_count,
            done_count=progress.done_count,
            recipients=self.recipients,
            recipients_limited=progress.recipient_count > len(self.recipients),
        )
        return context

    def get_field_label(self, field_name, field):
        if field_name == "audience":
            return _("Audience")
        return super().get_field_label(field_name, field)

    def get_page_display_value(self):
        return self.object.page.title

    def get_mandatory_display_value(self):
        return _("Yes") if self.object.mandatory else _("No")

    def get_active_display_value(self):
        return _("Yes") if self.object.active else _("No")

    def get_created_by_display_value(self):
        user = self.object.created_by
        return (user.get_full_name() or user.get_username()) if user else "—"

    def get_created_at_display_value(self):
        return timezone.localtime(self.object.created_at).strftime("%Y-%m-%d %H:%M")

    def get_audience_display_value(self):
        parts = []
        for label, names in (
            (_("Service centres"), [c.name for c in self.object.centres.all()]),
            (_("Posts"), [p.name for p in self.object.posts.all()]),
            (_("Vendor companies"), [v.name for v in self.object.vendors.all()]),
            (_("Individuals"), [str(s) for s in self.object.individuals.all()]),
        ):
            if names:
                parts.append(f"{label}：{'、'.join(names)}")
        return "；".join(parts) or "—"


def kind_label(assignment):
    return assignment.get_kind_display()


class AssignmentViewSet(ModelViewSet):
    model = Assignment
    form_class = AssignmentForm
    icon = "calendar-check"
    menu_label = _("Assignments")
    menu_order = 1
    index_view_class = AssignmentIndexView
    add_view_class = AssignmentCreateView
    edit_view_class = AssignmentEditView
    inspect_view_class = AssignmentInspectView
    inspect_view_enabled = True
    inspect_view_fields = ["page", "kind", "due_date", "mandatory", "active", "audience", "created_by", "created_at"]
    copy_view_enabled = False
    search_backend_name = None
    search_fields = ["page__title"]
    filterset_class = AssignmentFilterSet
    list_per_page = 50
    ordering = ["-due_date", "-pk"]
    list_display = [
        TitleColumn("page", label=_("Item"), accessor=lambda a: a.page.title, url_name="courses_assignments:inspect"),
        Column("kind", label=_("Kind"), accessor=kind_label, sort_key="kind"),
        # A due date is a day, not "3 days ago": shown as written.
        Column("due_date", label=_("Due date"), accessor=lambda a: f"{a.due_date:%Y-%m-%d}", sort_key="due_date"),
        BooleanColumn("mandatory", label=_("Mandatory")),
        Column("recipient_count", label=_("Recipients"), sort_key="recipient_count"),
        Column("done_count", label=_("Completed"), sort_key="done_count"),
        BooleanColumn("active", label=_("Active"), sort_key="active"),
    ]
    list_export = ["page.title", "kind", "due_date", "mandatory", "recipient_count", "done_count", "active"]
    export_headings = {
        "page.title": _("Item"),
        "kind": _("Kind"),
        "due_date": _("Due date"),
        "mandatory": _("Mandatory"),
        "recipient_count": _("Recipients"),
        "done_count": _("Completed"),
        "active": _("Active"),
    }
    export_filename = "frontline-assignments"
    edit_handler = ObjectList(
        [
            FieldPanel(
                "page",
                widget=AdminPageChooser(target_models=ASSIGNABLE_PAGE_TYPES),
                help_text=_("A course, a case scenario or a policy update."),
            ),
            FieldRowPanel([FieldPanel("due_date"), FieldPanel("mandatory")]),
            MultiFieldPanel(
                [
                    HelpPanel(
                        template="people/admin/audience_help_panel.html",
                    ),
                    FieldPanel("centres", widget=forms.CheckboxSelectMultiple),
                    FieldPanel("posts", widget=forms.CheckboxSelectMultiple),
                    FieldPanel("vendors", widget=forms.CheckboxSelectMultiple),
                    FieldPanel("individual_staff_nos"),
                    FieldPanel("other_posts_confirmed"),
                ],
                heading=_("Audience"),
            ),
            FieldPanel(
                "active",
                help_text=_("An inactive assignment is no longer shown to its recipients nor counted."),
            ),
        ],
        base_form_class=AssignmentForm,
    )

    def get_queryset(self, request):
        return selectors.assignments_with_progress(
            Assignment.objects.select_related("page", "created_by")
        )

    def get_index_view_kwargs(self, **kwargs):
        return super().get_index_view_kwargs(queryset=self.get_queryset(None), **kwargs)


class ReportsMenuItem(MenuItem):
    def is_shown(self, request):
        return request.user.has_perm(REPORTS_PERMISSION)


class TrainingImportMenuItem(MenuItem):
    def is_shown(self, request):
        return request.user.has_perm(TRAINING_IMPORT_PERMISSION)


class LearningReportsViewSet(ViewSet):
    """Completion, satisfaction and policy acknowledgement reports, each with its export."""

    name = "courses_reports"
    url_prefix = "learning/reports"
    icon = "tasks"
    menu_label = _("Learning reports")
    menu_name = "learning-reports"
    menu_order = 20
    menu_item_class = ReportsMenuItem
    # REPORTS_PERMISSION: courses.view_assignment
    permission_policy = ModelPermissionPolicy(Assignment)
    permission_required = "view"

    def get_common_view_kwargs(self, **kwargs):
        return super().get_common_view_kwargs(
            permission_policy=self.permission_policy, permission_required=self.permission_required, **kwargs
        )

    def get_urlpatterns(self):
        return [
            path("", self.construct_view(admin_views.CompletionReportView), name="completion"),
            path("feedback/", self.construct_view(admin_views.FeedbackReportView), name="feedback"),
            path("policies/", self.construct_view(admin_views.PolicyCoverageView), name="policies"),
            path("policies/<int:pk>/missing/", self.construct_view(admin_views.PolicyMissingView), name="policy_missing"),
        ]


def training_import_menu_item():
    return TrainingImportMenuItem(
        _("Import offline training"),
        reverse("frontline_imports:upload", args=["training"]),
        name="import-training",
        icon_name="upload",
        order=30,
    )


def learning_help_menu_item():
    """The trainers' guide, beside the admin menu's general 使用手册 link (for who sees the reports)."""
    return ReportsMenuItem(
        _("Help"),
        reverse("help:guide", args=["trainer-learning"]),
        name="learning-help",
        icon_name="help",
        order=90,
    )


class LearningAdminViewSetGroup(ModelViewSetGroup):
    menu_label = _("Learning admin")
    menu_icon = "calendar-check"
    menu_order = 150
    submenu_hook = LEARNING_ADMIN_MENU_HOOK
    items = (
        AssignmentViewSet("courses_assignments", url_prefix="learning/assignments"),
        LearningReportsViewSet(),
    )
