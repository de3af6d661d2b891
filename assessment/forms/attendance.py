"""HR's correction of an attendance day, and a day added where there was no record."""

from django import forms
from django.utils.translation import gettext_lazy as _

from ..models import ShiftSchedule


class CorrectionForm(forms.Form):
    in1 = forms.TimeField(label=_("check-in"), required=False)
    out1 = forms.TimeField(label=_("check-out"), required=False)
    in2 = forms.TimeField(label=_("second check-in"), required=False)
    out2 = forms.TimeField(label=_("second check-out"), required=False)
    approval = forms.CharField(label=_("approval"), required=False, max_length=200, help_text=_("e.g. 事假审批单, 补卡审批"))
    reason = forms.CharField(label=_("reason"), max_length=200)


class AddDayForm(forms.Form):
    """HR enters a day that has no record: times, approval and the reason."""

    date = forms.DateField(label=_("date"), widget=forms.DateInput(attrs={"type": "date"}))
    shift = forms.ModelChoiceField(
        label=_("shift"),
        queryset=ShiftSchedule.objects.none(),
        required=False,
        empty_label=_("As an import would (calendar and the centre's default shift)"),
    )
    in1 = forms.TimeField(label=_("check-in"), required=False)
    out1 = forms.TimeField(label=_("check-out"), required=False)
    in2 = forms.TimeField(label=_("second check-in"), required=False, help_text=_("Split shifts only."))
    out2 = forms.TimeField(label=_("second check-out"), required=False, help_text=_("Split shifts only."))
    approval = forms.CharField(
        label=_("approval"), required=False, max_length=200, help_text=_("e.g. 事假审批单, 补卡审批")
    )
    reason = forms.CharField(
        label=_("reason"), max_length=200, help_text=_("Why the day had no record, e.g. 钉钉未导出该日记录.")
    )

    def __init__(self, *args, centre=None, **kwargs):
        super().__init__(*args, **kwargs)
        if centre is not None:
            self.fields["shift"].queryset = ShiftSchedule.objects.filter(centre=centre).order_by("name")
