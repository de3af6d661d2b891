"""Wagtail admin screens that are not model listings: the monthly attendance sheet (like
DingTalk's 月度汇总) and a person's month, HR's day correction and added day, the sheet of
rating QR codes, the compute of a month and the pay-sheet download. Each belongs to a
viewset (viewsets/), which gives it its URL, menu item and permission."""

import tablib
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import FormView, TemplateView, View
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin
from wagtail.admin.views.generic.permissions import PermissionCheckedMixin

from home.spreadsheets import XLSX_CONTENT_TYPE, xlsx_response
from people.models import ServiceCentre, StaffProfile, Window

from . import selectors, services
from .forms.attendance import AddDayForm, CorrectionForm
from .forms.evaluations import ComputeMonthForm
from .models import AttendanceDay, EvaluationPeriod
from .periods import Period


class BreadcrumbsMixin:
    # (url name, label) of the screen above this one in the breadcrumbs.
    parent = None

    def get_breadcrumbs_items(self):
        items = list(super().get_breadcrumbs_items())
        if self.parent:
            items.append({"url": reverse(self.parent[0]), "label": self.parent[1]})
        return [*items, {"url": "", "label": self.get_page_title()}]


class AdminScreen(PermissionCheckedMixin, BreadcrumbsMixin, WagtailAdminTemplateMixin):
    """A screen whose viewset gives its permission (permission_policy, permission_required)."""


def _centres_for(user):
    """The active service centres a user may pick on a sheet (HR: all; supervisors: theirs)."""
    return selectors.in_centre_scope(ServiceCentre.objects.filter(active=True), user, "pk")


def _int(value):
    """A whole number from a query parameter, or 0 (matches nothing) for anything else."""
    return int(value) if value and str(value).isdigit() else 0


def _period(request):
    return Period.parse_or(request.GET.get("month", ""), Period.current().previous())


# --- Attendance ---------------------------------------------------------------------------

ATTENDANCE_SHEET = ("assessment_attendance:index", gettext_lazy("Monthly attendance sheet"))

SHEET_HEADERS = [
    "工号", "姓名", "服务中心", "应出勤天数", "出勤天数", "休息天数", "审批天数", "迟到次数", "迟到分钟",
    "严重迟到次数", "早退次数", "早退分钟", "严重早退次数", "缺卡次数", "旷工半天", "旷工一天", "更正天数",
]


def sheet_row(person, s):
    return [
        person.staff_no, person.name, person.centre.name, s.working_days, s.attended_days, s.rest_days,
        s.approved_days, s.late_count, s.late_minutes, s.serious_late_count, s.early_count, s.early_minutes,
        s.serious_early_count, s.missing_count, s.half_absence_count, s.full_absence_count, s.corrected_days,
    ]


class MonthlySheetView(AdminScreen, TemplateView):
    template_name = "assessment/admin/monthly_sheet.html"
    page_title = gettext_lazy("Monthly attendance sheet")
    header_icon = "date"

    def get(self, request, *args, **kwargs):
        self.period = _period(request)
        self.centres = _centres_for(request.user)
        self.centre = self.centres.filter(pk=_int(request.GET.get("centre"))).first()
        staff = selectors.staff_in_scope(request.user, StaffProfile.objects.filter(active=True))
        if self.centre:
            staff = staff.filter(centre=self.centre)
        self.rows = selectors.monthly_sheet(period=self.period, staff_queryset=staff)
        if request.GET.get("export") == "xlsx":
            dataset = tablib.Dataset(headers=SHEET_HEADERS, title=f"月度汇总 {self.period}")
            for person, summary in self.rows:
                dataset.append(sheet_row(person, summary))
            suffix = f"-{self.centre.code or self.centre.pk}" if self.centre else ""
            return xlsx_response(dataset, f"attendance-{self.period}{suffix}.xlsx")
        return super().get(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            period=self.period,
            previous=self.period.previous(),
            next=self.period.next(),
            centres=self.centres,
            centre=self.centre,
            headers=SHEET_HEADERS,
            rows=[(person, sheet_row(person, summary)) for person, summary in self.rows],
            **kwargs,
        )


class PersonMonthView(AdminScreen, TemplateView):
    template_name = "assessment/admin/person_month.html"
    header_icon = "date"
    parent = ATTENDANCE_SHEET

    def get_page_title(self):
        return _("Attendance of %(person)s") % {"person": self.person}

    def get(self, request, *args, **kwargs):
        self.person = get_object_or_404(
            selectors.staff_in_scope(request.user, StaffProfile.objects.select_related("centre")),
            staff_no=kwargs["staff_no"],
        )
        self.period = _period(request)
        self.days = selectors.attendance_days(period=self.period, staff=self.person)
        if request.GET.get("export") == "xlsx":
            dataset = tablib.Dataset(
                headers=["日期", "班次", "上班1", "下班1", "上班2", "下班2", "审批", "结果", "迟到分钟", "早退分钟", "已更正"],
                title=f"{self.person.staff_no} {self.period}",
            )
            for day in self.period.days():
                d = self.days.get(day)
                if d is None:
                    dataset.append([f"{day:%Y-%m-%d}", "", "", "", "", "", "", _("No record"), "", "", ""])
                    continue
                t = lambda v: v.strftime("%H:%M") if v else ""  # noqa: E731
                dataset.append([
                    f"{day:%Y-%m-%d}", d.shift_name, t(d.in1), t(d.out1), t(d.in2), t(d.out2), d.approval,
                    d.get_status_display(), d.late_minutes, d.early_minutes, _("yes") if d.corrected else "",
                ])
            return xlsx_response(dataset, f"attendance-{self.person.staff_no}-{self.period}.xlsx")
        return super().get(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        summary = selectors.attendance_summaries(period=self.period, staff=[self.person.pk])[self.person.pk]
        return super().get_context_data(
            person=self.person,
            period=self.period,
            previous=self.period.previous(),
            next=self.period.next(),
            days=[(day, self.days.get(day)) for day in self.period.days()],
            summary=summary,
            can_correct=self.user_has_permission("change"),
            **kwargs,
        )


class CorrectDayView(AdminScreen, FormView):
    template_name = "assessment/admin/correct_day.html"
    form_class = CorrectionForm
    header_icon = "edit"
    parent = ATTENDANCE_SHEET

    def dispatch(self, request, *args, **kwargs):
        # The permission before the day: who may not correct is refused, not told "not found".
        if self.user_has_permission(self.permission_required):
            self.day = get_object_or_404(
                AttendanceDay.objects.select_related("staff").filter(staff__in=selectors.staff_in_scope(request.user)),
                pk=kwargs["pk"],
            )
        return super().dispatch(request, *args, **kwargs)

    def get_page_title(self):
        return _("Correct %(day)s") % {"day": self.day}

    def get_initial(self):
        d = self.day
        return {"in1": d.in1, "out1": d.out1, "in2": d.in2, "out2": d.out2, "approval": d.approval}

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            day=self.day, corrections=self.day.corrections.select_related("corrected_by"), **kwargs
        )

    def form_valid(self, form):
        data = form.cleaned_data
        try:
            services.attendance_day_correct(
                day=self.day, user=self.request.user, reason=data["reason"], in1=data["in1"], out1=data["out1"],
                in2=data["in2"], out2=data["out2"], approval=data["approval"],
            )
        except ValidationError as exc:
            form.add_error(None, exc.messages[0])
            return self.form_invalid(form)
        messages.success(self.request, _("The day was corrected and classified again."))
        url = reverse("assessment_attendance:person", args=[self.day.staff.staff_no])
        return redirect(f"{url}?month={Period.of(self.day.date)}")


class AddDayView(AdminScreen, FormView):
    """HR adds a day that has no record (a missed import row, a day DingTalk did not export)."""

    template_name = "assessment/admin/add_day.html"
    form_class = AddDayForm
    header_icon = "plus"
    parent = ATTENDANCE_SHEET

    def dispatch(self, request, *args, **kwargs):
        # The permission before the person: who may not add days is refused, not told "not found".
        if self.user_has_permission(self.permission_required):
            self.person = get_object_or_404(
                selectors.staff_in_scope(request.user, StaffProfile.objects.select_related("centre")),
                staff_no=kwargs["staff_no"],
            )
        return super().dispatch(request, *args, **kwargs)

    def get_page_title(self):
        return _("Add a day for %(person)s") % {"person": self.person}

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "centre": self.person.centre}

    def get_initial(self):
        return {"date": self.request.GET.get("date") or None}

    def get_context_data(self, **kwargs):
        return super().get_context_data(person=self.person, **kwargs)

    def form_valid(self, form):
        data = form.cleaned_data
        try:
            day = services.attendance_day_add(
                staff=self.person, date=data["date"], user=self.request.user, reason=data["reason"],
                shift=data["shift"], in1=data["in1"], out1=data["out1"], in2=data["in2"], out2=data["out2"],
                approval=data["approval"],
            )
        except ValidationError as exc:
            for field, errors in getattr(exc, "message_dict", {None: exc.messages}).items():
                form.add_error(field if field in form.fields else None, errors)
            return self.form_invalid(form)
        messages.success(
            self.request,
            _("%(date)s added: %(result)s.") % {"date": f"{day.date:%Y-%m-%d}", "result": services.day_summary(day)},
        )
        url = reverse("assessment_attendance:person", args=[self.person.staff_no])
        return redirect(f"{url}?month={Period.of(day.date)}")


# --- Ratings ------------------------------------------------------------------------------


class QRSheetView(AdminScreen, TemplateView):
    """One QR code per window, to print and put on the counter."""

    template_name = "assessment/admin/qr_sheet.html"
    page_title = gettext_lazy("Rating QR codes")
    header_icon = "view"

    def get_context_data(self, **kwargs):
        import segno

        centres = _centres_for(self.request.user)
        centre = centres.filter(pk=_int(self.request.GET.get("centre"))).first()
        windows = selectors.in_centre_scope(
            Window.objects.filter(active=True).select_related("centre").order_by("centre__name", "code"),
            self.request.user,
            "centre",
        )
        if centre:
            windows = windows.filter(centre=centre)
        codes = []
        for window in windows:
            url = self.request.build_absolute_uri(reverse("assessment:rate", args=[window.code]))
            qr = segno.make(url, error="m")
            codes.append((window, url, qr.svg_data_uri(scale=5, border=2)))
        return super().get_context_data(codes=codes, centres=centres, centre=centre, **kwargs)


# --- Monthly evaluations ------------------------------------------------------------------


class ComputeEvaluationsView(AdminScreen, FormView):
    """HR's button: (re)compute a month's evaluations for everyone, then show its blockers."""

    template_name = "assessment/evaluations/admin_compute.html"
    page_title = gettext_lazy("Compute a month's evaluations")
    header_icon = "table"
    form_class = ComputeMonthForm

    def get_initial(self):
        return {"month": Period.current().previous()}

    def form_valid(self, form):
        try:
            result = services.evaluations_compute(period=form.cleaned_data["month"], user=self.request.user)
        except ValidationError as exc:
            form.add_error(None, " ".join(exc.messages))
            return self.form_invalid(form)
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


class PaySheetExportView(PermissionCheckedMixin, View):
    """导出绩效工资表: the pay sheet of an approved (published, final) month, as the
    export_evaluations command writes it, stamped with who approved it and when."""

    def get(self, request, month):
        try:
            period = get_object_or_404(EvaluationPeriod, month=str(Period.parse(month)))
        except ValueError as exc:
            raise Http404 from exc
        if not period.locked:
            messages.error(
                request,
                _("%(month)s is not approved yet: its pay sheet can be exported once it is approved.")
                % {"month": period.month},
            )
            return redirect("assessment_evaluation_periods:inspect", period.pk)
        content = selectors.pay_sheet_workbook(period.month, exported_by=request.user)
        headcount, pay_total = selectors.period_totals(period)
        # Shown on the next page HR opens (the download itself has no page).
        messages.success(
            request,
            _("Pay sheet of %(month)s exported: %(n)d people, performance pay total %(pay)s.")
            % {"month": period.month, "n": headcount, "pay": selectors.money_text(pay_total)},
        )
        # The workbook is built whole by the selector (two sheets, totals, stamp): sent as is.
        response = HttpResponse(content, content_type=XLSX_CONTENT_TYPE)
        response["Content-Disposition"] = content_disposition_header(True, f"pay-sheet-{period.month}.xlsx")
        return response
