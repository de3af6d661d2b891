from csp.constants import SELF
from django.conf import settings
from django.utils import translation

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
