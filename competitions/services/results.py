"""Round states, publication of the results (with the awards) and their export."""

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from home.qr import verification_code

from ..models import Award, CompetitionPage, ResultSnapshot, Round, RoundState, RoundStateLog
from ..models.rounds import STATE_ORDER

# --- round states --------------------------------------------------------------------------------


@transaction.atomic
def round_state_change(*, round, to_state, user=None, reason=""):
    """Move a round forward (draft → open → scoring → review → confirmed → published), or back
    (a reopen: a reason is required). Every change is logged."""
    rnd = Round.objects.select_for_update().get(pk=round.pk)
    if to_state not in STATE_ORDER:
        raise ValidationError(_("Unknown state."))
    if to_state == rnd.state:
        return rnd
    backwards = STATE_ORDER.index(to_state) < STATE_ORDER.index(rnd.state)
    if backwards and not reason.strip():
        raise ValidationError(_("Reopening a round needs a reason."))
    RoundStateLog.objects.create(round=rnd, from_state=rnd.state, to_state=to_state, reason=reason.strip(), changed_by=user)
    rnd.state = to_state
    rnd.save(update_fields=["state"])
    round.state = to_state
    return rnd


# --- publication ------------------------------------------------------------------------------------


class PublishRefused(ValidationError):
    pass


@transaction.atomic
def competition_publish(*, competition, user=None, now=None):
    """Freeze the standings in a snapshot, name the awards (each awarded person, or each member
    of an awarded team, gets the level's bonus in the month of publication) and mark every
    round published. Refused when already published, or while a counting round is still
    being scored."""
    from ..selectors import competition_standings

    now = now or timezone.now()
    competition = CompetitionPage.objects.select_for_update().get(pk=competition.pk)
    if ResultSnapshot.objects.filter(competition=competition, withdrawn_at__isnull=True).exists():
        raise PublishRefused(_("The results are already published; reopen them (with a reason) to publish again."))
    rounds = list(competition.rounds.all())
    if not rounds:
        raise PublishRefused(_("The competition has no rounds."))
    unfinished = [r.code for r in rounds if r.weight > 0 and STATE_ORDER.index(r.state) < STATE_ORDER.index(RoundState.REVIEW)]
    if unfinished:
        raise PublishRefused(_("Rounds still being scored: %(codes)s.") % {"codes": "、".join(unfinished)})
    standings = competition_standings(competition=competition)
    snapshot = ResultSnapshot.objects.create(competition=competition, data=standings.as_data(), published_at=now,
                                             published_by=user)
    rule = competition.award_rule()
    awarded_on = timezone.localdate(now)
    awards = []
    for row in standings.rows:
        if not row.award:
            continue
        for staff_id in row.staff_ids:
            awards.append(Award(snapshot=snapshot, competition=competition, entry_id=row.key, staff_id=staff_id,
                                level=row.award, bonus=rule.bonus_for(row.award), awarded_on=awarded_on,
                                code=verification_code()))
    Award.objects.bulk_create(awards)
    for rnd in rounds:
        if rnd.state != RoundState.PUBLISHED:
            round_state_change(round=rnd, to_state=RoundState.PUBLISHED, user=user, reason=_("Results published"))
    competition.published_at = now
    competition.save(update_fields=["published_at"])
    return snapshot


@transaction.atomic
def competition_reopen(*, competition, user=None, reason, now=None):
    """Withdraw the published results (their awards no longer count) and move the rounds back
    to review; logged with the reason."""
    if not (reason or "").strip():
        raise ValidationError(_("Reopening the results needs a reason."))
    now = now or timezone.now()
    snapshot = ResultSnapshot.objects.select_for_update().filter(competition=competition, withdrawn_at__isnull=True).first()
    if snapshot is None:
        raise ValidationError(_("The results are not published."))
    snapshot.withdrawn_at = now
    snapshot.withdrawn_by = user
    snapshot.withdrawal_reason = reason.strip()
    snapshot.save(update_fields=["withdrawn_at", "withdrawn_by", "withdrawal_reason"])
    for rnd in competition.rounds.filter(state=RoundState.PUBLISHED):
        round_state_change(round=rnd, to_state=RoundState.REVIEW, user=user, reason=reason)
    CompetitionPage.objects.filter(pk=competition.pk).update(published_at=None)
    competition.published_at = None
    return snapshot


# --- export ---------------------------------------------------------------------------------------


AWARD_NAMES = {1: "一等奖", 2: "二等奖", 3: "三等奖"}


def results_dataset(*, competition):
    """The standings as a tablib Dataset: 名次, 参赛者 (工号 or 队名), 姓名, one column per round
    (its name), 总分, 奖项, 备注. The published snapshot when there is one, else the live
    standings (a preview)."""
    import tablib

    from ..selectors import competition_standings, published_snapshot

    data = published_snapshot(competition=competition)
    if data is None:
        data = competition_standings(competition=competition).as_data()
    rounds = data["rounds"]
    headers = ["名次", "参赛者", "姓名", *[r["name"] for r in rounds], "总分", "奖项", "备注"]
    dataset = tablib.Dataset(headers=headers, title=_("Standings")[:31])
    for row in data["rows"]:
        dataset.append([
            row["rank"],
            row["label"],
            row["name"],
            *[_decimal_cell(row["rounds"].get(r["code"])) for r in rounds],
            _decimal_cell(row["total"]),
            AWARD_NAMES.get(row["award"], ""),
            row["remark"],
        ])
    return dataset


def _decimal_cell(value):
    return None if value in (None, "") else Decimal(value)
