"""Models of the competitions app: the competition page, rounds and rubrics, entries and
teams, judges and their score sheets, and published results with awards."""

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
from .rounds import Criterion, Round, RoundKind, RoundState, RoundStateLog, Rubric

__all__ = [
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
    "Team",
    "TeamMember",
]
