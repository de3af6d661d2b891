"""Offline training (线下/线上培训记录) as one django-import-export Resource.

Columns 工号, 培训名称, 日期, 学时, 形式 (线上/线下). The Resource is the single description of
the layout: the set-based, all-or-nothing import (services.training_records_import, what
the admin and `import_training` run) reads its fields and widgets.
"""

from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext as _
from import_export import fields, resources, widgets

from home.spreadsheets import FlexibleDateWidget, TextWidget, cell_text, shown
from people.models import StaffProfile

from .models import Delivery, TrainingRecord

STAFF_NO = "工号"
TITLE = "培训名称"
DATE = "日期"
HOURS = "学时"
MODE = "形式"

TRAINING_HEADERS = (STAFF_NO, TITLE, DATE, HOURS, MODE)
MODE_NAMES = {"线上": Delivery.ONLINE, "线下": Delivery.OFFLINE, "online": Delivery.ONLINE, "offline": Delivery.OFFLINE}
MODE_LABELS = {Delivery.ONLINE: "线上", Delivery.OFFLINE: "线下"}


class HoursWidget(widgets.DecimalWidget):
    """学时: a positive number with at most one decimal place (text such as '2.5学时' too)."""

    def clean(self, value, row=None, **kwargs):
        text = repr(value) if isinstance(value, float) else cell_text(value).removesuffix("学时").strip()
        if not text:
            return None
        try:
            hours = Decimal(text)
        except InvalidOperation as exc:
            raise ValueError(_("“%(value)s” is not a number.") % {"value": shown(text)}) from exc
        if not hours.is_finite() or hours <= 0:
            raise ValueError(_("Hours must be a positive number."))
        # The bound first: quantizing 1e500000 would itself fail.
        if hours >= 1000 or hours != hours.quantize(Decimal("0.1")):
            raise ValueError(_("At most one decimal place and less than 1000."))
        return hours.quantize(Decimal("0.1"))

    def render(self, value, obj=None, **kwargs):
        return "" if value is None else str(value)


class ModeWidget(widgets.Widget):
    """形式: 线上 or 线下."""

    def clean(self, value, row=None, **kwargs):
        text = cell_text(value)
        if not text:
            return None
        mode = MODE_NAMES.get(text.lower())
        if mode is None:
            raise ValueError(_("“%(value)s” is not a form of training: write 线上 or 线下.") % {"value": shown(text)})
        return mode

    def render(self, value, obj=None, **kwargs):
        return MODE_LABELS.get(value, value or "")


class TrainingRecordResource(resources.ModelResource):
    staff = fields.Field(
        attribute="staff", column_name=STAFF_NO, widget=widgets.ForeignKeyWidget(StaffProfile, field="staff_no")
    )
    title = fields.Field(attribute="title", column_name=TITLE, widget=TextWidget(max_length=200))
    date = fields.Field(attribute="date", column_name=DATE, widget=FlexibleDateWidget())
    hours = fields.Field(attribute="hours", column_name=HOURS, widget=HoursWidget())
    mode = fields.Field(attribute="mode", column_name=MODE, widget=ModeWidget())

    class Meta:
        model = TrainingRecord
        fields = ("staff", "title", "date", "hours", "mode")
        export_order = fields
        import_id_fields = ["staff", "title", "date"]

    def get_export_queryset(self):
        return TrainingRecord.objects.select_related("staff").order_by("staff__staff_no", "date")
