"""Bad-review cases: the staff member's appeal (portal) and the steps of a case (admin)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from ..models import BadReviewCase


class AppealForm(forms.Form):
    text = forms.CharField(
        label=_("Why is this review wrong?"), max_length=2000, widget=forms.Textarea(attrs={"rows": 4})
    )


class CaseStepForm(forms.Form):
    STEP_VERIFY, STEP_RECTIFY, STEP_CLOSE, STEP_DECIDE = "verify", "rectify", "close", "decide"
    STEP_SUSPICION = "suspicion"
    step = forms.CharField(widget=forms.HiddenInput)
    verify_note = forms.CharField(label=_("verification"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    revisit_note = forms.CharField(label=_("revisit of the citizen (回访)"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    rectify_note = forms.CharField(label=_("rectification"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    feedback_note = forms.CharField(label=_("feedback"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    outcome = forms.ChoiceField(
        label=_("outcome"),
        required=False,
        choices=[
            (BadReviewCase.Outcome.CONFIRMED, BadReviewCase.Outcome.CONFIRMED.label),
            (BadReviewCase.Outcome.UNFOUNDED, BadReviewCase.Outcome.UNFOUNDED.label),
        ],
    )
    upheld = forms.TypedChoiceField(
        label=_("appeal decision"),
        required=False,
        coerce=lambda v: v == "1",
        choices=[("1", _("Appeal upheld (申诉成立)")), ("0", _("Appeal rejected"))],
    )
    decision_note = forms.CharField(label=_("reason for the decision"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    accept = forms.TypedChoiceField(
        label=_("suspicious rating"),
        required=False,
        coerce=lambda v: v == "1",
        choices=[("1", _("Accept: the rating counts")), ("0", _("Reject: the rating never counts"))],
    )
    suspicion_note = forms.CharField(
        label=_("reason for the decision"), required=False, max_length=500, widget=forms.Textarea(attrs={"rows": 2})
    )
