"""`{% load privacy %}`: personal data shown in full only to the roles allowed to see it."""

from django import template

from people.privacy import can_see_personal_data, mask_middle

register = template.Library()


@register.simple_tag(takes_context=True)
def personal(context, value):
    """Show a phone or ID number in full only to a role allowed to see it."""
    request = context.get("request")
    user = getattr(request, "user", None)
    return value if can_see_personal_data(user) else mask_middle(value)
