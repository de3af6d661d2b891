"""Reads of the live quiz show's three pages (host console, big screen, team device): what the
page itself prints; everything that changes during the show comes from the polled state
(selectors.quiz). A fixed number of queries whatever the number of teams and questions."""

from dataclasses import dataclass, field

from ..models import QuizQuestion, QuizSegment, QuizShow, QuizTeamAccess, Round, RoundKind


def quiz_round(round_id):
    """The quiz round (with its competition), or None when there is no such quiz round."""
    return Round.objects.select_related("competition").filter(pk=round_id, kind=RoundKind.QUIZ).first()


def quiz_show_page(show_id):
    """The show with its round and competition, or None."""
    return QuizShow.objects.select_related("round__competition").filter(pk=show_id).first()


@dataclass
class Segment:
    value: str
    label: str
    questions: list = field(default_factory=list)


@dataclass
class Console:
    segments: list
    teams: list  # [{"entry", "name", "code"}]


def _team_name(access):
    return access.entry.team.name if access.entry.team_id else str(access.entry)


def quiz_teams(show):
    """The show's teams in join order: [{"entry", "name", "code"}]. One query."""
    return [{"entry": a.entry_id, "name": _team_name(a), "code": a.code}
            for a in QuizTeamAccess.objects.filter(show=show).select_related("entry__team").order_by("entry_id")]


def quiz_console(show):
    """The host console's printed parts: the round's questions by segment (必答, 抢答, 风险,
    加赛; empty segments left out) and the teams with their join codes. Two queries."""
    teams = quiz_teams(show)
    names = {t["entry"]: t["name"] for t in teams}
    segments = {value: Segment(value=value, label=str(label)) for value, label in QuizSegment.choices}
    for question in QuizQuestion.objects.filter(round_id=show.round_id).order_by("order"):
        question.team_name = names.get(question.team_id, "")
        segments[question.segment].questions.append(question)
    return Console(segments=[s for s in segments.values() if s.questions], teams=teams)
