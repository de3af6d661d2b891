"""The organisation directory: service centres, windows, vendors, posts and staff.

Not Wagtail-search-indexed on purpose: rosters arrive by bulk import (no save signals),
so the admin searches these tables with plain database queries.

`people` is the bottom of the dependency graph: every other app may use it, it uses none.
"""

import datetime as dt
import re
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator, RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from .privacy import mask_middle

PHONE_RE = re.compile(r"^1[3-9]\d{9}$")
ID_NUMBER_RE = re.compile(r"^\d{17}[\dX]$")

phone_validator = RegexValidator(PHONE_RE, _("Enter an 11-digit mobile number starting with 1."))
id_number_validator = RegexValidator(
    ID_NUMBER_RE, _("Enter an 18-character resident ID number (17 digits and a digit or X).")
)


class ServiceCentre(models.Model):
    """服务中心: a government service hall."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    code = models.SlugField(_("code"), max_length=20, unique=True, blank=True, null=True)
    address = models.CharField(_("address"), max_length=200, blank=True)
    phone = models.CharField(_("service phone"), max_length=30, blank=True)
    supervisors = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("supervisors"),
        blank=True,
        related_name="supervised_centres",
        help_text=_("Supervisors who handle this centre's bad-review cases and inspections."),
    )
    active = models.BooleanField(_("active"), default=True)


    class Meta:
        verbose_name = _("service centre")
        verbose_name_plural = _("service centres")
        ordering = ["name"]

    def __str__(self):
        return self.name


class Post(models.Model):
    """岗位: the kind of business a person handles (综合受理, 不动产登记 …)."""

    name = models.CharField(_("name"), max_length=50, unique=True)
    description = models.TextField(_("description"), blank=True)

    class Meta:
        verbose_name = _("post")
        verbose_name_plural = _("posts")
        ordering = ["name"]

    def __str__(self):
        return self.name


class Window(models.Model):
    """窗口: a service counter. Its code is unique everywhere: the rating QR code carries it."""

    code = models.CharField(
        _("window code"),
        max_length=20,
        unique=True,
        validators=[RegexValidator(r"^[A-Za-z0-9-]+$", _("Use letters, digits and hyphens."))],
    )
    name = models.CharField(_("name"), max_length=100)
    centre = models.ForeignKey(
        ServiceCentre, verbose_name=_("service centre"), on_delete=models.PROTECT, related_name="windows"
    )
    posts = models.ManyToManyField(Post, verbose_name=_("posts served"), blank=True, related_name="windows")
    active = models.BooleanField(_("active"), default=True)


    class Meta:
        verbose_name = _("window")
        verbose_name_plural = _("windows")
        ordering = ["code"]

    def __str__(self):
        return f"{self.code} {self.name}"


class VendorCompany(models.Model):
    """用工单位: the company that employs outsourced window staff."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    credit_code = models.CharField(_("unified social credit code"), max_length=18, blank=True)
    contact_name = models.CharField(_("contact person"), max_length=50, blank=True)
    contact_phone = models.CharField(_("contact phone"), max_length=30, blank=True)
    active = models.BooleanField(_("active"), default=True)


    class Meta:
        verbose_name = _("vendor company")
        verbose_name_plural = _("vendor companies")
        ordering = ["name"]

    def __str__(self):
        return self.name


class StaffProfile(models.Model):
    """A window staff member. 工号 (`staff_no`) is the staff key everywhere."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user account"),
        on_delete=models.PROTECT,
        related_name="staff_profile",
    )
    staff_no = models.CharField(
        _("staff number"),
        max_length=30,
        unique=True,
        validators=[RegexValidator(r"^[A-Za-z0-9_-]+$", _("Use letters, digits, - and _."))],
    )
    name = models.CharField(_("name"), max_length=50)
    phone = models.CharField(_("mobile number"), max_length=11, blank=True, validators=[phone_validator])
    id_number = models.CharField(
        _("ID number"), max_length=18, blank=True, validators=[id_number_validator]
    )
    centre = models.ForeignKey(
        ServiceCentre, verbose_name=_("service centre"), on_delete=models.PROTECT, related_name="staff"
    )
    window = models.ForeignKey(
        Window,
        verbose_name=_("window"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="staff",
    )
    vendor = models.ForeignKey(
        VendorCompany,
        verbose_name=_("vendor company"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="staff",
        help_text=_("Empty for staff employed by the centre itself."),
    )
    post = models.ForeignKey(
        Post, verbose_name=_("post"), on_delete=models.PROTECT, null=True, blank=True, related_name="staff"
    )
    hire_date = models.DateField(_("hire date"), null=True, blank=True)
    leave_date = models.DateField(
        _("last working day"),
        null=True,
        blank=True,
        help_text=_(
            "离职日期: the last day the person worked. They are evaluated for every month up to and "
            "including this day's month, and not after."
        ),
    )
    pay_base = models.DecimalField(
        _("performance pay base"),
        max_digits=10,
        decimal_places=2,
        default=Decimal("0.00"),
        validators=[MinValueValidator(Decimal("0"))],
        help_text=_(
            "Monthly performance pay base (绩效工资基数) in yuan, as of the newest dated entry; "
            "each month is paid on the base in force in it."
        ),
    )
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)


    class Meta:
        verbose_name = _("staff member")
        verbose_name_plural = _("staff")
        ordering = ["staff_no"]
        permissions = [
            ("view_personal_data", _("Can see unmasked phone and ID numbers")),
        ]
        indexes = [models.Index(fields=["centre", "active"])]

    def __str__(self):
        return f"{self.staff_no} {self.name}"

    def clean(self):
        if self.window_id and self.centre_id and self.window.centre_id != self.centre_id:
            raise ValidationError({"window": _("The window belongs to another service centre.")})
        if self.leave_date and self.hire_date and self.leave_date < self.hire_date:
            raise ValidationError({"leave_date": _("The last working day is before the hire date.")})

    @property
    def masked_phone(self):
        return mask_middle(self.phone)

    @property
    def masked_id_number(self):
        return mask_middle(self.id_number)


class VendorManager(models.Model):
    """Ties a vendor manager's account to their company: they see only its staff."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user account"),
        on_delete=models.CASCADE,
        related_name="vendor_manager",
    )
    vendor = models.ForeignKey(
        VendorCompany, verbose_name=_("vendor company"), on_delete=models.CASCADE, related_name="managers"
    )

    class Meta:
        verbose_name = _("vendor manager")
        verbose_name_plural = _("vendor managers")

    def __str__(self):
        return f"{self.user} → {self.vendor}"


class CentreMove(models.Model):
    """A staff member's move from one service centre to another, from a given day on.

    The profile holds only the current centre; these rows keep where someone worked on
    each day, so that a month split between two centres is evaluated where the person
    spent most working days (DESIGN, "Monthly evaluation"). Recorded by the roster import
    and the admin whenever a profile's centre changes; HR may correct the date.
    """

    staff = models.ForeignKey(
        StaffProfile, verbose_name=_("staff member"), on_delete=models.CASCADE, related_name="centre_moves"
    )
    from_centre = models.ForeignKey(
        ServiceCentre,
        verbose_name=_("from service centre"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    to_centre = models.ForeignKey(
        ServiceCentre, verbose_name=_("to service centre"), on_delete=models.PROTECT, related_name="+"
    )
    moved_on = models.DateField(_("first day at the new centre"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    recorded_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    class Meta:
        verbose_name = _("centre move")
        verbose_name_plural = _("centre moves")
        ordering = ["staff", "moved_on", "pk"]
        indexes = [models.Index(fields=["moved_on"])]

    def __str__(self):
        return f"{self.staff} → {self.to_centre} ({self.moved_on})"


# The first day of the dated history when a person has no hire date: before any month the
# platform evaluates (selectors.Period accepts years from 2000).
HISTORY_START = dt.date(2000, 1, 1)


class StaffPayBase(models.Model):
    """A staff member's performance pay base (绩效工资基数) from a given day on.

    A month is paid on the base in force on its last day (a leaver's: on their last day),
    whenever it is computed: a later roster never changes an earlier month's pay. The first
    entry applies from the hire date; the profile's `pay_base` mirrors the newest entry.
    """

    staff = models.ForeignKey(
        StaffProfile, verbose_name=_("staff member"), on_delete=models.CASCADE, related_name="pay_bases"
    )
    effective_from = models.DateField(_("effective from"))
    amount = models.DecimalField(
        _("performance pay base"),
        max_digits=10,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0"))],
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    recorded_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    class Meta:
        verbose_name = _("pay base entry")
        verbose_name_plural = _("pay base history")
        ordering = ["staff", "effective_from"]
        constraints = [
            models.UniqueConstraint(fields=["staff", "effective_from"], name="people_pay_base_one_per_day"),
        ]

    def __str__(self):
        return f"{self.staff} {self.amount} ({self.effective_from:%Y-%m-%d})"
