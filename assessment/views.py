"""Public rating page and the staff's and vendor managers' views of service records."""

import secrets

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from people import selectors as people_selectors
from people.models import StaffProfile, Window

from . import abuse, charts, selectors, services
from . import rating_rules as rr
from .forms import AppealForm, EvaluationAppealForm, RatingForm
from .models import BadReviewCase, Commendation, InspectionFinding

DEVICE_COOKIE = "fl_rater"
DEVICE_MAX_AGE = 365 * 24 * 3600


def _device(request):
    device = request.get_signed_cookie(DEVICE_COOKIE, default=None, salt="rate")
    return device


def _ip(request):
    return request.META.get("REMOTE_ADDR", "")


def rate_window(request, window_code):
    window = get_object_or_404(Window.objects.select_related("centre"), code=window_code, active=True)
    staff = list(StaffProfile.objects.filter(window=window, active=True).order_by("staff_no").values_list("staff_no", "name"))
    choices = [(no, f"{name}（{no}）") for no, name in staff]
    device = _device(request)
    new_device = device is None
    if new_device:
        device = secrets.token_urlsafe(16)
    form = RatingForm(request.POST or None, staff_choices=choices)
    limited = False
    if request.method == "POST" and form.is_valid():
        if abuse.limit_reached(window_code=window.code, device=device, ip=_ip(request)):
            limited = True
        else:
            data = form.cleaned_data
            try:
                rating, status = services.rating_submit(
                    source=services.builtin_source(services.QR_SOURCE_CODE),
                    ticket_no=data["ticket_no"],
                    assess_number=1,
                    level=data["level"],
                    channel="二维码",
                    staff_no=data["staff_no"],
                    window_code=window.code,
                    rated_at=timezone.now(),
                    comment=data["comment"],
                    reasons="、".join(data["reasons"]),
                )
            except services.RatingInputError:
                form.add_error(None, _("Your rating could not be saved. Please try again."))
            else:
                if status == "created":
                    abuse.record(window_code=window.code, device=device, ip=_ip(request))
                    response = redirect("assessment:rate_thanks", window_code=window.code)
                    request.session["rated_bad"] = rating.is_bad
                    return response
                form.add_error("ticket_no", _("This ticket has been rated already. Thank you!"))
    response = render(
        request,
        "assessment/rate.html",
        {"window": window, "form": form, "limited": limited, "bad_levels": sorted(rr.BAD_LEVELS)},
        status=429 if limited else 200,
    )
    if new_device:
        response.set_signed_cookie(
            DEVICE_COOKIE, device, salt="rate", max_age=DEVICE_MAX_AGE, httponly=True, samesite="Lax",
            secure=request.is_secure(),
        )
    return response


def rate_thanks(request, window_code):
    window = get_object_or_404(Window.objects.select_related("centre"), code=window_code)
    rated_bad = request.session.pop("rated_bad", False)
    return render(request, "assessment/rate_thanks.html", {"window": window, "rated_bad": rated_bad})


def _period(request):
    try:
        return selectors.Period.parse(request.GET.get("month", ""))
    except ValueError:
        return selectors.Period.current()


def _own_profile(request):
    profile = people_selectors.staff_profile_for(request.user)
    if profile is None:
        raise PermissionDenied
    return profile


@login_required
def my_records(request):
    """The staff member's own month: attendance calendar, ratings, cases, findings, commendations.
    Nothing here says who rated: the citizen's identity is never stored."""
    profile = _own_profile(request)
    period = _period(request)
    start, end = period.moments()
    days = selectors.attendance_days(period=period, staff=profile)
    summary = selectors.attendance_summaries(period=period, staff=[profile.pk])[profile.pk]
    ratings = selectors.rating_summaries(period=period, staff=[profile.pk])[profile.pk]
    trend = []
    p = period
    for _i in range(6):
        trend.append((p, selectors.rating_summaries(period=p, staff=[profile.pk])[profile.pk]))
        p = p.previous()
    trend.reverse()
    recent = (
        selectors.valid_ratings()
        .filter(staff=profile, rated_at__gte=start, rated_at__lt=end)
        .only("level", "rated_at", "matter", "channel", "comment", "reasons")[:50]
    )
    cases = BadReviewCase.objects.filter(staff=profile).select_related("rating").order_by("-opened_at")[:20]
    findings = InspectionFinding.objects.filter(staff=profile, observed_at__gte=start, observed_at__lt=end).select_related("finding_type")
    commendations = Commendation.objects.filter(staff=profile, date__range=(period.first, period.last))
    first_weekday = period.first.weekday()
    calendar = [None] * first_weekday + [(day, days.get(day)) for day in period.days()]
    return render(
        request,
        "assessment/portal/my_records.html",
        {
            "profile": profile,
            "period": period,
            "previous": period.previous(),
            "next": period.next(),
            "calendar": calendar,
            "summary": summary,
            "ratings": ratings,
            "level_rows": [(rr.LEVEL_LABELS[level], n) for level, n in ratings.level_counts.items()],
            "trend": trend,
            "trend_figure": charts.rating_trend_figure(
                [(str(p), s.valid_count, s.bad_count, s.mean_points) for p, s in trend]
            ),
            "recent": recent,
            "cases": cases,
            "findings": findings,
            "commendations": commendations,
        },
    )


@login_required
def my_case(request, pk):
    profile = _own_profile(request)
    case = get_object_or_404(BadReviewCase.objects.select_related("rating"), pk=pk, staff=profile)
    form = AppealForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.case_appeal(case=case, staff=profile, text=form.cleaned_data["text"])
        except ValidationError as exc:
            form.add_error(None, exc.messages[0])
        else:
            messages.success(request, _("Your appeal was sent to the supervisor."))
            return redirect("assessment:my_case", pk=case.pk)
    return render(request, "assessment/portal/my_case.html", {"case": case, "form": form})


@login_required
def vendor_records(request):
    """A vendor manager's monthly view of their own company's staff: counts only."""
    vendor = people_selectors.vendor_for_manager(request.user)
    if vendor is None:
        raise PermissionDenied
    period = _period(request)
    staff = people_selectors.staff_list(vendor=vendor)
    people = list(staff)
    attendance = selectors.attendance_summaries(period=period, staff=[p.pk for p in people])
    ratings = selectors.rating_summaries(period=period, staff=[p.pk for p in people])
    findings = selectors.finding_summaries(period=period, staff=[p.pk for p in people])
    rows = [(p, attendance[p.pk], ratings[p.pk], findings[p.pk]) for p in people]
    return render(
        request,
        "assessment/portal/vendor_records.html",
        {"vendor": vendor, "period": period, "previous": period.previous(), "next": period.next(), "rows": rows},
    )


# --- Monthly evaluations: the staff member's score receipts -------------------------

@login_required
def my_evaluations(request):
    """The staff member's own months, once each is published, and their appeals."""
    profile = _own_profile(request)
    evaluations = selectors.published_evaluations_of(profile)
    return render(
        request,
        "assessment/evaluations/my_evaluations.html",
        {"profile": profile, "evaluations": evaluations, "appeals": selectors.appeals_of_staff(profile)},
    )


def _receipt_context(evaluation, profile, **extra):
    period = evaluation.period
    return {
        "profile": profile,
        "evaluation": evaluation,
        "period": period,
        "inputs": evaluation.inputs,
        "components": selectors.receipt_components(evaluation),
        "appeals": selectors.appeals_of(evaluation),
        "appeal_open": period.appeal_open(timezone.localdate()),
        **extra,
    }


@login_required
def my_evaluation(request, month):
    """One month's score receipt: every input, component, weight, total, bonus, grade before
    and after the quota, coefficient, pay and the scheme version; the appeal form while the
    window is open, and the appeals' decisions. Own and published only."""
    profile = _own_profile(request)
    evaluation = get_object_or_404(selectors.published_evaluations_of(profile), period__month=month)
    context = _receipt_context(evaluation, profile)
    has_open = any(appeal.is_open for appeal in context["appeals"])
    can_appeal = context["appeal_open"] and not has_open
    form = EvaluationAppealForm(request.POST or None) if can_appeal else None
    if request.method == "POST":
        if form is None:
            messages.error(request, _("The appeal window of %(month)s is closed.") % {"month": month})
            return redirect("assessment:my_evaluation", month=month)
        if form.is_valid():
            try:
                services.evaluation_appeal_submit(evaluation=evaluation, staff=profile, reason=form.cleaned_data["reason"])
            except ValidationError as exc:
                form.add_error(None, " ".join(exc.messages))
            else:
                messages.success(request, _("Your appeal was sent to HR."))
                return redirect("assessment:my_evaluation", month=month)
    context["form"] = form
    return render(request, "assessment/evaluations/my_evaluation.html", context, status=400 if form and form.errors else 200)


def _manager_vendor(request):
    vendor = people_selectors.vendor_for_manager(request.user)
    if vendor is None:
        raise PermissionDenied
    return vendor


@require_safe
@login_required
def vendor_evaluations(request):
    """A vendor manager's list of their own company's staff's published evaluations."""
    vendor = _manager_vendor(request)
    evaluations = selectors.published_evaluations_of_vendor(vendor)
    months = list(evaluations.order_by("-period__month").values_list("period__month", flat=True).distinct())
    month = request.GET.get("month") or (months[0] if months else "")
    rows = list(evaluations.filter(period__month=month))
    appeals = selectors.appeals_by_evaluation(e.pk for e in rows)
    return render(
        request,
        "assessment/evaluations/vendor_evaluations.html",
        {
            "vendor": vendor,
            "months": months,
            "month": month,
            "evaluations": [(e, appeals.get(e.pk)) for e in rows],
        },
    )


@require_safe
@login_required
def vendor_evaluation(request, month, staff_no):
    """The score receipt of one of the vendor's own staff (published months only)."""
    vendor = _manager_vendor(request)
    evaluation = get_object_or_404(
        selectors.published_evaluations_of_vendor(vendor), period__month=month, staff__staff_no=staff_no
    )
    # Read-only: the vendor manager sees the appeals and decisions, never a form.
    context = _receipt_context(
        evaluation, evaluation.staff, back_url=reverse("assessment:vendor_evaluations") + f"?month={month}",
        read_only=True,
    )
    return render(request, "assessment/evaluations/my_evaluation.html", context)
