"""The chief judge's console under /me/judging/rounds/<id>/console/ (a tablet at the venue):
thin. Only the round's chief judge (裁判长) and organisers (竞赛组织) get in; anyone else 403."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from home.middleware import throttled_session_renewal

from . import selectors, services
from .forms import NoteForm, PaperSeatForm, ReasonForm, score_rows, sheet_values_from_post


def _round_for_chief(request, round_id):
    rnd = selectors.console_round(round_id=round_id)
    if rnd is None:
        if selectors.is_organiser(request.user) or selectors.is_judge(request.user):
            raise Http404
        raise PermissionDenied
    if not selectors.may_run_round(user=request.user, round=rnd):
        raise PermissionDenied
    return rnd


@login_required
@throttled_session_renewal
def console(request, round_id):
    rnd = _round_for_chief(request, round_id)
    return render(request, "competitions/judging/console.html", {
        "console": selectors.chief_console(round=rnd), "note_form": NoteForm(),
    })


@login_required
def console_sheet(request, round_id, sheet_id):
    """One judge's sheet: every version with who, when and why, its alerts and unlocks, the
    unlock form (POST, with a reason) and, for an open spread alert, the form recording the
    answer of a judge who does not use a phone (POST `alert`, with the judge's reason)."""
    rnd = _round_for_chief(request, round_id)
    sheet = selectors.console_sheet(round=rnd, sheet_id=sheet_id)
    if sheet is None:
        raise Http404
    history = selectors.console_sheet_history(round=rnd, sheet=sheet)
    answering = request.method == "POST" and "alert" in request.POST
    form = ReasonForm(request.POST if request.method == "POST" and not answering else None)
    alert_form = ReasonForm(request.POST if answering else None, prefix="alert")
    try:
        if answering and alert_form.is_valid():
            alert = next((a for a in history.alerts if str(a.pk) == request.POST["alert"]), None)
            if alert is None:
                raise Http404
            _alert_confirm_for_judge(rnd, alert, request.user, alert_form.cleaned_data["reason"])
            messages.success(request, _recorded_message(sheet))
            return redirect("competitions:chief_console", rnd.pk)
        if form.is_bound and form.is_valid():
            services.score_sheet_unlock(sheet=sheet, user=request.user, reason=form.cleaned_data["reason"])
            messages.success(request, _unlocked_message(sheet))
            return redirect("competitions:chief_console", rnd.pk)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return render(request, "competitions/judging/console_sheet.html", {
        "round": rnd, "sheet": sheet, "form": form, "alert_form": alert_form, "versions": history.versions,
        "fields": history.fields, "label": history.label, "alerts": history.alerts, "unlocks": history.unlocks,
        "writable": rnd.state in services.WRITABLE_STATES,
    })


def _alert_confirm_for_judge(rnd, alert, user, reason):
    """The chief judge records that the judge concerned keeps their score (told on paper or in
    person): the alert is confirmed with the judge's reason, by the chief judge; the score stays."""
    if rnd.state not in services.WRITABLE_STATES:
        raise services.SheetRefused(_("Round %(round)s is %(state)s: its sheets can no longer change.")
                                    % {"round": rnd.name, "state": rnd.get_state_display()})
    services.spread_alert_confirm(alert=alert, user=user, reason=reason)


def _recorded_message(sheet):
    return _("The answer of %(judge)s is recorded: the score stays as it is.") % {"judge": sheet.judge.name}


def _unlocked_message(sheet):
    return _("The sheet of %(judge)s is unlocked: the judge may now revise and submit it again.") % {
        "judge": sheet.judge.name}


def _round_state_step(request, round_id, change, done_message):
    """Open or confirm the round with `change` (a service); its refusal, or `done_message`,
    shows on the console."""
    rnd = _round_for_chief(request, round_id)
    try:
        change(round=rnd, user=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, done_message)
    return redirect("competitions:chief_console", rnd.pk)


@login_required
@require_POST
def console_open(request, round_id):
    return _round_state_step(request, round_id, services.round_open,
                             _("The round is open: its judges can score on their phones."))


@login_required
@require_POST
def console_confirm(request, round_id):
    return _round_state_step(request, round_id, services.round_confirm, _("The round is confirmed."))


@login_required
@require_POST
def console_report(request, round_id, report_id):
    rnd = _round_for_chief(request, round_id)
    report = selectors.console_report(round=rnd, report_id=report_id)
    if report is None:
        raise Http404
    form = NoteForm(request.POST)
    if form.is_valid():
        services.problem_report_resolve(report=report, user=request.user, note=form.cleaned_data["note"])
    return redirect("competitions:chief_console", rnd.pk)


@login_required
def console_paper(request, round_id):
    """Typing a judge's paper sheet. Blind: the form never shows another typing of the same
    sheet; two typings by different people that agree make the submitted sheet."""
    rnd = _round_for_chief(request, round_id)
    seats = selectors.round_judges_and_entrants(round=rnd)
    fields = selectors.round_fields(rnd)
    form = PaperSeatForm(request.POST or None, seats=seats)
    values, errors = {}, {}
    if request.method == "POST" and form.is_valid():
        judge_id, entry_id = form.seat_ids()
        judge, entry = selectors.paper_seat(round=rnd, judge_id=judge_id, entry_id=entry_id)
        values = sheet_values_from_post(request.POST, fields)
        try:
            result = services.paper_entry_record(round=rnd, judge=judge, entry=entry, values=values, user=request.user)
        except services.SheetInvalid as exc:
            errors = exc.errors
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.add_message(request, messages.SUCCESS if result.outcome in ("first", "matched") else messages.WARNING, {
                "first": _("Entry saved. Someone else must now type the same paper sheet."),
                "matched": _("Both entries agree: the sheet is submitted."),
                "mismatch": _("This entry does not agree with another person's: see the console; type the paper "
                              "sheet again carefully (never average)."),
                "same_person": _("You have already typed this sheet: someone else must type it to confirm it."),
            }[result.outcome])
            return redirect("competitions:chief_paper", rnd.pk)
    return render(request, "competitions/judging/console_paper.html", {
        "round": rnd, "form": form, "rows": score_rows(fields, values, errors),
    })
