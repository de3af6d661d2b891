"""Creating or updating a competition from its workbook: all rows or none, idempotent (the
competition by 代码, rounds by code, entrants by 工号, teams by name, judges by account)."""

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.db import transaction
from django.utils.translation import gettext as _
from wagtail.models import GroupPagePermission

from home.imports import ImportResult, RowError
from home.spreadsheets import SpreadsheetError, shown
from people import roles
from people.models import ServiceCentre, StaffProfile

from ..models import (
    CompetitionIndexPage,
    CompetitionPage,
    Criterion,
    Entry,
    Judge,
    JudgeAssignment,
    Round,
    Rubric,
    ScoreSheet,
    Team,
    TeamMember,
)
from ..roles import ORGANISE, ROLE_PERMISSIONS
from ..workbook import norm, read_workbook, sheet_table
from .competition_file import (
    ACCOUNT,
    CENTRE,
    CODE,
    COMPETITION_SHEET,
    CRITERION,
    ENTRIES_SHEET,
    JUDGES_SHEET,
    KIND,
    MAXIMUM,
    NAME,
    PERSON_NAME,
    ROUNDS,
    ROUNDS_SHEET,
    RUBRIC_SHEET,
    STAFF_NO,
    parse_workbook,
    sheet_column,
)
from .panels import panel_seats_sync


def competition_import_file(content, filename, *, dry_run, user=None):
    """Read the workbook and import it (see competition_import)."""
    try:
        sheets = read_workbook(content, filename)
        tables = {
            COMPETITION_SHEET: sheet_table(sheets, COMPETITION_SHEET, (CODE, NAME)),
            ROUNDS_SHEET: sheet_table(sheets, ROUNDS_SHEET, (CODE, KIND)),
            ENTRIES_SHEET: sheet_table(sheets, ENTRIES_SHEET, (STAFF_NO,)),
            JUDGES_SHEET: sheet_table(sheets, JUDGES_SHEET, (ROUNDS,)),
            RUBRIC_SHEET: sheet_table(sheets, RUBRIC_SHEET, (ROUNDS, CRITERION, MAXIMUM)),
        }
    except SpreadsheetError as exc:
        return ImportResult(errors=[RowError(1, _("File"), str(exc))], dry_run=dry_run)
    return competition_import(tables, dry_run=dry_run, user=user)


class _CompetitionPlan:
    """Everything the workbook refers to, looked up with one query per table."""

    def __init__(self, book, errors):
        self.book = book
        comp = book.competition
        self.competition = CompetitionPage.objects.filter(code__iexact=comp["code"]).first()
        staff_nos = {e["staff_no"].upper() for e in book.entries} | {j["staff_no"].upper() for j in book.judges if j["staff_no"]}
        self.staff = {}
        for profile in StaffProfile.objects.filter(staff_no__in=_case_variants(staff_nos)).select_related("user", "centre"):
            self.staff[profile.staff_no.upper()] = profile
        accounts = {j["account"] for j in book.judges if j["account"]}
        User = get_user_model()
        self.users = {u.username.upper(): u for u in User.objects.filter(username__in=_case_variants(accounts))}
        account_profiles = {p.user_id: p for p in StaffProfile.objects.filter(user__in=self.users.values()).select_related("centre")}
        centre_names = {j["centre"] for j in book.judges if j["centre"]}
        self.centres = {norm(c.name): c for c in ServiceCentre.objects.filter(name__in=centre_names)}
        if len(self.centres) < len({norm(n) for n in centre_names}):
            self.centres.update({norm(c.name): c for c in ServiceCentre.objects.all()})
        self.new_accounts = []

        for entry in book.entries:
            if entry["staff_no"] and entry["staff_no"].upper() not in self.staff:
                errors.append(RowError(entry["row"], sheet_column(ENTRIES_SHEET, STAFF_NO), _(
                    "No staff member with 工号 %(value)s on the roster.") % {"value": shown(entry["staff_no"])}))
        entrant_staff = {e["staff_no"].upper() for e in book.entries}
        for judge in book.judges:
            profile = None
            if judge["staff_no"]:
                profile = self.staff.get(judge["staff_no"].upper())
                if profile is None:
                    errors.append(RowError(judge["row"], sheet_column(JUDGES_SHEET, STAFF_NO), _(
                        "No staff member with 工号 %(value)s on the roster.") % {"value": shown(judge["staff_no"])}))
                    continue
                judge["user"] = profile.user
            else:
                user = self.users.get(judge["account"].upper())
                judge["user"] = user
                profile = account_profiles.get(user.pk) if user else None
                if user is None:
                    if not judge["name"]:
                        errors.append(RowError(judge["row"], sheet_column(JUDGES_SHEET, PERSON_NAME), _(
                            "A new judge account needs the judge's name.")))
                    self.new_accounts.append(judge["account"])
            if profile is not None and profile.staff_no.upper() in entrant_staff:
                errors.append(RowError(judge["row"], sheet_column(JUDGES_SHEET, STAFF_NO if judge["staff_no"] else ACCOUNT), _(
                    "%(value)s is registered as an entrant and cannot judge.") % {"value": profile.staff_no}))
            judge["profile"] = profile
            judge["name"] = judge["name"] or (profile.name if profile else (judge["user"].get_full_name() if judge.get("user") else ""))
            if judge["centre"]:
                centre = self.centres.get(norm(judge["centre"]))
                if centre is None:
                    errors.append(RowError(judge["row"], sheet_column(JUDGES_SHEET, CENTRE), _(
                        "Unknown service centre %(value)s.") % {"value": shown(judge["centre"])}))
                judge["centre_obj"] = centre
            else:
                judge["centre_obj"] = profile.centre if profile else None
            if not judge["name"]:
                judge["name"] = judge["account"] or judge["staff_no"]


def _case_variants(keys):
    variants = set()
    for key in keys:
        variants.update({key, key.upper(), key.lower()})
    return variants


def competition_import(tables, *, dry_run, user=None):
    """Create or update a competition from its workbook tables ({sheet: Table}): all rows or
    none, idempotent (the competition by 代码, rounds by code, entrants by 工号, teams by name,
    judges by account)."""
    result = ImportResult(dry_run=dry_run)
    book = parse_workbook(tables, result.errors)
    result.total = book.rows
    if book.competition is None or not book.rows:
        return _sorted(result)
    # Look everything up even after errors in the cells, so that one run lists every bad row.
    plan = _CompetitionPlan(book, result.errors)
    if not result.errors and plan.competition is not None and book.criteria:
        frozen = _rubric_changes_with_sheets(plan)
        result.errors.extend(frozen)
    if result.errors:
        return _sorted(result)
    if plan.new_accounts:
        result.side_effects[_("judge accounts")] = sorted(plan.new_accounts)
    if plan.competition is None:
        result.side_effects[_("competitions")] = [book.competition["code"]]
    with transaction.atomic():
        counts, notes = _write_competition(plan, user)
        result.created, result.updated, result.unchanged = counts
        result.changes = notes
        if dry_run:
            transaction.set_rollback(True)
    return result


def _sorted(result):
    result.errors.sort(key=lambda e: (e.column.split("]")[0], e.row))
    return result


def _rubric_changes_with_sheets(plan):
    errors = []
    rounds = {r.code: r for r in plan.competition.rounds.select_related("rubric")}
    with_sheets = set(ScoreSheet.objects.filter(round__competition=plan.competition).values_list("round__code", flat=True))
    for code, criteria in plan.book.criteria.items():
        rnd = rounds.get(code)
        if rnd is None or code not in with_sheets:
            continue
        current = rnd.rubric.maxima() if rnd.rubric_id else {}
        wanted = {n: m for n, m, _r in criteria}
        if current != wanted:
            errors.append(RowError(criteria[0][2], sheet_column(RUBRIC_SHEET, CRITERION), _(
                "Round %(code)s already has score sheets: its rubric can no longer change.") % {"code": code}))
    return errors


def _tally(counts, status):
    index = {"created": 0, "updated": 1, "unchanged": 2}[status]
    counts[index] += 1


def _save_if_changed(obj, values):
    changed = [k for k, v in values.items() if getattr(obj, k) != v]
    for key in changed:
        setattr(obj, key, values[key])
    if changed:
        obj.save(update_fields=changed)
        return "updated"
    return "unchanged"


def competition_index_page():
    """The competitions index (created under the site's home page, or the tree root, if
    missing). Organisers get their page permissions on a new index from a post_save receiver
    (competitions.apps), not here."""
    from wagtail.models import Page, Site

    index = CompetitionIndexPage.objects.first()
    if index is None:
        site = Site.objects.filter(is_default_site=True).select_related("root_page").first()
        parent = site.root_page if site else Page.get_first_root_node()
        index = CompetitionIndexPage(title=_("Skills competitions"), slug="competitions")
        parent.add_child(instance=index)
    return index


ORGANISER_PAGE_PERMISSIONS = ("add_page", "change_page", "publish_page")


def organiser_page_permissions_ensure(index=None):
    """Organisers (竞赛组织) may add, edit and publish competition pages under the competitions
    index (`index`, else the existing one; none yet: nothing to do). Idempotent. Run when an
    index is created and after every migrate (competitions.apps), which also gives them back
    to role groups made anew."""
    index = index or CompetitionIndexPage.objects.first()
    if index is None:
        return
    organiser_roles = [role for role, permissions in ROLE_PERMISSIONS.items() if ORGANISE in permissions]
    groups = list(Group.objects.filter(name__in=organiser_roles))
    permissions = list(
        Permission.objects.filter(content_type__app_label="wagtailcore", codename__in=ORGANISER_PAGE_PERMISSIONS)
    )
    have = set(
        GroupPagePermission.objects.filter(page=index, group__in=groups).values_list("group_id", "permission_id")
    )
    GroupPagePermission.objects.bulk_create(
        [
            GroupPagePermission(group=group, page=index, permission=permission)
            for group in groups
            for permission in permissions
            if (group.pk, permission.pk) not in have
        ]
    )


def _write_competition(plan, user):
    book = plan.book
    counts = [0, 0, 0]
    comp = book.competition
    competition = plan.competition
    if competition is None:
        competition = CompetitionPage(
            title=comp["title"], code=comp["code"], year=comp["year"], scoring_mode=comp["mode"],
            slug=comp["code"].lower(),
        )
        competition_index_page().add_child(instance=competition)
        _tally(counts, "created")
    else:
        _tally(counts, _save_if_changed(competition, {"title": comp["title"], "year": comp["year"],
                                                      "scoring_mode": comp["mode"]}))

    # Rounds and rubrics.
    rounds = {r.code.upper(): r for r in competition.rounds.select_related("rubric")}
    for order, spec in enumerate(book.rounds, start=1):
        values = {"name": spec["name"], "kind": spec["kind"], "weight": spec["weight"],
                  "judges_per_entrant": spec["judges_per_entrant"], "sort_order": order}
        rnd = rounds.get(spec["code"])
        if rnd is None:
            rnd = Round(competition=competition, code=spec["code"], **values)
            rnd.full_clean()
            rnd.save()
            rounds[spec["code"]] = rnd
            _tally(counts, "created")
        else:
            _tally(counts, _save_if_changed(rnd, values))
    for code, criteria in book.criteria.items():
        rnd = rounds[code]
        wanted = [(n, m) for n, m, _r in criteria]
        if rnd.rubric_id and [(c.name, c.max_points) for c in rnd.rubric.criteria.all()] == wanted:
            counts[2] += len(criteria)
            continue
        rubric = rnd.rubric
        if rubric is None:
            rubric, _created = Rubric.objects.get_or_create(name=f"{competition.code}·{rnd.code} {rnd.name}"[:100])
            rnd.rubric = rubric
            rnd.save(update_fields=["rubric"])
        rubric.criteria.all().delete()
        Criterion.objects.bulk_create(
            [Criterion(rubric=rubric, name=n, max_points=m, sort_order=i) for i, (n, m) in enumerate(wanted)]
        )
        counts[0] += len(criteria)

    # Entrants and teams.
    entries = {e.staff_id: e for e in Entry.objects.filter(competition=competition, staff__isnull=False)}
    teams = {t.name: t for t in Team.objects.filter(competition=competition)}
    team_entries = {e.team_id: e for e in Entry.objects.filter(competition=competition, team__isnull=False)}
    members = {m.staff_id: m for m in TeamMember.objects.filter(competition=competition)}
    # Written in batches: a registration list of hundreds makes a handful of queries.
    new_entries, changed_entries, new_members, moved_members = [], [], [], []
    for spec in book.entries:
        profile = plan.staff[spec["staff_no"].upper()]
        status = "unchanged"
        if spec["team"]:
            team = teams.get(spec["team"])
            if team is None:
                team = teams[spec["team"]] = Team.objects.create(competition=competition, name=spec["team"])
            if team.pk not in team_entries:
                team_entries[team.pk] = Entry.objects.create(competition=competition, team=team)
            member = members.get(profile.pk)
            if member is None:
                members[profile.pk] = TeamMember(competition=competition, team=team, staff=profile)
                new_members.append(members[profile.pk])
                status = "created"
            elif member.team_id != team.pk:
                member.team = team
                moved_members.append(member)
                status = "updated"
        entry = entries.get(profile.pk)
        if entry is None:
            entries[profile.pk] = Entry(competition=competition, staff=profile, remark=spec["remark"])
            new_entries.append(entries[profile.pk])
            status = "created"
        elif entry.remark != spec["remark"]:
            entry.remark = spec["remark"]
            changed_entries.append(entry)
            status = "updated" if status == "unchanged" else status
        _tally(counts, status)
    TeamMember.objects.bulk_create(new_members)
    TeamMember.objects.bulk_update(moved_members, ["team"])
    Entry.objects.bulk_create(new_entries)
    Entry.objects.bulk_update(changed_entries, ["remark"])
    # Teams left without members (a member moved to another team) lose their entry.
    if competition.is_team:
        for team in Team.objects.filter(competition=competition, members__isnull=True):
            team.delete()

    # Judges, their rounds and seats.
    judge_group = Group.objects.get(name=roles.JUDGE)
    judges = {j.user_id: j for j in Judge.objects.filter(competition=competition)}
    assignments = {(a.round_id, a.judge_id): a for a in JudgeAssignment.objects.filter(round__competition=competition)}
    User = get_user_model()
    for spec in book.judges:
        status = "unchanged"
        account = spec.get("user")
        if account is None:
            account = User(username=spec["account"], first_name=spec["name"][:150])
            account.set_unusable_password()
            account.full_clean(exclude=["password"])
            account.save()
            account.groups.add(judge_group)
            status = "created"
        elif not account.groups.filter(pk=judge_group.pk).exists() and spec["profile"] is None:
            account.groups.add(judge_group)
        judge = judges.get(account.pk)
        values = {"name": spec["name"], "centre": spec["centre_obj"]}
        if judge is None:
            judge = judges[account.pk] = Judge.objects.create(competition=competition, user=account, **values)
            status = "created"
        elif _save_if_changed(judge, values) == "updated" and status == "unchanged":
            status = "updated"
        for code in spec["rounds"]:
            rnd = rounds[code]
            assignment = assignments.get((rnd.pk, judge.pk))
            if assignment is None:
                if spec["chief"]:
                    JudgeAssignment.objects.filter(round=rnd, is_chief=True).update(is_chief=False)
                assignments[(rnd.pk, judge.pk)] = JudgeAssignment.objects.create(round=rnd, judge=judge, is_chief=spec["chief"])
                status = "created" if status == "created" else "updated"
            elif assignment.is_chief != spec["chief"]:
                if spec["chief"]:
                    JudgeAssignment.objects.filter(round=rnd, is_chief=True).update(is_chief=False)
                assignment.is_chief = spec["chief"]
                assignment.save(update_fields=["is_chief"])
                status = "updated" if status == "unchanged" else status
        _tally(counts, status)
    notes = panel_seats_sync(competition=competition)
    return counts, notes
