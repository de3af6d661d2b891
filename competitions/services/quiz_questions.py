"""A quiz round's questions, prepared by the organisers (DESIGN, "Competitions", live quiz show):
added, changed, reordered and deleted in the admin, or imported from a sheet (序号, 环节, 题目,
答案, 答题时间（秒）, 队伍; all rows or none, idempotent).

A question the show has used (shown on the screens, buzzed on or scored) no longer changes and
cannot be deleted: the event log refers to it. A confirmed or published round's questions do
not change at all. Every write takes the round's row lock and the show's (the show's own actions
take the latter), so a question cannot become used between the check and the write.
"""

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Case, F, Value, When
from django.utils.translation import gettext as _

from home.imports import ImportResult, RowCleaner, RowError, duplicate_key_errors
from home.spreadsheets import SpreadsheetError, shown
from home.validators import CONTROL_CHARACTERS_MESSAGE, has_control_characters

from ..models import QuizQuestion, QuizSegment, QuizShow, Round, RoundKind, RoundState
from ..resources import (
    ANSWER,
    DEFAULT_SECONDS,
    HEADER_ALIASES,
    ORDER,
    QUESTION_REQUIRED,
    SECONDS,
    SEGMENT,
    TEAM,
    TEXT,
    QuizQuestionResource,
)
from ..selectors.quiz_questions import quiz_question_is_used, quiz_used_question_ids, team_entries
from ..workbook import norm, single_sheet_table

FROZEN_STATES = (RoundState.CONFIRMED, RoundState.PUBLISHED)
# The segments whose question goes to one team in turn (the others are won by a buzz).
TEAM_SEGMENTS = (QuizSegment.REQUIRED, QuizSegment.RISK)
# Orders are moved out of the way here while a round is renumbered (unique per round).
_PARKING = 10000


class QuestionRefused(ValidationError):
    """A change the round or the show no longer allows."""


def _locked_round(round_id):
    """The round's row, and its show's if it has one, locked until the transaction ends."""
    rnd = Round.objects.select_for_update().select_related("competition").get(pk=round_id)
    list(QuizShow.objects.select_for_update().filter(round_id=round_id).values_list("pk", flat=True))
    return rnd


def quiz_round_refusal(rnd):
    """Why the round's questions cannot change at all, or None."""
    if rnd.kind != RoundKind.QUIZ:
        return _("Only a quiz show round has questions.")
    if rnd.state in FROZEN_STATES:
        return _("Round %(round)s is %(state)s: its questions can no longer change.") % {
            "round": rnd.name, "state": rnd.get_state_display()}
    return None


def quiz_question_used_message(order):
    return _("Question %(n)d has been used in the show (shown, buzzed on or scored): it can no longer be changed "
             "or deleted, because the event log refers to it.") % {"n": order}


def quiz_question_problems(*, round, segment, team, order, question_id=None):
    """{field: message} of what is wrong with a question's round, team and number (the form
    and the service both ask)."""
    problems = {}
    refusal = quiz_round_refusal(round)
    if refusal:
        problems["round"] = refusal
        return problems
    if team is not None:
        if segment not in TEAM_SEGMENTS:
            problems["team"] = _("Only 必答 and 风险 questions go to a team; 抢答 and 加赛 questions are won by a buzz.")
        elif team.competition_id != round.competition_id or not team.team_id:
            problems["team"] = _("Choose a team of this competition.")
    if order is not None:
        taken = QuizQuestion.objects.filter(round=round, order=order)
        if question_id:
            taken = taken.exclude(pk=question_id)
        if taken.exists():
            problems["order"] = _("Question number %(n)d is already taken in this round.") % {"n": order}
    return problems


def quiz_question_next_order(round):
    last = QuizQuestion.objects.filter(round=round).order_by("-order").values_list("order", flat=True).first()
    return (last or 0) + 1


@transaction.atomic
def quiz_question_save(*, question, user=None):
    """Create or change a question (as the admin's form left it). Refused for a round that is
    confirmed or published, and for a question the show has used."""
    rnd = _locked_round(question.round_id)
    if question.pk:
        old_round = QuizQuestion.objects.filter(pk=question.pk).values_list("round_id", flat=True).first()
        if old_round is not None and old_round != rnd.pk:
            refusal = quiz_round_refusal(_locked_round(old_round))
            if refusal:
                raise QuestionRefused(refusal)
        if quiz_question_is_used(question.pk):
            order = QuizQuestion.objects.filter(pk=question.pk).values_list("order", flat=True).first()
            raise QuestionRefused(quiz_question_used_message(order or question.order))
    problems = quiz_question_problems(round=rnd, segment=question.segment, team=question.team, order=question.order,
                                 question_id=question.pk)
    if problems:
        raise QuestionRefused(problems)
    for name in ("text", "answer"):
        if has_control_characters(getattr(question, name)):
            raise QuestionRefused({name: str(CONTROL_CHARACTERS_MESSAGE)})
    question.full_clean(validate_unique=False, validate_constraints=False)
    question.save()
    return question


@transaction.atomic
def quiz_question_delete(*, question, user=None):
    """Delete a question nobody has seen in the show yet."""
    rnd = _locked_round(question.round_id)
    refusal = quiz_round_refusal(rnd)
    if refusal:
        raise QuestionRefused(refusal)
    if quiz_question_is_used(question.pk):
        raise QuestionRefused(quiz_question_used_message(question.order))
    question.delete()


@transaction.atomic
def quiz_questions_reorder(*, question, position, user=None):
    """Move a question to `position` (0 = first) in its round's list. The round keeps its
    numbers, handed out again in the new order; refused when a question the show has used
    would change its number."""
    rnd = _locked_round(question.round_id)
    refusal = quiz_round_refusal(rnd)
    if refusal:
        raise QuestionRefused(refusal)
    rows = list(QuizQuestion.objects.filter(round=rnd).order_by("order").values_list("pk", "order"))
    ids = [pk for pk, _order in rows]
    if question.pk not in ids:
        raise QuestionRefused(_("This question is not one of the round's."))
    numbers = [order for _pk, order in rows]
    ids.remove(question.pk)
    position = len(ids) if position is None or position < 0 or position > len(ids) else position
    ids.insert(position, question.pk)
    new = dict(zip(ids, numbers, strict=True))
    old = dict(rows)
    moved = {pk: order for pk, order in new.items() if old[pk] != order}
    if not moved:
        return 0
    for pk in quiz_used_question_ids(round_id=rnd.pk) & set(moved):
        raise QuestionRefused(quiz_question_used_message(old[pk]))
    _renumber(moved)
    return len(moved)


def _renumber(orders):
    """Give questions new numbers ({id: order}) without breaking "one number per round" on the
    way (checked row by row): park them beyond the numbers in use, then set them."""
    QuizQuestion.objects.filter(pk__in=orders).update(order=F("order") + _PARKING)
    QuizQuestion.objects.filter(pk__in=orders).update(
        order=Case(*[When(pk=pk, then=Value(order)) for pk, order in orders.items()]))


# --- the sheet ---------------------------------------------------------------------------------


def quiz_questions_import_file(content, filename, *, round, dry_run, user=None):
    """Read a questions sheet (.xlsx first sheet, or .csv) and import it into the round."""
    try:
        table = single_sheet_table(content, filename, markers=(TEXT,))
    except SpreadsheetError as exc:
        return ImportResult(errors=[RowError(1, _("File"), str(exc))], dry_run=dry_run)
    return quiz_questions_import(table, round=round, dry_run=dry_run, user=user)


def _columns(table):
    """{column name: the table's header for it}, aliases understood."""
    headers = set(table.headers)
    found = {}
    for column in (ORDER, SEGMENT, TEXT, ANSWER, SECONDS, TEAM):
        for name in (column, *HEADER_ALIASES.get(column, ())):
            if norm(name) in headers:
                found[column] = norm(name)
                break
    return found


def quiz_questions_import(table, *, round, dry_run, user=None):
    """Import a round's questions from a Table (headers normalised). The sheet lists the round's
    questions by 序号: a new number adds a question, a known one replaces it (an identical row
    changes nothing), and a question the file no longer lists is deleted. Questions the show has
    used stay as they are: a row changing one is an error, and they are kept when not listed.
    All rows or none; every problem is reported as 第N行 列名: 原因."""
    result = ImportResult(total=len(table), dry_run=dry_run)
    errors = result.errors
    refusal = quiz_round_refusal(round)
    if refusal:
        errors.append(RowError(table.header_row, _("File"), refusal))
        return result
    columns = _columns(table)
    for column in QUESTION_REQUIRED:
        if column not in columns:
            errors.append(RowError(table.header_row, column, _("This column is missing.")))
    if errors:
        return result
    if not table.rows:
        errors.append(RowError(table.header_row + 1, ORDER, _("The sheet lists no question.")))
        return result

    cleaner = RowCleaner(QuizQuestionResource(), required_columns=QUESTION_REQUIRED)
    teams = {}
    for entry in team_entries([round.competition_id]):
        teams.setdefault(norm(entry.team.name), entry)
    parsed = []
    for row, values in table.rows:
        raw = {column: values.get(header) for column, header in columns.items()}
        before = len(errors)
        cleaned = cleaner.clean(row, raw, errors)
        name = cleaned.pop("team", "") or ""
        entry = None
        if name:
            entry = teams.get(norm(name))
            if entry is None:
                errors.append(RowError(row, TEAM, _("No team %(value)s in this competition (its teams: %(teams)s).")
                                       % {"value": shown(name), "teams": "、".join(e.team.name for e in teams.values())
                                          or "—"}))
            elif cleaned.get("segment") and cleaned["segment"] not in TEAM_SEGMENTS:
                errors.append(RowError(row, TEAM, _(
                    "Only 必答 and 风险 questions go to a team; 抢答 and 加赛 questions are won by a buzz.")))
        if cleaned.get("seconds") is None:  # no 答题时间 column, or an empty cell
            cleaned["seconds"] = DEFAULT_SECONDS
        cleaned["team"] = entry
        if len(errors) == before:
            parsed.append((row, cleaned))
    errors.extend(duplicate_key_errors(parsed, "order", ORDER))
    if errors:
        errors.sort(key=lambda e: e.row)
        return result

    try:
        with transaction.atomic():
            if not dry_run:
                _locked_round(round.pk)
            _plan_and_write(round, parsed, result, dry_run=dry_run)
            if result.errors:
                transaction.set_rollback(True)
    except IntegrityError:
        result.created = result.updated = result.unchanged = 0
        result.changes = []
        errors.append(RowError(table.header_row, _("File"), _(
            "The round's questions changed while the file was being imported: import the file again.")))
    return result


FIELDS = ("segment", "text", "answer", "seconds", "team_id")
FIELD_COLUMNS = {"segment": SEGMENT, "text": TEXT, "answer": ANSWER, "seconds": SECONDS, "team_id": TEAM}


def _plan_and_write(rnd, parsed, result, *, dry_run):
    existing = {q.order: q for q in QuizQuestion.objects.filter(round=rnd).select_related("team__team")}
    used = quiz_used_question_ids(round_id=rnd.pk)
    create, update = [], []
    listed = set()
    for row, values in parsed:
        order = values["order"]
        listed.add(order)
        new = {"segment": values["segment"], "text": values["text"], "answer": values["answer"],
               "seconds": values["seconds"], "team_id": values["team"].pk if values["team"] else None}
        question = existing.get(order)
        if question is None:
            create.append(QuizQuestion(round=rnd, order=order, **new))
            continue
        differs = [f for f in FIELDS if getattr(question, f) != new[f]]
        if not differs:
            result.unchanged += 1
        elif question.pk in used:
            result.errors.append(RowError(row, FIELD_COLUMNS[differs[0]], quiz_question_used_message(order)))
        else:
            for name, value in new.items():
                setattr(question, name, value)
            update.append(question)
            result.changes.append(_("Row %(row)d: question %(n)d replaced (%(fields)s).") % {
                "row": row, "n": order, "fields": "、".join(FIELD_COLUMNS[f] for f in differs)})
    stale = [q for order, q in sorted(existing.items()) if order not in listed]
    delete = [q.pk for q in stale if q.pk not in used]
    for question in stale:
        if question.pk in used:
            result.changes.append(_("Question %(n)d is not in the file but was used in the show: it is kept.")
                                  % {"n": question.order})
        else:
            result.changes.append(_("Question %(n)d is not in the file: it is deleted.") % {"n": question.order})
    if result.errors:
        result.errors.sort(key=lambda e: e.row)
        result.changes = []
        result.unchanged = 0
        return
    result.created, result.updated = len(create), len(update)
    if dry_run:
        return
    QuizQuestion.objects.filter(pk__in=delete).delete()
    if update:
        QuizQuestion.objects.bulk_update(update, list(FIELDS))
    QuizQuestion.objects.bulk_create(create)
