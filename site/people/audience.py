"""Choosing an audience in the admin (course assignments, exams): centres, posts and
vendor companies as checkboxes, individuals typed as 工号 (a roster has thousands of
people: no list of every person), and a live count of the people that match now."""

import re

from django import forms
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import JsonResponse
from django.utils.translation import gettext_lazy as _
from django.views import View

from .models import Post, ServiceCentre, StaffProfile, VendorCompany
from .selectors import audience_filter

STAFF_NO_SEPARATORS = re.compile(r"[\s,，、;；]+")
AUDIENCE_DIMENSIONS = ("centres", "posts", "vendors")


def staff_nos_in(text):
    """The 工号 typed in a box, in order, without repeats."""
    return list(dict.fromkeys(n for n in STAFF_NO_SEPARATORS.split((text or "").strip()) if n))


def audience_widgets():
    """Checkboxes for the audience dimensions (for ModelForm Meta.widgets or FieldPanel)."""
    return {name: forms.CheckboxSelectMultiple for name in AUDIENCE_DIMENSIONS}


class AudienceFormMixin(forms.Form):
    """For a model form whose model has centres/posts/vendors/individuals many-to-manys.
    `individual_staff_nos` cleans to the staff profiles named, in order."""

    individual_staff_nos = forms.CharField(
        label=_("Individuals (staff numbers)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2, "placeholder": "CD1001 CD1002"}),
        help_text=_("Staff numbers separated by spaces, commas or new lines; they get it whatever the filters above."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk and not self.is_bound:
            self.initial["individual_staff_nos"] = " ".join(
                self.instance.individuals.order_by("staff_no").values_list("staff_no", flat=True)
            )

    def clean_individual_staff_nos(self):
        wanted = staff_nos_in(self.cleaned_data["individual_staff_nos"])
        found = {p.staff_no: p for p in StaffProfile.objects.filter(staff_no__in=wanted)}
        unknown = [n for n in wanted if n not in found]
        if unknown:
            raise ValidationError(_("No staff member has the staff number %(numbers)s.") % {"numbers": "、".join(unknown)})
        return [found[n] for n in wanted]

    def audience(self):
        data = self.cleaned_data
        return {
            **{name: list(data.get(name) or []) for name in AUDIENCE_DIMENSIONS},
            "individuals": data["individual_staff_nos"],
        }

    class Media:
        js = ["people/admin/audience.js"]


class AudienceCountView(View):
    """How many active people an audience matches now: a number only, for anyone who may
    edit an audience somewhere in the admin."""

    def dispatch(self, request, *args, **kwargs):
        if not request.user.has_perm("wagtailadmin.access_admin"):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get(self, request):
        def ids(name, model):
            wanted = [v for v in request.GET.getlist(name) if v.isdigit()]
            return list(model.objects.filter(pk__in=wanted).values_list("pk", flat=True))

        named = StaffProfile.objects.filter(staff_no__in=staff_nos_in(request.GET.get("individual_staff_nos")))
        condition = audience_filter(
            centre_ids=ids("centres", ServiceCentre),
            post_ids=ids("posts", Post),
            vendor_ids=ids("vendors", VendorCompany),
            individuals=named.values_list("pk", flat=True),
        )
        return JsonResponse({"count": StaffProfile.objects.filter(condition, active=True).count()})
