"""Reads of the exams app. Set-based: a fixed number of queries however many rows."""

from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import BooleanField, Exists, F, FilteredRelation, OuterRef, Q, Value
from django.utils import timezone
from django.utils.translation import gettext as _

from . import scoring
from .compiled import CompiledQuery, instance, model_fields
from .models import (
    Attempt,
    AttemptItem,
    AttemptStatus,
    Exam,
    ExamCandidate,
    ExamOverride,
    GradingLog,
    Paper,
    PaperKind,
    Question,
    QuestionType,
    ReviewRule,
    ScoringRule,
)
from .models.attempts import SAVE_GRACE

ZERO = Decimal("0.00")


def counted_exams(*, start, end):
    """The active exams counted in the evaluation that closed in [start, end)."""
    return Exam.objects.filter(closes_at__gte=start, closes_at__lt=end, active=True, counts_in_evaluation=True)


def exam_percentages_for_period(*, start, end, staff_ids):
    """{staff_id: [(exam, percent)]} for the exams that closed in [start, end), counted in the
    evaluation and assigned to each person, each at the counting graded attempt's percentage
    (highest or last, per exam), 0 when not taken. Four queries whatever the headcount (five
    when some attempt's time ran out unseen).

    An attempt whose time ran out but that is still open (housekeeping closes it, and does so
    before the monthly compute) counts as closing it would grade it, computed here without
    writing. The graded attempts are read once and the highest/last picked in Python: a
    correlated subquery per candidate is too slow for a large month.
    """
    staff_ids = list(staff_ids)
    exams = {e.pk: e for e in counted_exams(start=start, end=end)}
    result = {pk: [] for pk in staff_ids}
    if not exams or not staff_ids:
        return result
    exam_ids = list(exams)
    rows = list(
        Attempt.objects.filter(exam_id__in=exam_ids, status=AttemptStatus.GRADED).values_list(
            "exam_id", "staff_id", "number", "percent"
        )
    )
    rows += expired_open_percentages(exams, now=timezone.now())
    highest, last = {}, {}
    for key_exam, key_staff, number, percent in rows:
        key = (key_exam, key_staff)
        if key not in highest or percent > highest[key]:
            highest[key] = percent
        if key not in last or number > last[key][0]:
            last[key] = (number, percent)
    wanted = set(staff_ids)
    for staff_id, exam_id in (
        ExamCandidate.objects.filter(exam_id__in=exam_ids)
        .order_by("staff_id", "exam__closes_at", "exam_id")
        .values_list("staff_id", "exam_id")
    ):
        if staff_id not in wanted:
            continue
        key = (exam_id, staff_id)
        if exams[exam_id].scoring_rule == ScoringRule.LAST:
            percent = last[key][1] if key in last else None
        else:
            percent = highest.get(key)
        result[staff_id].append((exams[exam_id], percent if percent is not None else ZERO))
    return result


def counting_percentages(*, exam, staff_ids):
    """{staff_id: Decimal percent} of each person's counting graded attempt of the exam (its
    own rule: highest or last); people without a graded attempt are absent. One query."""
    rows = Attempt.objects.filter(exam=exam, staff_id__in=list(staff_ids), status=AttemptStatus.GRADED).values_list(
        "staff_id", "number", "percent"
    )
    last = exam.scoring_rule == ScoringRule.LAST
    chosen = {}
    for staff_id, number, percent in rows:
        key = number if last else percent
        if staff_id not in chosen or key > chosen[staff_id][0]:
            chosen[staff_id] = (key, percent)
    return {staff_id: percent for staff_id, (_key, percent) in chosen.items()}


def expired_open_percentages(exams, *, now):
    """[(exam_id, staff_id, number, percent)] of the exams' attempts whose time ran out but
    that are still open, graded in memory as closing them would (an unmarked short answer
    leaves the attempt ungraded, so it is left out). One query, two when there are some."""
    items = list(
        AttemptItem.objects.filter(
            attempt__exam_id__in=list(exams), attempt__status=AttemptStatus.IN_PROGRESS, attempt__deadline__lt=now - SAVE_GRACE
        )
        .select_related("version", "attempt")
        .order_by("attempt_id", "position")
    )
    if not items:
        return []
    full_marks = set(
        GradingLog.objects.filter(exam_id__in=list(exams), action=GradingLog.Action.FULL_MARKS, question__isnull=False)
        .values_list("exam_id", "question_id")
    )
    totals = {}
    for item in items:
        attempt = item.attempt
        entry = totals.setdefault(attempt.pk, [attempt, Decimal("0"), Decimal("0"), False])
        entry[2] += item.points
        if (attempt.exam_id, item.question_id) in full_marks:
            entry[1] += item.points
        elif item.version.qtype == QuestionType.ESSAY:
            if item.score is None and item.response is not None:
                entry[3] = True
            entry[1] += item.score or Decimal("0")
        else:
            key = scoring.parse_key(item.version.qtype, item.version.answer, item.version.options)
            partial_credit = exams[attempt.exam_id].partial_credit
            entry[1] += scoring.grade(item.version.qtype, key, item.response, item.points, partial_credit=partial_credit)
    return [
        (attempt.exam_id, attempt.staff_id, attempt.number, scoring.percentage(score, max_score))
        for attempt, score, max_score, pending in totals.values()
        if not pending
    ]


def candidate_profile(user):
    """The user's staff profile with only what the candidate's pages use (its key and name), or
    None. Lighter than people.selectors.staff_profile_for, which joins the centre, window,
    vendor and post: these pages are opened by a whole centre at the same minute."""
    from people.models import StaffProfile

    if not user.is_authenticated:
        return None
    return StaffProfile.objects.only("pk", "name", "user_id").filter(user=user).first()


@dataclass
class Candidacy:
    """A person's candidate row of an exam with what the cover page and the start need."""

    staff_id: int
    staff_name: str
    exam: Exam  # with its paper
    override: ExamOverride | None  # the person's own terms
    has_attempts: bool | None  # None when not read (see candidacy's lock)


def _candidacy_query(*, by_user, lock):
    def build(exam_id, person):
        rows = ExamCandidate.objects.annotate(
            override=FilteredRelation("exam__overrides", condition=Q(exam__overrides__staff=F("staff")))
        ).filter(exam_id=exam_id, exam__active=True)
        rows = rows.filter(staff__user=person) if by_user else rows.filter(staff=person)
        if lock:
            rows = rows.select_for_update(no_key=True, of=("self",)).annotate(has_attempts=Value(None, output_field=BooleanField()))
        else:
            rows = rows.annotate(has_attempts=Exists(Attempt.objects.filter(exam=OuterRef("exam"), staff=OuterRef("staff"))))
        return rows.order_by().values_list(
            "staff_id", "staff__name", "has_attempts", *model_fields(Exam, "exam__"),
            *model_fields(Paper, "exam__paper__"), *model_fields(ExamOverride, "override__"))

    return CompiledQuery(build)


_CANDIDACY_QUERIES = {(by_user, lock): _candidacy_query(by_user=by_user, lock=lock)
                      for by_user in (False, True) for lock in (False, True)}


def candidacy(*, exam_id, user=None, staff=None, lock=False):
    """The Candidacy of `user` (or of the staff profile `staff`) for an active exam, or None
    when they are not its candidate: the person, the exam, its paper, their override and
    whether they have attempts, in one query (compiled once: a whole centre opens the cover
    page and starts at the same minute).

    `lock` (inside a transaction): FOR NO KEY UPDATE of the candidate row only, so that one
    person's starts (double click, two tabs) run one after the other while candidates never
    wait for each other. Then `has_attempts` is not read: read in the same statement it would
    predate the lock, so a start that waited for another would not see its attempt."""
    by_user = staff is None
    person = user.pk if by_user else getattr(staff, "pk", staff)
    rows = _CANDIDACY_QUERIES[by_user, lock].rows(exam_id=exam_id, person=person)
    if not rows:
        return None
    row = rows[0]
    exam_end = 3 + len(_EXAM_FIELDS)
    paper_end = exam_end + len(_PAPER_FIELDS)
    exam = instance(Exam, row[3:exam_end])
    exam.paper = instance(Paper, row[exam_end:paper_end])
    override = instance(ExamOverride, row[paper_end:]) if row[paper_end] is not None else None
    return Candidacy(staff_id=row[0], staff_name=row[1], exam=exam, override=override, has_attempts=row[2])


_EXAM_FIELDS = model_fields(Exam)
_PAPER_FIELDS = model_fields(Paper)


def _attempts_query():
    def build(exam_id, staff_id):
        return Attempt.objects.filter(exam_id=exam_id, staff_id=staff_id).order_by("number").values_list(
            *model_fields(Attempt))

    return CompiledQuery(build)


_ATTEMPTS_QUERY = _attempts_query()


def person_attempts(*, exam, staff_id):
    """The person's attempts of the exam, first to last (one query, compiled once)."""
    attempts = [instance(Attempt, row) for row in _ATTEMPTS_QUERY.rows(exam_id=exam.pk, staff_id=staff_id)]
    for attempt in attempts:
        attempt.exam = exam
    return attempts


# Of each item and its version: never the key's text, the explanation or the rubric (the
# answer only counts a blank question's blanks).
ANSWER_SHEET_FIELDS = ("position", "points", "option_order", "response", "response_seq", "saved_at",
                       "version__qtype", "version__stem", "version__options", "version__answer")


def _answer_sheet_query():
    def build(attempt_id, user_id):
        return (
            AttemptItem.objects.filter(attempt_id=attempt_id, attempt__staff__user=user_id)
            .order_by("position")
            .values_list("attempt__status", "attempt__deadline", "attempt__exam__title", "attempt__staff__name",
                         *ANSWER_SHEET_FIELDS)
        )

    return CompiledQuery(build)


_ANSWER_SHEET_QUERY = _answer_sheet_query()


def answer_sheet_rows(*, attempt_id, user):
    """What the answer sheet shows of the user's attempt, one row per question in order:
    the attempt's status and deadline, its exam's title and its person's name, then
    ANSWER_SHEET_FIELDS. One query (compiled once); [] when the attempt is not the user's."""
    return _ANSWER_SHEET_QUERY.rows(attempt_id=attempt_id, user_id=user.pk)


def counting_attempt(exam, attempts):
    graded = [a for a in attempts if a.status == AttemptStatus.GRADED]
    if not graded:
        return None
    if exam.scoring_rule == ScoringRule.LAST:
        return max(graded, key=lambda a: a.number)
    return max(graded, key=lambda a: (a.percent, -a.number))


def exams_for_staff(*, staff):
    """The person's exams with their attempts (two queries)."""
    exams = list(
        Exam.objects.filter(active=True, candidate_rows__staff=staff)
        .select_related("paper")
        .prefetch_related("overrides")
        .order_by("-opens_at", "-pk")
    )
    attempts = {}
    for attempt in Attempt.objects.filter(staff=staff, exam__in=exams).order_by("number"):
        attempts.setdefault(attempt.exam_id, []).append(attempt)
    return [(exam, attempts.get(exam.pk, [])) for exam in exams]


# --- review rules ----------------------------------------------------------------------


def may_see_score(exam, attempt, now):
    if attempt.status == AttemptStatus.IN_PROGRESS:
        return False
    if exam.review_rule == ReviewRule.NOTHING:
        return exam.results_published
    return True


def may_see_answers(exam, attempt, now):
    """Correct answers and explanations: only when the exam's review rule allows."""
    if attempt.status == AttemptStatus.IN_PROGRESS:
        return False
    if exam.review_rule == ReviewRule.AFTER_SUBMIT:
        return True
    if exam.review_rule == ReviewRule.AFTER_CLOSE:
        return exam.is_closed(now)
    if exam.review_rule == ReviewRule.NOTHING:
        return exam.results_published and exam.is_closed(now)
    return False


# --- the trainer's report ---------------------------------------------------------------


def exam_results(exam):
    """Each candidate with their counting attempt (or None), in 工号 order (two queries)."""
    candidates = list(
        ExamCandidate.objects.filter(exam=exam).select_related("staff__centre", "staff__vendor").order_by("staff__staff_no")
    )
    attempts = {}
    for attempt in Attempt.objects.filter(exam=exam).order_by("number"):
        attempts.setdefault(attempt.staff_id, []).append(attempt)
    return [(c.staff, counting_attempt(exam, attempts.get(c.staff_id, [])), attempts.get(c.staff_id, [])) for c in candidates]


def pass_rate_by_centre(results):
    by_centre = {}
    for staff, attempt, _all in results:
        row = by_centre.setdefault(staff.centre.name, {"candidates": 0, "taken": 0, "passed": 0})
        row["candidates"] += 1
        if attempt is not None:
            row["taken"] += 1
            row["passed"] += bool(attempt.passed)
    for row in by_centre.values():
        row["rate"] = scoring.percentage(row["passed"], row["candidates"])
    return dict(sorted(by_centre.items()))


def item_statistics(exam):
    """Per question of the exam's graded attempts: responses, facility, discrimination, option
    counts, dubious flag. Two queries."""
    attempts = {a.pk: a for a in Attempt.objects.filter(exam=exam, status=AttemptStatus.GRADED)}
    items = (
        AttemptItem.objects.filter(attempt_id__in=list(attempts))
        .select_related("question", "version")
        .order_by("question_id")
    )
    stats = {}
    for item in items:
        entry = stats.setdefault(
            item.question_id, {"question": item.question, "rows": [], "options": {}, "version": item.version}
        )
        fraction = (item.score or ZERO) / item.points if item.points else ZERO
        entry["rows"].append((attempts[item.attempt_id].percent or ZERO, fraction))
        if isinstance(item.response, str) and item.version.qtype in ("single", "multiple"):
            for letter in item.response:
                entry["options"][letter] = entry["options"].get(letter, 0) + 1
        elif isinstance(item.response, bool):
            label = "对" if item.response else "错"
            entry["options"][label] = entry["options"].get(label, 0) + 1
    report = []
    for entry in stats.values():
        facility = scoring.facility_index(f for _t, f in entry["rows"])
        discrimination = scoring.discrimination_index(entry["rows"])
        report.append(
            {
                "question": entry["question"],
                "version": entry["version"],
                "responses": len(entry["rows"]),
                "facility": facility,
                "discrimination": discrimination,
                "options": dict(sorted(entry["options"].items())),
                "dubious": scoring.is_dubious(facility, discrimination),
            }
        )
    return report


def grading_queue(*, exam=None):
    """Short answers waiting for a grader, oldest first."""
    items = AttemptItem.objects.filter(needs_grading=True).select_related(
        "attempt__exam", "attempt__staff", "version", "question"
    )
    if exam is not None:
        items = items.filter(attempt__exam=exam)
    return items.order_by("attempt__closed_at", "attempt_id", "position")


# --- can a paper be drawn --------------------------------------------------------------


@dataclass(frozen=True)
class RuleSpec:
    """One blueprint rule as the form holds it (saved or not)."""

    bank_id: int
    category_id: int | None
    qtype: str
    difficulty: int | None
    count: int
    points: Decimal | None


@dataclass
class PaperCheck:
    problems: list = field(default_factory=list)
    question_count: int = 0
    full_marks: Decimal = Decimal("0")


def paper_check(*, kind, slots=(), rules=()):
    """Whether every candidate can be given this paper, and what it is worth.

    `slots` are (question, points or None) of a fixed paper; `rules` RuleSpecs of a
    blueprint. A rule must find enough active questions even when the rules before it
    took theirs from the same pool (the draw never repeats a question), and every
    candidate's paper must have the same full marks. One query for all the rules."""
    check = PaperCheck()
    if kind == PaperKind.FIXED:
        if not slots:
            check.problems.append(_("A fixed paper needs at least one question."))
        check.question_count = len(slots)
        check.full_marks = sum((points or question.points for question, points in slots), Decimal("0"))
        return check
    if not rules:
        check.problems.append(_("A blueprint paper needs at least one rule."))
        return check
    questions = list(
        Question.objects.filter(bank_id__in={r.bank_id for r in rules}, active=True).values_list(
            "pk", "bank_id", "category_id", "qtype", "difficulty", "points"
        )
    )
    taken_before = []  # (pool, count) of the earlier rules
    for number, rule in enumerate(rules, start=1):
        pool = {
            pk: points
            for pk, bank_id, category_id, qtype, difficulty, points in questions
            if bank_id == rule.bank_id
            and (rule.category_id is None or category_id == rule.category_id)
            and (not rule.qtype or qtype == rule.qtype)
            and (rule.difficulty is None or difficulty == rule.difficulty)
        }
        # Worst case: each earlier rule drew as much of this pool as it could.
        lost = sum(min(count, len(pool.keys() & earlier)) for earlier, count in taken_before)
        if len(pool) < rule.count:
            check.problems.append(
                _("Rule %(n)d: the bank has only %(have)d matching questions for %(need)d to draw.")
                % {"n": number, "have": len(pool), "need": rule.count}
            )
        elif len(pool) - lost < rule.count:
            check.problems.append(
                _("Rule %(n)d: after the rules before it, only %(have)d matching questions may be left for %(need)d to draw.")
                % {"n": number, "have": len(pool) - lost, "need": rule.count}
            )
        worth = {rule.points} if rule.points else set(pool.values())
        if len(worth) > 1:
            check.problems.append(
                _("Rule %(n)d draws questions worth different points (%(values)s): set the points each, "
                  "so that every candidate's paper has the same full marks.")
                % {"n": number, "values": "、".join(f"{v.normalize():f}" for v in sorted(worth))}
            )
        taken_before.append((set(pool), rule.count))
        check.question_count += rule.count
        check.full_marks += rule.count * (rule.points or (next(iter(worth)) if worth else Decimal("0")))
    return check


def paper_check_saved(paper):
    """paper_check of a saved paper (for an exam that uses it)."""
    slots = [(s.question, s.points) for s in paper.slots.select_related("question").order_by("sort_order", "pk")]
    rules = [
        RuleSpec(r.bank_id, r.category_id, r.qtype, r.difficulty, r.count, r.points)
        for r in paper.rules.order_by("sort_order", "pk")
    ]
    return paper_check(kind=paper.kind, slots=slots, rules=rules)
