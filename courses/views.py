"""The staff portal's learning views: 我的学习, the forms the learning pages post to,
certificates and their public verification, and notices.

Thin: parse the form, call courses.services / selectors, answer. Every form works without
JavaScript (a redirect back to the page with a message); learning.js posts the same forms
with fetch and asks for JSON (`Accept: application/json`). A person only ever reads and
writes their own records: nothing here takes a staff id.
"""

from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from home import services as home_services
from home.qr import mask_name, qr_svg
from people.selectors import staff_profile_for

from . import selectors, services
from .models import CaseScenarioPage, CoursePage, LessonPage, PolicyUpdatePage

FORM_MESSAGE = "learning-form"  # shown next to the form too (courses/includes/form_messages.html)


def staff_required(view):
    """Logged in, with a window-staff profile; the view gets it as `staff`."""

    @login_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        staff = staff_profile_for(request.user)
        if staff is None or not staff.active:
            raise PermissionDenied
        return view(request, staff, *args, **kwargs)

    return wrapper


def wants_json(request):
    return "application/json" in request.headers.get("Accept", "")


def _numbers(values):
    """Answer or choice numbers from form values; anything else is dropped."""
    return [int(value) for value in values if str(value).strip().isdigit()]


def _check_answers(post, blocks):
    """Answers to knowledge checks, per question in order. The page's N-th check renders its
    questions as kc-N-q1, kc-N-q2 … (see blocks/knowledge_check_block.html)."""
    answers = []
    for number, block in enumerate(blocks, start=1):
        for position in range(1, len(block["questions"]) + 1):
            answers.append(_numbers(post.getlist(f"kc-{number}-q{position}")))
    return answers


def _join_sentences(parts):
    """Chinese sentences follow each other without a space."""
    return ("" if get_language().startswith("zh") else " ").join(parts)


def _back(page, anchor):
    return redirect(f"{page.url}#{anchor}")


# --- 我的学习 ---------------------------------------------------------------------------


@require_GET
@staff_required
def my_learning(request, staff):
    certificates = selectors.staff_certificates(staff=staff)
    open_items, completed = selectors.staff_learning_items(staff=staff, certificates=certificates)
    return render(
        request,
        "courses/my_learning.html",
        {
            "staff": staff,
            "open_items": open_items,
            "completed_items": completed,
            "pending_policies": [item for item in open_items if item.kind == "policy"],
            "overdue_count": sum(1 for item in open_items if item.overdue),
            "hours": selectors.staff_hours_this_year(staff=staff),
            "certificates": certificates,
        },
    )


# --- lessons and courses ----------------------------------------------------------------


@require_POST
@staff_required
def lesson_complete(request, staff, lesson_id):
    lesson = get_object_or_404(LessonPage.objects.live(), pk=lesson_id)
    blocks = [block.value for block in lesson.body if block.block_type == "knowledge_check"]
    course = lesson.get_parent().specific
    was_completed = selectors.course_completed(staff=staff, course=course)
    try:
        _enrolment, verdicts = services.lesson_submit(
            staff=staff, lesson=lesson, answers=_check_answers(request.POST, blocks)
        )
    except ValidationError as error:
        message = " ".join(error.messages)
        if wants_json(request):
            return JsonResponse({"ok": False, "level": "error", "message": message}, status=400)
        messages.error(request, message, extra_tags=FORM_MESSAGE)
        return _back(lesson, "lesson-complete")
    progress = selectors.course_progress(staff=staff, course=course, lessons=course.lessons())

    parts = []
    if verdicts:
        parts.append(
            _("Knowledge check: %(right)s of %(total)s right.") % {"right": sum(verdicts), "total": len(verdicts)}
        )
    parts.append(_("Lesson completed."))
    just_completed = progress["completed"] and not was_completed
    # Green only for good news: a course held back by its pass mark is a warning.
    level = messages.SUCCESS if all(verdicts) else messages.WARNING
    if progress["completed"]:
        if just_completed:
            parts.append(_("Congratulations: you have completed the course and received its certificate."))
    elif progress["done"] < progress["total"]:
        remaining = progress["total"] - progress["done"]
        parts.append(
            ngettext("%(count)s lesson of the course left.", "%(count)s lessons of the course left.", remaining)
            % {"count": remaining}
        )
    else:
        level = messages.WARNING
        parts.append(
            _("Your knowledge checks average %(average)s%%, below the pass mark of %(pass)s%%: try them again.")
            % {"average": progress["check_average"], "pass": course.pass_percent}
        )
    message = _join_sentences(parts)
    certificate = progress["certificate"]
    certificate_url = reverse("courses:certificate", args=[certificate.code]) if certificate else None

    if wants_json(request):
        return JsonResponse(
            {
                "ok": True,
                "level": messages.DEFAULT_TAGS[level],
                "message": message,
                "verdicts": verdicts,
                "right": sum(verdicts),
                "total": len(verdicts),
                "course_completed": progress["completed"],
                "just_completed": just_completed,
                "done": progress["done"],
                "lessons": progress["total"],
                "percent": progress["percent"],
                "certificate_url": certificate_url,
                "course_url": course.url,
            }
        )
    messages.add_message(request, level, message, extra_tags=FORM_MESSAGE)
    if just_completed:
        return redirect(f"{course.url}#my-progress")
    return _back(lesson, "lesson-complete")


@require_POST
@staff_required
def course_feedback(request, staff, course_id):
    course = get_object_or_404(CoursePage.objects.live(), pk=course_id)
    rating = _numbers([request.POST.get("rating", "")])
    try:
        if not rating:
            raise ValidationError(_("Choose a satisfaction rating from 1 to 5."))
        services.course_feedback_save(
            staff=staff, course=course, rating=rating[0], comment=request.POST.get("comment", "")[:1000]
        )
    except ValidationError as error:
        message = " ".join(error.messages)
        if wants_json(request):
            return JsonResponse({"ok": False, "message": message}, status=400)
        messages.error(request, message, extra_tags=FORM_MESSAGE)
        return _back(course, "feedback")
    message = _("Thank you for your feedback.")
    if wants_json(request):
        return JsonResponse({"ok": True, "message": message})
    messages.success(request, message, extra_tags=FORM_MESSAGE)
    return _back(course, "feedback")


# --- policy updates ---------------------------------------------------------------------


@require_POST
@staff_required
def policy_acknowledge(request, staff, policy_id):
    policy = get_object_or_404(PolicyUpdatePage.objects.live(), pk=policy_id)
    questions = [block.value for block in policy.check_questions]
    answers = _check_answers(request.POST, [{"questions": questions}]) if questions else []
    try:
        acknowledgement = services.policy_acknowledge(staff=staff, policy=policy, answers=answers)
    except ValidationError as error:
        verdicts = services.knowledge_check_score(questions, answers)
        message = " ".join(error.messages)
        if wants_json(request):
            return JsonResponse({"ok": False, "level": "error", "message": message, "verdicts": verdicts}, status=400)
        messages.error(request, message, extra_tags=FORM_MESSAGE)
        return _back(policy, "acknowledge")
    message = _("You acknowledged “%(title)s”.") % {"title": policy.title}
    if wants_json(request):
        return JsonResponse(
            {
                "ok": True,
                "message": message,
                "round": acknowledgement.round,
                "pending": selectors.pending_acknowledgement_count(user=request.user),
            }
        )
    messages.success(request, message, extra_tags=FORM_MESSAGE)
    return _back(policy, "acknowledge")


# --- case scenarios ---------------------------------------------------------------------


def _replay(scenario, choices):
    """Walk the role play along `choices` (1-based per step). Returns (path, step, ending):
    path = [(step, choice)], then either the step to choose at next or the ending choice."""
    steps = scenario.step_map()
    step = scenario.first_step()
    path = []
    for number in choices:
        if step is None or not 1 <= number <= len(step["choices"]):
            raise Http404
        choice = step["choices"][number - 1]
        path.append((step, choice))
        target = (choice.get("next_step") or "").strip()
        if not target:
            if len(path) != len(choices):
                raise Http404
            return path, None, choice
        step = steps.get(target)
    if step is None:
        raise Http404
    return path, step, None


@require_GET
@staff_required
def scenario_play(request, staff, scenario_id):
    """The role play without JavaScript: one step per page, the choices so far in the URL."""
    scenario = get_object_or_404(CaseScenarioPage.objects.live(), pk=scenario_id)
    if not scenario.steps:
        raise Http404
    choices = _numbers(request.GET.getlist("c"))
    path, step, ending = _replay(scenario, choices)
    return render(
        request,
        "courses/scenario_play.html",
        {"page": scenario, "path": path, "step": step, "ending": ending, "choices": choices},
    )


@require_POST
@staff_required
def scenario_run(request, staff, scenario_id):
    scenario = get_object_or_404(CaseScenarioPage.objects.live(), pk=scenario_id)
    choices = _numbers(request.POST.getlist("choice"))
    try:
        run = services.scenario_run_record(staff=staff, scenario=scenario, choices=choices)
    except (ValidationError, KeyError) as error:
        message = " ".join(getattr(error, "messages", [])) or _("This path does not lead to an ending.")
        if wants_json(request):
            return JsonResponse({"ok": False, "message": message}, status=400)
        messages.error(request, message, extra_tags=FORM_MESSAGE)
        return _back(scenario, "role-play")
    status = selectors.scenario_status(staff=staff, scenario=scenario)
    message = _("Your role play was recorded: %(score)s points.") % {"score": run.score}
    if wants_json(request):
        return JsonResponse(
            {"ok": True, "message": message, "score": run.score, "runs": status["runs"], "best": status["best"]}
        )
    messages.success(request, message, extra_tags=FORM_MESSAGE)
    return _back(scenario, "role-play")


# --- certificates -----------------------------------------------------------------------


@require_GET
@staff_required
def certificate(request, staff, code):
    certificate = selectors.certificate_by_code(code)
    if certificate is None or certificate.staff_id != staff.pk:
        raise Http404
    verify_url = request.build_absolute_uri(reverse("courses:certificate_verify", args=[certificate.code]))
    return render(
        request,
        "courses/certificate.html",
        {"certificate": certificate, "staff": staff, "verify_url": verify_url, "qr_svg": qr_svg(verify_url, scale=4, border=2, dark="#111827")},
    )


@require_GET
def certificate_verify(request, code):
    """Public: anyone holding a printed certificate can check it (no login)."""
    certificate = selectors.certificate_by_code(code)
    context = {"code": code, "certificate": certificate}
    if certificate is not None:
        context["masked_name"] = mask_name(certificate.staff.name)
    return render(request, "courses/certificate_verify.html", context, status=200 if certificate else 404)


# --- notices ----------------------------------------------------------------------------


@require_GET
@login_required
def notices(request):
    page = Paginator(home_services.notices_for(request.user), 20).get_page(request.GET.get("page"))
    return render(request, "courses/notices.html", {"page": page})


@require_GET
@login_required
def notice_open(request, notice_id):
    """Open a notice: it is read now; go where it points."""
    notice = home_services.notice_mark_read(user=request.user, notice_id=notice_id)
    if notice is None:
        raise Http404
    return redirect(home_services.notice_safe_url(notice.url) or reverse("courses:notices"))


@require_POST
@login_required
def notices_read_all(request):
    home_services.notices_mark_all_read(user=request.user)
    return redirect("courses:notices")
