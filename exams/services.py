"""Writes of the exams app: imports, audiences, attempts, saves, grading and regrading.

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

from home.imports import ImportResult, RowCleaner, RowError
from home.validators import CONTROL_CHARACTERS_MESSAGE, has_control_characters
from people.models import StaffProfile
from people.selectors import audience_filter_of

from . import scoring
from .models import (
    Attempt,
    AttemptItem,
    AttemptStatus,
    Category,
    Exam,
    ExamCandidate,
    ExamOverride,
    GradingLog,
    PaperKind,
    Question,
    QuestionBank,
    QuestionType,
    QuestionVersion,
)
from .models.bank import (
    CHOICE_TYPES,
    OPTION_LETTERS,
    content_digest,
    stem_html_from_text,
    stem_key,
    version_fields,
)
from .resources import (
    ANSWER,
    BANK,
    DEFAULT_DIFFICULTY,
    DEFAULT_POINTS,
    OPTION_COLUMNS,
    POINTS,
    QUESTION_HEADERS,
    REQUIRED_HEADERS,
    STEM,
    TYPE,
    TYPE_NAMES,
    QuestionResource,
)

PREVIEW_ROWS = 20
# Saves that arrive this long after the deadline still count (network latency, a last
# keystroke in flight); later ones are refused.
SAVE_GRACE = timedelta(seconds=30)


# --- question import and export ------------------------------------------------------


def question_import(table, *, dry_run, user=None, bank_name=None):
    """Import questions: all rows or none, idempotent on bank + 题干.

    The bank is the row's 题库 cell when the file has that column, else `bank_name`.
    Unknown banks and categories are created (listed in the result first).
    """
    result = ImportResult(total=len(table), dry_run=dry_run)
    for column in REQUIRED_HEADERS:
        if column not in table.headers:
            result.errors.append(RowError(table.header_row, column, _("This column is missing.")))
    if not bank_name and BANK not in table.headers:
        # One clear answer instead of the same error on every row.
        result.errors.append(RowError(table.header_row, BANK, _("The file has no 题库 column: add one, or import into a chosen bank.")))
    if result.errors:
        return result
    cleaner = RowCleaner(QuestionResource(), required_columns=(TYPE, STEM))
    rows = []
    for row_number, raw in table.rows:
        before = len(result.errors)
        values = cleaner.clean(row_number, raw, result.errors)
        values["bank"] = values.get("bank") or (bank_name or "")
        if not values["bank"]:
            result.errors.append(RowError(row_number, BANK, _("Name the question bank in the 题库 column, or import into a chosen bank.")))
        if len(result.errors) == before:
            _check_question_row(row_number, values, result.errors)
        rows.append((row_number, values))
    _check_duplicate_stems(rows, result.errors)
    if result.errors:
        order = {name: i for i, name in enumerate((*QUESTION_HEADERS, BANK))}
        result.errors.sort(key=lambda e: (e.row, order.get(e.column, 99)))
        return result

    plan = _QuestionPlan(rows)
    result.side_effects = plan.side_effects()
    for status in plan.statuses.values():
        setattr(result, status, getattr(result, status) + 1)
    result.preview = [
        (
            row_number,
            plan.statuses[(v["bank"], v["stem_key"])],
            cleaner.display({**v, "qtype": TYPE_NAMES[v["qtype"]], "stem": v["stem"][:40]}),
        )
        for row_number, v in rows[:PREVIEW_ROWS]
    ]
    if not dry_run:
        with transaction.atomic():
            plan.write(user)
    return result


def _check_question_row(row_number, values, errors):
    qtype = values["qtype"]
    options = [values.get(f"option_{c.lower()}") or "" for c in OPTION_LETTERS]
    # Options are the filled cells up to the last filled one; a gap is an error.
    while options and not options[-1]:
        options.pop()
    if any(not o for o in options):
        missing = OPTION_COLUMNS[options.index("")]
        errors.append(RowError(row_number, missing, _("An option is missing between filled ones.")))
        return
    if qtype in CHOICE_TYPES and len(options) < 2:
        errors.append(RowError(row_number, OPTION_COLUMNS[1], _("A choice question needs at least options A and B.")))
        return
    answer = values.get("answer") or ""
    if qtype == QuestionType.ESSAY:
        values["normalized_answer"] = ""
    else:
        if not answer:
            errors.append(RowError(row_number, ANSWER, _("This column must not be empty.")))
            return
        try:
            key = scoring.parse_key(qtype, answer, options)
        except scoring.AnswerKeyError as exc:
            errors.append(RowError(row_number, ANSWER, str(exc)))
            return
        values["normalized_answer"] = scoring.format_key(qtype, key)
    if values.get("points") is not None and values["points"] <= 0:
        errors.append(RowError(row_number, POINTS, _("Points must be more than 0.")))
    values["options"] = options
    values["stem_key"] = stem_key(stem_html_from_text(values["stem"]))


def _check_duplicate_stems(rows, errors):
    seen = {}
    for row_number, values in rows:
        if "stem_key" not in values:
            continue
        identity = (values["bank"], values["stem_key"])
        if identity in seen:
            errors.append(
                RowError(row_number, STEM, _("The same stem appears again (first on row %(first)d).") % {"first": seen[identity]})
            )
        else:
            seen[identity] = row_number


class _QuestionPlan:
    """Banks, categories and existing questions a file touches: one query per table."""

    def __init__(self, rows):
        self.rows = rows
        bank_names = {v["bank"] for _n, v in rows}
        self.banks = {b.name: b for b in QuestionBank.objects.filter(name__in=bank_names)}
        self.categories = {
            (c.bank.name, c.name): c
            for c in Category.objects.filter(bank__name__in=bank_names).select_related("bank")
        }
        stems = {v["stem_key"] for _n, v in rows}
        self.existing = {
            (q.bank.name, q.stem_text): q
            for q in Question.objects.filter(bank__name__in=bank_names, stem_text__in=stems).select_related("bank", "category")
        }
        self.statuses = {}
        for _n, v in rows:
            identity = (v["bank"], v["stem_key"])
            question = self.existing.get(identity)
            if question is None:
                self.statuses[identity] = "created"
            elif self._changes(question, v):
                self.statuses[identity] = "updated"
            else:
                self.statuses[identity] = "unchanged"

    def _fields(self, values):
        essay = values["qtype"] == QuestionType.ESSAY
        explanation = values.get("explanation") or ""
        return {
            "qtype": values["qtype"],
            "stem": stem_html_from_text(values["stem"]),
            "options": values["options"],
            "answer": values["normalized_answer"],
            "reference_answer": (values.get("answer") or explanation) if essay else "",
            "explanation": "" if essay and not values.get("answer") else explanation,
            "difficulty": values.get("difficulty") or DEFAULT_DIFFICULTY,
            "points": values.get("points") or DEFAULT_POINTS,
        }

    def _changes(self, question, values):
        fields = self._fields(values)
        category = values.get("category") or ""
        current_category = question.category.name if question.category_id else ""
        return category != current_category or any(getattr(question, k) != v for k, v in fields.items())

    def side_effects(self):
        effects = {}
        new_banks = sorted({v["bank"] for _n, v in self.rows} - set(self.banks))
        if new_banks:
            effects[_("question banks")] = new_banks
        new_categories = sorted(
            {f"{v['bank']}·{v['category']}" for _n, v in self.rows if v.get("category")}
            - {f"{b}·{c}" for b, c in self.categories}
        )
        if new_categories:
            effects[_("categories")] = new_categories
        return effects

    def write(self, user):
        for name in sorted({v["bank"] for _n, v in self.rows} - set(self.banks)):
            self.banks[name] = QuestionBank.objects.create(name=name)
        wanted = {(v["bank"], v["category"]) for _n, v in self.rows if v.get("category")}
        new_categories = [Category(bank=self.banks[b], name=c) for b, c in sorted(wanted - set(self.categories))]
        for category in Category.objects.bulk_create(new_categories):
            self.categories[(category.bank.name, category.name)] = category
        created, updated = [], []
        for _n, v in self.rows:
            identity = (v["bank"], v["stem_key"])
            status = self.statuses[identity]
            if status == "unchanged":
                continue
            fields = self._fields(v)
            category = self.categories.get((v["bank"], v.get("category"))) if v.get("category") else None
            if status == "created":
                created.append(Question(bank=self.banks[v["bank"]], category=category, stem_text=v["stem_key"], **fields))
            else:
                question = self.existing[identity]
                for key, value in fields.items():
                    setattr(question, key, value)
                question.category = category
                updated.append(question)
        Question.objects.bulk_create(created)
        Question.objects.bulk_update(
            updated, ["qtype", "stem", "options", "answer", "reference_answer", "explanation", "difficulty", "points", "category"]
        )
        questions_snapshot(questions=created + updated, user=user)


def questions_snapshot(*, questions, user=None):
    """New versions for questions written in bulk (Question.save does this one at a time)."""
    versions = []
    for question in questions:
        content = question.content()
        question.version += 1
        versions.append(
            QuestionVersion(question=question, number=question.version, digest=content_digest(content), created_by=user,
                            **version_fields(content))
        )
    QuestionVersion.objects.bulk_create(versions)
    Question.objects.bulk_update(questions, ["version"])


def question_export_dataset(*, bank):
    """A bank in the import layout (the caller writes it with home.spreadsheets.export_bytes)."""
    return QuestionResource(bank=bank).export()


# --- audiences ------------------------------------------------------------------------


def exam_sync_candidates(*, exam):
    """Record everyone who now matches the audience. People who no longer match leave the
    exam unless they already sat it (their attempts stay theirs). Returns how many were added."""
    if not exam.active:
        return 0
    matching = set(StaffProfile.objects.filter(active=True).filter(audience_filter_of(exam)).values_list("pk", flat=True))
    present = set(ExamCandidate.objects.filter(exam=exam).values_list("staff_id", flat=True))
    ExamCandidate.objects.bulk_create([ExamCandidate(exam=exam, staff_id=pk) for pk in sorted(matching - present)],
                                      ignore_conflicts=True)
    gone = present - matching
    if gone:
        sat = set(Attempt.objects.filter(exam=exam, staff_id__in=gone).values_list("staff_id", flat=True))
        ExamCandidate.objects.filter(exam=exam, staff_id__in=gone - sat).delete()
    return len(matching - present)


@transaction.atomic
def exam_create(*, title, paper, opens_at, closes_at, created_by=None, centres=(), posts=(), vendors=(), individuals=(),
                invigilators=(), **options):
    if not (centres or posts or vendors or individuals):
        raise ValidationError(_("Choose who the exam is for."))
    exam = Exam(title=title, paper=paper, opens_at=opens_at, closes_at=closes_at, created_by=created_by, **options)
    exam.full_clean()
    exam.save()
    exam.centres.set(centres)
    exam.posts.set(posts)
    exam.vendors.set(vendors)
    exam.individuals.set(individuals)
    exam.invigilators.set(invigilators)
    exam_sync_candidates(exam=exam)
    return exam


# --- a candidate's terms ---------------------------------------------------------------


class Terms:
    """An exam's window, time and attempts for one person, overrides applied."""

    def __init__(self, exam, override=None):
        self.opens_at = (override and override.opens_at) or exam.opens_at
        self.closes_at = (override and override.closes_at) or exam.closes_at
        self.minutes = exam.duration_minutes + (override.extra_minutes if override else 0)
        self.attempts = exam.attempts_allowed + (override.extra_attempts if override else 0)

    def is_open(self, now):
        return self.opens_at <= now < self.closes_at


def terms_for(exam, staff):
    override = ExamOverride.objects.filter(exam=exam, staff=staff).first()
    return Terms(exam, override)


def is_candidate(exam, staff):
    return ExamCandidate.objects.filter(exam=exam, staff=staff).exists()


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
        versions = _current_versions([q for q, _p in drawn], ids_only=True)
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


def _current_versions(questions, *, ids_only=False):
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


def exams_sync_open_candidates(*, now=None):
    """Add people who joined an open exam's audience since it was set up (new hires,
    transfers). Returns {exam: number added} for the exams that gained someone."""
    now = now or timezone.now()
    added = {}
    for exam in Exam.objects.filter(active=True, closes_at__gt=now).order_by("closes_at", "pk"):
        count = exam_sync_candidates(exam=exam)
        if count:
            added[exam] = count
    return added


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


# --- manual grading, regrades, full marks ----------------------------------------------


def item_grade_manual(*, item, score, comment, user):
    score = Decimal(score)
    if score < 0 or score > item.points:
        raise ValidationError(_("The score must be between 0 and %(max)s.") % {"max": item.points})
    with transaction.atomic():
        # The item and its attempt (graders of one attempt total it in turn), not the exam's row.
        item = AttemptItem.objects.select_for_update(of=("self", "attempt"), no_key=True).select_related("attempt__exam").get(
            pk=item.pk)
        if item.attempt.status == AttemptStatus.IN_PROGRESS:
            raise ValidationError(_("The attempt is still in progress."))
        if item.question_id in full_marks_question_ids(item.attempt.exam):
            raise ValidationError(_("Everyone was given full marks for this question."))
        previous = item.score
        item.score = scoring.quantize(score)
        item.grader_comment = comment
        item.grader = user
        item.graded_at = timezone.now()
        item.needs_grading = False
        item.save(update_fields=["score", "grader_comment", "grader", "graded_at", "needs_grading"])
        GradingLog.objects.create(
            exam=item.attempt.exam, question_id=item.question_id, item=item, action=GradingLog.Action.MANUAL,
            reason=comment or _("Manual grade"), by=user,
            details={"before": str(previous) if previous is not None else None, "after": str(item.score)},
        )
        attempt_total(attempt=item.attempt)
    return item


def _closed_items(exam, question):
    return AttemptItem.objects.filter(attempt__exam=exam, question=question).exclude(
        attempt__status=AttemptStatus.IN_PROGRESS
    )


def question_regrade(*, exam, question, user, reason):
    """After the question's key was corrected: grade every closed attempt of the exam against
    the question's current version, and log who, why and what changed. A question the exam
    already gave everyone full marks for keeps them (the log counts those items)."""
    if not reason:
        raise ValidationError(_("Say why."))
    with transaction.atomic():
        version = _current_versions([question])[question.pk]
        items = list(_closed_items(exam, question).select_related("attempt"))
        kept_full_marks = question.pk in full_marks_question_ids(exam)
        changed = 0
        for item in items:
            item.version = version
            before = item.score
            if kept_full_marks:
                item.score = item.points
            elif version.qtype != QuestionType.ESSAY:
                item.score = grade_item(item, partial_credit=exam.partial_credit)
            changed += before != item.score
        AttemptItem.objects.bulk_update(items, ["version", "score"])
        for attempt in {item.attempt_id: item.attempt for item in items}.values():
            attempt.exam = exam
            attempt_total(attempt=attempt)
        details = {"version": version.number, "items": len(items), "changed": changed}
        if kept_full_marks:
            details["kept_full_marks"] = len(items)
        GradingLog.objects.create(exam=exam, question=question, action=GradingLog.Action.REGRADE, reason=reason, by=user,
                                  details=details)
    return changed


def question_full_marks(*, exam, question, user, reason):
    """A faulty question: every closed attempt of the exam gets its full points for it, and so
    do attempts closed later and later regrades (the log entry is the lasting decision)."""
    if not reason:
        raise ValidationError(_("Say why."))
    with transaction.atomic():
        items = _closed_items(exam, question)
        attempt_ids = set(items.values_list("attempt_id", flat=True))
        count = items.update(score=F("points"), needs_grading=False, grader=user, graded_at=timezone.now())
        for attempt in Attempt.objects.filter(pk__in=attempt_ids).select_related("exam"):
            attempt_total(attempt=attempt)
        GradingLog.objects.create(exam=exam, question=question, action=GradingLog.Action.FULL_MARKS, reason=reason,
                                  by=user, details={"items": count})
    return count


def exam_statistics_to_bank(*, exam):
    """Feed the exam's item statistics (facility, discrimination) back into the questions."""
    from .selectors import item_statistics

    now = timezone.now()
    questions = []
    for row in item_statistics(exam):
        question = row["question"]
        question.facility = row["facility"]
        question.discrimination = row["discrimination"]
        question.stats_responses = row["responses"]
        question.stats_updated_at = now
        questions.append(question)
    Question.objects.bulk_update(questions, ["facility", "discrimination", "stats_responses", "stats_updated_at"])
    return len(questions)


def exam_apply_terms(*, exam):
    """After the exam's times or someone's override changed: move the deadline of attempts in
    progress to what the terms now give (extra time granted during a sitting counts at once)."""
    overrides = {o.staff_id: o for o in ExamOverride.objects.filter(exam=exam)}
    changed = []
    for attempt in Attempt.objects.filter(exam=exam, status=AttemptStatus.IN_PROGRESS):
        terms = Terms(exam, overrides.get(attempt.staff_id))
        deadline = min(attempt.started_at + timedelta(minutes=terms.minutes), terms.closes_at)
        if deadline != attempt.deadline:
            attempt.deadline = deadline
            changed.append(attempt)
    Attempt.objects.bulk_update(changed, ["deadline"])
    return len(changed)
