"""The staff roster import: one spreadsheet of 工号 rows, all rows or none, set-based."""

import secrets

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import UNUSABLE_PASSWORD_PREFIX
from django.contrib.auth.models import Group
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from home.db import BATCH_SIZE
from home.imports import ImportResult, RowCleaner, RowError, cell_problem, duplicate_key_errors
from home.spreadsheets import cell_text

from .. import roles, selectors
from ..models import Post, ServiceCentre, StaffPayBase, StaffProfile, VendorCompany, Window
from ..resources import (
    CENTRE,
    EFFECTIVE_DATE,
    HIRE_DATE,
    ID_NUMBER,
    LEAVE_DATE,
    NAME,
    PAY_BASE,
    PHONE,
    POST,
    REQUIRED_HEADERS,
    ROSTER_HEADERS,
    STAFF_NO,
    VENDOR,
    WINDOW_CODE,
    WINDOW_NAME,
    StaffResource,
)
from ..signals import staff_roster_imported
from .history import dated_centre_moves_record, pay_base_changes_record

PREVIEW_ROWS = 200
# Plain profile fields the roster sets; foreign keys are compared by id separately.
ROSTER_SCALAR_FIELDS = ("name", "phone", "id_number", "hire_date", "leave_date", "pay_base")
ROSTER_FK_FIELDS = ("centre", "window", "vendor", "post")
# Fields compared as they are (the centre and the pay base are dated history, compared with
# the value in force on the row's 生效日期).
_PLAIN_FIELDS = (("name", NAME), ("phone", PHONE), ("id_number", ID_NUMBER), ("hire_date", HIRE_DATE),
                 ("leave_date", LEAVE_DATE))
_PLAIN_REFERENCES = (("window", WINDOW_CODE), ("vendor", VENDOR), ("post", POST))


def _shown(value):
    if value is None or value == "":
        return "—"
    if hasattr(value, "strftime"):
        return f"{value:%Y-%m-%d}"
    return str(value)


def _money(value):
    return f"{value:.2f}"



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
    known = set(ROSTER_HEADERS)
    for column in table.headers:
        if column and column not in known:
            result.errors.append(
                RowError(
                    table.header_row,
                    column,
                    _("Not a column of the staff roster; rename or delete it. The columns are: %(columns)s.")
                    % {"columns": "、".join(ROSTER_HEADERS)},
                )
            )
    if result.errors:
        return result

    rows = []
    for row_number, raw in table.rows:
        values = cleaner.clean(row_number, raw, result.errors)
        window_name = cell_text(raw.get(WINDOW_NAME))
        if problem := cell_problem(window_name) or (
            len(window_name) > 100 and _("At most %(n)d characters.") % {"n": 100}
        ):
            result.errors.append(RowError(row_number, WINDOW_NAME, problem))
            window_name = ""
        values["window_name"] = window_name
        rows.append((row_number, values))
    result.errors.extend(duplicate_key_errors(rows, "staff_no", STAFF_NO))

    plan = _RosterPlan(rows, user=user)
    result.errors.extend(plan.check_windows())
    result.errors.extend(plan.check_usernames())
    result.errors.extend(plan.analyse())
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
    result.changes = plan.change_lines()
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
            p.staff_no: p
            for p in StaffProfile.objects.select_related("user", "centre", "window", "vendor", "post").filter(
                staff_no__in=staff_nos
            )
        }
        self.new_windows = {}  # code -> (name, centre name, first row)
        self.today = timezone.localdate()
        existing_ids = [p.pk for p in self.profiles.values()]
        self.pay_bases = selectors.pay_base_histories(existing_ids)
        self.moves = selectors.centre_move_histories(existing_ids)
        self.row_plans = {}  # 工号 -> _RowPlan (existing people only)

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
            plan = self.row_plans.get(values["staff_no"])
            if plan is None:
                statuses[values["staff_no"]] = "created"
            else:
                statuses[values["staff_no"]] = "updated" if plan.changes else "unchanged"
        return statuses

    def _reference(self, key, name):
        lookup = {"centre": self.centres, "vendor": self.vendors, "post": self.posts, "window": self.windows}[key]
        return lookup.get(name) if name else None

    def _expected_active(self, leave_date):
        return leave_date is None or leave_date >= self.today

    def analyse(self):
        """What each row changes for a person already on the roster: every field before →
        after, the centre and the pay base against the values in force on the row's 生效日期
        (dated history), the history entries to write. Errors for rows that contradict it."""
        errors = []
        for row_number, values in self.rows:
            profile = self.profiles.get(values["staff_no"])
            hire_date = values.get("hire_date", profile.hire_date if profile else None)
            leave_date = values.get("leave_date", profile.leave_date if profile else None)
            if hire_date and leave_date and leave_date < hire_date:
                errors.append(RowError(row_number, LEAVE_DATE, _("The last working day is before the hire date.")))
                continue
            if profile is None:
                continue
            plan = _RowPlan(row_number=row_number, profile=profile)
            effective = values.get("effective_from") or self.today
            if hire_date and effective < hire_date:
                effective = hire_date
            plan.effective = effective
            since = _("from %(day)s") % {"day": f"{effective:%Y-%m-%d}"}

            for field, column in _PLAIN_FIELDS:
                if field in values and getattr(profile, field) != values[field]:
                    plan.changes.append(f"{column} {_shown(getattr(profile, field))} → {_shown(values[field])}")
            for key, column in _PLAIN_REFERENCES:
                if key not in values:
                    continue
                target = self._reference(key, values[key])
                current = getattr(profile, f"{key}_id")
                if (target.pk if target is not None else None) != current or (values[key] and target is None):
                    before = getattr(profile, key)
                    before = (before.code if key == "window" else before.name) if before is not None else None
                    plan.changes.append(f"{column} {_shown(before)} → {_shown(values[key])}")

            moves = self.moves.get(profile.pk, [])
            target = self._reference("centre", values.get("centre"))
            in_force = selectors.centre_on(moves, effective, profile.centre_id)
            later = [m for m in moves if m.moved_on > effective]
            if not values.get("centre"):
                pass  # the cell's own error is already listed
            elif target is None or target.pk != in_force:
                if later:
                    errors.append(
                        RowError(
                            row_number,
                            EFFECTIVE_DATE,
                            _(
                                "%(staff_no)s moved centre on %(day)s, after this row's 生效日期 %(effective)s: "
                                "the roster cannot change an earlier centre. Correct the dates in 服务中心变动."
                            )
                            % {
                                "staff_no": profile.staff_no,
                                "day": f"{later[0].moved_on:%Y-%m-%d}",
                                "effective": f"{effective:%Y-%m-%d}",
                            },
                        )
                    )
                    continue
                known_names = {profile.centre_id: profile.centre.name}
                for m in moves:
                    known_names[m.to_centre_id] = m.to_centre.name
                    if m.from_centre_id:
                        known_names[m.from_centre_id] = m.from_centre.name
                before = known_names.get(in_force)
                plan.move = (effective, in_force, values["centre"])
                plan.changes.append(f"{CENTRE} {_shown(before)} → {values['centre']}，{since}")
            elif later:
                plan.keep_centre = True  # an older row: the profile keeps its later centre and window

            history = self.pay_bases.get(profile.pk, [])
            before = selectors.value_on(history, effective, profile.pay_base)
            if "pay_base" in values and values["pay_base"] != before:
                plan.pay_base = (effective, values["pay_base"])
                plan.changes.append(f"{PAY_BASE} {_money(before)} → {_money(values['pay_base'])}，{since}")

            active = self._expected_active(leave_date)
            if active != (profile.active and profile.user.is_active):
                plan.changes.append(
                    _("account re-enabled") if active else _("account disabled (left on %(day)s)")
                    % {"day": _shown(leave_date)}
                )
            self.row_plans[profile.staff_no] = plan
        return errors

    def change_lines(self):
        """One line per changed person: row, 工号, name and every change."""
        return [
            _("Row %(row)d %(staff_no)s %(name)s: %(changes)s")
            % {
                "row": plan.row_number,
                "staff_no": plan.profile.staff_no,
                "name": plan.profile.name,
                "changes": "；".join(plan.changes),
            }
            for plan in sorted(self.row_plans.values(), key=lambda p: p.row_number)
            if plan.changes
        ]

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

    def _apply(self, profile, values, *, keep_centre=False):
        for field in ROSTER_SCALAR_FIELDS:
            if field in values and field != "pay_base":
                setattr(profile, field, values[field])
        for key in ROSTER_FK_FIELDS:
            if key in values and not (keep_centre and key in ("centre", "window")):
                setattr(profile, key, self._reference(key, values[key]))
        profile.active = self._expected_active(profile.leave_date)
        profile.updated_at = timezone.now()  # bulk_update skips auto_now

    def write(self, statuses):
        self._create_references()
        self._link_window_posts()
        user_model = get_user_model()

        new_rows = [v for _n, v in self.rows if statuses[v["staff_no"]] == "created"]
        users = []
        for values in new_rows:
            account = user_model(
                username=values["staff_no"],
                first_name=values.get("name", ""),
                is_active=self._expected_active(values.get("leave_date")),
            )
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
            profile.pay_base = values["pay_base"]
            new_profiles.append(profile)
        StaffProfile.objects.bulk_create(new_profiles, batch_size=BATCH_SIZE)
        # A person's first pay base applies from their hire date.
        new_ids = dict(
            StaffProfile.objects.filter(staff_no__in=[v["staff_no"] for v in new_rows]).values_list("staff_no", "pk")
        )
        StaffPayBase.objects.bulk_create(
            [
                StaffPayBase(
                    staff_id=new_ids[v["staff_no"]],
                    effective_from=v.get("hire_date") or v.get("effective_from") or self.today,
                    amount=v["pay_base"],
                    recorded_by=self.user,
                )
                for v in new_rows
            ],
            batch_size=BATCH_SIZE,
        )

        changed_profiles, changed_users = [], []
        moves, pay_bases = [], []
        for _n, values in self.rows:
            if statuses[values["staff_no"]] != "updated":
                continue
            plan = self.row_plans[values["staff_no"]]
            profile = plan.profile
            self._apply(profile, values, keep_centre=plan.keep_centre)
            if plan.move:
                effective, from_id, to_name = plan.move
                moves.append((profile.pk, from_id, self.centres[to_name].pk, effective))
            if plan.pay_base:
                pay_bases.append((profile, *plan.pay_base))
            changed_profiles.append(profile)
            profile.user.first_name = profile.name
            profile.user.is_active = profile.active
            changed_users.append(profile.user)
        newest = pay_base_changes_record(
            changes=pay_bases, histories=self.pay_bases, user=self.user
        )
        for profile in changed_profiles:
            profile.pay_base = newest.get(profile.pk, profile.pay_base)
        if changed_profiles:
            StaffProfile.objects.bulk_update(
                changed_profiles,
                [*ROSTER_SCALAR_FIELDS, *ROSTER_FK_FIELDS, "active", "updated_at"],
                batch_size=BATCH_SIZE,
            )
            user_model.objects.bulk_update(changed_users, ["first_name", "is_active"], batch_size=BATCH_SIZE)
        dated_centre_moves_record(moves=moves, histories=self.moves, user=self.user)


class _RowPlan:
    """What one roster row changes for a person already on it."""

    def __init__(self, *, row_number, profile):
        self.row_number = row_number
        self.profile = profile
        self.effective = None
        self.changes = []  # lines for the preview: "列 before → after[，自 … 起]"
        self.move = None  # (effective, from centre id, to centre name)
        self.pay_base = None  # (effective, amount)
        self.keep_centre = False
