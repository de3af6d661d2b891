"""Monthly evaluations and pay (DESIGN, "Monthly evaluation").

An assessment scheme holds a service centre's numbers (one scheme without a centre is the
default for centres without their own); its numbers live in immutable, numbered versions
so that every evaluation records exactly which numbers it used. A period is one month of
evaluations with its workflow status; an evaluation is one person's month: the inputs as
they were read (the receipt), the components, score, grades before and after the quota,
the coefficient and the pay.
"""

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Max
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from simple_history.models import HistoricalRecords

from people.models import ServiceCentre, StaffProfile, VendorCompany

from .. import scoring
from ..periods import Period

# Grade labels are fixed in Chinese for the pay sheet (a contract), whatever the language.
GRADE_LABELS_ZH = {
    scoring.EXCELLENT: "优秀",
    scoring.GOOD: "良好",
    scoring.PASS: "合格",
    scoring.BASIC_PASS: "基本合格",
    scoring.FAIL: "不合格",
}


class Grade(models.TextChoices):
    EXCELLENT = scoring.EXCELLENT, pgettext_lazy("grade", "Excellent")
    GOOD = scoring.GOOD, pgettext_lazy("grade", "Good")
    PASS = scoring.PASS, pgettext_lazy("grade", "Pass")
    BASIC_PASS = scoring.BASIC_PASS, pgettext_lazy("grade", "Basic pass")
    FAIL = scoring.FAIL, pgettext_lazy("grade", "Fail")


def _score(verbose, **extra):
    return models.DecimalField(verbose, max_digits=6, decimal_places=2, **extra)


def _money(verbose, **extra):
    return models.DecimalField(verbose, max_digits=12, decimal_places=2, **extra)


class AssessmentScheme(models.Model):
    """考核方案: the numbers of the evaluation for one service centre, or the default one."""

    centre = models.OneToOneField(
        ServiceCentre,
        verbose_name=_("service centre"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="assessment_scheme",
        help_text=_("Empty: the default scheme, for centres without their own."),
    )
    name = models.CharField(_("name"), max_length=100)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("assessment scheme")
        verbose_name_plural = _("assessment schemes")
        ordering = ["centre__name", "name"]
        constraints = [
            # At most one default scheme (the one without a centre); centres have one each.
            models.UniqueConstraint(Coalesce("centre", models.Value(0)), name="assessment_scheme_one_default"),
        ]

    def __str__(self):
        return self.name

    def clean(self):
        if self.centre_id is None:
            others = AssessmentScheme.objects.filter(centre__isnull=True).exclude(pk=self.pk)
            if others.exists():
                raise ValidationError({"centre": _("There is already a default scheme; choose a service centre.")})

    @property
    def current_version(self):
        return self.versions.order_by("-number").first()

    # The admin's column and inspect label (it read "Current version").
    current_version.fget.short_description = _("Current version")

    def add_version(self, *, rules, user=None, note=""):
        """Save `rules` (scoring.Rules) as the next version; earlier versions stay as they were."""
        number = (self.versions.aggregate(n=Max("number"))["n"] or 0) + 1
        version = SchemeVersion(
            scheme=self, number=number, rules=scoring.rules_to_dict(rules), created_by=user, note=note
        )
        version.full_clean()
        version.save()
        return version


class SchemeVersion(models.Model):
    """One immutable set of numbers of a scheme. Editing a scheme adds a version."""

    scheme = models.ForeignKey(
        AssessmentScheme, verbose_name=_("assessment scheme"), on_delete=models.PROTECT, related_name="versions"
    )
    number = models.PositiveIntegerField(_("version"))
    rules = models.JSONField(_("rules"), help_text=_("The numbers, as scoring.rules_to_dict writes them."))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("created by"), on_delete=models.SET_NULL, null=True, blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    note = models.CharField(pgettext_lazy("scheme version", "note"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("scheme version")
        verbose_name_plural = _("scheme versions")
        ordering = ["scheme", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["scheme", "number"], name="assessment_scheme_version_unique_number"),
        ]

    def __str__(self):
        return f"{self.scheme} v{self.number}"

    def save(self, *args, **kwargs):
        # Evaluations point at a version: its numbers must never change afterwards.
        if not self._state.adding:
            raise ValidationError(_("A scheme version cannot be changed; save a new version instead."))
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValidationError(_("A scheme version cannot be deleted."))

    def scoring_rules(self):
        return scoring.rules_from_dict(self.rules)


class TaskState(models.TextChoices):
    QUEUED = "queued", pgettext_lazy("task", "Queued")
    RUNNING = "running", pgettext_lazy("task", "Running")
    DONE = "done", pgettext_lazy("task", "Done")
    FAILED = "failed", pgettext_lazy("task", "Failed")


class EvaluationPeriod(models.Model):
    """One month of evaluations and where it stands in the workflow."""

    class Status(models.TextChoices):
        DRAFT = "draft", pgettext_lazy("evaluation period", "Draft")
        REVIEWED = "reviewed", pgettext_lazy("evaluation period", "Reviewed")
        APPROVED = "approved", pgettext_lazy("evaluation period", "Approved")
        PUBLISHED = "published", pgettext_lazy("evaluation period", "Published")
        FINAL = "final", pgettext_lazy("evaluation period", "Final")

    # Statuses from which the figures can no longer be recomputed.
    LOCKED = (Status.APPROVED, Status.PUBLISHED, Status.FINAL)
    # Statuses in which staff may read their receipt.
    VISIBLE_TO_STAFF = (Status.PUBLISHED, Status.FINAL)

    month = models.CharField(
        _("month"),
        max_length=7,
        unique=True,
        validators=[RegexValidator(r"^20\d\d-(0[1-9]|1[0-2])$", _("Use YYYY-MM, e.g. 2026-10."))],
    )
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.DRAFT)
    computed_at = models.DateTimeField(_("computed at"), null=True, blank=True)
    computed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("computed by"), on_delete=models.SET_NULL, null=True, blank=True,
        related_name="+",
    )
    blockers = models.JSONField(_("blockers"), default=list, blank=True)
    # The workflow: who signed each step off, and when (the history keeps every earlier one).
    reviewed_at = models.DateTimeField(_("reviewed at"), null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("reviewed by"), on_delete=models.SET_NULL, null=True, blank=True,
        related_name="+",
    )
    approved_at = models.DateTimeField(_("approved at"), null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("approved by"), on_delete=models.SET_NULL, null=True, blank=True,
        related_name="+",
    )
    acknowledged_blockers = models.JSONField(
        _("acknowledged blockers"), default=list, blank=True,
        help_text=_("The blockers the approver signed off with a note each."),
    )
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("published by"), on_delete=models.SET_NULL, null=True, blank=True,
        related_name="+",
    )
    appeal_deadline = models.DateField(
        _("appeal deadline"), null=True, blank=True, help_text=_("The last day staff may appeal (5 working days).")
    )
    finalized_at = models.DateTimeField(_("finalized at"), null=True, blank=True)
    reopen_reason = models.CharField(
        _("reason for reopening"), max_length=500, blank=True,
        help_text=_("Why the month was last reopened; the recompute that follows is logged with it."),
    )
    # The background compute's progress, read by the month page.
    task_state = models.CharField(_("compute task"), max_length=10, choices=TaskState.choices, blank=True)
    task_done = models.PositiveIntegerField(_("steps done"), default=0)
    task_total = models.PositiveIntegerField(_("steps in all"), default=0)
    task_message = models.CharField(_("compute message"), max_length=500, blank=True)
    task_updated_at = models.DateTimeField(_("compute updated at"), null=True, blank=True)

    history = HistoricalRecords(
        excluded_fields=["task_state", "task_done", "task_total", "task_message", "task_updated_at"],
        history_change_reason_field=models.TextField(null=True),
    )

    class Meta:
        verbose_name = _("evaluation period")
        verbose_name_plural = _("evaluation periods")
        ordering = ["-month"]
        permissions = [("compute_evaluations", _("Can compute a month's evaluations"))]

    def __str__(self):
        return self.month

    def blocker_count(self):
        return len(self.blockers)

    blocker_count.short_description = _("blockers")

    @property
    def locked(self):
        return self.status in self.LOCKED

    @property
    def task_percent(self):
        if self.task_state == TaskState.DONE:
            return 100
        if not self.task_total:
            return 0
        return min(100, self.task_done * 100 // self.task_total)

    def appeal_open(self, today):
        """Whether staff may still appeal on `today` (published, deadline not passed)."""
        return (
            self.status == self.Status.PUBLISHED and self.appeal_deadline is not None and today <= self.appeal_deadline
        )

    @property
    def period(self):
        return Period.parse(self.month)


class Evaluation(models.Model):
    """One person's month: inputs, components, score, grades, coefficient and pay."""

    period = models.ForeignKey(
        EvaluationPeriod, verbose_name=_("month"), on_delete=models.CASCADE, related_name="evaluations"
    )
    staff = models.ForeignKey(
        StaffProfile, verbose_name=_("staff member"), on_delete=models.PROTECT, related_name="evaluations"
    )
    centre = models.ForeignKey(
        ServiceCentre, verbose_name=_("service centre"), on_delete=models.PROTECT, related_name="evaluations",
        help_text=_("Where the person was evaluated this month."),
    )
    vendor = models.ForeignKey(
        VendorCompany, verbose_name=_("vendor company"), on_delete=models.PROTECT, null=True, blank=True,
        related_name="evaluations",
    )
    scheme_version = models.ForeignKey(
        SchemeVersion, verbose_name=_("scheme version"), on_delete=models.PROTECT, related_name="evaluations"
    )
    inputs = models.JSONField(_("inputs"), default=dict, help_text=_("Everything the score was computed from."))
    ratings = _score(pgettext_lazy("component", "R ratings"), null=True, blank=True)
    discipline = _score(pgettext_lazy("component", "D discipline"), null=True, blank=True)
    tests = _score(pgettext_lazy("component", "T tests"), null=True, blank=True)
    learning = _score(pgettext_lazy("component", "L learning"), null=True, blank=True)
    total = _score(_("weighted total"), default=Decimal("0.00"))
    bonus = _score(_("bonus"), default=Decimal("0.00"))
    score = _score(pgettext_lazy("evaluation", "score"), default=Decimal("0.00"))
    veto = models.BooleanField(_("veto (一票否决)"), default=False)
    grade_before_quota = models.CharField(_("grade before the quota"), max_length=12, choices=Grade.choices)
    grade = models.CharField(pgettext_lazy("evaluation", "grade"), max_length=12, choices=Grade.choices)
    demoted_by_quota = models.BooleanField(_("demoted by the quota"), default=False)
    coefficient = models.DecimalField(_("pay coefficient"), max_digits=5, decimal_places=2)
    pay_base = _money(_("performance pay base"))
    pay = _money(_("performance pay"))
    computed_at = models.DateTimeField(_("computed at"))

    # Every figure's earlier values (the inputs snapshot is the receipt: not repeated there).
    history = HistoricalRecords(excluded_fields=["inputs"], history_change_reason_field=models.TextField(null=True))

    class Meta:
        verbose_name = _("evaluation")
        verbose_name_plural = _("evaluations")
        ordering = ["-period__month", "centre__name", "staff__staff_no"]
        constraints = [
            models.UniqueConstraint(fields=["period", "staff"], name="assessment_evaluation_one_per_month"),
        ]
        indexes = [models.Index(fields=["period", "centre"]), models.Index(fields=["period", "grade"])]

    def __str__(self):
        return f"{self.period.month} {self.staff}"

    @property
    def grade_label_zh(self):
        return GRADE_LABELS_ZH[self.grade]


class EvaluationAppeal(models.Model):
    """申诉: a staff member disputes their published evaluation; HR decides."""

    class Status(models.TextChoices):
        PENDING = "pending", pgettext_lazy("appeal", "Pending")
        UPHELD = "upheld", pgettext_lazy("appeal", "Upheld")
        REJECTED = "rejected", pgettext_lazy("appeal", "Rejected")

    evaluation = models.ForeignKey(
        Evaluation, verbose_name=_("evaluation"), on_delete=models.CASCADE, related_name="appeals"
    )
    reason = models.TextField(_("reason"), max_length=2000)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    created_at = models.DateTimeField(_("appealed at"), auto_now_add=True)
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("decided by"), on_delete=models.SET_NULL, null=True, blank=True,
        related_name="+",
    )
    decision_note = models.TextField(_("decision"), max_length=2000, blank=True)

    history = HistoricalRecords(history_change_reason_field=models.TextField(null=True))

    class Meta:
        verbose_name = _("evaluation appeal")
        verbose_name_plural = _("evaluation appeals")
        ordering = ["-created_at"]
        # The evaluation workflow's permissions (given to roles in assessment/roles.py).
        permissions = [
            ("decide_evaluation_appeal", _("Can decide evaluation appeals")),
            ("review_evaluations", _("Can review a month's evaluations")),
            ("approve_evaluations", _("Can approve a month's evaluations")),
            ("reopen_evaluations", _("Can reopen an approved month")),
            ("publish_evaluations", _("Can publish and finalize a month's evaluations")),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["evaluation"], condition=models.Q(status="pending"), name="assessment_one_open_appeal"
            ),
        ]

    def __str__(self):
        return f"{self.evaluation} · {self.get_status_display()}"

    @property
    def is_open(self):
        return self.status == self.Status.PENDING


class PeriodChange(models.Model):
    """审批后变更: a pay-affecting input of an approved (published, final) month that changed
    anyway, because daily work may not wait for a reopen (a supervisor concludes a bad-review
    case of the month, decides its appeal or a suspicious rating). The approved evaluations
    stay as they were; HR sees the list on the month page with a preview of what a recompute
    would change. The recompute after a reopen marks the changes applied."""

    class Kind(models.TextChoices):
        CASE_CLOSED = "case_closed", _("Bad-review case concluded")
        CASE_APPEAL = "case_appeal", _("Appeal of a bad review decided")
        SUSPICION = "suspicion", _("Suspicious rating decided")

    period = models.ForeignKey(
        EvaluationPeriod, verbose_name=_("month"), on_delete=models.CASCADE, related_name="changes"
    )
    kind = models.CharField(_("kind of change"), max_length=20, choices=Kind.choices)
    case = models.ForeignKey(
        "assessment.BadReviewCase", verbose_name=_("case"), on_delete=models.SET_NULL, null=True, blank=True,
        related_name="period_changes",
    )
    staff = models.ForeignKey(
        StaffProfile, verbose_name=_("staff member"), on_delete=models.SET_NULL, null=True, blank=True,
        related_name="+", help_text=_("Whose figures the change may affect."),
    )
    summary = models.CharField(_("summary"), max_length=500)
    period_status = models.CharField(
        _("status of the month then"), max_length=10, choices=EvaluationPeriod.Status.choices
    )
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("changed by"), on_delete=models.SET_NULL, null=True, blank=True,
        related_name="+",
    )
    at = models.DateTimeField(_("changed at"))
    applied_at = models.DateTimeField(
        _("applied at"), null=True, blank=True, help_text=_("When a recompute of the month took the change in.")
    )
    applied_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("applied by"), on_delete=models.SET_NULL, null=True, blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("change since approval")
        verbose_name_plural = _("changes since approval")
        ordering = ["period", "-at", "-pk"]
        indexes = [models.Index(fields=["period", "applied_at"])]

    def __str__(self):
        return f"{self.period.month} · {self.summary}"
