"""Drawing a paper, starting, saving, closing and grading attempts.

Attempt state changes are conditional UPDATEs (`...filter(status=IN_PROGRESS).update()`),
so two tabs, two devices or a retried request can never close or grade an attempt twice,
and a save with an older sequence number never overwrites a newer one.
"""

import random
from datetime import timedelta
from decimal import Decimal
from types import SimpleNamespace
from typing import NamedTuple

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F, FilteredRelation, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from home.db import fast_insert
from home.validators import CONTROL_CHARACTERS_MESSAGE, has_control_characters

from .. import scoring
from ..compiled import CompiledQuery
from ..models import (
    Attempt,
    AttemptItem,
    AttemptStatus,
    GradingLog,
    PaperKind,
    PaperSlot,
    Question,
    QuestionType,
    QuestionVersion,
)
from ..models.attempts import SAVE_GRACE
from ..models.bank import (
    CHOICE_TYPES,
    OPTION_LETTERS,
)
from ..selectors import candidacy, person_attempts
from .candidates import Terms

# --- drawing a paper -----------------------------------------------------------------


class DrawnQuestion(NamedTuple):
    """What drawing and starting need of a question: a whole centre starts the same paper at
    the same minute, so the text stays in the bank (the answer sheet reads the version)."""

    pk: int
    qtype: str
    options: list
    points: Decimal
    current_version_id: int | None  # None: the question has no version yet


def _drawn_questions(rows, prefix="", extra=()):
    """Rows of DrawnQuestion's fields (the current version's id read in the same query), then
    `extra`, from a queryset of questions or of rows pointing at them through `prefix`."""
    current = FilteredRelation(f"{prefix}versions", condition=Q(**{f"{prefix}versions__number": F(f"{prefix}version")}))
    fields = [f"{prefix}{name}" for name in ("id", "qtype", "options", "points")]
    return rows.annotate(current=current).values_list(*fields, "current__id", *extra)


def _fixed_paper_query():
    def build(paper_id):
        slots = PaperSlot.objects.filter(paper_id=paper_id).order_by("sort_order", "pk")
        return _drawn_questions(slots, "question__", extra=("points",))

    return CompiledQuery(build)


# Compiled once: a whole centre starts the same paper at the same minute.
_FIXED_PAPER_QUERY = _fixed_paper_query()


def draw_paper(paper, *, rng, form="A"):
    """[(DrawnQuestion, points)] for one candidate. Blueprint papers draw per rule without ever
    drawing a question twice; with two forms, each form draws from its own half of each
    pool first, so A and B share as few questions as the bank allows."""
    if paper.kind == PaperKind.FIXED:
        picked = [(DrawnQuestion(*row[:5]), row[5] or row[3]) for row in _FIXED_PAPER_QUERY.rows(paper_id=paper.pk)]
    else:
        chosen_ids = []  # (question pk, the rule's points)
        used = set()
        for rule in paper.rules.all().order_by("sort_order", "pk"):
            # Only keys to draw from (a pool may be a whole bank); what the chosen are, after.
            pool = [pk for pk in rule.matching().order_by("pk").values_list("pk", flat=True) if pk not in used]
            if len(pool) < rule.count:
                raise ValidationError(
                    _("The bank has only %(have)d questions for a rule that draws %(need)d.")
                    % {"have": len(pool), "need": rule.count}
                )
            if paper.forms == 2 and len(pool) >= 2 * rule.count:
                half = pool[0::2] if form == "A" else pool[1::2]
                chosen = rng.sample(half, rule.count)
            else:
                chosen = rng.sample(pool, rule.count)
            used.update(chosen)
            chosen_ids.extend((pk, rule.points) for pk in chosen)
        drawn = {}
        if chosen_ids:
            drawn = {row[0]: DrawnQuestion(*row)
                     for row in _drawn_questions(Question.objects.filter(pk__in=[pk for pk, _p in chosen_ids]))}
        picked = [(drawn[pk], points or drawn[pk].points) for pk, points in chosen_ids]
    if paper.shuffle_questions:
        rng.shuffle(picked)
    return picked


def option_order(question, *, rng, shuffle):
    order = list(range(len(question.options or [])))
    if shuffle and question.qtype in CHOICE_TYPES:
        rng.shuffle(order)
    return order


# --- attempts ------------------------------------------------------------------------


def attempt_start(*, exam, staff, now=None):
    """Start the person's next attempt, or return the one already in progress."""
    with transaction.atomic():
        candidate = candidacy(exam_id=exam.pk, staff=staff, lock=True)
        if candidate is None:
            raise PermissionDenied(_("This exam is not assigned to you."))
        return _attempt_start(candidate, exam=candidate.exam, staff=staff, now=now)


def attempt_start_by_user(*, exam_id, user, now=None):
    """attempt_start for the signed-in user, from the exam's key: the start button's path,
    where looking up the person, the exam, their candidate row and override is one query.
    PermissionDenied when the user is not a candidate of the (active) exam."""
    with transaction.atomic():
        candidate = candidacy(exam_id=exam_id, user=user, lock=True)
        if candidate is None:
            raise PermissionDenied(_("This exam is not assigned to you."))
        return _attempt_start(candidate, exam=candidate.exam, staff=None, now=now)


def _attempt_start(candidate, *, exam, staff, now):
    """Inside the transaction that locked the person's candidate row (serialising one person's
    starts: double click, two tabs; candidates starting at the same time never wait for
    each other)."""
    now = now or timezone.now()
    staff_id = candidate.staff_id
    attempts = person_attempts(exam=exam, staff_id=staff_id)
    for attempt in attempts:
        if attempt.status == AttemptStatus.IN_PROGRESS:
            if attempt_close_if_expired(attempt=attempt, now=now):
                continue
            return attempt
    terms = Terms(exam, candidate.override)
    if not terms.is_open(now):
        raise ValidationError(_("The exam is not open now."))
    if len(attempts) >= terms.attempts:
        raise ValidationError(_("You have used all your attempts."))
    paper = exam.paper
    seed = random.SystemRandom().randrange(1, 2**62)
    rng = random.Random(seed)
    form = "AB"[rng.randrange(paper.forms)] if paper.forms > 1 else "A"
    drawn = draw_paper(paper, rng=rng, form=form)
    if not drawn:
        raise ValidationError(_("The paper has no questions."))
    version_ids = _current_version_ids([q for q, _p in drawn])
    deadline = min(now + timedelta(minutes=terms.minutes), terms.closes_at)
    attempt = Attempt.objects.create(
        exam=exam, staff_id=staff_id, number=len(attempts) + 1, form=form, seed=seed, started_at=now, deadline=deadline,
        max_score=sum((p for _q, p in drawn), Decimal("0")),
    )
    if staff is not None:
        attempt.staff = staff
    # Straight to the driver (COPY on PostgreSQL): bulk_create's per-value compilation cost
    # more than the rest of the start.
    defaults = {field.attname: field.get_default() for field in AttemptItem._meta.concrete_fields}
    fast_insert(AttemptItem, [
        SimpleNamespace(**{**defaults, "attempt_id": attempt.pk, "position": i, "question_id": q.pk,
                           "version_id": version_ids[q.pk], "points": p, "needs_grading": False,
                           "option_order": option_order(q, rng=rng, shuffle=paper.shuffle_options)})
        for i, (q, p) in enumerate(drawn)
    ])
    return attempt


def _current_version_ids(questions):
    """{question pk: its current version's id}, as drawn; a question without a version yet
    (saved before versions were kept) gets one now."""
    version_ids = {q.pk: q.current_version_id for q in questions}
    unversioned = [pk for pk, version_id in version_ids.items() if version_id is None]
    if unversioned:
        for pk, version in current_versions(list(Question.objects.filter(pk__in=unversioned))).items():
            version_ids[pk] = version.pk
    return version_ids


def current_versions(questions, *, ids_only=False):
    """The latest version of each question (one query); questions without one get it now.
    `ids_only`: the versions are only referred to (a new attempt's items), not read."""
    versions = {}
    current = QuestionVersion.objects.filter(question__in=questions, number=F("question__version")).order_by()
    if ids_only:
        current = current.only("question_id")
    for version in current:
        versions[version.question_id] = version
    for question in questions:
        if question.pk not in versions:
            versions[question.pk] = question.snapshot()
    return versions


class SaveRefused(Exception):
    """A save that must not be stored (closed attempt, past the deadline)."""

    def __init__(self, message, *, closed=False):
        super().__init__(message)
        self.closed = closed


class AttemptNotFound(Exception):
    """No such attempt for this person (the view answers 404)."""


# The columns a save reads: the item's option order, its attempt's state, its version's type.
_SAVE_FIELDS = ("option_order", "attempt__status", "attempt__deadline", "version__qtype", "version__options")


def attempt_save_answer(*, attempt, position, response, seq, now=None, user=None):
    """Store one response if `seq` is newer than the stored one. Returns True when stored,
    False when a newer save already won. Raises SaveRefused when the attempt is over or the
    answer is invalid, AttemptNotFound when `user` is given and the attempt is not theirs.

    `attempt` is an Attempt or its primary key. Two queries: one SELECT of the item joined
    to its attempt and version, locking the attempt row (FOR NO KEY UPDATE: a submit's
    UPDATE of that row waits for this save to commit and then grades it; a save arriving
    after the submit waits for the submit and sees the attempt closed), and one conditional
    UPDATE (`response_seq < seq`), so an older save never overwrites a newer one. The lock
    is one attempt's row: candidates never wait for each other. The attempt is not written.
    """
    now = now or timezone.now()
    attempt_id = getattr(attempt, "pk", attempt)
    items = AttemptItem.objects.filter(attempt_id=attempt_id, position=position)
    if user is not None:
        items = items.filter(attempt__staff__user=user)
    items = items.select_related("attempt", "version").only(*_SAVE_FIELDS).order_by()
    expired = False
    with transaction.atomic():
        found = list(items.select_for_update(of=("attempt",), no_key=True))
        if not found:
            owned = Attempt.objects.filter(pk=attempt_id)
            if user is not None:
                owned = owned.filter(staff__user=user)
            if not owned.exists():
                raise AttemptNotFound
            raise SaveRefused(_("No such question."))
        item = found[0]
        if item.attempt.status != AttemptStatus.IN_PROGRESS:
            raise SaveRefused(_("This attempt is closed."), closed=True)
        if now > item.attempt.deadline + SAVE_GRACE:
            expired = True
        else:
            try:
                value = _response_from_client(item, response)
            except scoring.AnswerKeyError as exc:
                raise SaveRefused(str(exc)) from exc
            stored = AttemptItem.objects.filter(pk=item.pk, response_seq__lt=seq).update(
                response=value, response_seq=seq, saved_at=now
            )
    if expired:
        attempt_close_if_expired(attempt=Attempt.objects.select_related("exam").get(pk=attempt_id), now=now)
        raise SaveRefused(_("Time is up: the answer was not saved."), closed=True)
    return bool(stored)


def _texts(value):
    if isinstance(value, str):
        yield value
    elif isinstance(value, (list, tuple)):
        for part in value:
            yield from _texts(part)
    elif isinstance(value, dict):
        for key, part in value.items():
            yield from _texts(key)
            yield from _texts(part)


def _response_from_client(item, response):
    """The client answers choice questions by displayed letter; store the question's own letter."""
    # NUL cannot be stored in PostgreSQL's jsonb (a 500 there), nor typed by a candidate.
    try:
        if any(has_control_characters(text) for text in _texts(response)):
            raise scoring.AnswerKeyError(str(CONTROL_CHARACTERS_MESSAGE))
    except RecursionError:  # an answer nested a thousand lists deep
        raise scoring.AnswerKeyError(_("Invalid answer.")) from None
    qtype = item.version.qtype
    if qtype in CHOICE_TYPES:
        shown = response if isinstance(response, list) else ([response] if response not in (None, "") else [])
        letters = []
        for letter in shown:
            index = OPTION_LETTERS.find(str(letter).upper()) if len(str(letter)) == 1 else -1
            if index < 0 or index >= len(item.option_order):
                raise scoring.AnswerKeyError(_("Invalid option."))
            letters.append(OPTION_LETTERS[item.option_order[index]])
        return scoring.normalize_response(qtype, letters, len(item.version.options))
    return scoring.normalize_response(qtype, response, len(item.version.options))


def response_for_client(item):
    """The stored response in the letters the candidate sees."""
    return shown_response(item.version.qtype, item.response, item.option_order)


def shown_response(qtype, response, option_order):
    """A stored response in the letters of the displayed option order (the question's own
    letters are stored)."""
    if response is None:
        return None
    if qtype in CHOICE_TYPES:
        shown = []
        for letter in response:
            original = OPTION_LETTERS.index(letter)
            if original in option_order:
                shown.append(OPTION_LETTERS[option_order.index(original)])
        return sorted(shown)
    return response


def attempt_close_if_expired(*, attempt, now=None):
    """Close (and grade) an attempt whose time is over; True if it is closed now."""
    now = now or timezone.now()
    if attempt.status == AttemptStatus.IN_PROGRESS and now > attempt.deadline + SAVE_GRACE:
        attempt_close(attempt=attempt, now=now, timed_out=True)
        return True
    return attempt.status != AttemptStatus.IN_PROGRESS


def attempt_close(*, attempt, now=None, timed_out=False):
    """Submit an attempt. Only the first of concurrent submits wins and grades; the others
    return False. Grading uses what was saved."""
    now = now or timezone.now()
    with transaction.atomic():
        won = Attempt.objects.filter(pk=attempt.pk, status=AttemptStatus.IN_PROGRESS).update(
            status=AttemptStatus.PENDING, closed_at=now, timed_out=timed_out
        )
        if not won:
            attempt.refresh_from_db()
            return False
        attempt_grade(attempt=attempt)
    attempt.refresh_from_db()
    return True


def attempt_grade(*, attempt):
    """(Re)grade the objective items of a closed attempt and total it (a fixed number of queries).
    A question the exam gave everyone full marks for scores its full points."""
    exam = attempt.exam
    items = list(attempt.items.select_related("version"))
    full_marks = full_marks_question_ids(exam)
    for item in items:
        if item.question_id in full_marks:
            item.score = item.points
            item.needs_grading = False
            continue
        qtype = item.version.qtype
        if qtype == QuestionType.ESSAY:
            item.needs_grading = item.score is None and item.response is not None
            if item.response is None:
                item.score = Decimal("0.00")
            continue
        item.score = grade_item(item, partial_credit=exam.partial_credit)
    AttemptItem.objects.bulk_update(items, ["score", "needs_grading"])
    attempt_total(attempt=attempt, items=items)


def full_marks_question_ids(exam):
    """The questions the exam gave everyone full marks for (the log records the decision)."""
    return set(
        GradingLog.objects.filter(exam=exam, action=GradingLog.Action.FULL_MARKS, question__isnull=False)
        .values_list("question_id", flat=True)
    )


def grade_item(item, *, partial_credit):
    version = item.version
    key = scoring.parse_key(version.qtype, version.answer, version.options)
    return scoring.grade(version.qtype, key, item.response, item.points, partial_credit=partial_credit)


def attempt_total(*, attempt, items=None):
    items = items if items is not None else list(attempt.items.all())
    pending = any(i.score is None or i.needs_grading for i in items)
    score = sum((i.score or Decimal("0") for i in items), Decimal("0"))
    attempt.score = scoring.quantize(score)
    attempt.max_score = sum((i.points for i in items), Decimal("0"))
    attempt.percent = scoring.percentage(score, attempt.max_score)
    if pending:
        attempt.status = AttemptStatus.PENDING
        attempt.passed = None
        attempt.graded_at = None
    else:
        attempt.status = AttemptStatus.GRADED
        attempt.passed = attempt.percent >= attempt.exam.pass_percent
        attempt.graded_at = timezone.now()
    Attempt.objects.filter(pk=attempt.pk).exclude(status=AttemptStatus.IN_PROGRESS).update(
        score=attempt.score, max_score=attempt.max_score, percent=attempt.percent, status=attempt.status,
        passed=attempt.passed, graded_at=attempt.graded_at,
    )



def close_expired_attempts(*, now=None, exam_ids=None):
    """Close every attempt whose time ran out (the task; views also close lazily)."""
    now = now or timezone.now()
    closed = 0
    expired = Attempt.objects.filter(status=AttemptStatus.IN_PROGRESS, deadline__lt=now - SAVE_GRACE).select_related("exam")
    if exam_ids is not None:
        expired = expired.filter(exam_id__in=exam_ids)
    for attempt in expired:
        closed += attempt_close(attempt=attempt, now=now, timed_out=True)
    return closed
