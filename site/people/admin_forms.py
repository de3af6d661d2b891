"""Forms behind the Wagtail admin screens of the organisation directory.

A staff profile and its login account move together: a profile created in the admin gets
an account named after its 工号 with no usable password (the person sets one through an
activation link from HR; there is no shared default password), and an inactive profile's
account cannot log in.
"""

from django import forms
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from wagtail.admin.forms import WagtailAdminModelForm

from . import roles
from .services import staff_profile_save


class StaffProfileForm(WagtailAdminModelForm):
    """Creates the login account of a new staff member and keeps its active flag in step.

    A change of centre or pay base is dated history (DESIGN "Staff roster"): it applies from
    生效日期 (default today), so months before it keep their centre and base. Deactivating
    someone records their last working day (today unless given): they are still evaluated
    for the months they worked in."""

    effective_from = forms.DateField(
        label=_("changes effective from"),
        required=False,
        help_text=_(
            "生效日期: the first day of a new service centre or pay base (default: today). Earlier "
            "months keep the values in force then."
        ),
    )

    def clean(self):
        cleaned = super().clean()
        if "active" in self.fields and not cleaned.get("active") and "leave_date" in self.fields:
            if not cleaned.get("leave_date"):
                cleaned["leave_date"] = timezone.localdate()
                self.instance.leave_date = cleaned["leave_date"]
        return cleaned

    def clean_staff_no(self):
        staff_no = self.cleaned_data["staff_no"]
        is_new = self.instance.user_id is None
        if is_new and get_user_model().objects.filter(username__iexact=staff_no).exists():
            raise ValidationError(
                _("A user account named %(staff_no)s already exists."),
                code="username_taken",
                params={"staff_no": staff_no},
            )
        return staff_no

    def save(self, commit=True):
        is_new = self.instance.pk is None
        changed = set() if is_new else set(self.changed_data)
        profile = super().save(commit=False)
        if commit:
            with transaction.atomic():
                staff_profile_save(
                    profile=profile,
                    effective_from=self.cleaned_data.get("effective_from"),
                    previous_centre_id=self.initial.get("centre") if "centre" in changed else None,
                    previous_pay_base=self.initial.get("pay_base") if "pay_base" in changed else None,
                    user=getattr(self, "for_user", None),
                )
                self.save_m2m()
        return profile


def _user_choice_label(user):
    name = f"{user.last_name}{user.first_name}".strip()
    return f"{name}（{user.get_username()}）" if name else user.get_username()


class ServiceCentreForm(WagtailAdminModelForm):
    """Offers only members of the supervisor role (and whoever is already assigned)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "supervisors" in self.fields:
            assigned = Q(pk__in=self.instance.supervisors.all()) if self.instance.pk else Q()
            self.fields["supervisors"].queryset = (
                get_user_model()
                .objects.filter(Q(groups__name=roles.SUPERVISOR) | assigned)
                .distinct()
                .order_by("username")
            )
            # People by name (the username only when there is no name), not "supervisor".
            self.fields["supervisors"].label_from_instance = _user_choice_label


class VendorManagerForm(WagtailAdminModelForm):
    """Offers only accounts with the vendor manager role (and the one already linked)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "user" in self.fields:
            linked = Q(pk=self.instance.user_id) if self.instance.user_id else Q()
            self.fields["user"].queryset = (
                get_user_model()
                .objects.filter(Q(groups__name=roles.VENDOR) | linked)
                .distinct()
                .order_by("username")
            )
            self.fields["user"].help_text = _("Only accounts in the vendor manager role are listed.")
            self.fields["user"].label_from_instance = _user_choice_label
