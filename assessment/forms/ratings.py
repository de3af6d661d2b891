"""The citizen's rating form (the public QR page) and HR's correction of a rating."""

from django import forms
from django.core.validators import RegexValidator
from django.utils.translation import gettext_lazy as _
from wagtail.admin.forms import WagtailAdminModelForm

from home.validators import validate_no_control_characters

from .. import rating_rules as rr
from ..models import RatingLevel

BAD_REASONS = [
    ("态度不好", "态度不好"),
    ("等待时间太长", "等待时间太长"),
    ("一次性告知不清楚", "一次性告知不清楚"),
    ("办事效率低", "办事效率低"),
    ("业务不熟练", "业务不熟练"),
    ("要求提供不必要的材料", "要求提供不必要的材料"),
    ("其他", "其他"),
]


class RatingForm(forms.Form):
    level = forms.TypedChoiceField(
        label=_("How was the service?"), choices=RatingLevel.choices, coerce=int, widget=forms.RadioSelect
    )
    reasons = forms.MultipleChoiceField(
        label=_("What went wrong?"), choices=BAD_REASONS, required=False, widget=forms.CheckboxSelectMultiple
    )
    staff_no = forms.ChoiceField(label=_("Who served you? (optional)"), required=False, widget=forms.RadioSelect)
    ticket_no = forms.CharField(
        label=_("Ticket number (optional)"),
        required=False,
        max_length=64,
        validators=[RegexValidator(r"^[A-Za-z0-9-]+$", _("Letters, digits and hyphens only."))],
        help_text=_("On your receipt: it helps the service centre find your case."),
    )
    comment = forms.CharField(
        label=_("Anything else? (optional)"), required=False, max_length=500,
        validators=[validate_no_control_characters], widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args, staff_choices=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["staff_no"].choices = [("", _("Not sure"))] + list(staff_choices)

    def clean(self):
        data = super().clean()
        if rr.is_bad(data.get("level")) and not data.get("reasons") and not data.get("comment"):
            self.add_error("reasons", _("Please pick a reason or tell us what went wrong."))
        return data


class RatingEditForm(WagtailAdminModelForm):
    """HR's correction of a rating: the reason is required and goes into the rating's log."""

    reason = forms.CharField(
        label=_("reason for the change"),
        max_length=200,
        help_text=_("Required. Kept in the rating's history with the values before and after."),
    )
