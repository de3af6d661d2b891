"""The dated history of a person's centre and pay base: moves and pay base changes."""

from django.utils import timezone

from home.db import BATCH_SIZE

from .. import selectors
from ..models import HISTORY_START, CentreMove, StaffPayBase, StaffProfile


def pay_base_changes_record(*, changes, histories=None, user=None):
    """Record pay base changes [(profile, effective_from, amount)] in the dated history.

    A change on a day that already has an entry corrects it; a person without any entry
    first gets one for their current base from their hire date (so earlier months keep
    it). Returns {staff id: newest amount}: what the profile shows. A fixed number of
    queries, whatever the number of changes."""
    if not changes:
        return {}
    if histories is None:
        histories = selectors.pay_base_histories([profile.pk for profile, _d, _a in changes])
    to_create, to_update, newest = [], [], {}
    corrections = {}
    for profile, effective, amount in changes:
        history = dict(histories.get(profile.pk, []))
        if not history:
            start = profile.hire_date or HISTORY_START
            if effective > start:
                history[start] = profile.pay_base
                to_create.append(StaffPayBase(staff_id=profile.pk, effective_from=start, amount=profile.pay_base, recorded_by=user))
            else:
                effective = start
        if effective in history:
            corrections[(profile.pk, effective)] = amount
        else:
            to_create.append(StaffPayBase(staff_id=profile.pk, effective_from=effective, amount=amount, recorded_by=user))
        history[effective] = amount
        newest[profile.pk] = history[max(history)]
    if corrections:
        existing = StaffPayBase.objects.filter(
            staff_id__in={pk for pk, _d in corrections}, effective_from__in={d for _pk, d in corrections}
        )
        for entry in existing:
            if (entry.staff_id, entry.effective_from) in corrections:
                entry.amount = corrections[(entry.staff_id, entry.effective_from)]
                entry.recorded_by = user
                to_update.append(entry)
        StaffPayBase.objects.bulk_update(to_update, ["amount", "recorded_by"], batch_size=BATCH_SIZE)
    StaffPayBase.objects.bulk_create(to_create, batch_size=BATCH_SIZE)
    return newest


def dated_centre_moves_record(*, moves, histories=None, user=None):
    """Record centre moves [(staff id, from centre id, to centre id, first day)]: a move on
    a day that already has one corrects its destination (or removes it when the person
    stays where they were)."""
    if not moves:
        return
    if histories is None:
        histories = selectors.centre_move_histories([staff_id for staff_id, *_rest in moves])
    new = []
    for staff_id, old, new_centre, moved_on in moves:
        same_day = [m for m in histories.get(staff_id, []) if m.moved_on == moved_on]
        if same_day:
            move = same_day[-1]
            if move.from_centre_id == new_centre:
                move.delete()
            else:
                move.to_centre_id = new_centre
                move.recorded_by = user
                move.save(update_fields=["to_centre", "recorded_by"])
        elif old != new_centre:
            new.append((staff_id, old, new_centre, moved_on))
    CentreMove.objects.bulk_create(
        [
            CentreMove(staff_id=s, from_centre_id=o, to_centre_id=n, moved_on=d, recorded_by=user)
            for s, o, n, d in new
        ],
        batch_size=BATCH_SIZE,
    )


def centre_moves_record(*, moves, moved_on=None, user=None):
    """Record centre moves [(staff id, from centre id, to centre id)], effective `moved_on`
    (default: today in the local time zone). One bulk insert."""
    moved_on = moved_on or timezone.localdate()
    CentreMove.objects.bulk_create(
        [
            CentreMove(staff_id=staff_id, from_centre_id=old, to_centre_id=new, moved_on=moved_on, recorded_by=user)
            for staff_id, old, new in moves
            if old != new
        ],
        batch_size=BATCH_SIZE,
    )


def pay_base_profile_sync(*, staff_id):
    """The profile's pay base = its newest dated entry (after HR corrects the history)."""
    newest = StaffPayBase.objects.filter(staff_id=staff_id).order_by("-effective_from").values("amount")[:1]
    amount = newest[0]["amount"] if newest else None
    if amount is not None:
        StaffProfile.objects.filter(pk=staff_id).update(pay_base=amount, updated_at=timezone.now())
