"""Question banks, categories and questions, with an immutable version per change.

A graded attempt points at the QuestionVersion it was drawn from, so editing a question
later never changes what a candidate was shown or graded against.
"""

import hashlib
import html
import json
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.html import strip_tags
from django.utils.translation import gettext_lazy as _
from taggit.managers import TaggableManager
from wagtail.fields import RichTextField

from .. import scoring

OPTION_LETTERS = "ABCDEF"


class QuestionType(models.TextChoices):
    SINGLE = "single", _("Single choice")
    MULTIPLE = "multiple", _("Multiple choice")
    TRUE_FALSE = "truefalse", _("True or false")
    BLANK = "blank", _("Fill in the blank")
    ESSAY = "essay", _("Short answer")


CHOICE_TYPES = {QuestionType.SINGLE, QuestionType.MULTIPLE}


class QuestionBank(models.Model):
    name = models.CharField(_("name"), max_length=100, unique=True)
    description = models.TextField(_("description"), blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("question bank")
        verbose_name_plural = _("question banks")
        ordering = ["name"]

    def __str__(self):
        return self.name


class Category(models.Model):
    bank = models.ForeignKey(QuestionBank, verbose_name=_("question bank"), on_delete=models.CASCADE, related_name="categories")
    name = models.CharField(_("name"), max_length=100)

    class Meta:
        verbose_name = _("question category")
        verbose_name_plural = _("question categories")
        ordering = ["bank__name", "name"]
        constraints = [models.UniqueConstraint(fields=["bank", "name"], name="exams_unique_category_per_bank")]

    def __str__(self):
        return f"{self.bank.name} · {self.name}"


def stem_key(stem_html):
    """The identity of a stem inside a bank: its text without markup and outer spaces."""
    return " ".join(stem_plain_text(stem_html).split())[:500]


def stem_plain_text(stem_html):
    return html.unescape(strip_tags(stem_html or "")).strip()


def stem_html_from_text(text):
    """A plain-text stem (from a spreadsheet) as the rich-text field's HTML."""
    return "".join(f"<p>{html.escape(line)}</p>" for line in str(text).splitlines() if line.strip())


class Question(models.Model):
    """A question as it is now; `versions` keeps every earlier state."""

    bank = models.ForeignKey(QuestionBank, verbose_name=_("question bank"), on_delete=models.PROTECT, related_name="questions")
    category = models.ForeignKey(
        Category, verbose_name=_("category"), on_delete=models.SET_NULL, null=True, blank=True, related_name="questions"
    )
    qtype = models.CharField(_("type"), max_length=10, choices=QuestionType.choices, default=QuestionType.SINGLE)
    stem = RichTextField(_("stem"), features=["bold", "italic", "ol", "ul", "image", "link"])
    stem_text = models.CharField(_("stem (plain text)"), max_length=500, editable=False, db_index=True)
    options = models.JSONField(
        _("options"), default=list, blank=True, help_text=_("Choice texts in order A, B, C …")
    )
    answer = models.CharField(
        _("answer"),
        max_length=500,
        blank=True,
        help_text=_(
            "Choice: letters such as B or A、C. True or false: 对 or 错. Blanks: one per blank, separated "
            "by ；, with alternatives separated by |. Short answer: leave empty and write a reference answer."
        ),
    )
    reference_answer = models.TextField(_("reference answer"), blank=True)
    rubric = models.TextField(_("rubric"), blank=True, help_text=_("How graders award points to short answers."))
    explanation = models.TextField(_("explanation"), blank=True)
    difficulty = models.PositiveSmallIntegerField(
        _("difficulty"), default=2, validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    points = models.DecimalField(
        _("points"), max_digits=6, decimal_places=2, default=Decimal("2.00"), validators=[MinValueValidator(Decimal("0.01"))]
    )
    tags = TaggableManager(verbose_name=_("tags"), blank=True)
    active = models.BooleanField(_("active"), default=True, help_text=_("Retired questions are never drawn again."))
    version = models.PositiveIntegerField(_("version"), default=0, editable=False)
    # Item statistics from the latest exam report (fed back into the bank).
    facility = models.DecimalField(_("facility index"), max_digits=5, decimal_places=2, null=True, blank=True, editable=False)
    discrimination = models.DecimalField(
        _("discrimination index"), max_digits=5, decimal_places=2, null=True, blank=True, editable=False
    )
    stats_responses = models.PositiveIntegerField(_("responses analysed"), default=0, editable=False)
    stats_updated_at = models.DateTimeField(_("statistics updated at"), null=True, blank=True, editable=False)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("question")
        verbose_name_plural = _("questions")
        ordering = ["bank__name", "pk"]
        constraints = [models.UniqueConstraint(fields=["bank", "stem_text"], name="exams_unique_stem_per_bank")]
        indexes = [models.Index(fields=["bank", "qtype", "difficulty"])]

    def __str__(self):
        return self.stem_text[:60]

    @property
    def letters(self):
        return OPTION_LETTERS[: len(self.options)]

    def key(self):
        """The normalized key the grader compares with (see scoring.parse_key)."""
        return scoring.parse_key(self.qtype, self.answer, self.options)

    def clean(self):
        self.stem_text = stem_key(self.stem)
        if not self.stem_text:
            raise ValidationError({"stem": _("Write the question.")})
        self.options = [str(o).strip() for o in (self.options or []) if str(o).strip()]
        if self.qtype in CHOICE_TYPES and len(self.options) < 2:
            raise ValidationError({"options": _("A choice question needs at least two options.")})
        if len(self.options) > len(OPTION_LETTERS):
            raise ValidationError({"options": _("At most six options (A–F).")})
        if self.qtype == QuestionType.ESSAY:
            return
        try:
            key = scoring.parse_key(self.qtype, self.answer, self.options)
        except scoring.AnswerKeyError as exc:
            raise ValidationError({"answer": str(exc)}) from exc
        # Stored in one spelling: AB, 对/错, blanks joined by ；and |.
        self.answer = scoring.format_key(self.qtype, key)

    def content(self):
        """What a version freezes."""
        return {
            "qtype": self.qtype,
            "stem": self.stem,
            "options": list(self.options or []),
            "answer": self.answer,
            "reference_answer": self.reference_answer,
            "rubric": self.rubric,
            "explanation": self.explanation,
            "points": str(self.points),
            "difficulty": self.difficulty,
        }

    def snapshot(self, user=None):
        """Record a new version when the content differs from the latest one (saving goes
        through services.question_save, which calls this)."""
        content = self.content()
        digest = content_digest(content)
        latest = self.versions.order_by("-number").first()
        if latest is not None and latest.digest == digest:
            return latest
        number = (latest.number if latest else 0) + 1
        version = QuestionVersion.objects.create(
            question=self, number=number, digest=digest, created_by=user, **version_fields(content)
        )
        Question.objects.filter(pk=self.pk).update(version=number)
        self.version = number
        return version


def content_digest(content):
    return hashlib.sha256(json.dumps(content, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


def version_fields(content):
    fields = dict(content)
    fields["points"] = Decimal(fields["points"])
    fields.pop("difficulty", None)
    return fields


class QuestionVersion(models.Model):
    """An immutable state of a question: what attempts are drawn from and graded against."""

    question = models.ForeignKey(Question, verbose_name=_("question"), on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField(_("version"))
    digest = models.CharField(max_length=64, editable=False)
    qtype = models.CharField(_("type"), max_length=10, choices=QuestionType.choices)
    stem = models.TextField(_("stem"))
    options = models.JSONField(_("options"), default=list)
    answer = models.CharField(_("answer"), max_length=500, blank=True)
    reference_answer = models.TextField(_("reference answer"), blank=True)
    rubric = models.TextField(_("rubric"), blank=True)
    explanation = models.TextField(_("explanation"), blank=True)
    points = models.DecimalField(_("points"), max_digits=6, decimal_places=2)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("question version")
        verbose_name_plural = _("question versions")
        ordering = ["question", "number"]
        constraints = [models.UniqueConstraint(fields=["question", "number"], name="exams_unique_question_version")]

    def __str__(self):
        return f"{self.question_id} v{self.number}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise ValidationError(_("Question versions never change; edit the question instead."))
        super().save(*args, **kwargs)

    def key(self):
        return scoring.parse_key(self.qtype, self.answer, self.options)
