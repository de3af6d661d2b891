"""Views of the evaluation dashboards (HR, staff, vendor managers): thin, they read
assessment.selectors.dashboards and render figures built by assessment.charts.

Who sees what: HR and administrators (the permission to view evaluations) every centre
and pay; supervisors the centres they supervise, without pay; vendor managers their own
company's published months; staff their own published months. Trainers get nothing.
Every chart's numbers are also a table on the page and an Excel download (`?export=KEY`).
The admin pages belong to the viewsets of viewsets/dashboards.py (URL, menu item, permission).
"""

import tablib
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext_lazy
from django.views.generic import TemplateView
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin
from wagtail.admin.views.generic.permissions import PermissionCheckedMixin

from home.spreadsheets import xlsx_response
from people import roles as people_roles
from people import selectors as people_selectors

from . import charts, scoring, selectors
from . import roles as assessment_roles
from .forms.dashboards import RangeForm, RollupForm
from .models import EvaluationPeriod
from .models.evaluations import GRADE_LABELS_ZH

# --- Who may see what -------------------------------------------------------------------


def can_see_pay(user):
    return user.has_perm(assessment_roles.VIEW_EVALUATIONS)


def can_open_dashboard(user):
    return user.has_perm(assessment_roles.VIEW_EVALUATIONS) or people_selectors.user_has_role(
        user, people_roles.SUPERVISOR
    )


# --- Tables (the numbers of each chart, for the page and the Excel download) ------------


def _grade_zh(grade):
    return GRADE_LABELS_ZH.get(grade, grade)


GRADE_HEADERS = [GRADE_LABELS_ZH[g] for g in scoring.GRADES]


def grades_dataset(rows):
    data = tablib.Dataset(headers=["服务中心", *GRADE_HEADERS, "人数"], title="等级分布")
    for centre, counts in rows:
        data.append([centre, *[counts[g] for g in scoring.GRADES], sum(counts.values())])
    return data


def histogram_dataset(bins):
    data = tablib.Dataset(headers=["分数段", "人数"], title="得分分布")
    for low, high, n in bins:
        data.append([f"{low}–{high}", n])
    return data


def trend_dataset(trend, components):
    by_month = {r["month"]: r for r in components}
    data = tablib.Dataset(headers=["月份", "人数", "平均分", "中位数", "R 好差评", "D 考勤纪律", "T 考试", "L 学习"],
                          title="得分趋势")
    for r in trend:
        c = by_month.get(r["month"], {})
        data.append([r["month"], r["count"], r["mean"], r["median"], *[c.get(k) for k in charts.COMPONENT_KEYS]])
    return data


def satisfaction_dataset(rows):
    data = tablib.Dataset(headers=["月份", "有效评价", "满意（非常满意+满意）", "差评", "平均分值", "满意率%", "差评率%"],
                          title="满意度")
    for r in rows:
        data.append([r["month"], r["valid"], r["satisfied"], r["bad"], r["mean_points"], r["satisfied_share"],
                     r["bad_rate"]])
    return data


def heatmap_dataset(heatmap):
    data = tablib.Dataset(headers=["服务中心", "日期", "应出勤人天", "非正常人天", "非正常占比%"], title="考勤热力图")
    for name, shares, counts in zip(heatmap["centres"], heatmap["shares"], heatmap["counts"], strict=True):
        for day, value, (off, working) in zip(heatmap["days"], shares, counts, strict=True):
            if working:
                data.append([name, day.isoformat(), working, off, value])
    return data


def vendors_dataset(cards, with_pay):
    headers = ["用工单位", "人数", "平均分", *[f"{h}%" for h in GRADE_HEADERS], "有效评价", "差评率%", "迟到率%"]
    if with_pay:
        headers.append("绩效工资合计")
    data = tablib.Dataset(headers=headers, title="用工单位对比")
    for c in cards:
        row = [c["vendor"], c["headcount"], c["mean"], *[c["grades"][g] for g in scoring.GRADES], c["ratings"],
               c["bad_rate"], c["late_rate"]]
        if with_pay:
            row.append(c["pay_total"])
        data.append(row)
    return data


def attention_dataset(rows):
    data = tablib.Dataset(headers=["工号", "姓名", "服务中心", "用工单位", "评价得分", "上月得分", "等级", "原因"],
                          title="需关注人员")
    for r in rows:
        data.append([r["staff_no"], r["name"], r["centre"], r["vendor"], r["score"], r["previous"],
                     _grade_zh(r["grade"]), "；".join(r["reasons"])])
    return data


def _dashboard_tables(scope, month_range, *, with_pay, only=None):
    """Every table of the HR dashboard (or only the one named), from the selectors."""
    focus = month_range.focus
    builders = {
        "grades": lambda: selectors.grade_distribution(scope, focus),
        "histogram": lambda: selectors.score_histogram(scope, focus),
        "trend": lambda: selectors.score_trend(scope, month_range),
        "components": lambda: selectors.component_trend(scope, month_range),
        "attention": lambda: selectors.attention_list(scope, focus),
        "satisfaction": lambda: selectors.rating_trend(scope, month_range),
        "heatmap": lambda: selectors.attendance_heatmap(scope, focus),
        "vendors": lambda: selectors.vendor_scorecards(scope, focus, with_pay=with_pay),
    }
    if only == "trend":
        return {"trend": builders["trend"](), "components": builders["components"]()}
    if only is not None:
        return {only: builders[only]()}
    return {key: build() for key, build in builders.items()}


def _export(tables, key, *, with_pay, filename):
    if key == "grades":
        data = grades_dataset(tables["grades"])
    elif key == "histogram":
        data = histogram_dataset(tables["histogram"])
    elif key == "trend":
        data = trend_dataset(tables["trend"], tables["components"])
    elif key == "attention":
        data = attention_dataset(tables["attention"][1])
    elif key == "satisfaction":
        data = satisfaction_dataset(tables["satisfaction"])
    elif key == "heatmap":
        data = heatmap_dataset(tables["heatmap"])
    else:
        data = vendors_dataset(tables["vendors"], with_pay)
    return xlsx_response(data, filename)


EXPORT_KEYS = ("grades", "histogram", "trend", "attention", "satisfaction", "heatmap", "vendors")


# --- HR and supervisors (Wagtail admin) ----------------------------------------------------


class CentreScopedAdminView(PermissionCheckedMixin, WagtailAdminTemplateMixin, TemplateView):
    """An admin page over the centres the user may see (HR and admins: all; supervisors:
    their own); its viewset refuses anyone else."""

    def get_breadcrumbs_items(self):
        return [*super().get_breadcrumbs_items(), {"url": "", "label": self.get_page_title()}]

    def dispatch(self, request, *args, **kwargs):
        self.centres = selectors.dashboard_centres(request.user) or []
        return super().dispatch(request, *args, **kwargs)


class HRDashboardView(CentreScopedAdminView):
    template_name = "assessment/dashboards/hr_dashboard.html"
    page_title = gettext_lazy("Evaluation dashboard")
    header_icon = "view"

    def dispatch(self, request, *args, **kwargs):
        self.with_pay = can_see_pay(request.user)
        return super().dispatch(request, *args, **kwargs)

    def scope(self, form):
        allowed = tuple(pk for pk, _name in self.centres)
        chosen = form.cleaned_data.get("centre") if form.is_valid() else None
        if chosen is not None and chosen not in allowed:
            chosen = None
        if chosen is not None:
            return selectors.DashboardScope(centre_ids=(chosen,))
        if self.with_pay:  # HR: every centre
            return selectors.DashboardScope()
        return selectors.DashboardScope(centre_ids=allowed)

    def get(self, request, *args, **kwargs):
        months = selectors.dashboard_months(selectors.DashboardScope())
        form = RangeForm(request.GET or None, months=months, centres=self.centres)
        month_range = form.month_range()
        export = request.GET.get("export")
        if export in EXPORT_KEYS and month_range is not None:
            tables = _dashboard_tables(self.scope(form), month_range, with_pay=self.with_pay, only=export)
            return _export(tables, export, with_pay=self.with_pay, filename=f"dashboard-{export}-{month_range.focus}.xlsx")
        context = self.get_context_data(form=form, month_range=month_range, **kwargs)
        if month_range is not None:
            tables = _dashboard_tables(self.scope(form), month_range, with_pay=self.with_pay)
            names = charts.grade_names()
            for row in tables["attention"][1]:
                row["grade_name"] = names[row["grade"]]
            context.update(tables=tables, figures=_hr_figures(tables), query=_query_without_export(request))
        return self.render_to_response(context)

    def get_context_data(self, **kwargs):
        return super().get_context_data(with_pay=self.with_pay, grade_names=charts.grade_names(), **kwargs)


def _query_without_export(request):
    query = request.GET.copy()
    query.pop("export", None)
    return query.urlencode()


def _hr_figures(tables):
    return {
        "grades": charts.grade_distribution_figure(tables["grades"]) if tables["grades"] else None,
        "histogram": charts.score_histogram_figure(tables["histogram"]),
        "trend": charts.score_trend_figure(tables["trend"]),
        "components": charts.component_trend_figure(tables["components"]),
        "satisfaction": charts.satisfaction_figure(tables["satisfaction"]),
        "heatmap": charts.attendance_heatmap_figure(tables["heatmap"]) if tables["heatmap"]["centres"] else None,
        "vendors": charts.vendor_scorecard_figure(tables["vendors"]) if tables["vendors"] else None,
    }


# --- Quarter and year roll-ups (评先评优) ------------------------------------------------------


ROLLUP_HEADERS = ["工号", "姓名", "服务中心", "用工单位", "计入月数", "平均得分", "R 平均", "T 平均", "确认差评",
                  "一票否决月数", "配额前等级", "等级", "优秀名额", "方案版本"]


def rollup_dataset(rows, title):
    data = tablib.Dataset(headers=ROLLUP_HEADERS, title=title)
    for r in rows:
        data.append([r["staff_no"], r["name"], r["centre"], r["vendor"], r["months"], r["score"], r["ratings"],
                     r["tests"], r["confirmed_bad_reviews"], r["veto_months"], _grade_zh(r["grade_before_quota"]),
                     _grade_zh(r["grade"]), r["places"], r["scheme"]])
    return data


class RollupView(CentreScopedAdminView):
    template_name = "assessment/dashboards/rollups.html"
    page_title = gettext_lazy("Quarter and year roll-ups")
    header_icon = "list-ol"

    def get(self, request, *args, **kwargs):
        data = request.GET.copy()
        data.setdefault("year", str(timezone.localdate().year))
        form = RollupForm(data, centres=self.centres)
        context = self.get_context_data(form=form, grade_names=charts.grade_names(), **kwargs)
        if not form.is_valid():
            return self.render_to_response(context)
        year, quarter = form.cleaned_data["year"], form.cleaned_data["quarter"]
        allowed = tuple(pk for pk, _name in self.centres)
        chosen = form.cleaned_data["centre"]
        if chosen is not None and chosen in allowed:
            centre_ids = (chosen,)
        else:
            centre_ids = None if can_see_pay(request.user) else allowed
        months = scoring.rollup_months(year, quarter)
        counted, rows = selectors.rollup_rows(months=months, centre_ids=centre_ids)
        label = f"{year}" + (f"-Q{quarter}" if quarter else "")
        if request.GET.get("export") == "xlsx":
            return xlsx_response(rollup_dataset(rows, f"{label}评先评优"), f"rollup-{label}.xlsx")
        context.update(rows=rows, months=months, counted=counted, label=label, query=_query_without_export(request),
                       missing=[m for m in months if m not in counted])
        return self.render_to_response(context)


# --- Staff (/me/dashboard/) ---------------------------------------------------------------


@login_required
def my_dashboard(request):
    """My score trend and my components against my centre's mean, published months only."""
    profile = people_selectors.staff_profile_for(request.user)
    if profile is None:
        raise PermissionDenied
    trend = selectors.staff_score_trend(profile)
    latest = trend[-1] if trend else None
    centre = selectors.centre_component_means(latest["centre_id"], latest["month"]) if latest else None
    export = request.GET.get("export")
    if export == "xlsx":
        data = tablib.Dataset(headers=["月份", "评价得分", "等级", "R 好差评", "D 考勤纪律", "T 考试", "L 学习"],
                              title="我的评价")
        for r in trend:
            data.append([r["month"], r["score"], _grade_zh(r["grade"]), *[r[k] for k in charts.COMPONENT_KEYS]])
        if latest:
            data.append([f"{latest['month']} 中心平均", centre["score"], "", *[centre[k] for k in charts.COMPONENT_KEYS]])
        return xlsx_response(data, "my-dashboard.xlsx")
    return render(
        request,
        "assessment/dashboards/my_dashboard.html",
        {
            "profile": profile,
            "trend": trend,
            "latest": latest,
            "centre": centre,
            "grade_names": charts.grade_names(),
            "component_names": charts.component_names(),
            "trend_figure": charts.my_score_figure(trend) if trend else None,
            "radar_figure": charts.component_radar_figure(latest, centre) if latest else None,
        },
    )


# --- Vendor managers (/me/vendor/dashboard/) ------------------------------------------------


@login_required
def vendor_dashboard(request):
    """The company's scorecard, its score trend and its staff's grades (published months)."""
    vendor = people_selectors.vendor_for_manager(request.user)
    if vendor is None:
        raise PermissionDenied
    scope = selectors.DashboardScope(vendor_id=vendor.pk, statuses=EvaluationPeriod.VISIBLE_TO_STAFF)
    months = selectors.dashboard_months(scope)
    form = RangeForm(request.GET or None, months=months)
    month_range = form.month_range()
    context = {"vendor": vendor, "form": form, "month_range": month_range, "grade_names": charts.grade_names()}
    if month_range is not None:
        focus = month_range.focus
        trend = selectors.score_trend(scope, month_range)
        components = selectors.component_trend(scope, month_range)
        cards = selectors.vendor_scorecards(scope, focus, with_pay=True)
        people = selectors.published_evaluations_of_vendor(vendor).filter(period__month=focus)
        export = request.GET.get("export")
        if export == "trend":
            return xlsx_response(trend_dataset(trend, components), f"vendor-trend-{focus}.xlsx")
        if export == "scorecard":
            return xlsx_response(vendors_dataset(cards, True), f"vendor-scorecard-{focus}.xlsx")
        if export == "staff":
            data = tablib.Dataset(headers=["工号", "姓名", "服务中心", "月份", "评价得分", "等级"], title="人员等级")
            for e in people:
                data.append([e.staff.staff_no, e.staff.name, e.centre.name, focus, e.score, _grade_zh(e.grade)])
            return xlsx_response(data, f"vendor-staff-{focus}.xlsx")
        context.update(
            trend=trend,
            components=components,
            card=cards[0] if cards else None,
            people=people,
            query=_query_without_export(request),
            trend_figure=charts.score_trend_figure(trend),
            component_figure=charts.component_trend_figure(components),
        )
    return render(request, "assessment/dashboards/vendor_dashboard.html", context)
