"""The candidate's exam pages under /me/exams/: thin, every lookup scoped to the user's own
staff profile (another person's attempt is a 404)."""

import json

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from wagtail.rich_text import expand_db_html

from home.middleware import throttled_session_renewal

from . import answer_sheet, selectors, services
from .models import Attempt, AttemptStatus, QuestionType
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
@throttled_session_renewal
def exam_detail(request, exam_id):
    # Only a candidate finds the exam: the person, the exam and their override in one query.
    candidate = selectors.candidacy(exam_id=exam_id, user=request.user)
    if candidate is None:
        _profile_or_403(request)
        raise Http404
    exam = candidate.exam
    now = timezone.now()
    attempts = selectors.person_attempts(exam=exam, staff_id=candidate.staff_id) if candidate.has_attempts else []
    for attempt in attempts:
        services.attempt_close_if_expired(attempt=attempt, now=now)
    row = _exam_row(exam, attempts, services.Terms(exam, candidate.override), now)
    return render(request, "exams/exam_detail.html", {**row, "now": now, "candidate_name": candidate.staff_name})


@login_required
@require_POST
@throttled_session_renewal
def exam_start(request, exam_id):
    try:
        attempt = services.attempt_start_by_user(exam_id=exam_id, user=request.user)
    except PermissionDenied:
        _profile_or_403(request)  # no staff profile: 403; not a candidate of this exam: 404
        raise Http404 from None
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("exams:exam", exam_id)
    return redirect("exams:take", attempt.pk)


@login_required
@throttled_session_renewal
def attempt_take(request, attempt_id):
    rows = selectors.answer_sheet_rows(attempt_id=attempt_id, user=request.user)
    if rows:
        status, deadline, exam_title, candidate_name = rows[0][:4]
    else:  # not the user's attempt (403 or 404), or one without questions
        attempt = _own_attempt(request, attempt_id)
        status, deadline, exam_title, candidate_name = attempt.status, attempt.deadline, attempt.exam.title, attempt.staff.name
    items = [row[4:] for row in rows]
    now = timezone.now()
    if status != AttemptStatus.IN_PROGRESS or now > deadline + services.SAVE_GRACE:
        # Over: closing grades it by the exam's rules, from the whole rows.
        services.attempt_close_if_expired(attempt=_own_attempt(request, attempt_id), now=now)
        return redirect("exams:result", attempt_id)
    type_labels = {value: str(label) for value, label in QuestionType.choices}
    questions = [_question_dict(*item[:4], *item[6:], type_labels=type_labels) for item in items]
    # Resume at the question of the last save (on this device or another).
    last_saved = max((item for item in items if item[5]), key=lambda item: item[5], default=None)
    config = {
        "attempt": attempt_id,
        "deadline": deadline.isoformat(),
        "serverNow": now.isoformat(),
        "saveUrl": reverse("exams:save", args=[attempt_id]),
        "submitUrl": reverse("exams:submit", args=[attempt_id]),
        "resultUrl": reverse("exams:result", args=[attempt_id]),
        "seq": max((item[4] for item in items), default=0),
        "position": last_saved[0] if last_saved else 0,
    }
    return render(request, "exams/attempt_take.html", {
        "attempt_id": attempt_id, "exam_title": exam_title, "config": config, "candidate_name": candidate_name,
        "nav_html": answer_sheet.nav_html(questions), "questions_html": answer_sheet.questions_html(questions),
    })


def _question_for_candidate(item, type_labels=None):
    """What the page may show of an attempt's item: see _question_dict."""
    version = item.version
    return _question_dict(item.position, item.points, item.option_order, item.response, version.qtype, version.stem,
                          version.options, version.answer, type_labels=type_labels)


def _question_dict(position, points, option_order, response, qtype, stem, options, answer, *, type_labels=None):
    """What the page may show: stem and options in this attempt's order, the saved response;
    never the key, the explanation or the rubric (`answer` only counts a blank question's blanks)."""
    shown = [(OPTION_LETTERS[i], options[original]) for i, original in enumerate(option_order)]
    response = services.shown_response(qtype, response, option_order)
    blanks = []
    if qtype == "blank":
        count = max(1, answer.count("；") + 1 if answer else 1)
        saved = response or []
        blanks = [(str(i), str(i + 1), saved[i] if i < len(saved) else "") for i in range(count)]
    # Numbers as text: the page prints them many times, and localizing each int costs more
    # than the rest of the page. The stem is expanded here as the |richtext filter would.
    return {
        "position": str(position),
        "number": str(position + 1),
        "qtype": qtype,
        "qtype_label": type_labels[qtype] if type_labels else QuestionType(qtype).label,
        "stem": mark_safe(expand_db_html(stem)),  # noqa: S308 - trusted rich text, as |richtext
        "points": points,
        "options": shown,
        "selected": response if qtype in CHOICE_TYPES else [],
        "truefalse": response if qtype == "truefalse" else None,
        "blanks": blanks,
        "text": response if qtype == "essay" else "",
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
