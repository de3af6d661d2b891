"""Wagtail admin screens of service records that are not plain model listings: the monthly
attendance sheet (like DingTalk's 月度汇总) and a person's month, HR's day correction, the
bad-review cases with their steps and ledger (台账), and the sheet of rating QR codes."""

import tablib
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import FormView, TemplateView, View
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin

from home.spreadsheets import export_bytes
from people.models import ServiceCentre, StaffProfile, Window

from . import roles, selectors, services
from .forms import CaseStepForm, CorrectionForm
from .models import AttendanceDay, BadReviewCase, Rating
from .record_forms import AddDayForm

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def xlsx_response(dataset, filename):
    response = HttpResponse(export_bytes(dataset, "xlsx"), content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


class PermissionMixin:
    permission = None
    # (url name, label) of the screen above this one in the breadcrumbs.
    parent = None

    def get_breadcrumbs_items(self):
        items = list(super().get_breadcrumbs_items())
        if self.parent:
            items.append({"url": reverse(self.parent[0]), "label": self.parent[1]})
        return [*items, {"url": "", "label": self.get_page_title()}]

    def dispatch(self, request, *args, **kwargs):
        if not request.user.has_perm(self.permission):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)


def _centres_for(user):
    """The active service centres a user may pick on a sheet (HR: all; supervisors: theirs)."""
    return selectors.in_centre_scope(ServiceCentre.objects.filter(active=True), user, "pk")


def _int(value):
    """A whole number from a query parameter, or 0 (matches nothing) for anything else."""
    return int(value) if value and str(value).isdigit() else 0


def _period(request):
    try:
        return selectors.Period.parse(request.GET.get("month", ""))
    except ValueError:
        return selectors.Period.current().previous()


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


class MonthlySheetView(PermissionMixin, WagtailAdminTemplateMixin, TemplateView):
    permission = roles.VIEW_ATTENDANCE
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


class PersonMonthView(PermissionMixin, WagtailAdminTemplateMixin, TemplateView):
    permission = roles.VIEW_ATTENDANCE
    template_name = "assessment/admin/person_month.html"
    header_icon = "date"
    parent = ("assessment_admin:monthly_sheet", gettext_lazy("Monthly attendance sheet"))

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
            can_correct=self.request.user.has_perm(roles.MANAGE_ATTENDANCE),
            **kwargs,
        )


class CorrectDayView(PermissionMixin, WagtailAdminTemplateMixin, FormView):
    permission = roles.MANAGE_ATTENDANCE
    template_name = "assessment/admin/correct_day.html"
    form_class = CorrectionForm
    header_icon = "edit"
    parent = ("assessment_admin:monthly_sheet", gettext_lazy("Monthly attendance sheet"))

    def dispatch(self, request, *args, **kwargs):
        if not request.user.has_perm(self.permission):
            raise PermissionDenied
        self.day = get_object_or_404(
            AttendanceDay.objects.select_related("staff").filter(
                staff__in=selectors.staff_in_scope(request.user)
            ),
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
        url = reverse("assessment_admin:person_month", args=[self.day.staff.staff_no])
        return redirect(f"{url}?month={self.day.date:%Y-%m}")


class AddDayView(PermissionMixin, WagtailAdminTemplateMixin, FormView):
    """HR adds a day that has no record (a missed import row, a day DingTalk did not export)."""

    permission = roles.MANAGE_ATTENDANCE
    template_name = "assessment/admin/add_day.html"
    form_class = AddDayForm
    header_icon = "plus"
    parent = ("assessment_admin:monthly_sheet", gettext_lazy("Monthly attendance sheet"))

    def dispatch(self, request, *args, **kwargs):
        if not request.user.has_perm(self.permission):
            raise PermissionDenied
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
        url = reverse("assessment_admin:person_month", args=[self.person.staff_no])
        return redirect(f"{url}?month={day.date:%Y-%m}")


LEDGER_HEADERS = [
    "工单编号", "服务中心", "工号", "姓名", "窗口", "办件编号", "评价时间", "评价等级", "评价渠道", "评价内容",
    "状态", "核实期限", "反馈期限", "超期", "核实情况", "回访情况", "整改情况", "反馈情况", "结论", "申诉", "申诉处理",
]


class CaseListView(PermissionMixin, WagtailAdminTemplateMixin, TemplateView):
    permission = roles.VIEW_CASES
    template_name = "assessment/admin/case_list.html"
    page_title = gettext_lazy("Bad-review cases")
    header_icon = "warning"

    def get(self, request, *args, **kwargs):
        cases = selectors.cases_for(request.user)
        self.counts = selectors.case_counts(cases)
        show = request.GET.get("show", "open")
        if show == "open":
            cases = cases.exclude(status=BadReviewCase.Status.CLOSED)
        elif show == "overdue":
            cases = cases.filter(selectors.overdue_filter())
        elif show == "appeals":
            cases = cases.filter(appeal_status=BadReviewCase.Appeal.PENDING)
        self.show = show
        self.cases = cases.order_by("feedback_due", "pk")
        if request.GET.get("export") == "xlsx":
            return self.ledger()
        return super().get(request, *args, **kwargs)

    def ledger(self):
        today = timezone.localdate()
        dataset = tablib.Dataset(headers=LEDGER_HEADERS, title="差评工单台账")
        for c in self.cases:
            r = c.rating
            dataset.append([
                c.number, c.centre.name, c.staff.staff_no if c.staff else "", c.staff.name if c.staff else "",
                r.window_code, r.ticket_no, f"{timezone.localtime(r.rated_at):%Y-%m-%d %H:%M}", r.get_level_display(),
                r.channel, f"{r.reasons} {r.comment}".strip(), c.get_status_display(), f"{c.verify_due:%Y-%m-%d}",
                f"{c.feedback_due:%Y-%m-%d}", _("yes") if c.overdue(today) else "", c.verify_note, c.revisit_note,
                c.rectify_note, c.feedback_note, c.get_outcome_display(), c.appeal_text, c.appeal_decision_note,
            ])
        return xlsx_response(dataset, f"bad-review-ledger-{today:%Y%m%d}.xlsx")

    def get_context_data(self, **kwargs):
        today = timezone.localdate()
        return super().get_context_data(
            cases=[(c, c.overdue(today)) for c in self.cases[:500]], counts=self.counts, show=self.show, **kwargs
        )


class CaseDetailView(PermissionMixin, WagtailAdminTemplateMixin, TemplateView):
    permission = roles.VIEW_CASES
    template_name = "assessment/admin/case_detail.html"
    header_icon = "warning"
    parent = ("assessment_admin:cases", gettext_lazy("Bad-review cases"))

    def dispatch(self, request, *args, **kwargs):
        if request.user.has_perm(self.permission):
            self.case = get_object_or_404(selectors.cases_for(request.user), pk=kwargs["pk"])
        return super().dispatch(request, *args, **kwargs)

    def get_page_title(self):
        return _("Bad-review case %(number)s") % {"number": self.case.number}

    @staticmethod
    def _open_decision(case):
        """Whether a decision that counts in the evaluation is still to be taken on the case."""
        return (
            case.status != BadReviewCase.Status.CLOSED
            or case.appeal_status == BadReviewCase.Appeal.PENDING
            or case.rating.suspicion == Rating.Suspicion.PENDING
        )

    def get_context_data(self, form=None, **kwargs):
        case = self.case
        step = {
            BadReviewCase.Status.OPEN: CaseStepForm.STEP_VERIFY,
            BadReviewCase.Status.VERIFIED: CaseStepForm.STEP_RECTIFY,
            BadReviewCase.Status.RECTIFIED: CaseStepForm.STEP_CLOSE,
        }.get(case.status)
        can_handle = self.request.user.has_perm(roles.HANDLE_CASES)
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

    def post(self, request, *args, **kwargs):
        if not request.user.has_perm(roles.HANDLE_CASES):
            raise PermissionDenied
        form = CaseStepForm(request.POST)
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(form=form))
        data = form.cleaned_data
        done = None
        try:
            if data["step"] == CaseStepForm.STEP_VERIFY:
                services.case_verify(
                    case=self.case, user=request.user, verify_note=data["verify_note"], revisit_note=data["revisit_note"]
                )
            elif data["step"] == CaseStepForm.STEP_RECTIFY:
                services.case_rectify(case=self.case, user=request.user, rectify_note=data["rectify_note"])
            elif data["step"] == CaseStepForm.STEP_CLOSE:
                done = services.case_close(
                    case=self.case, user=request.user, feedback_note=data["feedback_note"], outcome=data["outcome"]
                )
            elif data["step"] == CaseStepForm.STEP_DECIDE:
                done = services.case_appeal_decide(
                    case=self.case, user=request.user, upheld=data["upheld"], note=data["decision_note"]
                )
            elif data["step"] == CaseStepForm.STEP_SUSPICION:
                if data["accept"] == "":
                    raise ValidationError(_("Accept or reject the suspicious rating."))
                done = services.case_suspicion_decide(
                    case=self.case, user=request.user, accept=data["accept"], note=data["suspicion_note"]
                )
            else:
                raise ValidationError(_("Unknown step."))
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
        return redirect("assessment_admin:case", pk=self.case.pk)


class QRSheetView(PermissionMixin, WagtailAdminTemplateMixin, TemplateView):
    """One QR code per window, to print and put on the counter."""

    permission = roles.PRINT_QR
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


class PaySheetExportView(PermissionMixin, View):
    """导出绩效工资表: the pay sheet of an approved (published, final) month, as the
    export_evaluations command writes it, stamped with who approved it and when. HR only."""

    permission = roles.VIEW_EVALUATIONS

    def get(self, request, month):
        from .models import EvaluationPeriod

        period = get_object_or_404(EvaluationPeriod, month=month)
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
        response = HttpResponse(content, content_type=XLSX)
        response["Content-Disposition"] = f'attachment; filename="pay-sheet-{period.month}.xlsx"'
        return response
