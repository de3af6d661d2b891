"""Staff members' login accounts and their profiles as the admin edits them."""

from types import SimpleNamespace

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import transaction
from django.utils import timezone

from .. import roles
from ..models import StaffPayBase
from .history import centre_moves_record, pay_base_changes_record


def staff_account_create(*, staff_no, name, active=True):
    """The login account of a new staff member: username = 工号, in 窗口人员, and no usable
    password (the first one is set through a one-time activation link from HR)."""
    account = get_user_model()(username=staff_no, first_name=name, is_active=active)
    account.set_unusable_password()
    account.full_clean(exclude=["password"])
    account.save()
    account.groups.add(Group.objects.get(name=roles.STAFF))
    return account



def user_sessions_end(*, user):
    """End every session of `user` (after a password reset): their session rows are deleted,
    so a stolen or forgotten login elsewhere is logged out. Reads the live sessions once;
    sessions last 30 idle minutes, so they are few. Returns how many were ended."""
    from importlib import import_module

    from django.conf import settings
    from django.contrib.sessions.models import Session

    store = import_module(settings.SESSION_ENGINE).SessionStore
    wanted = str(user.pk)
    ended = 0
    for session in Session.objects.filter(expire_date__gt=timezone.now()).iterator():
        try:
            data = session.get_decoded()
        except Exception:  # noqa: BLE001 - a corrupt row is simply not this user's
            continue
        if str(data.get("_auth_user_id")) == wanted:
            store(session_key=session.session_key).delete()
            ended += 1
    return ended


def _account_sync(profile):
    """The profile's login account, created (named after the 工号) when it has none; an
    existing account only follows the active flag (usernames such as the demo `staff`
    stay as they are)."""
    if profile.user_id is None:
        profile.user = staff_account_create(staff_no=profile.staff_no, name=profile.name, active=profile.active)
        return
    user = profile.user
    if user.is_active != profile.active:
        user.is_active = profile.active
        user.save(update_fields=["is_active"])


@transaction.atomic
def staff_profile_save(*, profile, effective_from=None, previous_centre_id=None, previous_pay_base=None, user=None):
    """Save a staff profile as edited in the admin, with its login account and dated history.

    A new profile gets an account without a usable password and the first entry of its pay
    base history. A change of centre (`previous_centre_id`) or pay base (`previous_pay_base`)
    applies from `effective_from` (default today, never before the hire date), so earlier
    months keep their centre and base."""
    is_new = profile.pk is None
    _account_sync(profile)
    effective = effective_from or timezone.localdate()
    if profile.hire_date and effective < profile.hire_date:
        effective = profile.hire_date
    if not is_new and previous_pay_base is not None:
        before = SimpleNamespace(pk=profile.pk, hire_date=profile.hire_date, pay_base=previous_pay_base)
        newest = pay_base_changes_record(changes=[(before, effective, profile.pay_base)], user=user)
        profile.pay_base = newest.get(profile.pk, profile.pay_base)
    profile.save()
    if is_new:
        StaffPayBase.objects.create(
            staff=profile, effective_from=profile.hire_date or effective, amount=profile.pay_base, recorded_by=user
        )
    elif previous_centre_id is not None:
        centre_moves_record(moves=[(profile.pk, previous_centre_id, profile.centre_id)], moved_on=effective, user=user)
    return profile
