"""Reads for preparing a quiz round's questions and for its event log: which questions the show
has used (they no longer change), the rounds and teams the admin offers, and the event log with
each team's totals as plain rows (a fixed number of queries whatever the number of events)."""

from dataclasses import dataclass

from django.db.models import Exists, OuterRef, Q

from .. import scoring
from ..models import (
    Entry,
    QuizBuzz,
    QuizEvent,
    QuizEventKind,
    QuizQuestion,
    QuizSegment,
    QuizShow,
    Round,
    RoundKind,
)

# The 环节 column's names of the segments (the sheet's own words, as 题型 is in the question bank).
SEGMENT_NAMES = {
    QuizSegment.REQUIRED: "必答",
    QuizSegment.BUZZER: "抢答",
    QuizSegment.RISK: "风险",
    QuizSegment.SUDDEN_DEATH: "加赛",
}


def quiz_question_used_q(prefix=""):
    """A Q (or annotation source) true for questions the show has used: scored, buzzed on, or
    on the show's screen now."""
    events = QuizEvent.objects.filter(question=OuterRef(f"{prefix}pk"))
    buzzes = QuizBuzz.objects.filter(question=OuterRef(f"{prefix}pk"))
    shown = QuizShow.objects.filter(question=OuterRef(f"{prefix}pk"))
    return Q(Exists(events)) | Q(Exists(buzzes)) | Q(Exists(shown))


def quiz_questions_with_use(queryset=None):
    """Questions annotated with `used` (see quiz_question_used_q), in one query."""
    queryset = QuizQuestion.objects.all() if queryset is None else queryset
    return queryset.annotate(used=quiz_question_used_q())


def quiz_used_question_ids(*, round_id):
    """Ids of the round's questions the show has used (one query)."""
    return set(QuizQuestion.objects.filter(quiz_question_used_q(), round_id=round_id).values_list("pk", flat=True))


def quiz_question_is_used(question_id):
    return QuizQuestion.objects.filter(quiz_question_used_q(), pk=question_id).exists()


def quiz_rounds():
    """Quiz show rounds (the only ones with questions), with their competition."""
    return Round.objects.filter(kind=RoundKind.QUIZ).select_related("competition").order_by(
        "-competition__year", "competition__title", "sort_order", "pk")


def quiz_round_label(rnd):
    return f"{rnd.competition.title} · {rnd.name}"


def team_entries(competition_ids):
    """Team entries of the competitions (the teams a 必答 or 风险题 question may go to)."""
    return (Entry.objects.filter(competition_id__in=competition_ids, team__isnull=False)
            .select_related("team", "competition").order_by("competition_id", "team__name"))


# --- the event log ---------------------------------------------------------------------------


@dataclass
class EventLine:
    number: int
    event: QuizEvent
    team: str
    voided_by_number: int | None = None
    voids_number: int | None = None


@dataclass
class TeamTotal:
    entry_id: int
    team: str
    points: int
    change: int
    tiebreak: int
    round_score: object


def quiz_event_log(show):
    """The show's events in the order made, numbered from 1 (a voided event names the number
    of the correction that voids it, a correction the number it corrects), and each team's
    totals: 100 + the points of events not voided (加赛 kept apart), as in quiz_team_points.
    Two queries."""
    names = {a.entry_id: (a.entry.team.name if a.entry.team_id else str(a.entry))
             for a in show.team_access.select_related("entry__team").order_by("entry_id")}
    events = list(QuizEvent.objects.filter(show=show).select_related("question", "by", "entry__team").order_by("pk"))
    numbers = {e.pk: i for i, e in enumerate(events, start=1)}
    voids = {e.voided_by_id: e.pk for e in events if e.voided_by_id}
    lines = []
    for event in events:
        team = names.get(event.entry_id) or (event.entry.team.name if event.entry.team_id else str(event.entry))
        lines.append(EventLine(number=numbers[event.pk], event=event, team=team,
                               voided_by_number=numbers.get(event.voided_by_id),
                               voids_number=numbers.get(voids.get(event.pk))))
    rows = [scoring.QuizEventRow(entry=e.entry_id, points=e.points, voided=e.voided_by_id is not None,
                                 sudden_death=e.question is not None and e.question.segment == QuizSegment.SUDDEN_DEATH)
            for e in events if e.kind != QuizEventKind.VOID]
    totals = scoring.quiz_team_totals(list(names), rows)
    tiebreak = scoring.quiz_tiebreak_totals(rows)
    round_scores = scoring.normalise_quiz(totals)
    teams = [TeamTotal(entry_id=k, team=names[k], points=totals[k], change=totals[k] - scoring.QUIZ_BASE_POINTS,
                       tiebreak=tiebreak.get(k, 0), round_score=round_scores[k])
             for k in sorted(names, key=lambda k: (-totals[k], -tiebreak.get(k, 0), names[k]))]
    return lines, teams
