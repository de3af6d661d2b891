"""The monthly evaluation's forms: computing a month, the workflow's steps on the month
page, a staff member's appeal and HR's decision on it."""

from django import forms
from django.utils.translation import gettext_lazy as _

from ..periods import MonthField


class ComputeMonthForm(forms.Form):
    month = MonthField(label=_("month"))


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
