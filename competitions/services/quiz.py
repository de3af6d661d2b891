"""The live quiz show's writes (DESIGN, "Competitions", live quiz show).

The show's state lives in the database (QuizShow, one row per round) and every change takes
that row's lock, bumps its `version` and writes the version to the cache while still holding
the lock (so the cached version only grows): screens poll the version, never a process's memory.

Fairness: 开始抢答 schedules the opening a few seconds ahead (`opens_at`); every buzz is stored
with the time the server received it (taken by the view before any other work); a buzz before
the opening is a foul (−10, and the team cannot answer the question). The winner is chosen
under the show's lock a short settle window after the first valid buzz, so the order in which
workers happen to run decides nothing: the earliest receipt wins.

Host actions carry the version they were made on and are refused once the show moved on: two
host tabs cannot apply a point twice (and QuizEvent is unique per show version in the database).
"""

import time
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from home.validators import validate_no_control_characters

from .. import scoring
from ..models import (
    Entry,
    QuizBuzz,
    QuizEvent,
    QuizEventKind,
    QuizPhase,
    QuizQuestion,
    QuizScreenMode,
    QuizSegment,
    QuizShow,
    QuizTeamAccess,
    Round,
    RoundKind,
    RoundState,
    ScoreSheet,
    ScoreSheetVersion,
    SheetStatus,
)
from ..models.entries import UNRANKED_REMARKS
from ..models.quiz import new_join_code, version_cache_key
from ..models.rounds import STATE_ORDER
from .judging import REASON_MAX
from .results import round_state_change

# Defaults, overridden by settings QUIZ_COUNTDOWN_SECONDS and QUIZ_SETTLE_MS.
COUNTDOWN_SECONDS = 3
SETTLE_MS = 200
VERSION_TIMEOUT = 24 * 60 * 60
REQUEST_ID_MAX = 64
FROZEN_STATES = (RoundState.CONFIRMED, RoundState.PUBLISHED)
OUTCOMES = (QuizEventKind.CORRECT, QuizEventKind.WRONG, QuizEventKind.TIMEOUT, QuizEventKind.FOUL)


def countdown_seconds():
    return getattr(settings, "QUIZ_COUNTDOWN_SECONDS", COUNTDOWN_SECONDS)


def settle_window():
    return timedelta(milliseconds=getattr(settings, "QUIZ_SETTLE_MS", SETTLE_MS))


class QuizRefused(ValidationError):
    """An action the show's state does not allow; `stale` when it was made on an older version."""

    def __init__(self, message, *, stale=False, version=None):
        super().__init__(message)
        self.stale = stale
        self.version = version


# --- the show's lock and version ------------------------------------------------------------


def _locked(show):
    """The show's row, locked until the caller's transaction ends (with what the rules read)."""
    show_id = show.pk if isinstance(show, QuizShow) else show
    return (QuizShow.objects.select_for_update(of=("self",)).select_related("question", "round")
            .get(pk=show_id))


def _check_version(show, version):
    try:
        made_on = int(version)
    except (TypeError, ValueError):
        made_on = None
    if made_on != show.version:
        raise QuizRefused(_("The show has moved on since this screen was loaded: look at it again, then repeat the "
                            "action if it is still needed."), stale=True, version=show.version)


def _bump(show, fields=()):
    """Save the show's changed fields with the next version, and publish that version to the
    cache while the row is still locked (versions reach the cache in the order they commit)."""
    show.version += 1
    show.save(update_fields=[*fields, "version", "updated_at"])
    cache.set(version_cache_key(show.pk), show.version, VERSION_TIMEOUT)
    return show


def _event(show, *, entry, kind, points=0, stake=None, question=None, reason="", user=None, now=None):
    """A point (or a decision worth 0), made on the show's current version (before the bump)."""
    return QuizEvent.objects.create(
        show=show, question=question if question is not None else show.question, entry_id=_pk(entry), kind=kind,
        points=points, stake=stake, reason=reason, show_version=show.version, by=user if _is_user(user) else None,
        at=now or timezone.now(),
    )


def _pk(value):
    return value.pk if hasattr(value, "pk") else value


def _is_user(user):
    return user is not None and getattr(user, "is_authenticated", False)


def _barred(show, question):
    """Teams that may no longer answer the question: a foul on it, or an answer already scored
    (events not voided)."""
    return set(QuizEvent.objects.filter(show=show, question=question, voided_by__isnull=True)
               .exclude(kind=QuizEventKind.VOID).values_list("entry_id", flat=True))


def _show_team_ids(show):
    return set(QuizTeamAccess.objects.filter(show=show).values_list("entry_id", flat=True))


# --- starting the show and moving through the questions ---------------------------------------


@transaction.atomic
def quiz_show_start(*, round, user=None):
    """The round's show (made on first call, with a join code for every team still in the
    competition; later calls return it unchanged). Only a quiz round has a show."""
    rnd = Round.objects.select_for_update().select_related("competition").get(pk=round.pk)
    if rnd.kind != RoundKind.QUIZ:
        raise QuizRefused(_("Only a quiz show round has a live show."))
    show, created = QuizShow.objects.get_or_create(round=rnd)
    if created:
        teams = Entry.objects.filter(competition=rnd.competition, team__isnull=False, eliminated_in__isnull=True)
        teams = teams.exclude(remark__in=UNRANKED_REMARKS).order_by("pk")
        codes = set()
        access = []
        for entry in teams:
            code = new_join_code()
            while code in codes:
                code = new_join_code()
            codes.add(code)
            access.append(QuizTeamAccess(show=show, entry=entry, code=code))
        if not access:
            raise QuizRefused(_("The competition has no teams to play the quiz show."))
        QuizTeamAccess.objects.bulk_create(access)
        if STATE_ORDER.index(rnd.state) < STATE_ORDER.index(RoundState.OPEN):
            round_state_change(round=rnd, to_state=RoundState.OPEN, user=user if _is_user(user) else None)
    cache.set(version_cache_key(show.pk), show.version, VERSION_TIMEOUT)
    return show


@transaction.atomic
def quiz_question_next(*, show, version, user=None, question=None, team=None):
    """Show the next question (after the current one in order, or the one given). A 必答 or
    风险题 question goes to the team whose turn it is (the question's team, or the one named):
    it has the floor at once. A buzzer question waits for 开始抢答."""
    show = _locked(show)
    _check_version(show, version)
    if show.phase == QuizPhase.FINISHED:
        raise QuizRefused(_("The show is finished."))
    questions = QuizQuestion.objects.filter(round_id=show.round_id)
    if question is None:
        after = show.question.order if show.question_id else -1
        chosen = questions.filter(order__gt=after).order_by("order").first()
        if chosen is None:
            raise QuizRefused(_("There is no next question."))
    else:
        chosen = questions.filter(pk=_pk(question)).first()
        if chosen is None:
            raise QuizRefused(_("This question is not one of the round's."))
    answering = None
    if not chosen.is_buzzed:
        answering = _pk(team) if team is not None else chosen.team_id
        if answering is None:
            raise QuizRefused(_("Name the team whose turn it is for this question."))
        if answering not in _show_team_ids(show):
            raise QuizRefused(_("This team does not play in the show."))
    show.question = chosen
    show.phase = QuizPhase.ANSWERING if answering else QuizPhase.QUESTION
    show.answering_id = answering
    show.opens_at, show.opening, show.stake = None, 0, None
    return _bump(show, ["question", "phase", "answering", "opens_at", "opening", "stake"])


@transaction.atomic
def quiz_buzzing_open(*, show, version, user=None, now=None, countdown=None):
    """开始抢答: buzzing opens `countdown` seconds from now (shown as a countdown everywhere, so
    that polling delay decides nothing); a buzz received before then is a foul. Also opens the
    question again after a wrong answer, for the teams that may still answer."""
    show = _locked(show)
    _check_version(show, version)
    question = show.question
    if question is None or not question.is_buzzed:
        raise QuizRefused(_("Only a buzzer question is opened for buzzing."))
    if show.phase != QuizPhase.QUESTION:
        raise QuizRefused(_("The question is not waiting to be opened."))
    if _show_team_ids(show) <= _barred(show, question):
        raise QuizRefused(_("No team may answer this question any more: reveal the answer."))
    seconds = countdown_seconds() if countdown is None else countdown
    show.opening += 1
    show.opens_at = (now or timezone.now()) + timedelta(seconds=seconds)
    show.phase = QuizPhase.BUZZING
    show.answering = None
    return _bump(show, ["opening", "opens_at", "phase", "answering"])


# --- buzzes ---------------------------------------------------------------------------------


@dataclass
class BuzzResult:
    buzz: QuizBuzz
    created: bool
    # When the winner may be chosen (the first valid buzz of an opening only), else None.
    decide_at: object = None

    @property
    def foul(self):
        return self.buzz.foul


def quiz_buzz(*, show, entry, request_id, now):
    """Record a team's buzz received by the server at `now`. A retry (same request id) or a
    second tap in the same opening finds the first buzz and changes nothing. Received before
    the opening (or before 开始抢答): a foul, −10, and the team cannot answer the question.
    Once a team has the floor a buzz is still recorded (the queue shows how close it was); one
    received earlier than the winner's but processed later takes the floor, until the host rules."""
    request_id = str(request_id or "").strip()[:REQUEST_ID_MAX]
    if not request_id:
        raise QuizRefused(_("The buzz has no request id."))
    entry_id = _pk(entry)
    with transaction.atomic():
        show = _locked(show)
        question = show.question
        if question is not None:
            retried = QuizBuzz.objects.filter(question=question, entry_id=entry_id, request_id=request_id).first()
            if retried is not None:
                return BuzzResult(buzz=retried, created=False)
        buzz_phases = (QuizPhase.QUESTION, QuizPhase.BUZZING, QuizPhase.ANSWERING)
        if question is None or not question.is_buzzed or show.phase not in buzz_phases:
            raise QuizRefused(_("No question is open for buzzing now."))
        if show.phase == QuizPhase.ANSWERING and show.opening == 0:
            raise QuizRefused(_("No question is open for buzzing now."))
        if entry_id not in _show_team_ids(show):
            raise QuizRefused(_("This team does not play in the show."))
        # Before 开始抢答 a buzz is a foul for the coming opening.
        opening = show.opening + 1 if show.phase == QuizPhase.QUESTION else show.opening
        earlier = QuizBuzz.objects.filter(question=question, entry_id=entry_id, opening=opening).first()
        if earlier is not None:
            return BuzzResult(buzz=earlier, created=False)
        if entry_id in _barred(show, question):
            raise QuizRefused(_("Your team cannot answer this question any more."))
        foul = show.phase == QuizPhase.QUESTION or scoring.quiz_buzz_is_foul(now, show.opens_at)
        first_valid = not foul and not QuizBuzz.objects.filter(question=question, opening=opening, foul=False).exists()
        buzz = QuizBuzz.objects.create(show=show, question=question, entry_id=entry_id, received_at=now, foul=foul,
                                       opening=opening, request_id=request_id)
        fields = []
        if foul:
            _event(show, entry=entry_id, kind=QuizEventKind.FOUL,
                   points=scoring.quiz_points(question.segment, scoring.QUIZ_FOUL), now=now,
                   reason=_("Buzzed before the question was opened"))
        elif show.phase == QuizPhase.ANSWERING:
            # Processed after the decision (a slow worker) yet received before the winner's
            # buzz: the earliest receipt still wins while the host has not ruled.
            holder = QuizBuzz.objects.filter(question=question, opening=opening, entry_id=show.answering_id).first()
            if holder is not None and now < holder.received_at:
                show.answering_id = entry_id
                fields = ["answering"]
            first_valid = False
        _bump(show, fields)
    return BuzzResult(buzz=buzz, created=True, decide_at=now + settle_window() if first_valid else None)


def quiz_buzz_adjudicate(*, show, now=None):
    """Give the floor to the earliest valid buzz of the current opening, once the settle
    window after it has passed (under the show's lock). Returns the show; a no-op when the
    show is not buzzing, nobody buzzed validly yet, or it is too early."""
    now = now or timezone.now()
    with transaction.atomic():
        show = _locked(show)
        if show.phase != QuizPhase.BUZZING:
            return show
        rows = [scoring.BuzzRow(id=b.pk, entry=b.entry_id, received_at=b.received_at, foul=b.foul)
                for b in QuizBuzz.objects.filter(question=show.question, opening=show.opening, foul=False)]
        winner = scoring.quiz_buzz_winner(rows, opens_at=show.opens_at, barred=_barred(show, show.question))
        if winner is None or now < winner.received_at + settle_window():
            return show
        show.phase = QuizPhase.ANSWERING
        show.answering_id = winner.entry
        return _bump(show, ["phase", "answering"])


def quiz_buzz_and_settle(*, show, entry, request_id, now):
    """A team's buzz as the buzzer endpoint makes it: record it; the first valid buzz of an
    opening then waits out the settle window and chooses the winner."""
    result = quiz_buzz(show=show, entry=entry, request_id=request_id, now=now)
    if result.decide_at is not None:
        wait = (result.decide_at - timezone.now()).total_seconds()
        if wait > 0:
            time.sleep(wait)
        quiz_buzz_adjudicate(show=result.buzz.show_id)
    return result


# --- the host's decisions -----------------------------------------------------------------


@transaction.atomic
def quiz_outcome(*, show, version, outcome, user=None, entry=None, now=None):
    """The host's verdict: correct, wrong or over time for the team with the floor, or a foul
    by a named team (buzzer questions). Points per segment (DESIGN). After a wrong answer or a
    foul on a buzzer question the question waits to be opened again for the other teams (or
    revealed); otherwise the answer is revealed."""
    show = _locked(show)
    _check_version(show, version)
    if outcome not in OUTCOMES:
        raise QuizRefused(_("Unknown outcome."))
    question = show.question
    if question is None:
        raise QuizRefused(_("No question is shown."))
    if outcome == QuizEventKind.FOUL:
        if not question.is_buzzed:
            raise QuizRefused(_("Only a buzzer question has fouls."))
        team = _pk(entry) if entry is not None else show.answering_id
        if team is None or team not in _show_team_ids(show):
            raise QuizRefused(_("Name the team that committed the foul."))
        if team in _barred(show, question):
            raise QuizRefused(_("This team already answered or fouled on this question."))
        _event(show, entry=team, kind=outcome, points=scoring.quiz_points(question.segment, outcome), user=user,
               now=now, reason=_("Foul called by the host"))
        fields = []
        if team == show.answering_id:
            show.answering, show.phase = None, QuizPhase.QUESTION
            fields = ["answering", "phase"]
        return _bump(show, fields)
    if show.phase != QuizPhase.ANSWERING or show.answering_id is None:
        raise QuizRefused(_("No team has the floor."))
    if entry is not None and _pk(entry) != show.answering_id:
        raise QuizRefused(_("Another team has the floor."))
    stake = None
    if question.segment == QuizSegment.RISK:
        if not show.stake:
            raise QuizRefused(_("The team has not chosen its stake yet."))
        stake = show.stake
    points = scoring.quiz_points(question.segment, outcome, stake=stake)
    _event(show, entry=show.answering_id, kind=outcome, points=points, stake=stake, user=user, now=now)
    if question.is_buzzed and outcome != QuizEventKind.CORRECT:
        show.answering, show.phase = None, QuizPhase.QUESTION
    else:
        show.phase = QuizPhase.REVEALED
    return _bump(show, ["answering", "phase"])


@transaction.atomic
def quiz_stake_choose(*, show, entry, stake, version=None, user=None, now=None):
    """风险题: the team with the floor chooses 10, 20 or 30 (or declines: None or 0). From the
    team's device (no version: the same choice again changes nothing) or by the host for it."""
    show = _locked(show)
    if version is not None:
        _check_version(show, version)
    question = show.question
    if question is None or question.segment != QuizSegment.RISK or show.phase != QuizPhase.ANSWERING:
        raise QuizRefused(_("No risk question is waiting for a stake."))
    if _pk(entry) != show.answering_id:
        raise QuizRefused(_("It is another team's turn."))
    try:
        value = scoring.quiz_stake_check(stake)
    except scoring.ScoreError:
        raise QuizRefused(_("Choose a stake of 10, 20 or 30 points, or decline.")) from None
    if show.stake is not None:
        if show.stake == value:
            return show
        raise QuizRefused(_("The stake is already chosen."))
    show.stake = value
    fields = ["stake"]
    if value == 0:
        _event(show, entry=show.answering_id, kind=QuizEventKind.DECLINED, user=user, now=now)
        show.phase = QuizPhase.REVEALED
        fields.append("phase")
    return _bump(show, fields)


@transaction.atomic
def quiz_reveal(*, show, version, user=None):
    """Show the answer on every screen."""
    show = _locked(show)
    _check_version(show, version)
    if show.question is None or show.phase in (QuizPhase.REVEALED, QuizPhase.FINISHED, QuizPhase.LOBBY):
        raise QuizRefused(_("There is no answer to reveal now."))
    show.phase = QuizPhase.REVEALED
    return _bump(show, ["phase"])


@transaction.atomic
def quiz_event_void(*, show, version, event, reason, user=None, now=None):
    """Undo a point: a new correction event voids the old one, with a reason. The old event
    stays in the log."""
    reason = (reason or "").strip()
    if not reason:
        raise QuizRefused(_("A correction needs a reason."))
    if len(reason) > REASON_MAX:
        raise QuizRefused(_("At most %(n)d characters.") % {"n": REASON_MAX})
    validate_no_control_characters(reason)
    show = _locked(show)
    _check_version(show, version)
    old = QuizEvent.objects.select_for_update().filter(pk=_pk(event), show=show).first()
    if old is None:
        raise QuizRefused(_("This event is not one of the show's."))
    if old.kind == QuizEventKind.VOID:
        raise QuizRefused(_("A correction cannot be voided."))
    if old.voided_by_id is not None:
        raise QuizRefused(_("This event is already voided."))
    void = _event(show, entry=old.entry_id, kind=QuizEventKind.VOID, question=old.question, reason=reason, user=user,
                  now=now)
    old.voided_by = void
    old.save(update_fields=["voided_by"])
    return _bump(show)


@transaction.atomic
def quiz_screen_set(*, show, version, mode, user=None):
    """What the big screen shows: the show as it goes, the lobby, or the scoreboard."""
    show = _locked(show)
    _check_version(show, version)
    if mode not in QuizScreenMode.values:
        raise QuizRefused(_("Unknown screen mode."))
    show.screen_mode = mode
    return _bump(show, ["screen_mode"])


@transaction.atomic
def quiz_finish(*, show, version, user=None):
    """End the show and write the teams' points into the round's score sheets."""
    show = _locked(show)
    _check_version(show, version)
    if show.phase == QuizPhase.FINISHED:
        raise QuizRefused(_("The show is finished."))
    show.phase = QuizPhase.FINISHED
    _bump(show, ["phase"])
    quiz_results_write(show=show, user=user, reason=_("Quiz show finished"))
    if STATE_ORDER.index(show.round.state) < STATE_ORDER.index(RoundState.REVIEW):
        round_state_change(round=show.round, to_state=RoundState.REVIEW, user=user if _is_user(user) else None,
                           reason=_("Quiz show finished"))
    return show


# --- results into the standings ---------------------------------------------------------------


def quiz_team_points(show):
    """{entry id: points} of every team in the show (base 100, voided and 加赛 events left out)."""
    events = [scoring.QuizEventRow(entry=entry_id, points=points, voided=voided_by is not None,
                                   sudden_death=segment == QuizSegment.SUDDEN_DEATH)
              for entry_id, points, voided_by, segment in QuizEvent.objects.filter(show=show)
              .exclude(kind=QuizEventKind.VOID).values_list("entry_id", "points", "voided_by", "question__segment")]
    return scoring.quiz_team_totals(sorted(_show_team_ids(show)), events)


@transaction.atomic
def quiz_results_write(*, show, user=None, reason=""):
    """Write each team's points into the round's judge-less sheet (raw points: the standings
    normalise them to 0–100). A changed total is a new version of the sheet, with the reason;
    an unchanged one is left alone. Refused once the round is confirmed or published.
    Returns the number of sheets created or changed."""
    show = show if isinstance(show, QuizShow) else QuizShow.objects.select_related("round").get(pk=show)
    rnd = Round.objects.select_for_update().get(pk=show.round_id)
    if rnd.state in FROZEN_STATES:
        raise QuizRefused(_("Round %(code)s is %(state)s: its scores can no longer change (reopen it first).")
                          % {"code": rnd.code, "state": rnd.get_state_display()})
    user = user if _is_user(user) else None
    note = (reason or _("Quiz show points"))[:REASON_MAX]
    points = quiz_team_points(show)
    sheets = {s.entry_id: s for s in ScoreSheet.objects.select_for_update().filter(round=rnd, judge__isnull=True)}
    last = dict(ScoreSheetVersion.objects.filter(sheet__in=[s.pk for s in sheets.values()]).values("sheet")
                .annotate(number=Max("number")).values_list("sheet", "number"))
    written = []
    for entry_id, total in sorted(points.items()):
        total = scoring.q2(total)
        sheet = sheets.get(entry_id)
        if sheet is None:
            sheet = ScoreSheet.objects.create(round=rnd, entry_id=entry_id, total=total, status=SheetStatus.SUBMITTED,
                                              version=1, entered_by=user)
        elif sheet.total == total and sheet.status == SheetStatus.SUBMITTED:
            continue
        else:
            sheet.total, sheet.status, sheet.entered_by = total, SheetStatus.SUBMITTED, user
            sheet.version = max(last.get(sheet.pk, 0), sheet.version) + 1
            sheet.save(update_fields=["total", "status", "version", "entered_by", "updated_at"])
        written.append(ScoreSheetVersion(sheet=sheet, number=sheet.version, criteria={}, total=total,
                                         status=sheet.status, changed_by=user, reason=note))
    ScoreSheetVersion.objects.bulk_create(written)
    return len(written)
