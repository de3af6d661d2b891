"""The service records and their rules in the 服务记录 menu: ratings, inspection findings,
commendations, centre rules, shifts, the calendar, rating sources and finding types; and
the sheet of rating QR codes."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.urls import path
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel, FieldRowPanel, MultiFieldPanel, ObjectList
from wagtail.admin.views import generic
from wagtail.admin.viewsets.model import ModelViewSetGroup
from wagtail.log_actions import LogFormatter

from .. import services
from ..admin_views import QRSheetView
from ..forms.ratings import RatingEditForm
from ..models import (
    CalendarDay,
    CentreRules,
    Commendation,
    FindingType,
    InspectionFinding,
    Rating,
    RatingSource,
    ShiftSchedule,
)
from .base import (
    RECORDS_MENU_HOOK,
    AssessmentPermissionPolicy,
    CentreScopedViewSetMixin,
    LockedMonthViewSetMixin,
    RecordedByCreateView,
    RecordsViewSet,
    ScopedEditView,
    ScopedLockedMonthDeleteView,
    ScreenViewSet,
)
from .chooser import StaffChooserFieldMixin


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


class RatingEditView(ScopedEditView):
    """Saves through services.rating_edit: refused in an approved month, logged with
    before, after and why (the rating's 历史 page)."""

    def save_instance(self):
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


class RatingQRCodesViewSet(ScreenViewSet):
    """The printable sheet of every window's rating QR code, for who manages rating sources."""

    name = "assessment_qr_codes"
    url_prefix = "service-records/qr-codes"
    icon = "view"
    menu_label = _("Rating QR codes")
    menu_order = 60
    menu_hook = RECORDS_MENU_HOOK
    permission_policy = AssessmentPermissionPolicy(RatingSource)
    permission_required = "change"

    def get_urlpatterns(self):
        return [path("", self.construct_view(QRSheetView), name="index")]
