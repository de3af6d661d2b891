"""Text that may enter the platform: no control characters, bounded length.

Characters below U+0020 other than tab, line feed and carriage return, lone surrogates and
U+FFFE/U+FFFF are refused at the edge (API fields, spreadsheet cells, public and admin
forms): PostgreSQL cannot store NUL, Excel and openpyxl refuse the others, and none of them
is ever typed on purpose. `strip_control_characters` removes them on the way out (exports)
from data stored before this rule.
"""

import re

from django.core.exceptions import ValidationError
from django.utils.deconstruct import deconstructible
from django.utils.translation import gettext_lazy as _

CONTROL_CHARACTERS_RE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")

CONTROL_CHARACTERS_MESSAGE = _(
    "Remove the invisible control characters (such as NUL) from this text; they cannot be stored."
)


def has_control_characters(text):
    return isinstance(text, str) and CONTROL_CHARACTERS_RE.search(text) is not None


def strip_control_characters(text):
    return CONTROL_CHARACTERS_RE.sub("", text)


@deconstructible
class NoControlCharactersValidator:
    message = CONTROL_CHARACTERS_MESSAGE
    code = "control_characters"

    def __call__(self, value):
        if has_control_characters(value):
            raise ValidationError(self.message, code=self.code)

    def __eq__(self, other):
        return isinstance(other, NoControlCharactersValidator)


validate_no_control_characters = NoControlCharactersValidator()


def install_admin_text_validation():
    """Every text field of a Wagtail admin form (snippets, ModelViewSets, pages) refuses
    control characters, through Wagtail's form-field overrides (HomeConfig.ready)."""
    from django.db import models
    from wagtail.admin import widgets
    from wagtail.admin.forms.models import register_form_field_override

    validators = [validate_no_control_characters]
    register_form_field_override(models.CharField, override={"validators": validators})
    # Keeps Wagtail's own override of plain TextFields (the auto-height widget).
    register_form_field_override(
        models.TextField,
        override={"widget": widgets.AdminAutoHeightTextInput, "validators": validators},
        exact_class=True,
    )
