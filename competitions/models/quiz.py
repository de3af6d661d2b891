"""The live quiz show of a quiz round (DESIGN, "Competitions", live quiz show): its questions by
segment, the show's state (one per round), the teams' join codes, every buzz with the time the
server received it, and every point as an event (a correction voids an event with a reason)."""

import secrets

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

# Join codes avoid characters that read alike on a phone (0/O, 1/I/L).
JOIN_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
JOIN_CODE_LENGTH = 8
# 风险题 stakes a team may choose (DESIGN).
STAKES = (10, 20, 30)


def version_cache_key(show_id):
    """The cache key of a show's state version (polled by every screen and device)."""
    return f"competitions:quiz:{show_id}:version"


def new_screen_token():
    return secrets.token_urlsafe(24)


def new_join_code():
    return "".join(secrets.choice(JOIN_ALPHABET) for _i in range(JOIN_CODE_LENGTH))


class QuizSegment(models.TextChoices):
    REQUIRED = "required", _("Required (each team in turn)")  # 必答
    BUZZER = "buzzer", _("Buzzer")  # 抢答
    RISK = "risk", _("Risk")  # 风险题
    SUDDEN_DEATH = "sudden_death", _("Sudden death")  # 加赛


# Segments whose questions are won by a buzz.
BUZZ_SEGMENTS = (QuizSegment.BUZZER, QuizSegment.SUDDEN_DEATH)


class QuizPhase(models.TextChoices):
    LOBBY = "lobby", _("Lobby")
    QUESTION = "question", _("Question shown")
    # 开始抢答 pressed: a countdown until opens_at, then open for buzzes.
    BUZZING = "buzzing", _("Buzzing")
    ANSWERING = "answering", _("Answering")
    REVEALED = "revealed", _("Answer revealed")
    FINISHED = "finished", _("Finished")


class QuizScreenMode(models.TextChoices):
    AUTO = "auto", _("Follow the show")
    LOBBY = "lobby", _("Lobby")
    SCOREBOARD = "scoreboard", _("The scoreboard")


class QuizQuestion(models.Model):
    round = models.ForeignKey(
        "competitions.Round", verbose_name=_("round"), on_delete=models.CASCADE, related_name="quiz_questions"
    )
    segment = models.CharField(_("segment"), max_length=15, choices=QuizSegment.choices)
    order = models.PositiveSmallIntegerField(_("order"))
    text = models.TextField(_("question text"))
    answer = models.TextField(_("answer"))
    seconds = models.PositiveSmallIntegerField(_("seconds to answer"), default=20)
    # 必答 and 风险题: the team whose turn it is (the host may also name it when showing the question).
    team = models.ForeignKey(
        "competitions.Entry", verbose_name=_("team"), on_delete=models.CASCADE, null=True, blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("quiz question")
        verbose_name_plural = _("quiz questions")
        ordering = ["round", "order"]
        constraints = [
            models.UniqueConstraint(fields=["round", "order"], name="competitions_quizquestion_unique_order"),
            models.CheckConstraint(condition=models.Q(seconds__gte=1), name="competitions_quizquestion_seconds_positive"),
        ]

    def __str__(self):
        return f"{self.order}. {self.text[:40]}"

    @property
    def is_buzzed(self):
        return self.segment in BUZZ_SEGMENTS


class QuizShow(models.Model):
    """The state of one round's show. Every change bumps `version` (here and in the cache):
    screens poll the version, and a host action made on an older version is refused."""

    round = models.OneToOneField(
        "competitions.Round", verbose_name=_("round"), on_delete=models.CASCADE, related_name="quiz_show"
    )
    phase = models.CharField(_("phase"), max_length=10, choices=QuizPhase.choices, default=QuizPhase.LOBBY)
    question = models.ForeignKey(
        QuizQuestion, verbose_name=_("current question"), on_delete=models.PROTECT, null=True, blank=True,
        related_name="+",
    )
    # The scheduled opening of buzzing (server time): a buzz received before it is a foul.
    opens_at = models.DateTimeField(_("opens at"), null=True, blank=True)
    # How many times the current question was opened (again after a wrong answer): buzzes
    # count per opening.
    opening = models.PositiveSmallIntegerField(_("opening"), default=0)
    # The team that has the floor: the buzz winner, or the team whose turn it is.
    answering = models.ForeignKey(
        "competitions.Entry", verbose_name=_("answering team"), on_delete=models.PROTECT, null=True, blank=True,
        related_name="+",
    )
    # 风险题: the stake the answering team chose; 0 when it declined; empty until it chooses.
    stake = models.PositiveSmallIntegerField(_("stake"), null=True, blank=True)
    screen_mode = models.CharField(
        _("big screen shows"), max_length=10, choices=QuizScreenMode.choices, default=QuizScreenMode.AUTO
    )
    version = models.PositiveIntegerField(_("version"), default=1)
    screen_token = models.CharField(max_length=40, unique=True, default=new_screen_token, editable=False)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("quiz show")
        verbose_name_plural = _("quiz shows")
        constraints = [
            models.CheckConstraint(condition=models.Q(version__gte=1), name="competitions_quizshow_version_positive"),
            models.CheckConstraint(
                condition=models.Q(stake__isnull=True) | models.Q(stake__in=(0, *STAKES)),
                name="competitions_quizshow_stake_allowed",
            ),
        ]

    def __str__(self):
        return str(self.round)


class QuizTeamAccess(models.Model):
    """The code a team's device joins the show with."""

    show = models.ForeignKey(QuizShow, on_delete=models.CASCADE, related_name="team_access")
    entry = models.ForeignKey("competitions.Entry", verbose_name=_("team"), on_delete=models.CASCADE, related_name="+")
    code = models.CharField(_("join code"), max_length=12, default=new_join_code)

    class Meta:
        verbose_name = _("team join code")
        verbose_name_plural = _("team join codes")
        constraints = [
            models.UniqueConstraint(fields=["show", "entry"], name="competitions_quizaccess_one_per_team"),
            models.UniqueConstraint(fields=["show", "code"], name="competitions_quizaccess_unique_code"),
        ]


class QuizBuzz(models.Model):
    """One team's buzz on one question, stamped with the server's receipt time. A team buzzes
    once per opening of a question: a double tap or a retried request finds its first buzz."""

    show = models.ForeignKey(QuizShow, on_delete=models.CASCADE, related_name="buzzes")
    question = models.ForeignKey(QuizQuestion, on_delete=models.CASCADE, related_name="buzzes")
    entry = models.ForeignKey("competitions.Entry", verbose_name=_("team"), on_delete=models.CASCADE, related_name="+")
    received_at = models.DateTimeField(_("received by the server at"))
    # Received before the opening: −10 and the team cannot answer the question.
    foul = models.BooleanField(_("foul"), default=False)
    # The opening the buzz was for (QuizShow.opening; a buzz before an opening is a foul for it).
    opening = models.PositiveSmallIntegerField(default=1)
    request_id = models.CharField(max_length=64)

    class Meta:
        verbose_name = _("buzz")
        verbose_name_plural = _("buzzes")
        ordering = ["question", "received_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["question", "entry", "opening"], name="competitions_quizbuzz_once_per_opening"
            ),
            models.UniqueConstraint(
                fields=["question", "entry", "request_id"], name="competitions_quizbuzz_unique_request"
            ),
        ]


class QuizEventKind(models.TextChoices):
    CORRECT = "correct", pgettext_lazy("quiz event", "Correct")
    WRONG = "wrong", _("Wrong")
    TIMEOUT = "timeout", _("Over time")
    FOUL = "foul", _("Foul")
    DECLINED = "declined", _("Declined the risk question")
    VOID = "void", _("Correction")


class QuizEvent(models.Model):
    """A point (or a decision worth 0) with who and when. A correction is a new VOID event; the
    event it voids points to it (an event is voided once)."""

    show = models.ForeignKey(QuizShow, on_delete=models.CASCADE, related_name="events")
    question = models.ForeignKey(QuizQuestion, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    entry = models.ForeignKey("competitions.Entry", verbose_name=_("team"), on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(_("kind"), max_length=10, choices=QuizEventKind.choices)
    points = models.IntegerField(_("points won or lost"), default=0)
    stake = models.PositiveSmallIntegerField(_("stake"), null=True, blank=True)
    voided_by = models.OneToOneField(
        "self", verbose_name=_("voided by"), on_delete=models.PROTECT, null=True, blank=True, related_name="voids"
    )
    reason = models.CharField(_("reason"), max_length=500, blank=True)
    # The show's version the event was made on: two actions on one state cannot both land.
    show_version = models.PositiveIntegerField()
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    at = models.DateTimeField(_("made at"), default=timezone.now)

    class Meta:
        verbose_name = _("quiz event")
        verbose_name_plural = _("quiz events")
        ordering = ["show", "pk"]  # the order they were made in, under the show's lock
        constraints = [
            models.UniqueConstraint(fields=["show", "show_version"], name="competitions_quizevent_one_per_version"),
            models.CheckConstraint(
                condition=models.Q(stake__isnull=True) | models.Q(stake__in=STAKES),
                name="competitions_quizevent_stake_allowed",
            ),
            models.CheckConstraint(
                condition=~models.Q(kind="void") | (models.Q(points=0) & ~models.Q(reason="")),
                name="competitions_quizevent_void_has_reason",
            ),
            models.CheckConstraint(
                condition=~models.Q(voided_by=models.F("pk")), name="competitions_quizevent_not_self_voided"
            ),
        ]
