"""Writes to the organisation directory."""

import secrets

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import UNUSABLE_PASSWORD_PREFIX
from django.contrib.auth.models import Group
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from home.imports import ImportResult, RowCleaner, RowError, duplicate_key_errors
from home.spreadsheets import cell_text

from . import roles
from .models import CentreMove, Post, ServiceCentre, StaffProfile, VendorCompany, Window
from .resources import (
    CENTRE,
    POST,
    REQUIRED_HEADERS,
    ROSTER_HEADERS,
    STAFF_NO,
    VENDOR,
    WINDOW_CODE,
    WINDOW_NAME,
    StaffResource,
)
from .signals import staff_roster_imported

BATCH_SIZE = 1000
PREVIEW_ROWS = 200
# Plain profile fields the roster sets; foreign keys are compared by id separately.
ROSTER_SCALAR_FIELDS = ("name", "phone", "id_number", "hire_date", "pay_base")
ROSTER_FK_FIELDS = ("centre", "window", "vendor", "post")


def staff_account_create(*, staff_no, name, active=True):
    """The login account of a new staff member: username = 工号, in 窗口人员, and no usable
    password (the first one is set through a one-time activation link from HR)."""
    account = get_user_model()(username=staff_no, first_name=name, is_active=active)
    account.set_unusable_password()
    account.full_clean(exclude=["password"])
    account.save()
    account.groups.add(Group.objects.get(name=roles.STAFF))
    return account


def staff_roster_import(table, *, dry_run, user=None):
    """Import a staff roster (人员名册) table: all rows or none, idempotent on 工号.

    New staff get an account (username = 工号) with no usable password; HR hands
    them a one-time activation link. Unknown centres, windows, vendors and posts are
    created and listed in the result before anything is written.
    """
    result = ImportResult(total=len(table), dry_run=dry_run)
    cleaner = RowCleaner(StaffResource(), required_columns=REQUIRED_HEADERS)
    for column in cleaner.missing_columns(table):
        result.errors.append(RowError(table.header_row, column, _("This column is missing.")))
    if result.errors:
        return result

    rows = []
    for row_number, raw in table.rows:
        values = cleaner.clean(row_number, raw, result.errors)
        values["window_name"] = cell_text(raw.get(WINDOW_NAME))
        rows.append((row_number, values))
    result.errors.extend(duplicate_key_errors(rows, "staff_no", STAFF_NO))

    plan = _RosterPlan(rows, user=user)
    result.errors.extend(plan.check_windows())
    result.errors.extend(plan.check_usernames())
    if result.errors:
        column_order = {name: i for i, name in enumerate(ROSTER_HEADERS)}
        result.errors.sort(key=lambda e: (e.row, column_order.get(e.column, 99)))
        return result

    result.side_effects = plan.side_effects()
    statuses = plan.statuses()
    for status in statuses.values():
        setattr(result, status, getattr(result, status) + 1)
    result.preview = [
        (row_number, statuses[values["staff_no"]], cleaner.display(values))
        for row_number, values in rows[:PREVIEW_ROWS]
    ]
    if not dry_run:
        with transaction.atomic():
            plan.write(statuses)
            changed = [no for no, status in statuses.items() if status != "unchanged"]
            staff_roster_imported.send(
                sender=StaffProfile,
                staff_ids=list(StaffProfile.objects.filter(staff_no__in=changed).values_list("pk", flat=True)),
            )
    return result


class _RosterPlan:
    """The references and existing records a roster touches, fetched with one query per table."""

    def __init__(self, rows, user=None):
        self.user = user
        # Rows without a 工号 already carry an error; the plan ignores them.
        self.rows = [(n, v) for n, v in rows if v.get("staff_no")]
        by_column = {key: {v[key] for _n, v in self.rows if v.get(key)} for key in ROSTER_FK_FIELDS}
        self.centres = {c.name: c for c in ServiceCentre.objects.filter(name__in=by_column["centre"])}
        self.vendors = {v.name: v for v in VendorCompany.objects.filter(name__in=by_column["vendor"])}
        self.posts = {p.name: p for p in Post.objects.filter(name__in=by_column["post"])}
        self.windows = {
            w.code: w for w in Window.objects.select_related("centre").filter(code__in=by_column["window"])
        }
        staff_nos = [v["staff_no"] for _n, v in self.rows]
        self.profiles = {
            p.staff_no: p for p in StaffProfile.objects.select_related("user").filter(staff_no__in=staff_nos)
        }
        self.new_windows = {}  # code -> (name, centre name, first row)

    def check_windows(self):
        """A window belongs to one centre: the roster may not put it in another."""
        errors = []
        for row_number, values in self.rows:
            code = values.get("window")
            if not code:
                continue
            centre_name = values.get("centre")
            existing = self.windows.get(code)
            if existing is not None:
                if centre_name and existing.centre.name != centre_name:
                    errors.append(
                        RowError(
                            row_number,
                            WINDOW_CODE,
                            _("Window %(code)s belongs to %(centre)s, not to %(other)s.")
                            % {"code": code, "centre": existing.centre.name, "other": centre_name},
                        )
                    )
                continue
            if code in self.new_windows:
                _name, first_centre, first_row = self.new_windows[code]
                if centre_name != first_centre:
                    errors.append(
                        RowError(
                            row_number,
                            WINDOW_CODE,
                            _("Window %(code)s is at %(centre)s on row %(first)d.")
                            % {"code": code, "centre": first_centre, "first": first_row},
                        )
                    )
                continue
            if not values.get("window_name"):
                errors.append(
                    RowError(row_number, WINDOW_NAME, _("A new window %(code)s needs a name.") % {"code": code})
                )
                continue
            self.new_windows[code] = (values["window_name"], centre_name, row_number)
        return errors

    def check_usernames(self):
        """New staff log in with their 工号: it must not be another account's username."""
        new_staff_nos = {v["staff_no"] for _n, v in self.rows if v["staff_no"] not in self.profiles}
        taken = set(
            get_user_model().objects.filter(username__in=new_staff_nos).values_list("username", flat=True)
        )
        return [
            RowError(
                row_number,
                STAFF_NO,
                _("An account named %(username)s already exists and belongs to someone else.")
                % {"username": values["staff_no"]},
            )
            for row_number, values in self.rows
            if values["staff_no"] in taken
        ]

    def _missing(self, key, known):
        return sorted({v[key] for _n, v in self.rows if v.get(key) and v[key] not in known})

    def side_effects(self):
        effects = {
            CENTRE: self._missing("centre", self.centres),
            VENDOR: self._missing("vendor", self.vendors),
            POST: self._missing("post", self.posts),
            WINDOW_CODE: [f"{code} {name}（{centre}）" for code, (name, centre, _r) in sorted(self.new_windows.items())],
        }
        return {label: names for label, names in effects.items() if names}

    def statuses(self):
        """created / updated / unchanged per 工号."""
        statuses = {}
        for _row_number, values in self.rows:
            profile = self.profiles.get(values["staff_no"])
            if profile is None:
                statuses[values["staff_no"]] = "created"
            elif self._differs(profile, values):
                statuses[values["staff_no"]] = "updated"
            else:
                statuses[values["staff_no"]] = "unchanged"
        return statuses

    def _reference(self, key, name):
        lookup = {"centre": self.centres, "vendor": self.vendors, "post": self.posts, "window": self.windows}[key]
        return lookup.get(name) if name else None

    def _differs(self, profile, values):
        if not profile.active or not profile.user.is_active:
            return True
        for field in ROSTER_SCALAR_FIELDS:
            if field in values and getattr(profile, field) != values[field]:
                return True
        for key in ROSTER_FK_FIELDS:
            if key not in values:
                continue
            target = self._reference(key, values[key])
            target_id = target.pk if target is not None else None
            if values[key] and target is None:
                return True  # a reference that does not exist yet
            if getattr(profile, f"{key}_id") != target_id:
                return True
        return False

    # --- writing ----------------------------------------------------------------------

    def _create_references(self):
        for key, model, lookup in (
            ("centre", ServiceCentre, self.centres),
            ("vendor", VendorCompany, self.vendors),
            ("post", Post, self.posts),
        ):
            missing = self._missing(key, lookup)
            if missing:
                model.objects.bulk_create([model(name=name) for name in missing])
                lookup.update({obj.name: obj for obj in model.objects.filter(name__in=missing)})
        if self.new_windows:
            Window.objects.bulk_create(
                [
                    Window(code=code, name=name, centre=self.centres[centre])
                    for code, (name, centre, _r) in self.new_windows.items()
                ]
            )
            self.windows.update(
                {w.code: w for w in Window.objects.select_related("centre").filter(code__in=self.new_windows)}
            )

    def _link_window_posts(self):
        pairs = {
            (self.windows[v["window"]].pk, self.posts[v["post"]].pk)
            for _n, v in self.rows
            if v.get("window") and v.get("post")
        }
        if not pairs:
            return
        through = Window.posts.through
        existing = set(
            through.objects.filter(window_id__in={w for w, _p in pairs}).values_list("window_id", "post_id")
        )
        through.objects.bulk_create(
            [through(window_id=w, post_id=p) for w, p in sorted(pairs - existing)], batch_size=BATCH_SIZE
        )

    def _apply(self, profile, values):
        for field in ROSTER_SCALAR_FIELDS:
            if field in values:
                setattr(profile, field, values[field])
        for key in ROSTER_FK_FIELDS:
            if key in values:
                setattr(profile, key, self._reference(key, values[key]))
        profile.active = True
        profile.updated_at = timezone.now()  # bulk_update skips auto_now

    def write(self, statuses):
        self._create_references()
        self._link_window_posts()
        user_model = get_user_model()

        new_rows = [v for _n, v in self.rows if statuses[v["staff_no"]] == "created"]
        users = []
        for values in new_rows:
            account = user_model(username=values["staff_no"], first_name=values.get("name", ""), is_active=True)
            # As staff_account_create, in bulk: no usable password (what
            # set_unusable_password stores, minus its slow per-character RNG).
            account.password = UNUSABLE_PASSWORD_PREFIX + secrets.token_urlsafe(30)
            users.append(account)
        user_model.objects.bulk_create(users, batch_size=BATCH_SIZE)
        user_ids = dict(
            user_model.objects.filter(username__in=[v["staff_no"] for v in new_rows]).values_list("username", "pk")
        )
        staff_group = Group.objects.get(name=roles.STAFF)
        memberships = user_model.groups.through
        memberships.objects.bulk_create(
            [memberships(user_id=pk, group_id=staff_group.pk) for pk in user_ids.values()], batch_size=BATCH_SIZE
        )
        new_profiles = []
        for values in new_rows:
            profile = StaffProfile(user_id=user_ids[values["staff_no"]], staff_no=values["staff_no"])
            self._apply(profile, values)
            new_profiles.append(profile)
        StaffProfile.objects.bulk_create(new_profiles, batch_size=BATCH_SIZE)

        changed_profiles, changed_users, moves = [], [], []
        for _n, values in self.rows:
            if statuses[values["staff_no"]] != "updated":
                continue
            profile = self.profiles[values["staff_no"]]
            old_centre_id = profile.centre_id
            self._apply(profile, values)
            if profile.centre_id != old_centre_id:
                moves.append((profile.pk, old_centre_id, profile.centre_id))
            changed_profiles.append(profile)
            profile.user.first_name = profile.name
            profile.user.is_active = True
            changed_users.append(profile.user)
        if changed_profiles:
            StaffProfile.objects.bulk_update(
                changed_profiles,
                [*ROSTER_SCALAR_FIELDS, *ROSTER_FK_FIELDS, "active", "updated_at"],
                batch_size=BATCH_SIZE,
            )
            user_model.objects.bulk_update(changed_users, ["first_name", "is_active"], batch_size=BATCH_SIZE)
        centre_moves_record(moves=moves, user=self.user)


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
