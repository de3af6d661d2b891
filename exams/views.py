"""The candidate's exam pages under /me/exams/: thin, every lookup scoped to the user's own
staff profile (another person's attempt is a 404)."""

import json

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from wagtail.rich_text import expand_db_html

from home.middleware import throttled_session_renewal

from . import answer_sheet, selectors, services
from .models import Attempt, AttemptStatus, Exam, QuestionType
from .models.bank import CHOICE_TYPES, OPTION_LETTERS

# AttemptItem.response_seq is a PositiveIntegerField (a 32-bit integer in PostgreSQL).
MAX_SEQ = 2**31 - 1


def _profile_or_403(request):
    profile = selectors.candidate_profile(request.user)
    if profile is None:
        raise PermissionDenied
    return profile


def _own_attempt(request, attempt_id):
    """The user's own attempt in one query; someone without a staff profile gets 403, a
    staff member asking for another's attempt 404 (both looked up only on that path)."""
    attempt = Attempt.objects.select_related("exam__paper", "staff").filter(pk=attempt_id, staff__user=request.user).first()
    if attempt is None:
        _profile_or_403(request)
        raise Http404
    return attempt


@login_required
def my_exams(request):
    profile = _profile_or_403(request)
    now = timezone.now()
    rows = []
    for exam, attempts in selectors.exams_for_staff(staff=profile):
        for attempt in attempts:  # the lazy close: time ran out while nobody looked
            services.attempt_close_if_expired(attempt=attempt, now=now)
        override = next((o for o in exam.overrides.all() if o.staff_id == profile.pk), None)
        terms = services.Terms(exam, override)
        rows.append(_exam_row(exam, attempts, terms, now))
    return render(request, "exams/my_exams.html", {"rows": rows, "now": now})


def _exam_row(exam, attempts, terms, now):
    in_progress = next((a for a in attempts if a.status == AttemptStatus.IN_PROGRESS and now <= a.deadline + services.SAVE_GRACE), None)
    counting = selectors.counting_attempt(exam, attempts)
    return {
        "exam": exam,
        "terms": terms,
        "attempts": attempts,
        "in_progress": in_progress,
        "counting": counting,
        "show_score": counting is not None and selectors.may_see_score(exam, counting, now),
        "can_start": in_progress is None and terms.is_open(now) and len(attempts) < terms.attempts,
        "not_yet": now < terms.opens_at,
        "closed": now >= terms.closes_at,
    }


@login_required
def exam_detail(request, exam_id):
    profile = _profile_or_403(request)
    # Only a candidate finds the exam (one query for both).
    exam = get_object_or_404(Exam, pk=exam_id, active=True, candidate_rows__staff=profile)
    now = timezone.now()
    attempts = list(Attempt.objects.filter(exam=exam, staff=profile).order_by("number"))
    for attempt in attempts:
        services.attempt_close_if_expired(attempt=attempt, now=now)
    row = _exam_row(exam, attempts, services.terms_for(exam, profile), now)
    return render(request, "exams/exam_detail.html", {**row, "now": now, "candidate_name": profile.name})


@login_required
@require_POST
@throttled_session_renewal
def exam_start(request, exam_id):
    profile = _profile_or_403(request)
    exam = get_object_or_404(Exam.objects.select_related("paper"), pk=exam_id, active=True)
    try:
        attempt = services.attempt_start(exam=exam, staff=profile)
    except PermissionDenied:
        raise Http404 from None
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("exams:exam", exam.pk)
    return redirect("exams:take", attempt.pk)


@login_required
@throttled_session_renewal
def attempt_take(request, attempt_id):
    attempt = _own_attempt(request, attempt_id)
    now = timezone.now()
    if services.attempt_close_if_expired(attempt=attempt, now=now):
        return redirect("exams:result", attempt.pk)
    items = list(attempt.items.select_related("version").only(*_SHEET_FIELDS).order_by("position"))
    type_labels = {value: str(label) for value, label in QuestionType.choices}
    questions = [_question_for_candidate(item, type_labels) for item in items]
    # Resume at the question of the last save (on this device or another).
    last_saved = max((i for i in items if i.saved_at), key=lambda i: i.saved_at, default=None)
    config = {
        "attempt": attempt.pk,
        "deadline": attempt.deadline.isoformat(),
        "serverNow": now.isoformat(),
        "saveUrl": reverse("exams:save", args=[attempt.pk]),
        "submitUrl": reverse("exams:submit", args=[attempt.pk]),
        "resultUrl": reverse("exams:result", args=[attempt.pk]),
        "seq": max((i.response_seq for i in items), default=0),
        "position": last_saved.position if last_saved else 0,
    }
    return render(request, "exams/attempt_take.html", {"attempt": attempt, "exam": attempt.exam, "questions": questions,
                                                       "config": config, "candidate_name": attempt.staff.name,
                                                       "questions_html": answer_sheet.questions_html(questions)})


# What the answer sheet reads of each item and its version (not the explanation or rubric).
_SHEET_FIELDS = ("attempt", "position", "points", "option_order", "response", "response_seq", "saved_at",
                 "version__qtype", "version__stem", "version__options", "version__answer")


def _question_for_candidate(item, type_labels=None):
    """What the page may show: stem and options in this attempt's order, the saved response;
    never the key, the explanation or the rubric."""
    version = item.version
    options = [(OPTION_LETTERS[i], version.options[original]) for i, original in enumerate(item.option_order)]
    response = services.response_for_client(item)
    blanks = []
    if version.qtype == "blank":
        count = max(1, version.answer.count("；") + 1 if version.answer else 1)
        saved = response or []
        blanks = [(str(i), str(i + 1), saved[i] if i < len(saved) else "") for i in range(count)]
    # Numbers as text: the page prints them many times, and localizing each int costs more
    # than the rest of the page. The stem is expanded here as the |richtext filter would.
    return {
        "position": str(item.position),
        "number": str(item.position + 1),
        "qtype": version.qtype,
        "qtype_label": type_labels[version.qtype] if type_labels else QuestionType(version.qtype).label,
        "stem": mark_safe(expand_db_html(version.stem)),  # noqa: S308 - trusted rich text, as |richtext
        "points": item.points,
        "options": options,
        "selected": response if version.qtype in CHOICE_TYPES else [],
        "truefalse": response if version.qtype == "truefalse" else None,
        "blanks": blanks,
        "text": response if version.qtype == "essay" else "",
        "answered": response not in (None, [], ""),
    }


@login_required
@require_POST
@throttled_session_renewal
def attempt_save(request, attempt_id):
    """An autosave: two queries besides the session's and the user's (see
    services.attempt_save_answer), and the session is not rewritten on every save."""
    try:
        body = json.loads(request.body or b"{}")
        position = int(body["position"])
        seq = int(body["seq"])
        if not 0 <= seq <= MAX_SEQ:  # beyond the column's range the UPDATE fails with a 500
            raise ValueError(seq)
    except (ValueError, KeyError, TypeError, OverflowError, RecursionError):
        return JsonResponse({"error": _("Malformed save.")}, status=400)
    try:
        stored = services.attempt_save_answer(attempt=attempt_id, user=request.user, position=position,
                                              response=body.get("response"), seq=seq)
    except services.AttemptNotFound:
        _profile_or_403(request)
        raise Http404 from None
    except services.SaveRefused as exc:
        return JsonResponse({"error": str(exc), "closed": exc.closed, "resultUrl": reverse("exams:result", args=[attempt_id])},
                            status=409 if exc.closed else 400)
    return JsonResponse({"stored": stored, "seq": seq, "position": position})


@login_required
@require_POST
def attempt_submit(request, attempt_id):
    attempt = _own_attempt(request, attempt_id)
    services.attempt_close(attempt=attempt)
    return redirect("exams:result", attempt.pk)


@login_required
def attempt_result(request, attempt_id):
    attempt = _own_attempt(request, attempt_id)
    now = timezone.now()
    services.attempt_close_if_expired(attempt=attempt, now=now)
    if attempt.status == AttemptStatus.IN_PROGRESS:
        return redirect("exams:take", attempt.pk)
    exam = attempt.exam
    show_score = selectors.may_see_score(exam, attempt, now)
    show_answers = selectors.may_see_answers(exam, attempt, now)
    review = []
    # Marks per question tell right from wrong, so they come with the answers, not before.
    if show_answers:
        for item in attempt.items.select_related("version").order_by("position"):
            entry = _question_for_candidate(item)
            entry["score"] = item.score
            entry["version"] = item.version.number
            entry["comment"] = item.grader_comment
            entry["key"] = _key_for_display(item)
            entry["explanation"] = item.version.explanation
            entry["reference_answer"] = item.version.reference_answer
            review.append(entry)
    return render(request, "exams/attempt_result.html", {
        "attempt": attempt, "exam": exam, "show_score": show_score, "show_answers": show_answers, "review": review,
    })


def _key_for_display(item):
    version = item.version
    if version.qtype in CHOICE_TYPES:
        shown = [OPTION_LETTERS[item.option_order.index(OPTION_LETTERS.index(c))] for c in version.key()]
        return "".join(sorted(shown))
    if version.qtype == "truefalse":
        return _("True") if version.key() else _("False")
    return version.answer.replace("|", " / ")
