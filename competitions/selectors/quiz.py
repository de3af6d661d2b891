"""Reads of the live quiz show: its state as plain dicts for the host console, the big screen and
a team's device (a fixed number of queries whatever the number of teams and questions), and the
state's version from the cache alone (an unchanged poll touches no database)."""

from django.core.cache import cache

from .. import scoring
from ..models import (
    QuizBuzz,
    QuizEvent,
    QuizEventKind,
    QuizPhase,
    QuizQuestion,
    QuizSegment,
    QuizShow,
    QuizTeamAccess,
)
from ..models.quiz import version_cache_key

HOST, SCREEN, TEAM = "host", "screen", "team"
# Phases in which screens and teams see the answer.
ANSWER_SHOWN = (QuizPhase.REVEALED, QuizPhase.FINISHED)


def state_version(show_id):
    """The show's current version as the cache has it, or None (then read the database)."""
    return cache.get(version_cache_key(show_id))


def state_version_remember(show_id, version):
    """After a full read: put the version in the cache if it is missing there (a newer one
    written by a change meanwhile is kept)."""
    cache.add(version_cache_key(show_id), version)


def ms(moment):
    """A datetime as milliseconds since the epoch (what the clients' clocks compare)."""
    return None if moment is None else int(moment.timestamp() * 1000)


def quiz_show_for_round(round_id):
    return QuizShow.objects.filter(round_id=round_id).first()


def quiz_team_entry(*, show_id, code):
    """The team entry id of a join code of the show (codes are shown in upper case), or None."""
    code = str(code or "").strip().upper()
    if not code:
        return None
    return QuizTeamAccess.objects.filter(show_id=show_id, code=code).values_list("entry_id", flat=True).first()


def _question(question, *, audience, phase, stake):
    if question is None:
        return None
    data = {
        "id": question.pk,
        "order": question.order,
        "segment": question.segment,
        "segment_label": str(QuizSegment(question.segment).label),
        "seconds": question.seconds,
        "text": question.text,
        "team": question.team_id,
    }
    # A 风险题's team chooses its stake before it sees the question.
    if audience != HOST and question.segment == QuizSegment.RISK and stake is None and phase == QuizPhase.ANSWERING:
        data["text"] = ""
    if audience == HOST or phase in ANSWER_SHOWN:
        data["answer"] = question.answer
    return data


def quiz_show_state(show, *, audience=HOST, entry_id=None):
    """The show as `audience` sees it (host, screen or team; a team's own line under "me").
    The answer reaches screens and teams only once revealed; join codes and the event log
    only the host. Five queries (six for the host)."""
    if not isinstance(show, QuizShow):
        show = QuizShow.objects.select_related("round", "question").get(pk=show)
    question = show.question
    teams = list(QuizTeamAccess.objects.filter(show=show).select_related("entry__team").order_by("entry_id"))
    names = {a.entry_id: a.entry.team.name if a.entry.team_id else str(a.entry) for a in teams}
    events = list(QuizEvent.objects.filter(show=show).select_related("question", "by").order_by("pk"))
    rows = [scoring.QuizEventRow(entry=e.entry_id, points=e.points, voided=e.voided_by_id is not None,
                                 sudden_death=e.question is not None and e.question.segment == QuizSegment.SUDDEN_DEATH)
            for e in events if e.kind != QuizEventKind.VOID]
    totals = scoring.quiz_team_totals(list(names), rows)
    round_scores = scoring.normalise_quiz(totals)
    tiebreak = scoring.quiz_tiebreak_totals(rows)
    last_change = {}
    for event in events:
        if event.kind != QuizEventKind.VOID and event.voided_by_id is None:
            last_change[event.entry_id] = event.points
    # Equal points share a place on the scoreboard (1, 1, 3).
    ranks = {k: 1 + sum(1 for other in names if totals[other] > totals[k]) for k in names}
    scoreboard = [{
        "entry": entry_id, "name": names[entry_id], "points": totals[entry_id], "round_score": str(round_scores[entry_id]),
        "tiebreak": tiebreak.get(entry_id, 0), "last_change": last_change.get(entry_id), "rank": ranks[entry_id],
    } for entry_id in sorted(names, key=lambda k: (-totals[k], names[k]))]

    barred = set()
    buzz_queue = []
    if question is not None:
        barred = {e.entry_id for e in events if e.question_id == question.pk and e.kind != QuizEventKind.VOID
                  and e.voided_by_id is None}
        buzzes = list(QuizBuzz.objects.filter(question=question).order_by("received_at", "pk"))
        current = [b for b in buzzes if b.opening == show.opening]
        fouls = {e.entry_id for e in events if e.question_id == question.pk and e.kind == QuizEventKind.FOUL
                 and e.voided_by_id is None}
        queue = scoring.quiz_buzz_queue(
            [scoring.BuzzRow(id=b.pk, entry=b.entry_id, received_at=b.received_at, foul=b.foul) for b in current],
            opens_at=show.opens_at, barred=fouls,
        )
        by_id = {b.pk: b for b in current}
        for row in queue:
            opened = show.opens_at
            buzz_queue.append({
                "entry": row["entry"], "name": names.get(row["entry"], ""), "foul": row["foul"], "winner": row["winner"],
                "gap_ms": row["gap_ms"], "near": row["near"],
                "after_open_ms": (None if opened is None else
                                  round((by_id[row["id"]].received_at - opened).total_seconds() * 1000, 1)),
            })
    state = {
        "show": show.pk,
        "version": show.version,
        "phase": show.phase,
        "screen_mode": show.screen_mode,
        "round": {"code": show.round.code, "name": show.round.name},
        "question": _question(question, audience=audience, phase=show.phase, stake=show.stake),
        "opens_at": ms(show.opens_at),
        "opening": show.opening,
        "answering": show.answering_id,
        "answering_name": names.get(show.answering_id, ""),
        "stake": show.stake,
        "scoreboard": scoreboard,
        "buzzes": buzz_queue,
    }
    if audience == HOST:
        state["teams"] = [{"entry": a.entry_id, "name": names[a.entry_id], "code": a.code} for a in teams]
        state["screen_token"] = show.screen_token
        state["barred"] = sorted(barred)
        state["questions"] = [
            {"id": q.pk, "order": q.order, "segment": q.segment, "text": q.text, "team": q.team_id}
            for q in QuizQuestion.objects.filter(round_id=show.round_id).order_by("order")
        ]
        state["events"] = [{
            "id": e.pk, "entry": e.entry_id, "name": names.get(e.entry_id, ""), "kind": e.kind,
            "kind_label": str(QuizEventKind(e.kind).label), "points": e.points, "stake": e.stake,
            "question": e.question.order if e.question else None, "voided_by": e.voided_by_id, "reason": e.reason,
            "by": e.by.get_username() if e.by else "", "at": ms(e.at),
        } for e in events]
    if audience == TEAM and entry_id is not None:
        own = next((row for row in scoreboard if row["entry"] == entry_id), None)
        buzzed = any(b["entry"] == entry_id for b in buzz_queue)
        open_for_buzz = (question is not None and question.is_buzzed
                         and show.phase in (QuizPhase.QUESTION, QuizPhase.BUZZING))
        state["me"] = {
            "entry": entry_id,
            "name": names.get(entry_id, ""),
            "points": own["points"] if own else None,
            "buzzed": buzzed,
            "barred": entry_id in barred,
            "may_buzz": open_for_buzz and not buzzed and entry_id not in barred,
            "choose_stake": (question is not None and question.segment == QuizSegment.RISK
                             and show.phase == QuizPhase.ANSWERING and show.answering_id == entry_id
                             and show.stake is None),
        }
    return state
