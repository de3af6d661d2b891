"""JSON endpoints of the live quiz show: thin.

- State, polled by the host console, the big screen and team devices: `?v=N` answers 304 with
  no database query while the cached version is still N (and writes no session either), else
  the state with the server's time in ms, so each client keeps its clock offset.
- Team devices join with their team's code (kept in the session) and buzz or choose a stake.
- Host actions are for organisers (竞赛组织); each carries the version it was made on.
- The big screen reads through the show's secret token: a wrong token is a 404.

POSTs are JSON with the CSRF token in the X-CSRFToken header, as the exam's autosave does.
"""

import json
import secrets

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponseNotModified, JsonResponse
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from home.middleware import answers_early, throttled_session_renewal

from . import selectors, services
from .models import Entry, QuizShow, Round
from .selectors.quiz import HOST, SCREEN, TEAM, ms

SESSION_TEAMS = "quiz_teams"  # {show id: team entry id} joined on this device


def _now_ms():
    return int(timezone.now().timestamp() * 1000)


def _unchanged(request, show_id):
    """304 when the client's version is the cached one: no query, and the session (not read)
    is not written back either (SESSION_SAVE_EVERY_REQUEST would cost two queries a poll)."""
    seen = request.GET.get("v")
    if seen is None:
        return None
    current = selectors.state_version(show_id)
    if current is None or seen != str(current):
        return None
    request.session = None  # SessionRenewalMiddleware passes a response without a session through
    response = HttpResponseNotModified()
    response["X-Server-Time"] = str(_now_ms())
    response["Cache-Control"] = "no-store"
    return response


def _unchanged_early(request, show_id, **_url):
    """_unchanged as home.middleware.EarlyAnswerMiddleware calls it, before the session and the
    other middleware (a 304 needs none of them; it then costs about a third of the CPU)."""
    return _unchanged(request, show_id)


def _state_response(state, status=200):
    selectors.state_version_remember(state["show"], state["version"])
    response = JsonResponse({**state, "server_time": _now_ms()}, status=status)
    response["Cache-Control"] = "no-store"
    return response


def _body(request):
    try:
        body = json.loads(request.body or b"{}")
    except (ValueError, RecursionError):
        body = None
    if not isinstance(body, dict):
        raise ValidationError(_("The request is malformed."))
    return body


def _refused(exc):
    status = 409 if getattr(exc, "stale", False) else 400
    data = {"error": " ".join(exc.messages)}
    if getattr(exc, "version", None) is not None:
        data["version"] = exc.version
    return JsonResponse(data, status=status)


# --- host ---------------------------------------------------------------------------------------


def _organiser(request):
    if not selectors.is_organiser(request.user):
        raise PermissionDenied


@answers_early(_unchanged_early)
@require_GET
@throttled_session_renewal
def host_state(request, show_id):
    unchanged = _unchanged(request, show_id)
    if unchanged is not None:
        return unchanged
    return _host_state(request, show_id)


@login_required
def _host_state(request, show_id):
    _organiser(request)
    show = get_object_or_404(QuizShow.objects.select_related("round", "question"), pk=show_id)
    return _state_response(selectors.quiz_show_state(show, audience=HOST))


@login_required
@require_POST
def host_start(request, round_id):
    """Make (or find) the round's show; answers its host state."""
    _organiser(request)
    rnd = get_object_or_404(Round, pk=round_id)
    try:
        show = services.quiz_show_start(round=rnd, user=request.user)
    except ValidationError as exc:
        return _refused(exc)
    return _state_response(selectors.quiz_show_state(show.pk, audience=HOST))


def _integer(value):
    try:
        return int(value)
    except (TypeError, ValueError, OverflowError):
        raise ValidationError(_("The request is malformed.")) from None


def _team_param(body, show):
    team = body.get("team")
    if team in (None, ""):
        return None
    try:
        return Entry.objects.get(pk=_integer(team), competition_id=show.round.competition_id)
    except Entry.DoesNotExist:
        raise ValidationError(_("Unknown team.")) from None


def _host_action(action, show, body, user):
    version = body.get("version")
    common = {"show": show, "version": version, "user": user}
    if action == "next":
        question = body.get("question")
        return services.quiz_question_next(**common, question=_integer(question) if question else None,
                                           team=_team_param(body, show))
    if action == "open":
        return services.quiz_buzzing_open(**common)
    if action == "adjudicate":
        services.quiz_buzz_adjudicate(show=show)
        return None
    if action == "outcome":
        return services.quiz_outcome(**common, outcome=str(body.get("outcome", "")), entry=_team_param(body, show))
    if action == "stake":
        return services.quiz_stake_choose(**common, entry=show.answering_id, stake=body.get("stake"))
    if action == "reveal":
        return services.quiz_reveal(**common)
    if action == "void":
        return services.quiz_event_void(**common, event=_integer(body.get("event")), reason=str(body.get("reason", "")))
    if action == "screen":
        return services.quiz_screen_set(**common, mode=str(body.get("mode", "")))
    if action == "finish":
        return services.quiz_finish(**common)
    if action == "results":
        services.quiz_results_write(show=show, user=user, reason=_("Written from the host console"))
        return None
    raise Http404


HOST_ACTIONS = ("next", "open", "adjudicate", "outcome", "stake", "reveal", "void", "screen", "finish", "results")


@login_required
@require_POST
def host_action(request, show_id, action):
    """One host action (JSON {"version": n, ...}); answers the new host state, or 409 with the
    current version when the show moved on (another tab acted first)."""
    _organiser(request)
    if action not in HOST_ACTIONS:
        raise Http404
    show = get_object_or_404(QuizShow.objects.select_related("round"), pk=show_id)
    try:
        _host_action(action, show, _body(request), request.user)
    except ValidationError as exc:
        return _refused(exc)
    return _state_response(selectors.quiz_show_state(show.pk, audience=HOST))


# --- big screen -------------------------------------------------------------------------------


@answers_early(_unchanged_early)
@require_GET
def screen_state(request, show_id, token):
    unchanged = _unchanged(request, show_id)
    if unchanged is not None:
        return unchanged
    show = QuizShow.objects.select_related("round", "question").filter(pk=show_id).first()
    if show is None or not secrets.compare_digest(show.screen_token, str(token)):
        raise Http404
    return _state_response(selectors.quiz_show_state(show, audience=SCREEN))


# --- team devices -------------------------------------------------------------------------------


def _joined_team(request, show_id):
    teams = request.session.get(SESSION_TEAMS) or {}
    entry_id = teams.get(str(show_id))
    if entry_id is None:
        raise PermissionDenied
    return entry_id


@require_POST
def team_join(request, show_id):
    """{"code": "..."}: this device plays for the code's team (kept in the session)."""
    try:
        code = _body(request).get("code")
    except ValidationError as exc:
        return _refused(exc)
    entry_id = selectors.quiz_team_entry(show_id=show_id, code=code)
    if entry_id is None:
        return JsonResponse({"error": _("No team of this show has this join code.")}, status=400)
    teams = dict(request.session.get(SESSION_TEAMS) or {})
    teams[str(show_id)] = entry_id
    request.session[SESSION_TEAMS] = teams
    return _state_response(selectors.quiz_show_state(show_id, audience=TEAM, entry_id=entry_id))


@answers_early(_unchanged_early)
@require_GET
@throttled_session_renewal
def team_state(request, show_id):
    unchanged = _unchanged(request, show_id)
    if unchanged is not None:
        return unchanged
    return _team_state(request, show_id)


def _team_state(request, show_id):
    entry_id = _joined_team(request, show_id)
    show = get_object_or_404(QuizShow.objects.select_related("round", "question"), pk=show_id)
    return _state_response(selectors.quiz_show_state(show, audience=TEAM, entry_id=entry_id))


@require_POST
def team_buzz(request, show_id):
    """{"request_id": "..."}: the buzz of this device's team, stamped with the time the server
    received it (taken first, before any other work). A retry with the same id counts once."""
    received_at = timezone.now()
    entry_id = _joined_team(request, show_id)
    show = get_object_or_404(QuizShow, pk=show_id)
    try:
        result = services.quiz_buzz_and_settle(show=show, entry=entry_id, request_id=_body(request).get("request_id"),
                                               now=received_at)
    except ValidationError as exc:
        return _refused(exc)
    return JsonResponse({
        "buzz": {"foul": result.foul, "received_at": ms(result.buzz.received_at),
                 "repeated": not result.created},
        **selectors.quiz_show_state(show_id, audience=TEAM, entry_id=entry_id),
        "server_time": _now_ms(),
    })


@require_POST
def team_stake(request, show_id):
    """{"stake": 10 | 20 | 30 | null}: this device's team chooses its 风险题 stake (null declines)."""
    entry_id = _joined_team(request, show_id)
    show = get_object_or_404(QuizShow, pk=show_id)
    try:
        services.quiz_stake_choose(show=show, entry=entry_id, stake=_body(request).get("stake"))
    except ValidationError as exc:
        return _refused(exc)
    return _state_response(selectors.quiz_show_state(show_id, audience=TEAM, entry_id=entry_id))
