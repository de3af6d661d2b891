"""Writes of the exams app, by subject: questions, candidates, attempts, grading."""

from ..models.attempts import SAVE_GRACE
from .attempts import (
    AttemptNotFound,
    SaveRefused,
    attempt_close,
    attempt_close_if_expired,
    attempt_grade,
    attempt_save_answer,
    attempt_start,
    attempt_start_by_user,
    close_expired_attempts,
    draw_paper,
    option_order,
    response_for_client,
    shown_response,
)
from .candidates import (
    Terms,
    exam_apply_terms,
    exam_candidates_set,
    exam_create,
    exam_sync_candidates,
    exams_sync_open_candidates,
    terms_for,
)
from .grading import exam_statistics_to_bank, item_grade_manual, question_full_marks, question_regrade
from .questions import question_export_dataset, question_import, question_save

__all__ = [
    "SAVE_GRACE",
    "AttemptNotFound",
    "SaveRefused",
    "Terms",
    "attempt_close",
    "attempt_close_if_expired",
    "attempt_grade",
    "attempt_save_answer",
    "attempt_start",
    "attempt_start_by_user",
    "close_expired_attempts",
    "draw_paper",
    "exam_apply_terms",
    "exam_create",
    "exam_statistics_to_bank",
    "exam_candidates_set",
    "exam_sync_candidates",
    "exams_sync_open_candidates",
    "item_grade_manual",
    "option_order",
    "question_export_dataset",
    "question_full_marks",
    "question_import",
    "question_regrade",
    "question_save",
    "response_for_client",
    "shown_response",
    "terms_for",
]
