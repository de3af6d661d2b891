"""Rounds of a competition, their rubrics (a snippet) and the log of their state changes."""

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from modelcluster.fields import ParentalKey
from modelcluster.models import ClusterableModel
from wagtail.admin.panels import FieldPanel, InlinePanel
from wagtail.models import Orderable

from .. import scoring
from .pages import CODE_VALIDATOR


class RoundKind(models.TextChoices):
    KNOWLEDGE = "knowledge", _("Knowledge")
    PRACTICAL = "practical", _("Practical")
    SCENARIO = "scenario", _("Scenario")
    QUIZ = "quiz", _("Quiz show")
    TIEBREAK = "tiebreak", _("Tie-break")


# Chinese labels of the workbook's 类型 column.
KIND_LABELS = {"知识": RoundKind.KNOWLEDGE, "实操": RoundKind.PRACTICAL, "情景": RoundKind.SCENARIO,
               "抢答": RoundKind.QUIZ, "加赛": RoundKind.TIEBREAK}
JUDGED_KINDS = (RoundKind.PRACTICAL, RoundKind.SCENARIO)
# DESIGN: knowledge 30, practical 40, scenario 30; a tie-break round does not count.
DEFAULT_WEIGHTS = {RoundKind.KNOWLEDGE: Decimal("30"), RoundKind.PRACTICAL: Decimal("40"),
                   RoundKind.SCENARIO: Decimal("30"), RoundKind.QUIZ: Decimal("30"), RoundKind.TIEBREAK: Decimal("0")}


class RoundState(models.TextChoices):
    DRAFT = "draft", _("Draft")
    # "Open" alone is another app's word (an exam's opening time): this one is the round's state.
    OPEN = "open", pgettext_lazy("round state", "Open")
    SCORING = "scoring", _("Scoring")
    REVIEW = "review", _("Review")
    CONFIRMED = "confirmed", _("Confirmed")
    PUBLISHED = "published", _("Published")


STATE_ORDER = [s.value for s in RoundState]
# Judges score while a round is open, being scored or in review; confirmation freezes the sheets.
JUDGING_STATES = (RoundState.OPEN, RoundState.SCORING, RoundState.REVIEW)


class Rubric(ClusterableModel):
    """评分标准: criteria with maximum points adding up to 100."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    description = models.TextField(_("description"), blank=True)

    panels = [FieldPanel("name"), FieldPanel("description"), InlinePanel("criteria", label=_("Criteria"), min_num=1)]

    class Meta:
        verbose_name = _("rubric")
        verbose_name_plural = _("rubrics")
        ordering = ["name"]

    def __str__(self):
        return self.name

    def maxima(self):
        return {c.name: c.max_points for c in self.criteria.all()}

    def clean(self):
        criteria = list(self.criteria.all())
        if criteria and not scoring.rubric_is_valid([c.max_points or 0 for c in criteria]):
            total = sum((c.max_points or 0 for c in criteria), Decimal("0"))
            raise ValidationError(
                _("The criteria's maximum points must add up to 100 (now %(total)s).") % {"total": total}
            )


class Criterion(Orderable):
    rubric = ParentalKey(Rubric, on_delete=models.CASCADE, related_name="criteria")
    name = models.CharField(_("criterion"), max_length=50)
    max_points = models.DecimalField(
        _("maximum points"), max_digits=5, decimal_places=2,
        validators=[MinValueValidator(Decimal("0.01")), MaxValueValidator(Decimal("100"))],
    )
    description = models.CharField(_("what is looked at"), max_length=300, blank=True)

    panels = [FieldPanel("name"), FieldPanel("max_points"), FieldPanel("description")]

    class Meta(Orderable.Meta):
        verbose_name = _("criterion")
        verbose_name_plural = _("criteria")
        constraints = [
            models.UniqueConstraint(fields=["rubric", "name"], name="competitions_criterion_unique_name"),
            models.CheckConstraint(
                condition=models.Q(max_points__gt=0, max_points__lte=100), name="competitions_criterion_max_range"
            ),
        ]

    def __str__(self):
        return f"{self.name} ({self.max_points})"


class Round(models.Model):
    competition = models.ForeignKey(
        "competitions.CompetitionPage", verbose_name=_("competition"), on_delete=models.CASCADE, related_name="rounds"
    )
    code = models.CharField(_("code"), max_length=20, validators=[CODE_VALIDATOR])
    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=10, choices=RoundKind.choices)
    weight = models.DecimalField(
        _("weight"), max_digits=6, decimal_places=2, validators=[MinValueValidator(Decimal("0"))]
    )
    judges_per_entrant = models.PositiveSmallIntegerField(
        _("judges per entrant"), null=True, blank=True, validators=[MinValueValidator(1)]
    )
    team_round = models.BooleanField(
        _("team round"), default=False,
        help_text=_("Team competitions: the team performs together and gets one score (a quiz show always does)."),
    )
    state = models.CharField(_("state"), max_length=10, choices=RoundState.choices, default=RoundState.DRAFT)
    rubric = models.ForeignKey(
        Rubric, verbose_name=_("rubric"), on_delete=models.PROTECT, null=True, blank=True, related_name="rounds"
    )
    exam = models.ForeignKey(
        "exams.Exam", verbose_name=_("online exam"), on_delete=models.PROTECT, null=True, blank=True,
        related_name="competition_rounds",
        help_text=_("Knowledge rounds held online: the exam whose grades are the round's scores."),
    )
    qualify_line = models.DecimalField(
        _("qualifying score"), max_digits=5, decimal_places=2, null=True, blank=True,
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))],
    )
    qualify_top_n = models.PositiveIntegerField(_("qualifying places (top N)"), null=True, blank=True)
    sort_order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("round")
        verbose_name_plural = _("rounds")
        ordering = ["competition", "sort_order", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["competition", "code"], name="competitions_round_unique_code"),
            models.CheckConstraint(condition=models.Q(weight__gte=0), name="competitions_round_weight_not_negative"),
            models.CheckConstraint(
                condition=models.Q(judges_per_entrant__isnull=True) | models.Q(judges_per_entrant__gte=1),
                name="competitions_round_judges_at_least_one",
            ),
            models.CheckConstraint(
                condition=models.Q(qualify_line__isnull=True) | models.Q(qualify_top_n__isnull=True),
                name="competitions_round_one_qualifying_rule",
            ),
        ]

    def __str__(self):
        return f"{self.code} {self.name}"

    @property
    def is_judged(self):
        return self.kind in JUDGED_KINDS

    @property
    def is_team_round(self):
        return self.kind == RoundKind.QUIZ or self.team_round

    def clean(self):
        if self.qualify_line is not None and self.qualify_top_n is not None:
            raise ValidationError({"qualify_top_n": _("Qualify by a score line or by the top N, not both.")})
        if self.exam_id and self.kind != RoundKind.KNOWLEDGE:
            raise ValidationError({"exam": _("Only a knowledge round is held as an online exam.")})


class RoundStateLog(models.Model):
    """Every state change of a round, with who, when and why (a reopen needs a reason)."""

    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="state_log")
    from_state = models.CharField(_("from"), max_length=10, choices=RoundState.choices)
    to_state = models.CharField(_("to"), max_length=10, choices=RoundState.choices)
    reason = models.CharField(_("reason"), max_length=500, blank=True)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    changed_at = models.DateTimeField(_("changed at"), auto_now_add=True)

    class Meta:
        verbose_name = _("round state change")
        verbose_name_plural = _("round state changes")
        ordering = ["round", "changed_at", "pk"]

    @property
    def is_reopen(self):
        return STATE_ORDER.index(self.to_state) < STATE_ORDER.index(self.from_state)
