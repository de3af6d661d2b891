"""Manual grading, regrades, full marks and item statistics fed back to the bank."""

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from .. import scoring
from ..models import (
    Attempt,
    AttemptItem,
    AttemptStatus,
    GradingLog,
    Question,
    QuestionType,
)
from ..selectors import item_statistics
from .attempts import attempt_total, current_versions, full_marks_question_ids, grade_item

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
        version = current_versions([question])[question.pk]
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
