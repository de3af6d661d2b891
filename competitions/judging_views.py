"""The judge's phone pages under /me/judging/: thin. A judge reaches only the rounds whose panel
they sit on and the entrants of their own seats (another round or entrant is a 404); a user
who judges nothing gets 403."""

import json

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from home.middleware import throttled_session_renewal

from . import selectors, services
from .forms import ReasonForm, ReportForm, score_rows, sheet_values_from_post
from .models import Entry

# ScoreSheet.draft_seq is a PositiveIntegerField (a 32-bit integer in PostgreSQL).
MAX_SEQ = 2**31 - 1


def _missing(request):
    """404 for a judge asking for what is not theirs, 403 for someone who judges nothing."""
    if selectors.is_judge(request.user):
        raise Http404
    raise PermissionDenied


@login_required
@throttled_session_renewal
def judging_home(request):
    rounds = selectors.rounds_for_judge(user=request.user)
    oversee = selectors.rounds_to_oversee(user=request.user)
    if not rounds and not oversee and not selectors.is_judge(request.user):
        raise PermissionDenied
    return render(request, "competitions/judging/home.html", {"rounds": rounds, "oversee": oversee})


@login_required
@throttled_session_renewal
def judge_round(request, round_id):
    page = selectors.judge_round(user=request.user, round_id=round_id)
    if page is None:
        _missing(request)
    return render(request, "competitions/judging/round.html", {"page": page, "report_form": ReportForm(entries=page.rows)})


def _sheet_page(request, round_id, entry_id):
    sheet = selectors.judge_sheet(user=request.user, round_id=round_id, entry_id=entry_id)
    if sheet is None:
        _missing(request)
    return sheet


def _render_sheet(request, sheet, *, values=None, errors=None, alert_values=None, alert_errors=None, alert_form=None):
    shown = values if values is not None else sheet.values
    config = {
        "saveUrl": reverse("competitions:judge_sheet_save", args=[sheet.round.pk, sheet.entry.pk]),
        "seq": sheet.sheet.draft_seq if sheet.sheet else 0,
    }
    return render(request, "competitions/judging/sheet.html", {
        "page": sheet,
        "rows": score_rows(sheet.fields, shown, errors or {}),
        "alert_rows": score_rows(sheet.fields, alert_values if alert_values is not None else sheet.values, alert_errors or {}),
        "values_changed": alert_values is not None,
        "draft_total": sheet.sheet.total if sheet.sheet else "0.00",
        "errors": errors or {},
        "alert_errors": alert_errors or {},
        "alert_form": alert_form or ReasonForm(),
        "config": config,
        "report_form": ReportForm(),
    })


@login_required
@throttled_session_renewal
def judge_sheet(request, round_id, entry_id):
    return _render_sheet(request, _sheet_page(request, round_id, entry_id))


@login_required
@require_POST
@throttled_session_renewal
def judge_sheet_save(request, round_id, entry_id):
    """An autosave (JSON): {"values": {field: text}, "seq": n}."""
    try:
        body = json.loads(request.body or b"{}")
        seq = int(body["seq"])
        values = body.get("values", {})
        if not 0 < seq <= MAX_SEQ or not isinstance(values, dict):
            raise ValueError(seq)
        values = {str(k): "" if v is None else str(v)[:20] for k, v in values.items()}
    except (ValueError, KeyError, TypeError, OverflowError, RecursionError):
        return JsonResponse({"error": _("Malformed save.")}, status=400)
    sheet = _sheet_page(request, round_id, entry_id)
    try:
        saved = services.judge_sheet_draft_save(round=sheet.round, judge=sheet.judge, entry=sheet.entry, values=values,
                                                seq=seq, user=request.user)
    except services.SheetRefused as exc:
        return JsonResponse({"error": " ".join(exc.messages), "closed": exc.closed}, status=409)
    return JsonResponse({"stored": saved.stored, "seq": seq, "total": str(saved.total), "errors": saved.errors})


@login_required
@require_POST
def judge_sheet_submit(request, round_id, entry_id):
    sheet = _sheet_page(request, round_id, entry_id)
    values = sheet_values_from_post(request.POST, sheet.fields)
    try:
        result = services.judge_sheet_submit(round=sheet.round, judge=sheet.judge, entry=sheet.entry, values=values,
                                             user=request.user)
    except services.SheetInvalid as exc:
        return _render_sheet(request, sheet, values=values, errors=exc.errors)
    except services.SheetRefused as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("competitions:judge_sheet", round_id, entry_id)
    if result.created:
        messages.success(request, _("Sheet submitted. Show this receipt if asked."))
    return redirect("competitions:judge_receipt", result.version.pk)


@login_required
@require_POST
def judge_alert_answer(request, alert_id):
    """The judge concerned answers a spread alert: confirm (keep) or revise, with a reason."""
    alert = selectors.judge_alert(user=request.user, alert_id=alert_id)
    if alert is None:
        _missing(request)
    sheet = _sheet_page(request, alert.round_id, alert.entry_id)
    form = ReasonForm(request.POST)
    action = request.POST.get("action")
    # The revised scores typed come back with the form; a confirmation shows the sheet's own.
    values = sheet_values_from_post(request.POST, sheet.fields) if action == services.ALERT_REVISE else None
    if form.is_valid():
        try:
            answered = services.spread_alert_answer(alert=alert, action=action, values=values, user=request.user,
                                                    reason=form.cleaned_data["reason"])
        except services.SheetInvalid as exc:
            return _render_sheet(request, sheet, alert_errors=exc.errors, alert_form=form, alert_values=values)
        except services.SheetRefused as exc:
            messages.error(request, " ".join(exc.messages))
            return redirect("competitions:judge_sheet", alert.round_id, alert.entry_id)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            if answered.revised:
                messages.success(request, _("Your revised scores are submitted."))
                return redirect("competitions:judge_receipt", answered.version.pk)
            messages.success(request, _("You confirmed your score."))
            return redirect("competitions:judge_sheet", alert.round_id, alert.entry_id)
    return _render_sheet(request, sheet, alert_form=form, alert_values=values)


@login_required
@throttled_session_renewal
def judge_receipt(request, version_id):
    receipt = selectors.judge_receipt(user=request.user, version_id=version_id)
    if receipt is None:
        _missing(request)
    return render(request, "competitions/judging/receipt.html", {"receipt": receipt})


@login_required
@require_POST
def judge_report(request, round_id):
    """报告问题: a short message to the chief judge of the round."""
    page = selectors.judge_round(user=request.user, round_id=round_id)
    if page is None:
        _missing(request)
    form = ReportForm(request.POST, entries=page.rows)
    back = request.POST.get("back") or ""
    if form.is_valid():
        entry = Entry.objects.filter(pk=form.cleaned_data["entry"]).first() if form.cleaned_data["entry"] else None
        try:
            services.problem_report_send(round=page.round, judge=page.judge, entry=entry,
                                         message=form.cleaned_data["message"])
            messages.success(request, _("Your message was sent to the chief judge."))
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
    else:
        messages.error(request, " ".join(m for errors in form.errors.values() for m in errors))
    if back.startswith("/me/judging/"):
        return redirect(back)
    return redirect("competitions:judge_round", round_id)
