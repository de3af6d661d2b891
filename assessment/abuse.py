"""Abuse limits of the public rating page, kept as counters in the cache.

Generous on purpose: a service hall's citizens often share one public IP (the hall's Wi-Fi),
so the per-IP limit only stops floods; the per-device limits stop one phone from rating a
window over and over. A single real rating never meets a limit that is not already full.
"""

from django.core.cache import cache

LIMITS = (
    # (scope, max ratings, seconds)
    ("device-window", 2, 10 * 60),
    ("device", 10, 60 * 60),
    ("ip", 120, 10 * 60),
)


def _keys(window_code, device, ip):
    return {
        "device-window": f"rate:dw:{device}:{window_code}",
        "device": f"rate:d:{device}",
        "ip": f"rate:ip:{ip}",
    }


def limit_reached(*, window_code, device, ip):
    keys = _keys(window_code, device, ip)
    counts = cache.get_many(list(keys.values()))
    return any(counts.get(keys[scope], 0) >= maximum for scope, maximum, _s in LIMITS)


def record(*, window_code, device, ip):
    keys = _keys(window_code, device, ip)
    for scope, _maximum, seconds in LIMITS:
        key = keys[scope]
        if cache.add(key, 1, seconds):
            continue
        try:
            cache.incr(key)
        except ValueError:  # expired in between
            cache.add(key, 1, seconds)
