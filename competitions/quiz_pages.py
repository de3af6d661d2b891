"""The live quiz show's three pages: thin. Everything that changes during the show is polled
from the JSON endpoints (quiz_views); these pages print what does not change.

- Host console (organisers, 竞赛组织): starts the round's show, then runs it.
- Big screen: read-only, through the show's secret token (a wrong token is a 404); no login.
- Team device: no login; a team joins with its code (kept in the session, as quiz_views does).
"""

import secrets

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from home.middleware import throttled_session_renewal
from home.qr import qr_svg

from . import selectors, services
from .models import QuizPhase
from .quiz_views import HOST_ACTIONS, SESSION_TEAMS
from .selectors.quiz_pages import quiz_console, quiz_round, quiz_show_page, quiz_teams

# What the pages poll: twice a second.
POLL_MS = 500
# Buzz gaps under this many milliseconds are marked 近同时 (the state's `near` decides; shown in the guide).
NEAR_MS = 30


def _phases():
    return {value: str(label) for value, label in QuizPhase.choices}


def _team_link(request, show):
    return request.build_absolute_uri(reverse("competitions:quiz_team", args=[show.pk]))


@login_required
@require_http_methods(["GET", "POST"])
@throttled_session_renewal
def host_console(request, round_id):
    """GET: the console (or, before the show exists, the page that starts it). POST: start
    the show (join codes for the teams; the round opens), then back to the console."""
    if not selectors.is_organiser(request.user):
        raise PermissionDenied
    rnd = quiz_round(round_id)
    if rnd is None:
        raise Http404
    if request.method == "POST":
        try:
            services.quiz_show_start(round=rnd, user=request.user)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        return redirect("competitions:quiz_host", rnd.pk)
    show = selectors.quiz_show_for_round(rnd.pk)
    if show is None:
        return render(request, "competitions/quiz/host_start.html", {"round": rnd})
    console = quiz_console(show)
    team_link = _team_link(request, show)
    screen_link = request.build_absolute_uri(reverse("competitions:quiz_screen", args=[show.pk, show.screen_token]))
    config = {
        "state": reverse("competitions:quiz_host_state", args=[show.pk]),
        "actions": {action: reverse("competitions:quiz_host_action", args=[show.pk, action])
                    for action in HOST_ACTIONS},
        "poll_ms": POLL_MS,
        "phases": _phases(),
    }
    return render(request, "competitions/quiz/host.html", {
        "round": rnd, "show": show, "console": console, "config": config, "team_link": team_link,
        "team_qr": qr_svg(team_link, scale=3, light="#ffffff"), "screen_link": screen_link, "near_ms": NEAR_MS,
    })


@require_http_methods(["GET"])
def screen(request, show_id, token):
    """The big screen: full screen, dark, read from the hall. A reload finds the show as it is."""
    show = quiz_show_page(show_id)
    if show is None or not secrets.compare_digest(show.screen_token, str(token)):
        raise Http404
    team_link = _team_link(request, show)
    config = {
        "state": reverse("competitions:quiz_screen_state", args=[show.pk, show.screen_token]),
        "poll_ms": POLL_MS,
    }
    return render(request, "competitions/quiz/screen.html", {
        "show": show, "round": show.round, "teams": quiz_teams(show), "config": config, "team_link": team_link,
        "team_qr": qr_svg(team_link, scale=6, dark="#000000", light="#ffffff", border=4),
    })


@require_http_methods(["GET", "POST"])
def team(request, show_id):
    """A team's device. POST `code`: join the show for the code's team (kept in this browser's
    session; a second device of the team joins with the same code). GET: the join form, or,
    once joined, the buzzer, the stake choice and the team's score."""
    show = quiz_show_page(show_id)
    if show is None:
        raise Http404
    error = ""
    code = request.GET.get("code", "")
    if request.method == "POST":
        code = request.POST.get("code", "")
        entry_id = selectors.quiz_team_entry(show_id=show.pk, code=code)
        if entry_id is not None:
            teams = dict(request.session.get(SESSION_TEAMS) or {})
            teams[str(show.pk)] = entry_id
            request.session[SESSION_TEAMS] = teams
            return redirect("competitions:quiz_team", show.pk)
        error = _("No team of this show has this join code.") if str(code).strip() else _("Enter your team's join code.")
    joined = (request.session.get(SESSION_TEAMS) or {}).get(str(show.pk))
    config = {
        "state": reverse("competitions:quiz_team_state", args=[show.pk]),
        "join": reverse("competitions:quiz_join", args=[show.pk]),
        "buzz": reverse("competitions:quiz_buzz", args=[show.pk]),
        "stake": reverse("competitions:quiz_stake", args=[show.pk]),
        "show": show.pk,
        "poll_ms": POLL_MS,
        "joined": joined is not None,
    }
    return render(request, "competitions/quiz/team.html", {
        "show": show, "round": show.round, "joined": joined is not None, "code": str(code)[:12].upper(),
        "error": error, "config": config,
    }, status=400 if error else 200)
