"""Forms of the rating page, the portal and the admin screens (parse input only)."""

from django import forms
from django.core.validators import RegexValidator
from django.utils.translation import gettext_lazy as _

from home.validators import validate_no_control_characters

from . import rating_rules as rr
from .models import BadReviewCase, RatingLevel

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


class AppealForm(forms.Form):
    text = forms.CharField(
        label=_("Why is this review wrong?"), max_length=2000, widget=forms.Textarea(attrs={"rows": 4})
    )


class CorrectionForm(forms.Form):
    in1 = forms.TimeField(label=_("check-in"), required=False)
    out1 = forms.TimeField(label=_("check-out"), required=False)
    in2 = forms.TimeField(label=_("second check-in"), required=False)
    out2 = forms.TimeField(label=_("second check-out"), required=False)
    approval = forms.CharField(label=_("approval"), required=False, max_length=200, help_text=_("e.g. 事假审批单, 补卡审批"))
    reason = forms.CharField(label=_("reason"), max_length=200)


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


class MonthForm(forms.Form):
    month = forms.RegexField(regex=r"^\d{4}-\d{2}$", required=False)


# --- The evaluation workflow (month page, appeals) ----------------------------------------

class WorkflowNoteForm(forms.Form):
    """Review, publish: an optional note for the log."""

    note = forms.CharField(label=_("Note for the log (optional)"), max_length=500, required=False)


class ReopenForm(forms.Form):
    reason = forms.CharField(
        label=_("Why reopen the month?"), max_length=500, widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Logged with every figure the recompute changes."),
    )


class ApproveForm(forms.Form):
    """The approver's sign-off, and a note for each blocker still listed: typed for one, or
    one explanation for every blocker ticked (the same note is then logged for each)."""

    signed_off = forms.BooleanField(
        label=_("I have checked the figures and sign off the month's grades and pay."), required=False
    )
    note = forms.CharField(label=_("Note for the log (optional)"), max_length=500, required=False)
    selected = forms.MultipleChoiceField(
        label=_("Explain together"), required=False, widget=forms.CheckboxSelectMultiple,
    )
    shared_note = forms.CharField(
        label=_("One explanation for every item ticked"), max_length=300, required=False,
        help_text=_("Logged for each ticked item; a note typed on an item's own line wins."),
    )

    def __init__(self, *args, blockers=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.blocker_fields = []
        for i, text in enumerate(blockers):
            name = f"ack_{i}"
            self.fields[name] = forms.CharField(
                label=text, max_length=300, required=False,
                help_text=_("Why the month can be approved despite this (required)."),
            )
            self.blocker_fields.append(name)
        self.fields["selected"].choices = [(str(i), text) for i, text in enumerate(blockers)]
        self.order_fields(self.blocker_fields + ["selected", "shared_note", "signed_off", "note"])

    def clean(self):
        data = super().clean()
        if not self.blocker_fields:
            return data  # nothing to explain: the selection is not shown
        selected, shared = data.get("selected") or [], (data.get("shared_note") or "").strip()
        if selected and not shared:
            self.add_error("shared_note", _("Write the explanation for the %(n)d items ticked.") % {"n": len(selected)})
        if shared and not selected:
            self.add_error("selected", _("Tick the items the explanation is for."))
        return data

    def blocker_rows(self):
        """(checkbox, own note field) per blocker, for the month page's table."""
        if not self.blocker_fields:
            return []
        return list(zip(self["selected"].subwidgets, (self[name] for name in self.blocker_fields), strict=False))

    def acknowledgements(self):
        """The note of each blocker, in order: its own, else the shared one when ticked."""
        selected = set(self.cleaned_data.get("selected") or [])
        shared = (self.cleaned_data.get("shared_note") or "").strip()
        notes = []
        for i, name in enumerate(self.blocker_fields):
            own = (self.cleaned_data.get(name) or "").strip()
            notes.append(own or (shared if str(i) in selected else ""))
        return notes


class EvaluationAppealForm(forms.Form):
    reason = forms.CharField(
        label=_("Why do you disagree?"), max_length=2000, widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Say which figure you think is wrong and why. HR answers here."),
    )


class AppealDecisionForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[
            ("upheld", _("Upheld: reopen the month to correct the inputs and recompute")),
            ("rejected", _("Rejected: the evaluation stands")),
        ],
        widget=forms.RadioSelect,
    )
    note = forms.CharField(
        label=_("Explanation for the staff member"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )
