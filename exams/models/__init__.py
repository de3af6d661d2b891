"""Models of the exams app: question banks, papers, exams, attempts and grading logs."""

from .attempts import Attempt, AttemptItem, AttemptStatus, GradingLog
from .bank import Category, Question, QuestionBank, QuestionType, QuestionVersion
from .exams import Exam, ExamCandidate, ExamOverride, ReviewRule, ScoringRule
from .papers import BlueprintRule, Paper, PaperKind, PaperSlot

__all__ = [
    "Attempt",
    "AttemptItem",
    "AttemptStatus",
    "BlueprintRule",
    "Category",
    "Exam",
    "ExamCandidate",
    "ExamOverride",
    "GradingLog",
    "Paper",
    "PaperKind",
    "PaperSlot",
    "Question",
    "QuestionBank",
    "QuestionType",
    "QuestionVersion",
    "ReviewRule",
    "ScoringRule",
]
