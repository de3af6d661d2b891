"""Every listing export of the Wagtail admin (the csv and xlsx buttons of ModelViewSet
indexes, reports, form submissions) writes its cells through home.spreadsheets.safe_cell,
like our own report exports: formula-like text is escaped with a leading apostrophe, the
control characters Excel and openpyxl refuse are dropped (one of them made the whole
export fail), numbers and dates stay as they are.

Wagtail's SpreadsheetExportMixin passes every value through `preprocess_field_value`
before writing it to either format; `install()` (HomeConfig.ready) wraps that one hook,
so every viewset, present and future, is covered without a base class to remember.
"""

from wagtail.admin.views.mixins import SpreadsheetExportMixin

from .spreadsheets import safe_cell


def _safe_preprocess_field_value(original):
    def preprocess_field_value(self, field, value, export_format):
        return safe_cell(original(self, field, value, export_format))

    preprocess_field_value.frontline_safe = True
    return preprocess_field_value


def _safe_get_heading(original):
    def get_heading(self, queryset, field):
        return safe_cell(original(self, queryset, field))

    get_heading.frontline_safe = True
    return get_heading


def install():
    mixin = SpreadsheetExportMixin
    if not getattr(mixin.preprocess_field_value, "frontline_safe", False):
        mixin.preprocess_field_value = _safe_preprocess_field_value(mixin.preprocess_field_value)
    if not getattr(mixin.get_heading, "frontline_safe", False):
        mixin.get_heading = _safe_get_heading(mixin.get_heading)
