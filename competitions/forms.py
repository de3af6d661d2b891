"""Forms of the judging pages. Scores are read from inputs named "c:<field>" (a criterion's
name, or 得分) and validated by the services, which word the errors per field."""

from django import forms
from django.utils.translation import gettext_lazy as _

FIELD_PREFIX = "c:"


def sheet_values_from_post(data, fields):
    """{field name: text} from a POST whose score inputs are named "c:<field name>"."""
    return {f.name: (data.get(FIELD_PREFIX + f.name) or "").strip()[:20] for f in fields}


def score_rows(fields, values, errors=None):
    """What the score inputs show: each field with its value and error."""
    errors = errors or {}
    return [{"field": f, "value": values.get(f.name, ""), "error": errors.get(f.name, "")} for f in fields]


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"), max_length=500, widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": _("Give a reason.")},
    )


class ReportForm(forms.Form):
    """报告问题 to the chief judge, optionally about one of the judge's entrants."""

    message = forms.CharField(
        label=_("What is the problem?"), max_length=500, widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _("Describe the problem.")},
    )
    entry = forms.TypedChoiceField(label=_("About the entrant"), required=False, coerce=int, empty_value=None)

    def __init__(self, *args, entries=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["entry"].choices = [("", _("(the round in general)"))] + [
            (row.entry.pk, f"{row.label} {row.name}".strip()) for row in entries
        ]


class NoteForm(forms.Form):
    note = forms.CharField(label=_("Note"), max_length=500, required=False)


class PaperSeatForm(forms.Form):
    """Which judge's paper sheet for which entrant is being typed (one of the round's seats)."""

    seat = forms.ChoiceField(label=_("Judge and entrant"))

    def __init__(self, *args, seats=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["seat"].choices = [("", "—")] + [
            (f"{judge.pk}:{entry.pk}", f"{judge.name} → {label} {name}".strip())
            for judge, entrants in seats for entry, label, name in entrants
        ]

    def seat_ids(self):
        judge_id, entry_id = self.cleaned_data["seat"].split(":")
        return int(judge_id), int(entry_id)
