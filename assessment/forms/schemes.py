"""An assessment scheme's form: its name and centre, and every number of its rules (each
save adds a version, services.scheme_save_version)."""

from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from wagtail.admin.forms import WagtailAdminModelForm

from .. import scoring

_COMPONENT_LABELS = {
    scoring.RATINGS: _("R ratings"),
    scoring.DISCIPLINE: _("D discipline"),
    scoring.TESTS: _("T tests"),
    scoring.LEARNING: _("L learning"),
}
_GRADE_LABELS = {
    scoring.EXCELLENT: _("excellent (优秀)"),
    scoring.GOOD: _("good (良好)"),
    scoring.PASS: _("pass (合格)"),
    scoring.BASIC_PASS: _("basic pass (基本合格)"),
    scoring.FAIL: _("fail (不合格)"),
}
_BAD_REVIEW_LABELS = {
    scoring.DISSATISFIED: _("confirmed 不满意"),
    scoring.VERY_DISSATISFIED: _("confirmed 非常不满意"),
}
_ATTENDANCE_LABELS = {
    scoring.LATE: pgettext_lazy("attendance", "late"),
    scoring.SERIOUS_LATE: _("seriously late"),
    scoring.EARLY: _("left early"),
    scoring.SERIOUS_EARLY: _("left seriously early"),
    scoring.MISSING_PUNCH: _("missing punch"),
    scoring.HALF_DAY_ABSENCE: _("half-day absence"),
    scoring.FULL_DAY_ABSENCE: _("full-day absence"),
}

# (form field name, Rules attribute, key or None, label, help)
SCHEME_NUMBERS = (
    [(f"weight_{k}", "weights", k, label, _("weight")) for k, label in _COMPONENT_LABELS.items()]
    + [(f"bad_review_{k}", "bad_review_deductions", k, label, _("points off R each"))
       for k, label in _BAD_REVIEW_LABELS.items()]
    + [(f"attendance_{k}", "attendance_deductions", k, label, _("points off D each"))
       for k, label in _ATTENDANCE_LABELS.items()]
    + [("bonus_cap", "bonus_cap", None, _("bonus cap"), pgettext_lazy("evaluation", "points"))]
    + [(f"floor_{k}", "grade_floors", k, label, _("lowest score of the grade"))
       for k, label in _GRADE_LABELS.items() if k != scoring.FAIL]
    + [("excellent_quota_percent", "excellent_quota_percent", None, _("优秀 quota (percent of headcount)"), "")]
    + [(f"coefficient_{k}", "coefficients", k, label, _("pay coefficient")) for k, label in _GRADE_LABELS.items()]
)


def scheme_number_names(prefix):
    """The form's number fields whose name starts with `prefix`, in order (for the panels)."""
    return [name for name, *_rest in SCHEME_NUMBERS if name.startswith(prefix)]


def _number_field(label, help_text):
    return forms.DecimalField(
        label=label, help_text=help_text, min_value=Decimal("0"), max_digits=6, decimal_places=2
    )


class SchemeFormBase(WagtailAdminModelForm):
    """The scheme's name and centre, and every number of its rules; saving adds a version."""

    version_note = forms.CharField(label=_("what changed"), max_length=200, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        version = self.instance.current_version if self.instance.pk else None
        rules = version.scoring_rules() if version else scoring.DEFAULT_RULES
        for name, attr, key, _label, _help in SCHEME_NUMBERS:
            value = getattr(rules, attr)
            self.fields[name].initial = value[key] if key else value

    def clean(self):
        cleaned = super().clean()
        if any(cleaned.get(name) is None for name, *_rest in SCHEME_NUMBERS):
            return cleaned
        weights = [cleaned[f"weight_{k}"] for k in scoring.COMPONENTS]
        if sum(weights) <= 0:
            raise ValidationError(_("The weights must add up to more than 0."))
        floors = [cleaned[f"floor_{k}"] for k in scoring.GRADES if k != scoring.FAIL]
        if any(higher <= lower for higher, lower in zip(floors, floors[1:], strict=False)):
            raise ValidationError(_("Each grade's lowest score must be below the one of the grade above."))
        if cleaned["excellent_quota_percent"] > 100:
            self.add_error("excellent_quota_percent", _("At most 100%."))
        return cleaned

    def scoring_rules(self):
        data = {}
        for name, attr, key, _label, _help in SCHEME_NUMBERS:
            value = str(self.cleaned_data[name])
            if key:
                data.setdefault(attr, {})[key] = value
            else:
                data[attr] = value
        return scoring.rules_from_dict(data)


# The number fields are declared from SCHEME_NUMBERS through the form's metaclass.
SchemeForm = type(SchemeFormBase)(
    "SchemeForm",
    (SchemeFormBase,),
    {name: _number_field(label, help_text) for name, _attr, _key, label, help_text in SCHEME_NUMBERS},
)
