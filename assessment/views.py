"""Public rating page and the staff's and vendor managers' views of service records."""

import secrets
from collections import Counter

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from home import client_address
from people import selectors as people_selectors
from people.models import StaffProfile, Window

from . import abuse, charts, selectors, services
from . import rating_rules as rr
from .forms.cases import AppealForm
from .forms.evaluations import EvaluationAppealForm
from .forms.ratings import RatingForm
from .models import BadReviewCase, Commendation, InspectionFinding

DEVICE_COOKIE = "fl_rater"
DEVICE_MAX_AGE = 365 * 24 * 3600


def _device(request):
    device = request.get_signed_cookie(DEVICE_COOKIE, default=None, salt="rate")
    return device


def _staff_choices(window):
    """The window's staff for the citizen to pick, by name only: 工号 is the login name and never
    leaves the server (a choice's value is the profile's id). Returns (choices, {value: 工号})."""
    staff = list(
        StaffProfile.objects.filter(window=window, active=True)
        .order_by("staff_no")
        .values_list("pk", "staff_no", "name")
    )
    names = Counter(name for _pk, _no, name in staff)
    seen = Counter()
    choices, numbers = [], {}
    for pk, staff_no, name in staff:
        seen[name] += 1
        label = name if names[name] == 1 else f"{name}（{seen[name]}）"
        choices.append((str(pk), label))
        numbers[str(pk)] = staff_no
    return choices, numbers


def rate_window(request, window_code):
    window = get_object_or_404(Window.objects.select_related("centre"), code=window_code, active=True)
    choices, staff_numbers = _staff_choices(window)
    device = _device(request)
    new_device = device is None
    if new_device:
        device = secrets.token_urlsafe(16)
    form = RatingForm(request.POST or None, staff_choices=choices)
    limited = False
    if request.method == "POST" and form.is_valid():
        client_ip = client_address.client_ip(request)
        if not abuse.admit(window_code=window.code, device=device, ip=client_ip):
            limited = True
        else:
            data = form.cleaned_data
            try:
                rating, status = services.qr_rating_submit(
                    window=window,
                    level=data["level"],
                    staff_no=staff_numbers.get(data["staff_no"], ""),
                    comment=data["comment"],
                    reasons="、".join(data["reasons"]),
                    citizen_ticket_no=data["ticket_no"],
                    client_ip=client_ip,
                )
            except services.RatingInputError:
                form.add_error(None, _("Your rating could not be saved. Please try again."))
            except services.RatingMonthLocked:
                # The month's evaluations are approved: no new rating of it is taken.
                form.add_error(
                    None,
                    _("Thank you. Ratings for this month are closed, so this rating cannot be recorded. "
                      "Please tell the staff at the window or call the service centre."),
                )
            else:
                if status == "created":
                    request.session["rated_bad"] = rating.is_bad
                    response = redirect("assessment:rate_thanks", window_code=window.code)
                    return _with_device(response, request, device if new_device else None)
                form.add_error("ticket_no", _("This ticket has been rated already. Thank you!"))
    response = render(
        request,
        "assessment/rate.html",
        {"window": window, "form": form, "limited": limited, "bad_levels": sorted(rr.BAD_LEVELS)},
        status=429 if limited else 200,
    )
    return _with_device(response, request, device if new_device else None)


def _with_device(response, request, new_device):
    """Give a phone without one its device cookie (an extra signal of the limits, never the only one)."""
    if new_device:
        response.set_signed_cookie(
            DEVICE_COOKIE, new_device, salt="rate", max_age=DEVICE_MAX_AGE, httponly=True, samesite="Lax",
            secure=request.is_secure(),
        )
    return response


def rate_thanks(request, window_code):
    window = get_object_or_404(Window.objects.select_related("centre"), code=window_code)
    rated_bad = request.session.pop("rated_bad", False)
    return render(request, "assessment/rate_thanks.html", {"window": window, "rated_bad": rated_bad})


def _records_period(request, staff):
    """The month of a records page: the one asked for, never after the current month;
    without one, the latest month in which `staff` have records (not an empty current
    month). Returns (period, the next month to offer or None)."""
    current = selectors.Period.current()
    try:
        period = selectors.Period.parse(request.GET["month"])
    except (KeyError, ValueError):
        period = selectors.latest_record_month(staff=staff) or current
    period = min(period, current)
    return period, (period.next() if period < current else None)


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
    period, next_period = _records_period(request, [profile.pk])
    start, end = period.moments()
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
    calendar = selectors.attendance_calendar(period=period, staff=profile)
    return render(
        request,
        "assessment/portal/my_records.html",
        {
            "profile": profile,
            "period": period,
            "previous": period.previous(),
            "next": next_period,
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
    staff = people_selectors.staff_list(vendor=vendor)
    people = list(staff)
    period, next_period = _records_period(request, [p.pk for p in people])
    attendance = selectors.attendance_summaries(period=period, staff=[p.pk for p in people])
    ratings = selectors.rating_summaries(period=period, staff=[p.pk for p in people])
    findings = selectors.finding_summaries(period=period, staff=[p.pk for p in people])
    rows = [(p, attendance[p.pk], ratings[p.pk], findings[p.pk]) for p in people]
    return render(
        request,
        "assessment/portal/vendor_records.html",
        {"vendor": vendor, "period": period, "previous": period.previous(), "next": next_period, "rows": rows},
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
