"""The client's network address, read through ONE trusted-proxy setting.

django-axes (login lockout) and the public rating page's limits both read the address here:
axes through ``AXES_CLIENT_IP_CALLABLE``, everything else through ``client_ip(request)``.
The settings are axes's own:

- ``AXES_IPWARE_META_PRECEDENCE_ORDER``: where to look, in order (``REMOTE_ADDR`` alone in
  development; ``HTTP_X_FORWARDED_FOR`` then ``REMOTE_ADDR`` in production);
- ``AXES_IPWARE_PROXY_COUNT``: how many reverse proxies we run in front of Django (production:
  ``DJANGO_PROXY_COUNT``, default 1 for one nginx). Each proxy appends the address it received
  the request from to X-Forwarded-For (nginx: ``$proxy_add_x_forwarded_for``), so the client
  is the N-th address from the RIGHT. Whatever stands to its left was written by the client
  and is never trusted: a forged X-Forwarded-For changes nothing. With no proxy (0) the header
  is ignored and the address is REMOTE_ADDR.
"""

import ipaddress

from django.conf import settings

REMOTE_ADDR = "REMOTE_ADDR"


def _address(text):
    """A normalised IP address from a header entry (ports and IPv6 brackets stripped), or None."""
    text = (text or "").strip().strip('"')
    if not text:
        return None
    if text.startswith("["):  # [2001:db8::1]:443
        text = text[1:].split("]", 1)[0]
    elif text.count(":") == 1:  # 203.0.113.7:5123
        text = text.split(":", 1)[0]
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        address = address.ipv4_mapped
    return str(address)


def client_ip(request):
    """The client's IP address as text, or None when nothing trustworthy is known."""
    meta = request.META
    proxies = getattr(settings, "AXES_IPWARE_PROXY_COUNT", None) or 0
    order = getattr(settings, "AXES_IPWARE_META_PRECEDENCE_ORDER", None) or (REMOTE_ADDR,)
    for header in order:
        if header == REMOTE_ADDR:
            address = _address(meta.get(REMOTE_ADDR))
        else:
            if proxies < 1:
                continue  # no proxy of ours writes this header: the client could have
            entries = [e for e in (meta.get(header) or "").split(",") if e.strip()]
            if not entries:
                continue
            # The entry our outermost proxy appended; with fewer entries than proxies (a hop
            # that did not append) the leftmost one, which one of our proxies wrote.
            address = _address(entries[-proxies] if len(entries) >= proxies else entries[0])
        if address:
            return address
    return None


def network_of(address, *, ipv4_prefix=24, ipv6_prefix=64):
    """The network an address belongs to for "same network" limits: /24 for IPv4, /64 for IPv6
    (one household, office or mobile subscriber). Text; "" for no address."""
    if not address:
        return ""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return ""
    prefix = ipv4_prefix if ip.version == 4 else ipv6_prefix
    return str(ipaddress.ip_network(f"{ip}/{prefix}", strict=False))
