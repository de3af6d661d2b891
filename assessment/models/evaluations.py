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

from people.models import ServiceCentre, StaffProfile, VendorCompany

from .. import scoring

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
    def period(self):
        from ..selectors import Period

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
