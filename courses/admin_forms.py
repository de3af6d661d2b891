"""The assignment form of the Wagtail admin: what to assign, by when, and to whom."""

import re

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from wagtail.admin.forms import WagtailAdminModelForm

from people.models import StaffProfile

from .models import Assignment
from .services import ITEM_KINDS

STAFF_NO_SEPARATORS = re.compile(r"[\s,，、;；]+")


class AssignmentForm(WagtailAdminModelForm):
    """People named individually are typed as 工号 (a roster has thousands of people: a
    list of checkboxes would not do). Saving goes through courses.services (the views)."""

    individual_staff_nos = forms.CharField(
        label=_("Individuals (staff numbers)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2, "placeholder": "CD1001 CD1002"}),
        help_text=_("Staff numbers separated by spaces, commas or new lines; they get it whatever the filters above."),
    )

    class Meta:
        model = Assignment
        fields = ["page", "due_date", "mandatory", "centres", "posts", "vendors", "active"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.instance.pk:
            # A new assignment is active; deactivating is a change made later.
            self.fields.pop("active", None)
        if self.instance.pk and not self.is_bound:
            self.initial["individual_staff_nos"] = " ".join(
                self.instance.individuals.order_by("staff_no").values_list("staff_no", flat=True)
            )

    def clean_page(self):
        page = self.cleaned_data["page"]
        if page is not None and type(page.specific) not in ITEM_KINDS:
            raise ValidationError(_("Only courses, case scenarios and policy updates can be assigned."))
        return page

    def clean_individual_staff_nos(self):
        wanted = [n for n in STAFF_NO_SEPARATORS.split(self.cleaned_data["individual_staff_nos"].strip()) if n]
        found = {p.staff_no: p for p in StaffProfile.objects.filter(staff_no__in=wanted)}
        unknown = [n for n in dict.fromkeys(wanted) if n not in found]
        if unknown:
            raise ValidationError(_("No staff member has the staff number %(numbers)s.") % {"numbers": "、".join(unknown)})
        return list(dict.fromkeys(found[n] for n in wanted))

    def clean(self):
        cleaned = super().clean()
        audience = [cleaned.get(name) for name in ("centres", "posts", "vendors", "individual_staff_nos")]
        if not self.errors and not any(audience):
            raise ValidationError(_("Choose who the assignment is for."))
        return cleaned

    def audience(self):
        data = self.cleaned_data
        return {
            "centres": list(data["centres"]),
            "posts": list(data["posts"]),
            "vendors": list(data["vendors"]),
            "individuals": data["individual_staff_nos"],
        }

    class Media:
        js = ["courses/admin/assignment_audience.js"]
