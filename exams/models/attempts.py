"""Attempts: a candidate's sitting of an exam, one row per question drawn, and grading logs."""

from datetime import timedelta

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

# Saves that arrive this long after the deadline still count (network latency, a last
# keystroke in flight); later ones are refused, and an attempt is expired only after it.
SAVE_GRACE = timedelta(seconds=30)


class AttemptStatus(models.TextChoices):
    IN_PROGRESS = "in_progress", _("In progress")
    # Closed (submitted or timed out) and waiting for a grader's marks on short answers.
    PENDING = "pending", _("Waiting for manual grading")
    GRADED = "graded", _("Graded")


class Attempt(models.Model):
    exam = models.ForeignKey("exams.Exam", verbose_name=_("exam"), on_delete=models.CASCADE, related_name="attempts")
    staff = models.ForeignKey("people.StaffProfile", verbose_name=_("candidate"), on_delete=models.CASCADE, related_name="exam_attempts")
    number = models.PositiveSmallIntegerField(_("attempt"), default=1)
    form = models.CharField(_("form"), max_length=1, default="A")
    seed = models.BigIntegerField(_("shuffle seed"))
    status = models.CharField(_("status"), max_length=12, choices=AttemptStatus.choices, default=AttemptStatus.IN_PROGRESS)
    started_at = models.DateTimeField(_("started at"))
    deadline = models.DateTimeField(_("deadline"))
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    timed_out = models.BooleanField(_("closed at time-out"), default=False)
    graded_at = models.DateTimeField(_("graded at"), null=True, blank=True)
    score = models.DecimalField(_("score"), max_digits=8, decimal_places=2, null=True, blank=True)
    max_score = models.DecimalField(_("full marks"), max_digits=8, decimal_places=2, default=0)
    percent = models.DecimalField(_("percentage"), max_digits=5, decimal_places=2, null=True, blank=True)
    passed = models.BooleanField(_("passed"), null=True, blank=True)
    # No longer written: a save does not touch its attempt's row, and the answer sheet resumes
    # at the item saved last (AttemptItem.saved_at). Kept for attempts recorded before.
    position = models.PositiveSmallIntegerField(_("current question"), default=0)

    class Meta:
        verbose_name = _("attempt")
        verbose_name_plural = _("attempts")
        ordering = ["-started_at"]
        constraints = [models.UniqueConstraint(fields=["exam", "staff", "number"], name="exams_unique_attempt_number")]
        indexes = [models.Index(fields=["status", "deadline"]), models.Index(fields=["exam", "status"])]

    def __str__(self):
        return f"{self.exam} · {self.staff} · #{self.number}"

    @property
    def is_open(self):
        return self.status == AttemptStatus.IN_PROGRESS


class AttemptItem(models.Model):
    """One question of an attempt: the version shown, the option order, the saved response."""

    attempt = models.ForeignKey(Attempt, on_delete=models.CASCADE, related_name="items")
    position = models.PositiveSmallIntegerField(_("position"))
    question = models.ForeignKey("exams.Question", on_delete=models.PROTECT, related_name="attempt_items")
    version = models.ForeignKey("exams.QuestionVersion", on_delete=models.PROTECT, related_name="attempt_items")
    points = models.DecimalField(_("points"), max_digits=6, decimal_places=2)
    # Display position → index of the question's own option (shuffled per attempt).
    option_order = models.JSONField(default=list)
    response = models.JSONField(_("response"), null=True, blank=True)
    # The client's sequence number of the save that wrote `response`: older saves lose.
    response_seq = models.PositiveIntegerField(default=0)
    saved_at = models.DateTimeField(null=True, blank=True)
    score = models.DecimalField(_("score"), max_digits=6, decimal_places=2, null=True, blank=True)
    needs_grading = models.BooleanField(default=False)
    grader = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    grader_comment = models.TextField(_("grader's comment"), blank=True)
    graded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("attempt question")
        verbose_name_plural = _("attempt questions")
        ordering = ["attempt", "position"]
        constraints = [models.UniqueConstraint(fields=["attempt", "position"], name="exams_unique_item_position")]
        indexes = [models.Index(fields=["needs_grading"])]


class GradingLog(models.Model):
    """Who changed marks after the fact, and why: manual marks, regrades, full marks."""

    class Action(models.TextChoices):
        MANUAL = "manual", _("Manual grade")
        REGRADE = "regrade", _("Regrade after key correction")
        FULL_MARKS = "full_marks", _("Full marks for everyone")

    exam = models.ForeignKey("exams.Exam", verbose_name=_("exam"), on_delete=models.CASCADE, related_name="grading_logs")
    question = models.ForeignKey("exams.Question", verbose_name=_("question"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    item = models.ForeignKey(AttemptItem, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    action = models.CharField(_("action"), max_length=12, choices=Action.choices)
    reason = models.TextField(_("reason"))
    details = models.JSONField(_("details"), default=dict, blank=True)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("by"), null=True, on_delete=models.SET_NULL, related_name="+")
    at = models.DateTimeField(_("at"), auto_now_add=True)

    class Meta:
        verbose_name = _("grading log entry")
        verbose_name_plural = _("grading log")
        ordering = ["-at"]
