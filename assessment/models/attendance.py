"""Attendance: one row per person and day, classified by the platform's own rules."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from people.models import StaffProfile

from .. import attendance_rules as ar


class AttendanceStatus(models.TextChoices):
    NORMAL = ar.NORMAL, _("On time")
    LATE = ar.LATE, _("Late")
    SERIOUS_LATE = ar.SERIOUS_LATE, _("Seriously late")
    EARLY = ar.EARLY, _("Left early")
    SERIOUS_EARLY = ar.SERIOUS_EARLY, _("Left seriously early")
    MISSING = ar.MISSING, _("Missing punch")
    HALF_ABSENCE = ar.HALF_ABSENCE, _("Half-day absence")
    FULL_ABSENCE = ar.FULL_ABSENCE, _("Full-day absence")
    APPROVED = ar.APPROVED, _("Approved (leave or errand)")
    REST = ar.REST, _("Rest day")


COUNT_FIELDS = {
    ar.LATE: "late_count",
    ar.SERIOUS_LATE: "serious_late_count",
    ar.EARLY: "early_count",
    ar.SERIOUS_EARLY: "serious_early_count",
    ar.MISSING: "missing_count",
    ar.HALF_ABSENCE: "half_absence_count",
    ar.FULL_ABSENCE: "full_absence_count",
}


class AttendanceDay(models.Model):
    """A person's working (or rest) day: the shift, the punches and their classification."""

    class Source(models.TextChoices):
        DINGTALK = "dingtalk", _("DingTalk daily export")
        GENERIC = "generic", _("Generic layout")
        MANUAL = "manual", _("Entered by HR")

    staff = models.ForeignKey(
        StaffProfile, verbose_name=_("staff member"), on_delete=models.CASCADE, related_name="attendance_days"
    )
    date = models.DateField(_("date"))
    source = models.CharField(_("source"), max_length=10, choices=Source.choices)
    shift_name = models.CharField(_("shift"), max_length=50, blank=True)
    start1 = models.TimeField(_("shift start"), null=True, blank=True)
    end1 = models.TimeField(_("shift end"), null=True, blank=True)
    start2 = models.TimeField(_("second segment start"), null=True, blank=True)
    end2 = models.TimeField(_("second segment end"), null=True, blank=True)
    in1 = models.TimeField(_("check-in"), null=True, blank=True)
    out1 = models.TimeField(_("check-out"), null=True, blank=True)
    in2 = models.TimeField(_("second check-in"), null=True, blank=True)
    out2 = models.TimeField(_("second check-out"), null=True, blank=True)
    approval = models.CharField(
        _("approval"), max_length=200, blank=True, help_text=_("关联的审批单 or leave type: the day counts nothing.")
    )
    punch_results = models.CharField(
        _("DingTalk punch results"), max_length=100, blank=True, help_text=_("Kept for reference only.")
    )
    status = models.CharField(_("status"), max_length=20, choices=AttendanceStatus.choices)
    late_minutes = models.PositiveSmallIntegerField(_("late minutes"), default=0)
    early_minutes = models.PositiveSmallIntegerField(_("early minutes"), default=0)
    late_count = models.PositiveSmallIntegerField(pgettext_lazy("attendance", "late"), default=0)
    serious_late_count = models.PositiveSmallIntegerField(_("seriously late"), default=0)
    early_count = models.PositiveSmallIntegerField(_("left early"), default=0)
    serious_early_count = models.PositiveSmallIntegerField(_("left seriously early"), default=0)
    missing_count = models.PositiveSmallIntegerField(_("missing punches"), default=0)
    half_absence_count = models.PositiveSmallIntegerField(_("half-day absences"), default=0)
    full_absence_count = models.PositiveSmallIntegerField(_("full-day absences"), default=0)
    corrected = models.BooleanField(
        _("corrected by HR"), default=False, help_text=_("A re-import leaves corrected days as HR set them.")
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("attendance day")
        verbose_name_plural = _("attendance days")
        ordering = ["-date", "staff__staff_no"]
        constraints = [
            models.UniqueConstraint(fields=["staff", "date"], name="assessment_attendance_one_per_day"),
        ]
        indexes = [models.Index(fields=["date", "staff"])]

    def __str__(self):
        return f"{self.staff.staff_no} {self.date:%Y-%m-%d} {self.get_status_display()}"

    def segments(self):
        segments = []
        if self.start1 and self.end1:
            segments.append((self.start1, self.end1))
        if self.start2 and self.end2:
            segments.append((self.start2, self.end2))
        return tuple(segments)

    def punches(self):
        return ((self.in1, self.out1), (self.in2, self.out2))[: max(len(self.segments()), 1)]

    def apply_result(self, result):
        self.status = result.status
        self.late_minutes = result.late_minutes
        self.early_minutes = result.early_minutes
        for category, field_name in COUNT_FIELDS.items():
            setattr(self, field_name, result.count(category))

    def snapshot(self):
        """The day's editable facts and outcome, for the correction history."""

        def text(value):
            return value.strftime("%H:%M:%S") if value else ""

        return {
            "in1": text(self.in1),
            "out1": text(self.out1),
            "in2": text(self.in2),
            "out2": text(self.out2),
            "approval": self.approval,
            "status": self.status,
            "late_minutes": self.late_minutes,
            "early_minutes": self.early_minutes,
        }

    def incidents(self):
        """[(label, count)] of the day's counted incidents."""
        labels = dict(AttendanceStatus.choices)
        return [
            (labels[category], getattr(self, field_name))
            for category, field_name in COUNT_FIELDS.items()
            if getattr(self, field_name)
        ]


class AttendanceCorrection(models.Model):
    """HR's correction of a day, with the reason: the day's history."""

    day = models.ForeignKey(
        AttendanceDay, verbose_name=_("attendance day"), on_delete=models.CASCADE, related_name="corrections"
    )
    corrected_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("corrected by"), on_delete=models.SET_NULL, null=True, related_name="+"
    )
    corrected_at = models.DateTimeField(_("corrected at"), auto_now_add=True)
    reason = models.CharField(_("reason"), max_length=200)
    before = models.JSONField(_("before"), default=dict)
    after = models.JSONField(_("after"), default=dict)

    class Meta:
        verbose_name = _("attendance correction")
        verbose_name_plural = _("attendance corrections")
        ordering = ["-corrected_at", "-pk"]

    def __str__(self):
        return f"{self.day} · {self.reason}"


class DingTalkUser(models.Model):
    """DingTalk's UserId of a staff member: a file with UserId and no 工号 is read through this.
    Learnt from every import row that carries both."""

    user_id = models.CharField(_("DingTalk UserId"), max_length=64, unique=True)
    staff = models.ForeignKey(
        StaffProfile, verbose_name=_("staff member"), on_delete=models.CASCADE, related_name="dingtalk_ids"
    )

    class Meta:
        verbose_name = _("DingTalk user")
        verbose_name_plural = _("DingTalk users")
        ordering = ["user_id"]

    def __str__(self):
        return f"{self.user_id} → {self.staff.staff_no}"
