"""A round's panel as the organiser sets it up: who sits on it, how many entrants each
scores, whom each is recused from and why."""

from dataclasses import dataclass, field

from ..models import Entry, Judge, JudgeAssignment, PanelSeat


@dataclass
class PanelJudge:
    judge: Judge
    is_chief: bool = False
    seats: int = 0
    recused: list = field(default_factory=list)  # [(entry, reason)]


@dataclass
class RoundPanel:
    judges: list  # [PanelJudge] on the panel
    others: list  # [Judge] of the competition not on it
    entrants: list  # [Entry] the round scores


def round_panel(*, round):
    """The round's panel (a fixed number of queries whatever its size)."""
    from ..services.panels import Recusal, round_entrants

    competition = round.competition
    rounds = list(competition.rounds.all())
    entries = list(Entry.objects.filter(competition=competition).select_related("staff", "team"))
    entrants = round_entrants(round, entries, rounds)
    assignments = list(JudgeAssignment.objects.filter(round=round).select_related("judge", "judge__centre"))
    seats = {}
    for judge_id in PanelSeat.objects.filter(round=round).values_list("judge_id", flat=True):
        seats[judge_id] = seats.get(judge_id, 0) + 1
    recusal = Recusal(competition)
    panel = []
    for assignment in assignments:
        judge = assignment.judge
        recused = [(e, reason) for e in entrants if (reason := recusal.reason(judge, e.pk))]
        panel.append(PanelJudge(judge=judge, is_chief=assignment.is_chief, seats=seats.get(judge.pk, 0),
                                recused=recused))
    on_panel = {a.judge_id for a in assignments}
    others = [j for j in Judge.objects.filter(competition=competition).select_related("centre") if j.pk not in on_panel]
    return RoundPanel(judges=panel, others=others, entrants=entrants)
