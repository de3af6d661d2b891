"""Drawing a paper, starting, saving, closing and grading attempts.

Attempt state changes are conditional UPDATEs (`...filter(status=IN_PROGRESS).update()`),
so two tabs, two devices or a retried request can never close or grade an attempt twice,
and a save with an older sequence number never overwrites a newer one.
"""

import random
from datetime import timedelta
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from home.validators import CONTROL_CHARACTERS_MESSAGE, has_control_characters

from .. import scoring
from ..models import (
    Attempt,
    AttemptItem,
    AttemptStatus,
    ExamCandidate,
    GradingLog,
    PaperKind,
    QuestionType,
    QuestionVersion,
)
from ..models.attempts import SAVE_GRACE
from ..models.bank import (
    CHOICE_TYPES,
    OPTION_LETTERS,
)
from .candidates import terms_for

# --- drawing a paper -----------------------------------------------------------------


_DRAW_FIELDS = ("paper", "points", "question__qtype", "question__options", "question__points", "question__version")


def draw_paper(paper, *, rng, form="A"):
    """[(question, points)] for one candidate. Blueprint papers draw per rule without ever
    drawing a question twice; with two forms, each form draws from its own half of each
    pool first, so A and B share as few questions as the bank allows."""
    if paper.kind == PaperKind.FIXED:
        # Only what drawing and starting need: a crowd starts the same paper at once.
        slots = list(paper.slots.select_related("question").only(*_DRAW_FIELDS).order_by("sort_order", "pk"))
        picked = [(s.question, s.points or s.question.points) for s in slots]
    else:
        picked = []
        used = set()
        for rule in paper.rules.all().order_by("sort_order", "pk"):
            pool = sorted((q for q in rule.matching() if q.pk not in used), key=lambda q: q.pk)
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
            used.update(q.pk for q in chosen)
            picked.extend((q, rule.points or q.points) for q in chosen)
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
    now = now or timezone.now()
    with transaction.atomic():
        # Serialise starts of the same person (double click, two tabs): lock their candidate row.
        # Only this person's row: candidates starting at the same time never wait for each other.
        candidate = ExamCandidate.objects.select_for_update(no_key=True).filter(exam=exam, staff=staff).first()
        if candidate is None or not exam.active:
            raise PermissionDenied(_("This exam is not assigned to you."))
        attempts = list(Attempt.objects.filter(exam=exam, staff=staff).order_by("number"))
        for attempt in attempts:
            if attempt.status == AttemptStatus.IN_PROGRESS:
                if attempt_close_if_expired(attempt=attempt, now=now):
                    continue
                return attempt
        terms = terms_for(exam, staff)
        if not terms.is_open(now):
            raise ValidationError(_("The exam is not open now."))
        if len(attempts) >= terms.attempts:
            raise ValidationError(_("You have used all your attempts."))
        seed = random.SystemRandom().randrange(1, 2**62)
        rng = random.Random(seed)
        form = "AB"[rng.randrange(exam.paper.forms)] if exam.paper.forms > 1 else "A"
        drawn = draw_paper(exam.paper, rng=rng, form=form)
        if not drawn:
            raise ValidationError(_("The paper has no questions."))
        versions = current_versions([q for q, _p in drawn], ids_only=True)
        deadline = min(now + timedelta(minutes=terms.minutes), terms.closes_at)
        attempt = Attempt.objects.create(
            exam=exam, staff=staff, number=len(attempts) + 1, form=form, seed=seed, started_at=now, deadline=deadline,
            max_score=sum((p for _q, p in drawn), Decimal("0")),
        )
        AttemptItem.objects.bulk_create(
            AttemptItem(attempt=attempt, position=i, question=q, version=versions[q.pk], points=p,
                        option_order=option_order(q, rng=rng, shuffle=exam.paper.shuffle_options),
                        needs_grading=False)
            for i, (q, p) in enumerate(drawn)
        )
    return attempt


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
    value = item.response
    if value is None:
        return None
    if item.version.qtype in CHOICE_TYPES:
        shown = []
        for letter in value:
            original = OPTION_LETTERS.index(letter)
            if original in item.option_order:
                shown.append(OPTION_LETTERS[item.option_order.index(original)])
        return sorted(shown)
    return value


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
