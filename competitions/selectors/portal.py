"""The staff portal's competitions page (/me/competitions/): my competitions, their rounds and,
once published, my own result read from the snapshot only; and the award certificates."""

import datetime as dt
import re
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import OuterRef, Prefetch, Subquery

from ..models import Award, CompetitionPage, Entry, ResultSnapshot, Round, TeamMember
from .standings import REMARK_NAMES


@dataclass
class MyRound:
    code: str
    name: str
    kind: str  # its label
    state: str
    state_label: str
    exam_id: int | None = None
    score: Decimal | None = None  # the published score of my row (my team's in a team competition)
    my_score: Decimal | None = None  # my own published score, in a team competition


@dataclass
class MyCompetition:
    competition: object  # CompetitionPage
    team_name: str = ""
    remark: str = ""
    rounds: list = field(default_factory=list)
    published_at: dt.datetime | None = None
    rank: int | None = None
    total: Decimal | None = None
    award: int | None = None
    award_code: str = ""  # my award's certificate (verification) code, when the results give me one
    entrants: int = 0  # ranked rows of the published standings
    my_rank: int | None = None  # my individual rank, in a team competition
    my_total: Decimal | None = None

    @property
    def published(self):
        return self.published_at is not None


def _decimal(value):
    return None if value in (None, "") else Decimal(value)


def _my_row(rows, staff_id):
    return next((row for row in rows if staff_id in (row.get("staff_ids") or ())), None)


def competitions_for_staff(*, staff):
    """The competitions `staff` is entered in (as a person or a team member), newest first, with
    each round's state; once published, their rank, total, per-round scores and award read from
    the published snapshot only (live scores and other people's rows never leave here), with the
    code of my award's certificate. Five queries whatever the number of competitions and rounds."""
    remarks = dict(Entry.objects.filter(staff=staff).values_list("competition_id", "remark"))
    teams = {
        competition_id: (team_name, remark or "")
        for competition_id, team_name, remark in TeamMember.objects.filter(staff=staff).values_list(
            "competition_id", "team__name", "team__entry__remark"
        )
    }
    ids = set(remarks) | set(teams)
    if not ids:
        return []
    competitions = list(
        CompetitionPage.objects.filter(pk__in=ids)
        .only("pk", "title", "code", "year", "scoring_mode")
        .prefetch_related(Prefetch("rounds", queryset=Round.objects.only(
            "pk", "competition_id", "code", "name", "kind", "state", "exam_id", "sort_order")))
        .order_by("-year", "title")
    )
    snapshots, data, codes = {}, {}, {}
    # One award per person and snapshot (a constraint): my certificate code rides along.
    my_award = Award.objects.filter(snapshot=OuterRef("pk"), staff=staff).values("code")[:1]
    for competition_id, published_at, standings, code in ResultSnapshot.objects.filter(
        competition_id__in=ids, withdrawn_at__isnull=True
    ).annotate(award_code=Subquery(my_award)).values_list("competition_id", "published_at", "data", "award_code"):
        snapshots[competition_id], data[competition_id], codes[competition_id] = published_at, standings, code or ""
    result = []
    for competition in competitions:
        team_name, team_remark = teams.get(competition.pk, ("", ""))
        remark = team_remark or remarks.get(competition.pk, "")
        mine = MyCompetition(competition=competition, team_name=team_name, remark=REMARK_NAMES.get(remark, ""))
        row = individual = None
        if competition.pk in data:
            standings = data[competition.pk]
            mine.published_at = snapshots[competition.pk]
            mine.award_code = codes[competition.pk]
            row = _my_row(standings.get("rows", ()), staff.pk)
            mine.entrants = sum(1 for r in standings.get("rows", ()) if r.get("rank") is not None)
            if standings.get("team"):
                individual = _my_row(standings.get("individual_rows", ()), staff.pk)
            if row:
                mine.rank, mine.total, mine.award = row.get("rank"), _decimal(row.get("total")), row.get("award")
            if individual:
                mine.my_rank, mine.my_total = individual.get("rank"), _decimal(individual.get("total"))
        for rnd in competition.rounds.all():
            item = MyRound(code=rnd.code, name=rnd.name, kind=rnd.get_kind_display(), state=rnd.state,
                           state_label=rnd.get_state_display(), exam_id=rnd.exam_id)
            if row:
                item.score = _decimal(row.get("rounds", {}).get(rnd.code))
            if individual:
                item.my_score = _decimal(individual.get("rounds", {}).get(rnd.code))
            mine.rounds.append(item)
        result.append(mine)
    return result


# --- award certificates ------------------------------------------------------------------------

# A printed code as typed or scanned: letters and digits only (anything else cannot match, and
# never reaches the database).
_CODE = re.compile(r"[A-Z0-9]{1,16}")


def normalise_award_code(code):
    """The code in the form it is stored (capitals, no spaces), or "" when it cannot be one."""
    code = "".join(str(code or "").split()).upper()
    return code if _CODE.fullmatch(code) else ""


def award_by_code(code):
    """The award with this verification code (any case, spaces ignored) with its snapshot (the
    published results, withdrawn or not), competition, person and team, or None. One query."""
    code = normalise_award_code(code)
    if not code:
        return None
    return (
        Award.objects.select_related("snapshot", "competition", "staff", "entry__team")
        .defer("snapshot__data")
        .filter(code=code)
        .first()
    )
