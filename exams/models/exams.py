"""Exams: a paper given to an audience in a window of time, with attempt and review rules."""

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalKey
from modelcluster.models import ClusterableModel
from wagtail.models import Orderable


class ScoringRule(models.TextChoices):
    HIGHEST = "highest", _("Highest graded attempt")
    LAST = "last", _("Last graded attempt")


class ReviewRule(models.TextChoices):
    AFTER_CLOSE = "after_close", _("Score after submitting; answers and explanations after the exam closes")
    AFTER_SUBMIT = "after_submit", _("Score, answers and explanations right after submitting")
    SCORE_ONLY = "score_only", _("Score only, never the answers")
    NOTHING = "nothing", _("Nothing until the trainer publishes results")


class Exam(ClusterableModel):
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("instructions"), blank=True)
    paper = models.ForeignKey("exams.Paper", verbose_name=_("paper"), on_delete=models.PROTECT, related_name="exams")
    centres = models.ManyToManyField("people.ServiceCentre", verbose_name=_("service centres"), blank=True, related_name="+")
    posts = models.ManyToManyField("people.Post", verbose_name=_("posts"), blank=True, related_name="+")
    vendors = models.ManyToManyField("people.VendorCompany", verbose_name=_("vendor companies"), blank=True, related_name="+")
    individuals = models.ManyToManyField("people.StaffProfile", verbose_name=_("individuals"), blank=True, related_name="+")
    candidates = models.ManyToManyField(
        "people.StaffProfile", verbose_name=_("candidates"), through="ExamCandidate", related_name="exams"
    )
    opens_at = models.DateTimeField(_("opens at"))
    closes_at = models.DateTimeField(_("closes at"))
    duration_minutes = models.PositiveIntegerField(
        _("time allowed (minutes)"), default=30, validators=[MinValueValidator(1), MaxValueValidator(600)]
    )
    attempts_allowed = models.PositiveSmallIntegerField(_("attempts allowed"), default=1, validators=[MinValueValidator(1)])
    scoring_rule = models.CharField(_("attempt that counts"), max_length=10, choices=ScoringRule.choices, default=ScoringRule.HIGHEST)
    pass_percent = models.DecimalField(
        _("pass mark (%)"), max_digits=5, decimal_places=2, default=Decimal("60"),
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))],
    )
    review_rule = models.CharField(_("what candidates may review"), max_length=15, choices=ReviewRule.choices, default=ReviewRule.AFTER_CLOSE)
    results_published = models.BooleanField(_("results published"), default=False)
    partial_credit = models.BooleanField(
        _("partial credit"), default=False,
        help_text=_("Multiple choice and blanks: a share of the points for a partly right answer with no wrong choice."),
    )
    counts_in_evaluation = models.BooleanField(_("counts in the monthly evaluation"), default=True)
    invigilators = models.ManyToManyField(settings.AUTH_USER_MODEL, verbose_name=_("invigilators"), blank=True, related_name="invigilated_exams")
    active = models.BooleanField(_("active"), default=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("exam")
        verbose_name_plural = _("exams")
        ordering = ["-opens_at", "-pk"]
        indexes = [models.Index(fields=["closes_at"])]
        permissions = [("grade_exam", "Can grade exams and correct keys"), ("view_results", "Can view exam results")]
        constraints = [models.CheckConstraint(condition=models.Q(closes_at__gt=models.F("opens_at")), name="exams_exam_closes_after_opens")]

    def __str__(self):
        return self.title

    def clean(self):
        if self.opens_at and self.closes_at and self.closes_at <= self.opens_at:
            raise ValidationError({"closes_at": _("The exam must close after it opens.")})

    def is_closed(self, now=None):
        return (now or timezone.now()) >= self.closes_at


class ExamCandidate(models.Model):
    """Who the exam was assigned to (recorded when the audience is resolved)."""

    exam = models.ForeignKey(Exam, on_delete=models.CASCADE, related_name="candidate_rows")
    staff = models.ForeignKey("people.StaffProfile", on_delete=models.CASCADE, related_name="+")
    assigned_at = models.DateTimeField(_("assigned at"), auto_now_add=True)

    class Meta:
        verbose_name = _("candidate")
        verbose_name_plural = _("candidates")
        constraints = [models.UniqueConstraint(fields=["exam", "staff"], name="exams_unique_candidate")]


class ExamOverride(Orderable):
    """A person's own terms: extra time, extra attempts, or another window."""

    exam = ParentalKey(Exam, on_delete=models.CASCADE, related_name="overrides")
    staff = models.ForeignKey("people.StaffProfile", verbose_name=_("person"), on_delete=models.CASCADE, related_name="+")
    extra_minutes = models.PositiveIntegerField(_("extra minutes"), default=0)
    extra_attempts = models.PositiveSmallIntegerField(_("extra attempts"), default=0)
    opens_at = models.DateTimeField(_("opens at instead"), null=True, blank=True)
    closes_at = models.DateTimeField(_("closes at instead"), null=True, blank=True)
    reason = models.CharField(_("reason"), max_length=200, blank=True)

    class Meta(Orderable.Meta):
        verbose_name = _("personal override")
        verbose_name_plural = _("personal overrides")
        constraints = [models.UniqueConstraint(fields=["exam", "staff"], name="exams_unique_override")]

    def clean(self):
        if self.opens_at and self.closes_at and self.closes_at <= self.opens_at:
            raise ValidationError({"closes_at": _("The window must close after it opens.")})
