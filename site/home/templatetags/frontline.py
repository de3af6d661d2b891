import datetime

from django import template
from django.contrib.auth.base_user import AbstractBaseUser
from django.utils import formats, timezone
from django.utils.translation import gettext

from home.charts import plotly_js_url, render_figure

register = template.Library()


@register.simple_tag(takes_context=True)
def plotly_figure(context, figure, div_id=None, height=None):
    request = context.get("request")
    nonce = getattr(request, "csp_nonce", None) if request is not None else None
    return render_figure(figure, div_id=div_id, height=height, nonce=str(nonce) if nonce is not None else None)


@register.simple_tag
def plotly_js():
    return plotly_js_url()


@register.filter
def person_name(user):
    """A person's name the Chinese way: the staff profile's name, else family name first."""
    if user is None:
        return "—"
    profile = getattr(user, "staff_profile", None) if user.is_authenticated else None
    if profile is not None:
        return profile.name
    full = f"{user.last_name}{user.first_name}".strip()
    return full or user.get_username()


@register.filter
def admin_display(value):
    """A field's value as people read it on an inspect page or in a listing cell: a moment in
    local time (Django's |localize formats it but leaves it in UTC), 是/否 for booleans, a
    person's name rather than their username, a dash for nothing."""
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return gettext("Yes") if value else gettext("No")
    if isinstance(value, AbstractBaseUser):
        # The account's own name (a staff account's is its profile's), with no query per row.
        return f"{value.last_name}{value.first_name}".strip() or value.get_username()
    if isinstance(value, datetime.datetime) and timezone.is_aware(value):
        value = timezone.localtime(value)
    return formats.localize(value, use_l10n=True)


@register.filter
def or_dash(value):
    """A figure, or a dash when there is none. Unlike |default:"—" it keeps a zero: a 0 %
    bad-review rate or a facility of 0 is a result, not a missing value."""
    if value is None or value == "":
        return "—"
    return value
