"""Abuse limits of the public rating page, and 可疑 (suspicious) bursts of bad ratings.

Counters live in the Django cache, shared by every worker (Redis in production, or the
database cache; settings.production), and are increments of one key each (atomic in Redis).
The client's address is read by home.client_address through the trusted-proxy setting that
django-axes uses too, so a forged X-Forwarded-For neither evades a limit nor lets one client's
burst answer 429 to everybody behind the same proxy. The device cookie is only an extra
signal: a client that drops it still meets the per-address limits.

Generous on purpose: a service hall's citizens often share one public IP (the hall's Wi-Fi),
so the per-address limits only stop floods, and a single real rating never meets a limit that
is not already full. The numbers are settings: RATE_PAGE_LIMITS, RATING_BURST_COUNT and
RATING_BURST_SECONDS. Keys hold keyed hashes, never a citizen's address.
"""

import hashlib
import hmac
import logging
import time

from django.conf import settings
from django.core.cache import cache

from home.client_address import network_of

log = logging.getLogger(__name__)

UNKNOWN = "unknown"
_now = time.time  # the clock of the burst window (tests move it)


def _tag(*parts):
    """A keyed hash of the parts: cache keys name no address (and fit any cache backend)."""
    text = "\x1f".join(str(p) for p in parts)
    return hmac.new(settings.SECRET_KEY.encode(), text.encode(), hashlib.sha256).hexdigest()[:24]


def _incr(key, seconds):
    """Add one to the counter `key` (made with a lifetime of `seconds`); its new value."""
    if cache.add(key, 1, seconds):
        return 1
    try:
        return cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.add(key, 1, seconds)
        return 1


def _keys(*, window_code, device, ip):
    ip = ip or UNKNOWN
    keys = {"ip": f"rate:ip:{_tag(ip)}", "ip-window": f"rate:iw:{_tag(ip, window_code)}"}
    if device:
        keys["device"] = f"rate:d:{_tag(device)}"
        keys["device-window"] = f"rate:dw:{_tag(device, window_code)}"
    return keys


def admit(*, window_code, device, ip):
    """Count one rating about to be left and say whether it may be: False once any limit
    (per address, per address and window, per device, per device and window) is exceeded.
    Counting first and comparing after keeps the limits exact however many workers answer."""
    limits = settings.RATE_PAGE_LIMITS
    over = False
    try:
        for scope, key in _keys(window_code=window_code, device=device, ip=ip).items():
            maximum, seconds = limits[scope]
            if _incr(key, seconds) > maximum:
                over = True
    except Exception:  # noqa: BLE001 - the cache is down: a citizen's rating is still taken
        log.exception("rating page: the limit counters are unavailable")
        return True
    return not over


def bad_rating_burst(*, subject, ip, rating_id):
    """Note one bad rating (`rating_id`) about `subject` (a staff member, or a window when no
    one was named) from the network of `ip` (/24, /64). When that network has now sent
    RATING_BURST_COUNT or more bad ratings about the subject within RATING_BURST_SECONDS,
    return the ids of those ratings (this one included): they are 可疑. Else []."""
    count, seconds = settings.RATING_BURST_COUNT, settings.RATING_BURST_SECONDS
    key = f"rate:bad:{_tag(subject, network_of(ip) or UNKNOWN)}"
    now = _now()
    try:
        # Each bad rating takes the next slot of the network's counter (atomic), and the
        # slot remembers which rating and when: the last `count` slots tell whether they
        # all fall within the window (a sliding window, whatever the workers).
        n = _incr(key, seconds)
        cache.touch(key, seconds)
        cache.set(f"{key}:{n}", (rating_id, now), seconds)
        if n < count:
            return []
        slots = cache.get_many([f"{key}:{i}" for i in range(n - count + 1, n + 1)])
    except Exception:  # noqa: BLE001
        log.exception("rating page: the burst counters are unavailable")
        return []
    recent = [rid for rid, at in slots.values() if now - at <= seconds]
    return recent if len(recent) >= count else []
