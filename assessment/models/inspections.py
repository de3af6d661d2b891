"""Inspections (督查: patrols and mystery visits) and commendations (表扬)."""

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import FileExtensionValidator, MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from home.private_files import get_private_storage, unguessable_name
from people.models import StaffProfile

MAX_PHOTO_BYTES = 8 * 1024 * 1024
PHOTO_EXTENSIONS = (".jpg", ".jpeg", ".png", ".webp")


def photo_upload_to(instance, filename):
    """A random name in the private storage: photos are served only by the guarded view
    (assessment.private_files)."""
    return unguessable_name("inspections", filename, extensions=PHOTO_EXTENSIONS)


def validate_photo_size(photo):
    if photo and photo.size > MAX_PHOTO_BYTES:
        raise ValidationError(_("The photo is larger than 8 MB."))


class FindingType(models.Model):
    """A kind of finding in HR's catalogue (离岗, 着装, 服务用语, 玩手机 …) with its points."""

    name = models.CharField(_("name"), max_length=50, unique=True)
    points = models.DecimalField(
        _("points deducted"),
        max_digits=5,
        decimal_places=2,
        default=Decimal("2.00"),
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))],
    )
    veto = models.BooleanField(
        _("veto (一票否决)"), default=False, help_text=_("The month's grade is 不合格 whatever the score.")
    )
    description = models.CharField(_("description"), max_length=200, blank=True)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("finding type")
        verbose_name_plural = _("finding types")
        ordering = ["name"]

    def __str__(self):
        return self.name


class InspectionFinding(models.Model):
    class Method(models.TextChoices):
        PATROL = "patrol", _("Patrol (巡查)")
        MYSTERY = "mystery", _("Mystery visit (暗访)")
        VIDEO = "video", _("Video check")

    staff = models.ForeignKey(
        StaffProfile, verbose_name=_("staff member"), on_delete=models.PROTECT, related_name="findings"
    )
    finding_type = models.ForeignKey(
        FindingType, verbose_name=_("finding"), on_delete=models.PROTECT, related_name="findings"
    )
    method = models.CharField(_("method"), max_length=10, choices=Method.choices, default=Method.PATROL)
    observed_at = models.DateTimeField(_("observed at"), default=timezone.now)
    points = models.DecimalField(
        _("points deducted"),
        max_digits=5,
        decimal_places=2,
        blank=True,
        null=True,
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))],
        help_text=_("Empty: the catalogue's points."),
    )
    veto = models.BooleanField(_("veto (一票否决)"), default=False, help_text=_("Set from the catalogue when empty."))
    note = models.TextField(_("note"), blank=True)
    photo = models.ImageField(
        _("photo"),
        upload_to=photo_upload_to,
        storage=get_private_storage,
        blank=True,
        validators=[FileExtensionValidator(["jpg", "jpeg", "png", "webp"]), validate_photo_size],
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("recorded by"), on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("inspection finding")
        verbose_name_plural = _("inspection findings")
        ordering = ["-observed_at", "-pk"]
        indexes = [models.Index(fields=["staff", "observed_at"])]

    def __str__(self):
        return f"{self.staff} · {self.finding_type}"

    def save(self, *args, **kwargs):
        if self.points is None and self.finding_type_id:
            self.points = self.finding_type.points
        if self.finding_type_id and self.finding_type.veto:
            self.veto = True
        super().save(*args, **kwargs)


class Commendation(models.Model):
    class Kind(models.TextChoices):
        LETTER = "letter", _("Letter of thanks (表扬信)")
        BANNER = "banner", _("Silk banner (锦旗)")
        MEDIA = "media", _("Media praise")
        HONOUR = "honour", _("Honour or award")
        OTHER = "other", _("Other")

    staff = models.ForeignKey(
        StaffProfile, verbose_name=_("staff member"), on_delete=models.PROTECT, related_name="commendations"
    )
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.LETTER)
    date = models.DateField(_("date"), default=timezone.localdate)
    bonus_points = models.DecimalField(
        _("bonus points"),
        max_digits=4,
        decimal_places=2,
        default=Decimal("1.00"),
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("10"))],
    )
    note = models.TextField(_("note"), blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("recorded by"), on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("commendation")
        verbose_name_plural = _("commendations")
        ordering = ["-date", "-pk"]

    def __str__(self):
        return f"{self.staff} · {self.get_kind_display()}"
