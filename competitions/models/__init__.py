"""Models of the competitions app: the competition page, rounds and rubrics, entries and
teams, judges and their score sheets (with spread alerts, reported problems, unlocks and paper
entries), and published results with awards."""

from .entries import Entry, EntryRemark, Team, TeamMember
from .judging import (
    ConflictDeclaration,
    Judge,
    JudgeAssignment,
    PanelSeat,
    ScoreSheet,
    ScoreSheetVersion,
    SheetStatus,
)
from .pages import CompetitionIndexPage, CompetitionPage, ScoringMode
from .results import Award, AwardLevel, ResultSnapshot
from .review import AlertSide, AlertStatus, PaperEntry, PaperOutcome, ProblemReport, SheetUnlock, SpreadAlert
from .rounds import Criterion, Round, RoundKind, RoundState, RoundStateLog, Rubric

__all__ = [
    "AlertSide",
    "AlertStatus",
    "Award",
    "AwardLevel",
    "CompetitionIndexPage",
    "CompetitionPage",
    "ConflictDeclaration",
    "Criterion",
    "Entry",
    "EntryRemark",
    "Judge",
    "JudgeAssignment",
    "PanelSeat",
    "PaperEntry",
    "PaperOutcome",
    "ProblemReport",
    "ResultSnapshot",
    "Round",
    "RoundKind",
    "RoundState",
    "RoundStateLog",
    "Rubric",
    "ScoreSheet",
    "ScoreSheetVersion",
    "ScoringMode",
    "SheetStatus",
    "SheetUnlock",
    "SpreadAlert",
    "Team",
    "TeamMember",
]
