"""Login by 工号 or username in any letter case, and the login lockout's IP-wide limit.

- `StaffNumberBackend` finds the account whatever the case typed ("cd1001" logs in CD1001),
  so a case slip is no failed login counting toward the lockout.
- `axes_username` (AXES_USERNAME_CALLABLE) counts failures under the account's stored
  username whatever the case typed: varying the case does not reset the per-account count,
  and `axes_reset_username CD1001` unlocks it.
- `FrontlineAxesHandler` (AXES_HANDLER) adds an IP-wide limit to django-axes' per-account
  one: password spraying (a few guesses at each of many accounts from one address) locks
  that address once its failures in the cool-off window reach AXES_IP_FAILURE_LIMIT,
  which is well above the per-account limit (an office behind one NAT shares an address).
  The address is axes' own, read through the trusted-proxy setting.
"""

from axes.attempts import get_cool_off_threshold
from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_failure_limit
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.db.models import Sum


def find_login_user(username):
    """The active or inactive account a login name means: the exact username, else the only
    one equal to it ignoring case. None when there is none (or several differ only by case
    and none matches exactly)."""
    if not username:
        return None
    users = get_user_model()._default_manager
    field = get_user_model().USERNAME_FIELD
    exact = users.filter(**{field: username}).first()
    if exact is not None:
        return exact
    matches = list(users.filter(**{f"{field}__iexact": username})[:2])
    return matches[0] if len(matches) == 1 else None


class StaffNumberBackend(ModelBackend):
    """Django's ModelBackend, with the username matched regardless of letter case."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if username is None:
            username = kwargs.get(get_user_model().USERNAME_FIELD)
        if username is None or password is None:
            return None
        user = find_login_user(username.strip())
        if user is None:
            # Run the hasher once anyway, so an unknown name takes as long as a known one.
            get_user_model()().set_password(password)
            return None
        if user.check_password(password) and self.user_can_authenticate(user):
            return user
        return None


def axes_username(request, credentials=None):
    """The name axes counts failures under: the account's stored username when the typed
    name matches one ignoring case, else the typed name in lower case."""
    typed = (credentials or {}).get("username")
    if typed is None and request is not None:
        typed = request.POST.get("username")
    typed = (typed or "").strip()
    if not typed:
        return typed
    cache = getattr(request, "_frontline_axes_usernames", None) if request is not None else None
    if cache is not None and typed in cache:
        return cache[typed]
    user = find_login_user(typed)
    name = user.get_username() if user is not None else typed.lower()
    if request is not None:
        if cache is None:
            cache = {}
            try:
                request._frontline_axes_usernames = cache
            except AttributeError:  # pragma: no cover - an immutable request stand-in
                return name
        cache[typed] = name
    return name


class FrontlineAxesHandler(AxesDatabaseHandler):
    """axes' database handler plus an IP-wide failure limit (see the module docstring)."""

    def ip_failures(self, request):
        ip_address = getattr(request, "axes_ip_address", None)
        if not ip_address:
            return 0
        attempts = AccessAttempt.objects.filter(ip_address=ip_address)
        if settings.AXES_COOLOFF_TIME is not None:
            attempts = attempts.filter(attempt_time__gte=get_cool_off_threshold(request))
        return attempts.aggregate(total=Sum("failures_since_start"))["total"] or 0

    def get_failures(self, request, credentials=None):
        failures = super().get_failures(request, credentials)
        limit = get_failure_limit(request, credentials)
        ip_limit = getattr(settings, "AXES_IP_FAILURE_LIMIT", None)
        if ip_limit and failures < limit and self.ip_failures(request) >= ip_limit:
            return limit  # the address is locked: every account from it, for the cool-off time
        return failures
