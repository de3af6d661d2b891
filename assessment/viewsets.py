"""Wagtail admin classes of service records, grouped under one 服务记录 menu
(registered in wagtail_hooks.py)."""

from django.contrib import messages
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
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


class InspectionFindingViewSet(RecordsViewSet):
    model = InspectionFinding
    icon = "search"
    menu_order = 30
    list_display = ["staff", "finding_type", "method", "observed_at", "points", "veto"]
    list_filter = ["finding_type", "method", "veto"]
    search_fields = ["staff__staff_no", "staff__name"]
    form_fields = ["staff", "finding_type", "method", "observed_at", "points", "note", "photo"]
    inspect_view_enabled = True
    add_view_class = RecordedByCreateView


class CommendationViewSet(RecordsViewSet):
    model = Commendation
    icon = "success"
    menu_order = 31
    list_display = ["staff", "kind", "date", "bonus_points"]
    list_filter = ["kind"]
    search_fields = ["staff__staff_no", "staff__name"]
    form_fields = ["staff", "kind", "date", "bonus_points", "note"]
    add_view_class = RecordedByCreateView


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
