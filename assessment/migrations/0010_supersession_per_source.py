"""Supersession per (source, ticket): recompute every rating's `superseded` flag.

Until now a rating superseded the ratings of the same ticket from EVERY source, so a rating
from the public QR page (or another feed) could erase a feed's rating. From now on a rating
only supersedes ratings of the same ticket from the same source, and the QR page keeps no
ticket key: what citizens typed there moves to `citizen_ticket_no` (information only).

Set-based: the QR page's ratings are moved with one UPDATE, then only the tickets that have
more than one rating of one source (few) are read and decided.
"""

from django.db import migrations
from django.db.models import Count, F

QR_KIND = "qr"
CHUNK = 500


def _superseded_ids(ratings):
    # A frozen copy of assessment.rating_rules.superseded_ids (migrations do not import app code).
    best = {}
    for rating_id, source_id, ticket_no, assess_number in ratings:
        if not ticket_no:
            continue
        ticket, key = (source_id, ticket_no), (assess_number, rating_id)
        if ticket not in best or key > best[ticket]:
            best[ticket] = key
    return {
        rating_id
        for rating_id, source_id, ticket_no, assess_number in ratings
        if ticket_no and best[(source_id, ticket_no)] != (assess_number, rating_id)
    }


def _chunks(items, size=CHUNK):
    items = list(items)
    for i in range(0, len(items), size):
        yield items[i : i + size]


def recompute(apps, schema_editor):
    Rating = apps.get_model("assessment", "Rating")
    qr = Rating.objects.filter(source__kind=QR_KIND).exclude(ticket_no="")
    qr.update(citizen_ticket_no=F("ticket_no"), ticket_no="")
    # Which (source, ticket) pairs have more than one rating: only those can hold a superseded one.
    groups = (
        Rating.objects.exclude(ticket_no="")
        .order_by()
        .values("source_id", "ticket_no")
        .annotate(n=Count("id"))
        .filter(n__gt=1)
        .values_list("source_id", "ticket_no")
    )
    by_source = {}
    for source_id, ticket_no in groups:
        by_source.setdefault(source_id, []).append(ticket_no)
    superseded = set()
    for source_id, tickets in by_source.items():
        for chunk in _chunks(tickets):
            rows = list(
                Rating.objects.filter(source_id=source_id, ticket_no__in=chunk)
                .order_by()
                .values_list("id", "source_id", "ticket_no", "assess_number")
            )
            superseded |= _superseded_ids(rows)
    flagged = set(Rating.objects.filter(superseded=True).values_list("id", flat=True))
    for ids, flag in ((flagged - superseded, False), (superseded - flagged, True)):
        for chunk in _chunks(ids):
            Rating.objects.filter(pk__in=chunk).update(superseded=flag)


class Migration(migrations.Migration):

    dependencies = [
        ("assessment", "0009_rating_suspicion_and_citizen_ticket"),
    ]

    operations = [
        migrations.RunPython(recompute, migrations.RunPython.noop),
    ]
