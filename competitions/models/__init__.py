"""Models of the competitions app: the competition page, rounds and rubrics, entries and
teams, judges and their score sheets (with spread alerts, reported problems, unlocks and paper
entries), published results with awards, and the live quiz show."""

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
from .quiz import (
    QuizBuzz,
    QuizEvent,
    QuizEventKind,
    QuizPhase,
    QuizQuestion,
    QuizScreenMode,
    QuizSegment,
    QuizShow,
    QuizTeamAccess,
)
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
    "QuizBuzz",
    "QuizEvent",
    "QuizEventKind",
    "QuizPhase",
    "QuizQuestion",
    "QuizScreenMode",
    "QuizSegment",
    "QuizShow",
    "QuizTeamAccess",
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
