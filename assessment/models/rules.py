"""What HR configures: the numbers of the rules per service centre, shift schedules and the
holiday calendar. A centre without its own CentreRules row uses DESIGN's defaults."""

import datetime as dt

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from people.models import ServiceCentre

from .. import attendance_rules, rating_rules


def _minutes(verbose, default, help_text=""):
    return models.PositiveSmallIntegerField(
        verbose, default=default, validators=[MaxValueValidator(600)], help_text=help_text
    )


def _points(verbose, default):
    return models.PositiveSmallIntegerField(verbose, default=default, validators=[MaxValueValidator(100)])


def _days(verbose, default):
    return models.PositiveSmallIntegerField(
        verbose, default=default, validators=[MinValueValidator(1), MaxValueValidator(60)]
    )


class CentreRules(models.Model):
    """考勤与好差评规则: every number of DESIGN's rules, for one service centre."""

    centre = models.OneToOneField(
        ServiceCentre, verbose_name=_("service centre"), on_delete=models.CASCADE, related_name="service_rules"
    )
    late_grace_minutes = _minutes(_("late grace (minutes)"), 5, _("Up to this many minutes late is on time."))
    late_serious_minutes = _minutes(_("serious late after (minutes)"), 30)
    late_absence_minutes = _minutes(_("half-day absence after (minutes late)"), 60)
    early_grace_minutes = _minutes(_("early leave grace (minutes)"), 5)
    early_serious_minutes = _minutes(_("serious early leave after (minutes)"), 30)
    early_absence_minutes = _minutes(_("half-day absence after (minutes early)"), 60)
    points_very_satisfied = _points(_("points: very satisfied"), 100)
    points_satisfied = _points(_("points: satisfied"), 80)
    points_basic = _points(_("points: basically satisfied"), 60)
    points_dissatisfied = _points(_("points: dissatisfied"), 30)
    points_very_dissatisfied = _points(_("points: very dissatisfied"), 0)
    case_verify_days = _days(_("verify and revisit within (working days)"), 2)
    case_feedback_days = _days(_("rectify and feed back within (working days)"), 5)
    case_appeal_days = _days(_("staff may appeal within (working days after the outcome)"), 3)

    class Meta:
        verbose_name = _("service record rules")
        verbose_name_plural = _("service record rules")
        ordering = ["centre__name"]

    def __str__(self):
        return str(self.centre)

    def clean(self):
        errors = {}
        if not self.late_grace_minutes <= self.late_serious_minutes <= self.late_absence_minutes:
            errors["late_serious_minutes"] = _("Grace ≤ serious ≤ half-day absence.")
        if not self.early_grace_minutes <= self.early_serious_minutes <= self.early_absence_minutes:
            errors["early_serious_minutes"] = _("Grace ≤ serious ≤ half-day absence.")
        if self.case_verify_days > self.case_feedback_days:
            errors["case_verify_days"] = _("Verification cannot be due after the feedback.")
        if errors:
            raise ValidationError(errors)

    def thresholds(self):
        return attendance_rules.Thresholds(
            late_grace=self.late_grace_minutes,
            late_serious=self.late_serious_minutes,
            late_absence=self.late_absence_minutes,
            early_grace=self.early_grace_minutes,
            early_serious=self.early_serious_minutes,
            early_absence=self.early_absence_minutes,
        )

    def points(self):
        return {
            rating_rules.VERY_SATISFIED: self.points_very_satisfied,
            rating_rules.SATISFIED: self.points_satisfied,
            rating_rules.BASIC: self.points_basic,
            rating_rules.DISSATISFIED: self.points_dissatisfied,
            rating_rules.VERY_DISSATISFIED: self.points_very_dissatisfied,
        }

    @classmethod
    def for_centres(cls, centre_ids):
        """{centre id: rules}, DESIGN's defaults (unsaved) for centres without a row. One query."""
        found = {r.centre_id: r for r in cls.objects.filter(centre_id__in=set(centre_ids))}
        return {cid: found.get(cid) or cls(centre_id=cid) for cid in set(centre_ids)}

    @classmethod
    def for_centre(cls, centre_id):
        return cls.for_centres([centre_id])[centre_id]


class ShiftSchedule(models.Model):
    """班次: a centre's shift, one segment or two (两段班, four punches a day)."""

    centre = models.ForeignKey(
        ServiceCentre, verbose_name=_("service centre"), on_delete=models.CASCADE, related_name="shifts"
    )
    name = models.CharField(_("name"), max_length=50, help_text=_("As DingTalk's 班次 column names it."))
    start = models.TimeField(_("start"), default=dt.time(9, 0))
    end = models.TimeField(_("end"), default=dt.time(17, 30))
    start2 = models.TimeField(_("second segment start"), null=True, blank=True)
    end2 = models.TimeField(_("second segment end"), null=True, blank=True)
    is_default = models.BooleanField(
        _("default shift"),
        default=False,
        help_text=_("Used for working days of files without a 班次 column (the generic layout)."),
    )

    class Meta:
        verbose_name = _("shift schedule")
        verbose_name_plural = _("shift schedules")
        ordering = ["centre__name", "name"]
        constraints = [
            models.UniqueConstraint(fields=["centre", "name"], name="assessment_shift_unique_name"),
            models.UniqueConstraint(
                fields=["centre"], condition=models.Q(is_default=True), name="assessment_shift_one_default"
            ),
        ]

    def __str__(self):
        return f"{self.name} {self.describe()}"

    def describe(self):
        parts = [f"{self.start:%H:%M}-{self.end:%H:%M}"]
        if self.start2 and self.end2:
            parts.append(f"{self.start2:%H:%M}-{self.end2:%H:%M}")
        return " ".join(parts)

    def segments(self):
        segments = [(self.start, self.end)]
        if self.start2 and self.end2:
            segments.append((self.start2, self.end2))
        return tuple(segments)

    def clean(self):
        if self.start and self.end and self.end <= self.start:
            raise ValidationError({"end": _("The end must be after the start.")})
        if bool(self.start2) != bool(self.end2):
            raise ValidationError({"end2": _("Give both times of the second segment, or neither.")})
        if self.start2 and self.end2:
            if self.start2 < self.end:
                raise ValidationError({"start2": _("The second segment starts after the first ends.")})
            if self.end2 <= self.start2:
                raise ValidationError({"end2": _("The end must be after the start.")})


class CalendarDay(models.Model):
    """节假日与调休: a statutory holiday, or a weekend day that is worked (调休上班)."""

    class Kind(models.TextChoices):
        HOLIDAY = "holiday", _("Holiday (rest)")
        WORKDAY = "workday", _("Adjusted workday")

    date = models.DateField(_("date"), unique=True)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    name = models.CharField(_("name"), max_length=50, blank=True, help_text=_("e.g. 国庆节"))

    class Meta:
        verbose_name = _("holiday calendar day")
        verbose_name_plural = _("holiday calendar")
        ordering = ["date"]

    def __str__(self):
        return f"{self.date:%Y-%m-%d} {self.get_kind_display()} {self.name}".strip()

    @classmethod
    def sets_between(cls, start, end):
        """(holidays, workdays) as sets of dates in [start, end]. One query."""
        holidays, workdays = set(), set()
        for day, kind in cls.objects.filter(date__range=(start, end)).values_list("date", "kind"):
            (holidays if kind == cls.Kind.HOLIDAY else workdays).add(day)
        return holidays, workdays
