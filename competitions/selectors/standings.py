"""Round scores, standings (a fixed number of queries whatever the number of entrants),
published snapshots, and the award bonus that the monthly evaluation reads
(`award_bonus_for_period`; nothing here imports `assessment`)."""

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, Q, Sum

from home.db import ids_filter

from .. import scoring
from ..models import (
    Award,
    CompetitionPage,
    ConflictDeclaration,
    Entry,
    ResultSnapshot,
    RoundKind,
    ScoreSheet,
    SheetStatus,
    TeamMember,
)
from ..models.entries import UNRANKED_REMARKS, EntryRemark

REMARK_NAMES = {EntryRemark.WITHDRAWN: "弃权", EntryRemark.DISQUALIFIED: "取消资格", EntryRemark.RESERVE: "替补"}
OUT_REMARK = "未晋级"


@dataclass
class Row:
    key: int  # entry id
    label: str  # 工号 or 队名
    name: str  # 姓名, or the members' names
    staff_ids: list
    remark: str = ""
    ranked: bool = True
    out_after: str = ""  # code of the round after which the entry went out (did not advance)
    rounds: dict = field(default_factory=dict)  # round code → Decimal
    total: Decimal | None = None
    rank: int | None = None
    award: int | None = None


@dataclass
class Standings:
    competition_id: int
    team: bool
    rounds: list  # [{"code", "name", "kind", "weight", "team_round"}]
    rows: list  # the competition's standings (teams in a team competition)
    individual_rows: list = field(default_factory=list)  # members, in a team competition
    aggregates: dict = field(default_factory=dict)  # (round code, entry id) → scoring.Aggregate

    def as_data(self):
        def row_data(row):
            return {
                "entry": row.key,
                "label": row.label,
                "name": row.name,
                "staff_ids": row.staff_ids,
                "remark": row.remark,
                "out_after": row.out_after,
                "rounds": {code: _text(v) for code, v in row.rounds.items()},
                "total": _text(row.total),
                "rank": row.rank,
                "award": row.award,
            }

        return {
            "team": self.team,
            "rounds": self.rounds,
            "rows": [row_data(r) for r in self.rows],
            "individual_rows": [row_data(r) for r in self.individual_rows],
        }


def _text(value):
    return None if value is None else str(value)


def round_aggregates(*, rounds, entry_ids=None):
    """{(round id, entry id): scoring.Aggregate} of the rounds' submitted sheets: the trimmed
    mean of judges' sheets (declared conflicts left out), else the entrant's own score; a quiz
    show's raw points normalised to 0–100. Two queries."""
    round_ids = [r.pk for r in rounds]
    kinds = {r.pk: r.kind for r in rounds}
    conflicts = set(
        ConflictDeclaration.objects.filter(judge__assignments__round_id__in=round_ids).values_list("judge_id", "entry_id")
    )
    judged, direct = {}, {}
    sheets = ScoreSheet.objects.filter(round_id__in=round_ids, status=SheetStatus.SUBMITTED)
    if entry_ids is not None:
        sheets = sheets.filter(entry_id__in=entry_ids)
    for round_id, judge_id, entry_id, total in sheets.values_list("round_id", "judge_id", "entry_id", "total").order_by(
        "round_id", "entry_id", "judge_id"
    ):
        if judge_id is None:
            direct[(round_id, entry_id)] = total
        elif (judge_id, entry_id) not in conflicts:
            judged.setdefault((round_id, entry_id), {})[judge_id] = total
    result = {}
    for key, scores in judged.items():
        result[key] = scoring.trimmed_mean(scores)
    for key, total in direct.items():
        if key not in result:
            result[key] = scoring.Aggregate(score=scoring.q2(total), count=1)
    for round_id, kind in kinds.items():
        if kind != RoundKind.QUIZ:
            continue
        raw = {k[1]: a.score for k, a in result.items() if k[0] == round_id}
        for entry_id, score in scoring.normalise_quiz(raw).items():
            result[(round_id, entry_id)] = scoring.Aggregate(score=score, count=1)
    return result


def competition_standings(*, competition):
    """The live standings (individual, or team with the members' individual standings).
    Five queries whatever the number of entrants, judges and sheets."""
    rounds = list(competition.rounds.all())
    entries = list(
        Entry.objects.filter(competition=competition)
        .select_related("staff", "team")
        .only("pk", "remark", "eliminated_in_id", "staff_id", "team_id", "staff__staff_no", "staff__name", "team__name")
    )
    members = {}
    for team_id, staff_id in TeamMember.objects.filter(competition=competition).order_by("staff__staff_no").values_list(
        "team_id", "staff_id"
    ):
        members.setdefault(team_id, []).append(staff_id)
    aggregates = round_aggregates(rounds=rounds)
    round_codes = {r.pk: r.code for r in rounds}
    round_info = [
        {"code": r.code, "name": r.name, "kind": r.kind, "weight": str(r.weight), "team_round": r.is_team_round}
        for r in rounds
    ]
    person_rows = {}
    for entry in entries:
        if entry.staff_id:
            row = Row(key=entry.pk, label=entry.staff.staff_no, name=entry.staff.name, staff_ids=[entry.staff_id],
                      remark=_remark(entry), ranked=entry.remark not in UNRANKED_REMARKS,
                      out_after=round_codes.get(entry.eliminated_in_id, ""))
            for rnd in rounds:
                if not rnd.is_team_round and (rnd.pk, entry.pk) in aggregates:
                    row.rounds[rnd.code] = aggregates[(rnd.pk, entry.pk)].score
            person_rows[entry.staff_id] = row
    individual_rounds = [r for r in rounds if not r.is_team_round] if competition.is_team else rounds
    _total_and_rank(list(person_rows.values()), individual_rounds, competition)
    standings = Standings(competition_id=competition.pk, team=competition.is_team, rounds=round_info, rows=[],
                          aggregates={(r.code, e): a for r in rounds for (rid, e), a in aggregates.items() if rid == r.pk})
    if not competition.is_team:
        standings.rows = _ordered(person_rows.values())
        return standings
    team_rows = []
    for entry in entries:
        if not entry.team_id:
            continue
        staff_ids = members.get(entry.team_id, [])
        member_rows = [person_rows[s] for s in staff_ids if s in person_rows]
        row = Row(key=entry.pk, label=entry.team.name, name="、".join(m.name for m in member_rows), staff_ids=staff_ids,
                  remark=_remark(entry), ranked=entry.remark not in UNRANKED_REMARKS,
                  out_after=round_codes.get(entry.eliminated_in_id, ""))
        for rnd in rounds:
            if rnd.is_team_round:
                aggregate = aggregates.get((rnd.pk, entry.pk))
                score = scoring.team_round_score(team_score=aggregate.score if aggregate else None,
                                                 team_size=len(staff_ids), team_round=True)
            else:
                score = scoring.team_round_score(member_scores=[m.rounds.get(rnd.code) for m in member_rows])
            if score is not None:
                row.rounds[rnd.code] = score
        team_rows.append(row)
    _total_and_rank(team_rows, rounds, competition)
    standings.rows = _ordered(team_rows)
    standings.individual_rows = _ordered(person_rows.values())
    for row in standings.individual_rows:
        row.award = None  # a team competition awards teams
    return standings


def _remark(entry):
    remark = REMARK_NAMES.get(entry.remark, "")
    if entry.eliminated_in_id and entry.remark not in UNRANKED_REMARKS:
        remark = "、".join(filter(None, [remark, OUT_REMARK]))
    return remark


def _total_and_rank(rows, rounds, competition):
    weights = {r.code: r.weight for r in rounds}
    practical = [r.code for r in rounds if r.kind == RoundKind.PRACTICAL]
    knowledge = [r.code for r in rounds if r.kind == RoundKind.KNOWLEDGE]
    tiebreak = [r.code for r in rounds if r.kind == RoundKind.TIEBREAK]

    def part(row, codes):
        values = [row.rounds[c] for c in codes if row.rounds.get(c) is not None]
        return sum(values, Decimal("0")) if values else None

    # Finalists first; then those out after the last qualifying round, then the one before…
    position = {r.code: index for index, r in enumerate(rounds)}
    tiers = {}
    for row in rows:
        row.total = scoring.weighted_total(row.rounds, weights) if row.rounds else None
        if row.ranked:
            tier = -position.get(row.out_after, len(rounds)) if row.out_after else -len(rounds) - 1
            tiers.setdefault(tier, {})[row.key] = scoring.RankKey(
                total=row.total, practical=part(row, practical), knowledge=part(row, knowledge),
                tiebreak=part(row, tiebreak))
    ranks, offset = {}, 0
    for tier in sorted(tiers):
        ranks.update({key: offset + value for key, value in scoring.rank(tiers[tier]).items()})
        offset += len(tiers[tier])
    finalists = tiers.get(-len(rounds) - 1, {})
    # Only the finalists (everyone, when no one is out) can be awarded.
    awards = scoring.awards({k: ranks[k] for k, key in finalists.items() if key.total is not None},
                            competition.award_rule())
    for row in rows:
        row.rank = ranks.get(row.key)
        row.award = awards.get(row.key)


def _ordered(rows):
    return sorted(rows, key=lambda r: (r.rank is None, r.rank or 0, r.label))


def round_standings(*, round):
    """[(entry, Aggregate or None)] of one round, best first (three queries)."""
    entries = list(Entry.objects.filter(competition_id=round.competition_id).select_related("staff", "team"))
    entries = [e for e in entries if (e.team_id if round.is_team_round else e.staff_id)]
    aggregates = round_aggregates(rounds=[round])
    rows = [(e, aggregates.get((round.pk, e.pk))) for e in entries]
    return sorted(rows, key=lambda r: (r[1] is None or r[1].score is None, -(r[1].score or 0) if r[1] else 0, str(r[0])))


def round_qualifiers(*, round):
    """The entry ids that advance from a round by its score line or top N."""
    scores = {e.pk: (a.score if a else None) for e, a in round_standings(round=round)}
    return scoring.qualifiers(scores, line=round.qualify_line, top_n=round.qualify_top_n)


def published_snapshot(*, competition):
    """The published standings (the snapshot's data), or None before publication."""
    snapshot = (
        ResultSnapshot.objects.filter(competition=competition, withdrawn_at__isnull=True).only("data").first()
    )
    return snapshot.data if snapshot else None


def award_bonus_for_period(*, start, end, staff_ids):
    """{staff id: Decimal points} of competition awards published in the period, for the
    people in `staff_ids` (uncapped: the evaluation applies the month's bonus cap). Withdrawn
    (reopened) results do not count. `start`/`end` are datetimes, the period being
    [start, end) (as `Period.moments()` gives them), or dates, both included. One query."""
    wanted = set(staff_ids)
    # A large headcount is not sent as an IN list (home.db.ids_filter): the rows are kept here.
    awards = Award.objects.filter(ids_filter("staff_id", wanted), snapshot__withdrawn_at__isnull=True)
    if isinstance(start, dt.datetime):
        awards = awards.filter(snapshot__published_at__gte=start, snapshot__published_at__lt=end)
    else:
        awards = awards.filter(awarded_on__gte=start, awarded_on__lte=end)
    return {
        staff_id: points
        for staff_id, points in awards.values("staff_id").annotate(points=Sum("bonus")).values_list("staff_id", "points")
        if staff_id in wanted
    }


def competitions_for_organisers():
    """Every competition, newest first, with its number of person entries (one query)."""
    return (
        CompetitionPage.objects.annotate(entrant_count=Count("entries", filter=Q(entries__staff__isnull=False)))
        .only("pk", "title", "code", "year", "published_at")
        .order_by("-year", "-pk")
    )


def rounds_for_results(*, competition):
    """The competition's rounds in order, with their online exam and `out_count` (entries out
    after the round). One query."""
    return list(
        competition.rounds.select_related("exam").annotate(out_count=Count("eliminated_entries"))
        .order_by("sort_order", "pk")
    )
