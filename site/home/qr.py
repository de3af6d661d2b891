"""QR codes and masked names for printed links: certificates, activation cards, rating pages."""

import secrets

import segno
from django.utils.safestring import mark_safe


def qr_svg(data, *, scale=4, **options):
    """An inline SVG of a QR code for ``data`` (options as segno's ``svg_inline``)."""
    # segno writes only path data and sizes into the SVG, never the encoded text as markup.
    return mark_safe(segno.make(data, error="m").svg_inline(scale=scale, **options))  # noqa: S308


# Printed codes are read aloud and typed from paper: no 0/O, 1/I.
VERIFICATION_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"


def verification_code(length=12):
    """A random code for a printed certificate (32^12 ≈ 10^18: not guessable)."""
    return "".join(secrets.choice(VERIFICATION_ALPHABET) for _ in range(length))


def mask_name(name):
    """A name on a public page: the surname and one * per other character (张晓梅 → 张**)."""
    name = (name or "").strip()
    return name[:1] + "*" * (len(name) - 1) if name else ""
