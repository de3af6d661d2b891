"""Forms of the service-record viewsets: staff choices limited to the user's centres, the
refusal of a change in a month an approved evaluation counts, and the staff chooser's search."""

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from wagtail.admin.forms import WagtailAdminModelForm
from wagtail.admin.forms.choosers import BaseFilterForm

from .. import selectors, services


class ScopedFormMixin:
    """Limits a form's staff choices to the user's centres: a POST naming someone of
    another centre fails validation like any invalid choice."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        user = getattr(self, "for_user", None)
        if user is not None and "staff" in self.fields:
            field = self.fields["staff"]
            field.queryset = selectors.staff_in_scope(user, field.queryset)


class LockedMonthForm(WagtailAdminModelForm):
    """Refuses a change to a finding or commendation of an approved month (before and after
    the edit): those count in the month's evaluation (services.period_ensure_open)."""

    date_field = None
    what = ""

    def clean(self):
        cleaned = super().clean()
        moments = [cleaned.get(self.date_field)]
        if self.instance.pk:
            moments.append(getattr(self.instance, self.date_field))
        try:
            services.period_ensure_open(months=[m for m in moments if m is not None], what=str(self.what))
        except ValidationError as exc:
            raise ValidationError(exc.messages) from exc
        return cleaned


class StaffSearchForm(BaseFilterForm):
    q = forms.CharField(
        label=_("Search"),
        required=False,
        widget=forms.TextInput(attrs={"placeholder": _("Staff number or name")}),
    )

    def filter(self, objects):
        objects = super().filter(objects)
        query = (self.cleaned_data.get("q") or "").strip()
        if query:
            objects = objects.filter(Q(staff_no__icontains=query) | Q(name__icontains=query))
            self.is_searching, self.search_query = True, query
        return objects
