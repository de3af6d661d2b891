"""One round's score sheets imported from a file: all rows or none; a changed row is a new
version of its sheet, and a judge's submitted sheet changes only after the chief judge
unlocks it."""

from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils.translation import gettext as _

from home.imports import ImportResult, RowError, cell_problem
from home.spreadsheets import SpreadsheetError, shown

from ..models import (
    CompetitionPage,
    Entry,
    Judge,
    JudgeAssignment,
    Round,
    RoundKind,
    RoundState,
    ScoreSheet,
    ScoreSheetVersion,
    SheetStatus,
    SheetUnlock,
)
from ..models.rounds import STATE_ORDER
from ..workbook import key_text, norm, number, present, single_sheet_table
from .judging import REASON_MAX, spread_alerts_refresh
from .panels import Recusal
from .results import round_state_change

# Columns of a score sheet.
JUDGE, ENTRANT, SCORE = "评委", "参赛者", "得分"
FROZEN_STATES = (RoundState.CONFIRMED, RoundState.PUBLISHED)


def round_scores_import_file(content, filename, *, competition_code, round_code, dry_run, user=None):
    """Read a score sheet file and import it into the round (see round_scores_import)."""
    competition = CompetitionPage.objects.filter(code__iexact=key_text(competition_code)).first()
    if competition is None:
        return ImportResult(errors=[RowError(1, _("File"), _("No competition with code %(code)s.") % {"code": competition_code})],
                            dry_run=dry_run)
    rnd = Round.objects.filter(competition=competition, code__iexact=key_text(round_code)).select_related("rubric").first()
    if rnd is None:
        known = "、".join(competition.rounds.values_list("code", flat=True))
        return ImportResult(errors=[RowError(1, _("File"), _("The competition has no round %(code)s (it has %(known)s).")
                                             % {"code": round_code, "known": known})], dry_run=dry_run)
    try:
        table = single_sheet_table(content, filename, markers=(ENTRANT,))
    except SpreadsheetError as exc:
        return ImportResult(errors=[RowError(1, _("File"), str(exc))], dry_run=dry_run)
    return round_scores_import(table, round=rnd, dry_run=dry_run, user=user)


def round_scores_import(table, *, round, dry_run, user=None, reason=""):
    """Import one round's scores from a Table (headers normalised): judges' sheets (评委,
    参赛者, then 得分 or one column per 评分项) or, without a 评委 column, one score per
    entrant (offline written rounds). All rows or none; a row equal to the current sheet
    changes nothing; a changed row is a new version of the sheet.

    A judge's submitted sheet changes only when the chief judge unlocks it (DESIGN): a row
    changing one is an error, and the whole file is refused; once unlocked (a draft again) the
    row becomes its next version, as the judge's own revision would. Sheets without a judge
    (offline written rounds, online exams) have no unlock: they take a changed score as a new
    version until the round is confirmed, when every import is refused.

    Judges' sheets written by the file bring their entrants' spread alerts up to date (in the
    import's transaction; a dry run raises none); an alert never changes a score."""
    rnd = round
    competition = rnd.competition
    result = ImportResult(total=len(table), dry_run=dry_run)
    errors = result.errors
    headers = set(table.headers)
    if rnd.state in FROZEN_STATES:
        errors.append(RowError(table.header_row, _("File"), _(
            "Round %(code)s is %(state)s: its scores can no longer change (reopen it first).")
            % {"code": rnd.code, "state": rnd.get_state_display()}))
        return result
    judged = norm(JUDGE) in headers
    if rnd.is_judged and not judged:
        errors.append(RowError(table.header_row, JUDGE, _("This column is missing.")))
        return result
    maxima = rnd.rubric.maxima() if rnd.rubric_id else {}
    by_header = {norm(name): name for name in maxima}
    criterion_columns = [h for h in table.headers if h in by_header]
    use_criteria = bool(maxima) and len(criterion_columns) == len(maxima)
    if not use_criteria and norm(SCORE) not in headers:
        if maxima:
            missing = [n for n in maxima if norm(n) not in headers]
            errors.append(RowError(table.header_row, "、".join(missing), _(
                "The sheet needs 得分 or one column per criterion of the round (%(criteria)s).")
                % {"criteria": "、".join(maxima)}))
        else:
            errors.append(RowError(table.header_row, SCORE, _("This column is missing.")))
        return result

    entries = list(Entry.objects.filter(competition=competition).select_related("team", "staff"))
    if rnd.is_team_round:
        entrant_by_key = {norm(e.team.name): e for e in entries if e.team_id}
    else:
        entrant_by_key = {e.staff.staff_no.upper(): e for e in entries if e.staff_id}
    judges = {}
    if judged:
        for judge in Judge.objects.filter(competition=competition).select_related("user", "user__staff_profile"):
            judges[judge.user.username.upper()] = judge
            profile = getattr(judge.user, "staff_profile", None)
            if profile is not None:
                judges[profile.staff_no.upper()] = judge
        on_panel = set(JudgeAssignment.objects.filter(round=rnd).values_list("judge_id", flat=True))
        recusal = Recusal(competition)
    quiz = rnd.kind == RoundKind.QUIZ

    rows = []
    seen = {}
    for row, values in table.rows:
        before = len(errors)
        entrant_text = key_text(values.get(norm(ENTRANT))) if not rnd.is_team_round else norm(values.get(norm(ENTRANT)))
        problem = cell_problem(values.get(norm(ENTRANT)))
        entry = None
        if problem:
            errors.append(RowError(row, ENTRANT, problem))
        elif not entrant_text:
            errors.append(RowError(row, ENTRANT, _("This column must not be empty.")))
        else:
            entry = entrant_by_key.get(entrant_text if rnd.is_team_round else entrant_text.upper())
            if entry is None:
                if rnd.is_team_round:
                    message = _("No team %(value)s in this competition.")
                else:
                    message = _("%(value)s is not an entrant of this competition.")
                errors.append(RowError(row, ENTRANT, message % {"value": shown(entrant_text)}))
        judge = None
        if judged:
            judge_text = key_text(values.get(norm(JUDGE))).upper()
            if not judge_text:
                errors.append(RowError(row, JUDGE, _("This column must not be empty.")))
            else:
                judge = judges.get(judge_text)
                if judge is None:
                    errors.append(RowError(row, JUDGE, _("%(value)s is not a judge of this competition.")
                                           % {"value": shown(judge_text)}))
                elif judge.pk not in on_panel:
                    errors.append(RowError(row, JUDGE, _("%(value)s is not on the panel of round %(code)s.")
                                           % {"value": shown(judge_text), "code": rnd.code}))
                    judge = None
            if judge is not None and entry is not None:
                reason_text = recusal.reason(judge, entry.pk)
                if reason_text:
                    errors.append(RowError(row, JUDGE, _("%(judge)s must be recused from %(entrant)s: %(reason)s.")
                                           % {"judge": judge.name, "entrant": entry, "reason": reason_text}))
        criteria = {}
        total = None
        if use_criteria:
            for name in maxima:
                raw = values.get(norm(name))
                try:
                    if not present(raw):
                        raise ValueError(_("This column must not be empty."))
                    value = number(raw)
                    if value > maxima[name]:
                        raise ValueError(_("%(value)s is above the maximum of %(max)s.") % {"value": value, "max": maxima[name]})
                    criteria[name] = value
                except ValueError as exc:
                    errors.append(RowError(row, name, str(exc)))
            if len(criteria) == len(maxima):
                total = sum(criteria.values(), Decimal("0"))
        else:
            raw = values.get(norm(SCORE))
            try:
                if not present(raw):
                    raise ValueError(_("This column must not be empty."))
                total = number(raw, allow_negative=quiz)
                if not quiz and total > 100:
                    raise ValueError(_("%(value)s is above the maximum of %(max)s.") % {"value": total, "max": 100})
            except ValueError as exc:
                errors.append(RowError(row, SCORE, str(exc)))
        if len(errors) == before:
            key = (judge.pk if judge else None, entry.pk)
            if key in seen:
                errors.append(RowError(row, ENTRANT, _("The same judge and entrant appear again (first on row %(first)d).")
                                       % {"first": seen[key]}))
            else:
                seen[key] = row
                rows.append((row, judge, entry, {k: str(v) for k, v in criteria.items()}, total))
    if errors:
        errors.sort(key=lambda e: e.row)
        return result

    try:
        with transaction.atomic():
            return _sheets_write(rnd, rows, result, use_criteria=use_criteria, dry_run=dry_run, user=user,
                                 reason=reason)
    except IntegrityError:
        # A judge's phone created one of the new sheets while the file was being imported.
        result.created = result.updated = result.unchanged = 0
        result.changes = []
        errors.append(RowError(table.header_row, _("File"), _(
            "Some of these sheets were entered meanwhile on a judge's phone: import the file again.")))
        return result


def _shown_score(value):
    return f"{Decimal(value).normalize():f}"


def _sheets_write(rnd, rows, result, *, use_criteria, dry_run, user, reason):
    """Compare the checked rows with the round's sheets and write the difference (the caller's
    transaction). Rows changing a judge's submitted sheet refuse the whole file."""
    sheets = ScoreSheet.objects.filter(round=rnd)
    if not dry_run:
        # Held until the import commits: a judge submitting meanwhile waits, then sees the import.
        sheets = sheets.select_for_update()
    existing = {(s.judge_id, s.entry_id): s for s in sheets}
    new_sheets, changed, locked = [], [], []
    for row, judge, entry, criteria, total in rows:
        sheet = existing.get((judge.pk if judge else None, entry.pk))
        if sheet is None:
            new_sheets.append(ScoreSheet(round=rnd, judge=judge, entry=entry, criteria=criteria, total=total,
                                         status=SheetStatus.SUBMITTED, version=1, entered_by=user))
            result.created += 1
            continue
        # A file with only 得分 says nothing about the criteria a judge scored on the phone.
        same = sheet.total == total and (sheet.criteria == criteria or not use_criteria)
        if same and sheet.status == SheetStatus.SUBMITTED:
            result.unchanged += 1
        elif sheet.status == SheetStatus.SUBMITTED and sheet.judge_id is not None:
            columns = [name for name, value in criteria.items() if sheet.criteria.get(name) != value] or [SCORE]
            locked.append(RowError(row, "、".join(columns), _(
                "%(judge)s's sheet for %(entrant)s is already submitted (%(old)s; this file: %(new)s): "
                "a change needs the chief judge to unlock it first.")
                % {"judge": judge.name, "entrant": entry, "old": _shown_score(sheet.total), "new": _shown_score(total)}))
        else:
            result.changes.append(_("Row %(row)d %(entrant)s: %(old)s → %(new)s") % {
                "row": row, "entrant": entry, "old": sheet.total, "new": total})
            changed.append((sheet, criteria, total))
            result.updated += 1
    if locked:
        result.created = result.updated = result.unchanged = 0
        result.changes = []
        result.add_errors(locked)
        return result
    if dry_run:
        return result

    note = reason or _("Imported from a score sheet")
    notes = {}
    if changed:
        # Numbered after every version kept (a judge's draft that was never submitted has none).
        last = dict(ScoreSheetVersion.objects.filter(sheet__in=[s.pk for s, _c, _t in changed]).values("sheet")
                    .annotate(number=Max("number")).values_list("sheet", "number"))
        drafts = [s.pk for s, _c, _t in changed if s.judge_id is not None]
        if drafts:
            # The latest unlock of each sheet, in its history.
            for sheet_id, unlock_reason in (SheetUnlock.objects.filter(sheet_id__in=drafts)
                                            .order_by("unlocked_at", "pk").values_list("sheet_id", "reason")):
                notes[sheet_id] = (_("Imported after the chief judge unlocked it: %(reason)s")
                                   % {"reason": unlock_reason})[:REASON_MAX]
        for sheet, criteria, total in changed:
            sheet.criteria, sheet.total, sheet.status = criteria, total, SheetStatus.SUBMITTED
            sheet.version = last.get(sheet.pk, 0) + 1
            sheet.entered_by = user
    changed = [sheet for sheet, _c, _t in changed]
    ScoreSheet.objects.bulk_create(new_sheets, batch_size=1000)
    ScoreSheet.objects.bulk_update(changed, ["criteria", "total", "status", "version", "entered_by", "updated_at"],
                                   batch_size=1000)
    ScoreSheetVersion.objects.bulk_create(
        [ScoreSheetVersion(sheet=s, number=s.version, criteria=s.criteria, total=s.total, status=s.status,
                           changed_by=user, reason=notes.get(s.pk, note)) for s in (*new_sheets, *changed)],
        batch_size=1000,
    )
    # Judges' sheets the file wrote (new, or drafts it submitted): their entrants' spread alerts, in one
    # pass, as after a judge's own submit. Unchanged rows raise nothing again.
    touched = sorted({s.entry_id for s in (*new_sheets, *changed) if s.judge_id is not None})
    if touched:
        spread_alerts_refresh(round=rnd, entry_ids=touched)
    if (new_sheets or changed) and STATE_ORDER.index(rnd.state) < STATE_ORDER.index(RoundState.REVIEW):
        round_state_change(round=rnd, to_state=RoundState.REVIEW, user=user, reason=_("Scores imported"))
    return result
