import time

from csp.constants import SELF
from django.conf import settings
from django.contrib.sessions.middleware import SessionMiddleware
from django.urls import Resolver404, resolve
from django.utils import translation
from django.utils.cache import patch_vary_headers

ADMIN_PREFIX = "/admin/"


class AdminSecurityPolicyMiddleware:
    """The Wagtail admin's exceptions to the site's strict headers, there and only there.

    The admin runs inline scripts and shows page previews in a same-origin frame; the
    public site and the staff portal keep scripts from our origin or with the request's
    nonce, and may not be framed at all. Sits below CSPMiddleware and
    XFrameOptionsMiddleware so that it handles the response before them.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if request.path.startswith(ADMIN_PREFIX):
            response._csp_replace = {"script-src": [SELF, "'unsafe-inline'"], "frame-ancestors": [SELF]}
            response.headers.setdefault("X-Frame-Options", "SAMEORIGIN")
        return response


class ChosenLanguageMiddleware:
    """Simplified Chinese unless the user chose another language (language cookie).

    Unlike Django's LocaleMiddleware this ignores the browser's Accept-Language: a
    service hall's shared PCs often run English browsers, and the product's default is
    zh-hans. Wagtail's admin applies each user's own admin language on top of this.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        language = chosen if chosen in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", language)
        return response


# --- session renewal ------------------------------------------------------------------

# When the session was last written, in the session itself (seconds since the epoch).
SESSION_RENEWED_KEY = "_renewed_at"
# A throttled view rewrites the session only when its last write is older than this.
SESSION_RENEWAL_INTERVAL = 5 * 60


def throttled_session_renewal(view):
    """Mark a view whose requests renew the session at most every SESSION_RENEWAL_INTERVAL
    (see SessionRenewalMiddleware): for frequent background requests such as an exam's
    autosave, which would otherwise write the session row on every call."""
    view.throttled_session_renewal = True
    return view


class SessionRenewalMiddleware(SessionMiddleware):
    """Django's SessionMiddleware (SESSION_SAVE_EVERY_REQUEST: every request renews the
    30-minute idle timeout), except for views marked with @throttled_session_renewal: those
    renew an unmodified session only when it was last written more than
    SESSION_RENEWAL_INTERVAL ago. Such requests still count as activity, at that granularity:
    an idle session ends 25 to 30 minutes after its last request, never later than 30.
    """

    def process_view(self, request, view_func, view_args, view_kwargs):
        if getattr(view_func, "throttled_session_renewal", False):
            request.throttled_session_renewal = True

    def process_response(self, request, response):
        session = getattr(request, "session", None)
        if session is None:
            return response
        if getattr(request, "throttled_session_renewal", False) and not session.modified and session.accessed:
            renewed = session.get(SESSION_RENEWED_KEY)
            if isinstance(renewed, (int, float)) and 0 <= time.time() - renewed < SESSION_RENEWAL_INTERVAL:
                patch_vary_headers(response, ("Cookie",))
                return response
        if (session.modified or settings.SESSION_SAVE_EVERY_REQUEST) and response.status_code < 500 and not session.is_empty():
            # The parent class saves the session now: note when.
            session[SESSION_RENEWED_KEY] = int(time.time())
        return super().process_response(request, response)


# --- early answers ----------------------------------------------------------------------

def answers_early(check):
    """Mark a view whose `check(request, **url kwargs)` may answer a GET with a query string
    before the session, language, CSRF, authentication, messages and content-policy middleware
    run (EarlyAnswerMiddleware); `check` returns a response or None (then the request goes the
    usual way). For polls whose "nothing changed" answer is a body-less 304 that needs none of
    them: the quiz show's screens and devices (competitions.quiz_views)."""

    def mark(view):
        view.early_answer = check
        return view

    return mark


class EarlyAnswerMiddleware:
    """Lets a view marked @answers_early answer before the rest of the middleware: a quiz show's
    unchanged poll then costs gunicorn about 1.5 ms of CPU instead of 2.0 ms (bench/
    bench_quiz_poll.py --without-early-answer). Sits after SecurityMiddleware (HTTPS redirect,
    its headers) and WhiteNoise. Only GETs with a query string pay for the extra URL resolution.
    Such answers are counted by Prometheus's request totals, not in its per-view figures (the
    after-middleware is skipped)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.method == "GET" and request.META.get("QUERY_STRING"):
            try:
                match = resolve(request.path_info, getattr(request, "urlconf", None))
            except Resolver404:
                match = None
            check = getattr(match.func, "early_answer", None) if match is not None else None
            if check is not None:
                response = check(request, *match.args, **match.kwargs)
                if response is not None:
                    return response
        return self.get_response(request)
