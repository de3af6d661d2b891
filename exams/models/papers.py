"""Papers: fixed (hand-picked slots) or blueprint (drawn per candidate from rules)."""

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalKey
from modelcluster.models import ClusterableModel
from wagtail.models import Orderable

from .bank import Question, QuestionType


class PaperKind(models.TextChoices):
    FIXED = "fixed", _("Fixed: hand-picked questions")
    BLUEPRINT = "blueprint", _("Blueprint: drawn for each candidate")


class Paper(ClusterableModel):
    title = models.CharField(_("title"), max_length=200)
    kind = models.CharField(_("kind"), max_length=10, choices=PaperKind.choices, default=PaperKind.FIXED)
    shuffle_questions = models.BooleanField(_("shuffle questions"), default=False)
    shuffle_options = models.BooleanField(_("shuffle options"), default=False)
    forms = models.PositiveSmallIntegerField(
        _("parallel forms"),
        default=1,
        validators=[MinValueValidator(1), MaxValueValidator(2)],
        help_text=_("Blueprint papers: 2 draws an A and a B form; candidates get one or the other."),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("paper")
        verbose_name_plural = _("papers")
        ordering = ["-created_at"]

    def __str__(self):
        return self.title


class PaperSlot(Orderable):
    """One question of a fixed paper, at its place, with the points it is worth here."""

    paper = ParentalKey(Paper, on_delete=models.CASCADE, related_name="slots")
    question = models.ForeignKey(Question, verbose_name=_("question"), on_delete=models.PROTECT, related_name="+")
    points = models.DecimalField(
        _("points"),
        max_digits=6,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0.01"))],
        help_text=_("Empty: the question's own points."),
    )

    class Meta(Orderable.Meta):
        verbose_name = _("paper question")
        verbose_name_plural = _("paper questions")


class BlueprintRule(Orderable):
    """Draw `count` questions matching bank, category, type and difficulty (blank = any)."""

    paper = ParentalKey(Paper, on_delete=models.CASCADE, related_name="rules")
    bank = models.ForeignKey("exams.QuestionBank", verbose_name=_("question bank"), on_delete=models.PROTECT, related_name="+")
    category = models.ForeignKey(
        "exams.Category", verbose_name=_("category"), on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    qtype = models.CharField(_("type"), max_length=10, choices=QuestionType.choices, blank=True)
    difficulty = models.PositiveSmallIntegerField(
        _("difficulty"), null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    count = models.PositiveSmallIntegerField(_("count"), default=5, validators=[MinValueValidator(1)])
    points = models.DecimalField(
        _("points each"),
        max_digits=6,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0.01"))],
        help_text=_("Empty: each question's own points."),
    )

    class Meta(Orderable.Meta):
        verbose_name = _("blueprint rule")
        verbose_name_plural = _("blueprint rules")

    def clean(self):
        if self.category_id and self.bank_id and self.category.bank_id != self.bank_id:
            raise ValidationError({"category": _("The category belongs to another bank.")})

    def matching(self):
        questions = Question.objects.filter(bank_id=self.bank_id, active=True)
        if self.category_id:
            questions = questions.filter(category_id=self.category_id)
        if self.qtype:
            questions = questions.filter(qtype=self.qtype)
        if self.difficulty:
            questions = questions.filter(difficulty=self.difficulty)
        return questions
