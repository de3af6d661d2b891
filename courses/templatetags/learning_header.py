"""The learning links in the site header (base.html): 我的学习 with the number of policy
updates waiting for acknowledgement, and 通知 with the number of unread notices.

    {% load learning_header %}{% learning_header_links %}

The counts come from courses.context_processors.header_counts (lazy, one query each)."""

from django import template

register = template.Library()


@register.inclusion_tag("courses/includes/header_links.html", takes_context=True)
def learning_header_links(context):
    return {"counts": context.get("header_counts")}
