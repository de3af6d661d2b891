"""Background tasks of the learning app (Django Tasks API): notices and e-mail for new
assignments and before due dates, and keeping assignments in step with the directory.

Thin: they read with courses.selectors and write with home.services / courses.services.
Each is idempotent (a notice names its event in `key`), so a task that runs twice, or a
cron job that runs every hour, never tells anyone twice.
"""

import datetime

from django.utils import timezone
from django.utils.translation import gettext as _
from django_tasks import task
from wagtail.models import Page

from home.services import notices_send

from . import selectors, services
from .models import ItemKind

REMINDER_DAYS = 3


def _page_urls(page_ids):
    """{page_id: site-relative URL} in one query (plus the cached site root paths)."""
    return {page.pk: page.get_url() or "" for page in Page.objects.filter(pk__in=set(page_ids))}


def _kind_label(kind):
    return ItemKind(kind).label


@task()
def notify_new_assignment(assignment_id):
    """Tell the assignment's recipients who have not been told yet (notice + e-mail).
    Returns how many were told now."""
    from .models import Assignment

    assignment = Assignment.objects.select_related("page").filter(pk=assignment_id, active=True).first()
    if assignment is None or not assignment.page.live:
        return 0
    rows = selectors.new_assignment_rows(assignment_id=assignment.pk)
    if assignment.kind == ItemKind.POLICY:
        title = _("Policy update to acknowledge: %(title)s") % {"title": assignment.page.title}
        body = _("Read the policy update, answer its check and acknowledge it by %(due)s.")
    else:
        title = _("New learning task: %(title)s") % {"title": assignment.page.title}
        body = _("%(kind)s assigned to you. Please complete it by %(due)s.")
    body = body % {"kind": _kind_label(assignment.kind), "due": f"{assignment.due_date:%Y-%m-%d}"}
    told = notices_send(
        key=f"learning:assignment:{assignment.pk}",
        recipients=[(row["staff__user_id"], row["staff__user__email"]) for row in rows],
        title=title,
        body=body,
        url=assignment.page.get_url() or "",
    )
    return len(told)


@task()
def send_due_reminders(days=REMINDER_DAYS):
    """Remind everyone whose assigned item is due within `days` days and not done yet, once
    per assignment. Returns how many reminders went out."""
    today = timezone.localdate()
    rows = selectors.reminder_rows(start=today, end=today + datetime.timedelta(days=int(days)))
    urls = _page_urls(row["assignment__page_id"] for row in rows)
    by_assignment = {}
    for row in rows:
        by_assignment.setdefault(row["assignment_id"], []).append(row)
    sent = 0
    for assignment_id, group in by_assignment.items():
        first = group[0]
        due = first["assignment__due_date"]
        left = (due - today).days
        title = _("Due soon: %(title)s") % {"title": first["assignment__page__title"]}
        if left == 0:
            body = _("%(kind)s “%(title)s” is due today (%(due)s).")
        else:
            body = _("%(kind)s “%(title)s” is due on %(due)s, in %(days)s days.")
        body = body % {
            "kind": _kind_label(first["assignment__kind"]),
            "title": first["assignment__page__title"],
            "due": f"{due:%Y-%m-%d}",
            "days": left,
        }
        told = notices_send(
            key=f"learning:reminder:{assignment_id}",
            recipients=[(row["staff__user_id"], row["staff__user__email"]) for row in group],
            title=title,
            body=body,
            url=urls.get(first["assignment__page_id"], ""),
        )
        sent += len(told)
    return sent


@task()
def sync_assignments():
    """New hires and transfers get the open assignments whose audience they now match (and,
    through services.assignment_sync_recipients, their notice). Returns how many were added."""
    return services.assignments_sync_all()
