"""The filters of the evaluation dashboards (months and centre) and of the roll-ups."""

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ..periods import FIRST_YEAR, LAST_YEAR, MonthRange

# The range shown when none is chosen: the newest computed months.
DEFAULT_MONTHS = 6


class RangeForm(forms.Form):
    start = forms.ChoiceField(label=gettext_lazy("From month"), required=False)
    end = forms.ChoiceField(label=gettext_lazy("To month"), required=False)
    centre = forms.TypedChoiceField(label=gettext_lazy("Service centre"), required=False, coerce=int,
                                    empty_value=None)

    def __init__(self, data, *, months, centres=None):
        super().__init__(data)
        month_choices = [(m, m) for m in sorted(months)]
        self.fields["start"].choices = month_choices
        self.fields["end"].choices = month_choices
        self.months = sorted(months)
        if self.months:  # an unbound form shows the default range
            self.fields["end"].initial = self.months[-1]
            self.fields["start"].initial = self.months[max(0, len(self.months) - DEFAULT_MONTHS)]
        if centres is None:
            del self.fields["centre"]
        else:
            self.fields["centre"].choices = [("", _("All my centres")), *[(str(pk), name) for pk, name in centres]]

    def clean(self):
        data = super().clean()
        start, end = data.get("start"), data.get("end")
        if start and end and start > end:
            raise forms.ValidationError(_("The first month %(start)s is after the last month %(end)s.")
                                        % {"start": start, "end": end})
        return data

    def month_range(self):
        """The chosen range, or the newest DEFAULT_MONTHS computed months; None if none."""
        if not self.months:
            return None
        data = self.cleaned_data if self.is_valid() else {}
        end = data.get("end") or self.months[-1]
        default_start = self.months[max(0, self.months.index(end) - DEFAULT_MONTHS + 1)] if end in self.months else end
        start = data.get("start") or default_start
        return MonthRange.parse(start, end)


class RollupForm(forms.Form):
    year = forms.IntegerField(label=gettext_lazy("Year"), min_value=FIRST_YEAR, max_value=LAST_YEAR)
    quarter = forms.TypedChoiceField(
        label=gettext_lazy("Quarter"), required=False, coerce=int, empty_value=None,
        choices=[("", gettext_lazy("Whole year")), ("1", "Q1"), ("2", "Q2"), ("3", "Q3"), ("4", "Q4")],
    )
    centre = forms.TypedChoiceField(label=gettext_lazy("Service centre"), required=False, coerce=int,
                                    empty_value=None)

    def __init__(self, data, *, centres):
        super().__init__(data)
        self.fields["centre"].choices = [("", _("All my centres")), *[(str(pk), name) for pk, name in centres]]
