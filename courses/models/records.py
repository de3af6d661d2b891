"""Who was asked to learn what, and what they did: assignments, progress, acknowledgements,
role-play runs, feedback, the training-hours ledger (学时) and certificates."""

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .pages import Delivery


class ItemKind(models.TextChoices):
    COURSE = "course", _("Course")
    SCENARIO = "scenario", _("Case scenario")
    POLICY = "policy", _("Policy update")


class Assignment(models.Model):
    """A course, case scenario or policy update that an audience must complete by a date.

    The audience is a filter: a person matches when they are active and, for every
    dimension that is set (centres, posts, vendors), their value is among those chosen;
    people named individually are included as well. Matching people are recorded as
    recipients, and people who match later (new hires, transfers) are added then.
    """

    page = models.ForeignKey(
        "wagtailcore.Page", verbose_name=_("item"), on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField(_("kind"), max_length=10, choices=ItemKind.choices, editable=False)
    due_date = models.DateField(_("due date"))
    mandatory = models.BooleanField(
        _("mandatory"), default=True, help_text=_("Mandatory items count in the monthly evaluation.")
    )
    centres = models.ManyToManyField("people.ServiceCentre", verbose_name=_("service centres"), blank=True)
    posts = models.ManyToManyField("people.Post", verbose_name=_("posts"), blank=True)
    vendors = models.ManyToManyField("people.VendorCompany", verbose_name=_("vendor companies"), blank=True)
    individuals = models.ManyToManyField(
        "people.StaffProfile", verbose_name=_("individuals"), blank=True, related_name="+"
    )
    recipients = models.ManyToManyField(
        "people.StaffProfile",
        verbose_name=_("recipients"),
        through="AssignmentRecipient",
        related_name="learning_assignments",
    )
    active = models.BooleanField(_("active"), default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("assignment")
        verbose_name_plural = _("assignments")
        ordering = ["-due_date", "-pk"]
        indexes = [models.Index(fields=["due_date", "active"])]

    def __str__(self):
        return f"{self.page.title} · {self.due_date:%Y-%m-%d}"


class AssignmentRecipient(models.Model):
    assignment = models.ForeignKey(Assignment, on_delete=models.CASCADE, related_name="recipient_rows")
    staff = models.ForeignKey("people.StaffProfile", on_delete=models.CASCADE, related_name="+")
    assigned_at = models.DateTimeField(_("assigned at"), auto_now_add=True)

    class Meta:
        verbose_name = _("assignment recipient")
        verbose_name_plural = _("assignment recipients")
        constraints = [models.UniqueConstraint(fields=["assignment", "staff"], name="unique_assignment_recipient")]


class Enrolment(models.Model):
    """A person taking a course; `completed_at` is set once every lesson is done and the
    knowledge checks reach the course's pass mark."""

    staff = models.ForeignKey("people.StaffProfile", on_delete=models.CASCADE, related_name="enrolments")
    course = models.ForeignKey("courses.CoursePage", on_delete=models.PROTECT, related_name="enrolments")
    started_at = models.DateTimeField(_("started at"), auto_now_add=True)
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("enrolment")
        verbose_name_plural = _("enrolments")
        constraints = [models.UniqueConstraint(fields=["staff", "course"], name="unique_enrolment")]


class LessonCompletion(models.Model):
    staff = models.ForeignKey("people.StaffProfile", on_delete=models.CASCADE, related_name="+")
    lesson = models.ForeignKey("courses.LessonPage", on_delete=models.PROTECT, related_name="+")
    completed_at = models.DateTimeField(_("completed at"), auto_now_add=True)
    # Best knowledge-check result of the lesson, in percent; null when it has no check.
    check_percent = models.DecimalField(
        _("knowledge check (%)"), max_digits=5, decimal_places=2, null=True, blank=True
    )

    class Meta:
        verbose_name = _("lesson completion")
        verbose_name_plural = _("lesson completions")
        constraints = [models.UniqueConstraint(fields=["staff", "lesson"], name="unique_lesson_completion")]


class Acknowledgement(models.Model):
    """A person's acknowledgement of a policy update in one acknowledgement round, with the
    revision they read."""

    staff = models.ForeignKey("people.StaffProfile", on_delete=models.CASCADE, related_name="acknowledgements")
    policy = models.ForeignKey("courses.PolicyUpdatePage", on_delete=models.PROTECT, related_name="acknowledgements")
    round = models.PositiveIntegerField(_("acknowledgement round"))
    revision = models.ForeignKey(
        "wagtailcore.Revision", verbose_name=_("revision read"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    acknowledged_at = models.DateTimeField(_("acknowledged at"), auto_now_add=True)

    class Meta:
        verbose_name = _("acknowledgement")
        verbose_name_plural = _("acknowledgements")
        constraints = [
            models.UniqueConstraint(fields=["staff", "policy", "round"], name="unique_acknowledgement")
        ]


class ScenarioRun(models.Model):
    staff = models.ForeignKey("people.StaffProfile", on_delete=models.CASCADE, related_name="scenario_runs")
    scenario = models.ForeignKey("courses.CaseScenarioPage", on_delete=models.PROTECT, related_name="runs")
    path = models.JSONField(_("path"), default=list, help_text=_("Step keys and choice numbers, in order."))
    score = models.PositiveSmallIntegerField(_("score"), validators=[MaxValueValidator(100)])
    finished_at = models.DateTimeField(_("finished at"), auto_now_add=True)

    class Meta:
        verbose_name = _("role-play run")
        verbose_name_plural = _("role-play runs")
        indexes = [models.Index(fields=["staff", "scenario"])]


class CourseFeedback(models.Model):
    """满意度 (Kirkpatrick level 1): one rating per person and course, changeable."""

    staff = models.ForeignKey("people.StaffProfile", on_delete=models.CASCADE, related_name="+")
    course = models.ForeignKey("courses.CoursePage", on_delete=models.CASCADE, related_name="feedback")
    rating = models.PositiveSmallIntegerField(
        _("satisfaction"), validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    comment = models.TextField(_("comment"), blank=True, max_length=1000)
    created_at = models.DateTimeField(_("created at"), auto_now=True)

    class Meta:
        verbose_name = _("course feedback")
        verbose_name_plural = _("course feedback")
        constraints = [
            models.UniqueConstraint(fields=["staff", "course"], name="unique_course_feedback"),
            models.CheckConstraint(condition=Q(rating__gte=1, rating__lte=5), name="course_feedback_rating_1_5"),
        ]


class TrainingRecord(models.Model):
    """One line of the training-hours ledger (学时): from a completed course or role play, or
    offline training imported from a spreadsheet. `source_key` makes crediting idempotent."""

    class Source(models.TextChoices):
        COURSE = "course", _("Course")
        SCENARIO = "scenario", _("Case scenario")
        IMPORT = "import", _("Imported")

    staff = models.ForeignKey("people.StaffProfile", on_delete=models.CASCADE, related_name="training_records")
    title = models.CharField(_("training"), max_length=200)
    date = models.DateField(_("date"))
    hours = models.DecimalField(
        _("hours"), max_digits=5, decimal_places=1, validators=[MinValueValidator(Decimal("0.1"))]
    )
    mode = models.CharField(_("mode"), max_length=10, choices=Delivery.choices)
    source = models.CharField(_("source"), max_length=10, choices=Source.choices)
    source_key = models.CharField(_("source key"), max_length=120)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("training record")
        verbose_name_plural = _("training records")
        ordering = ["-date", "-pk"]
        constraints = [models.UniqueConstraint(fields=["staff", "source_key"], name="unique_training_record")]
        indexes = [models.Index(fields=["staff", "date"])]

    def clean(self):
        if self.hours is not None and self.hours <= 0:
            raise ValidationError({"hours": _("Hours must be positive.")})


class Certificate(models.Model):
    """Issued when a course is completed; the code is printed with a QR code that opens a
    public verification page."""

    staff = models.ForeignKey("people.StaffProfile", on_delete=models.PROTECT, related_name="certificates")
    course = models.ForeignKey("courses.CoursePage", on_delete=models.PROTECT, related_name="certificates")
    code = models.CharField(_("verification code"), max_length=16, unique=True)
    hours = models.DecimalField(_("hours"), max_digits=5, decimal_places=1)
    issued_at = models.DateTimeField(_("issued at"), auto_now_add=True)

    class Meta:
        verbose_name = _("certificate")
        verbose_name_plural = _("certificates")
        constraints = [models.UniqueConstraint(fields=["staff", "course"], name="unique_certificate")]

    def __str__(self):
        return self.code
