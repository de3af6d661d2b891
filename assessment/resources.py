"""The spreadsheet layouts of service records, as django-import-export Resources.

The Resources describe the columns and how each cell is read; the set-based imports in
services.py clean rows with them (home.imports.RowCleaner), and the same Resources export.
"""

import datetime as dt
import re

from django.utils.translation import gettext as _
from import_export import fields, resources, widgets

from home.spreadsheets import EXCEL_EPOCH, FlexibleDateWidget, TextWidget, cell_text, shown

from .rating_rules import rated_at_problem

# --- Attendance: DingTalk 每日统计 ----------------------------------------------------
NAME = "姓名"
STAFF_NO = "工号"
USER_ID = "UserId"
DATE = "日期"
SHIFT = "班次"
IN1 = "上班1打卡时间"
OUT1 = "下班1打卡时间"
IN2 = "上班2打卡时间"
OUT2 = "下班2打卡时间"
RESULT_COLUMNS = ("上班1打卡结果", "下班1打卡结果", "上班2打卡结果", "下班2打卡结果")
APPROVAL = "关联的审批单"
DINGTALK_HEADERS = (NAME, STAFF_NO, USER_ID, DATE, SHIFT, IN1, OUT1, IN2, OUT2, APPROVAL)
DINGTALK_REQUIRED = (NAME, DATE, SHIFT, IN1, OUT1)

# --- Attendance: generic ------------------------------------------------------------
G_IN = "上班打卡"
G_OUT = "下班打卡"
G_LEAVE = "请假类型"
GENERIC_HEADERS = (STAFF_NO, DATE, G_IN, G_OUT, G_LEAVE)
GENERIC_REQUIRED = (STAFF_NO, DATE, G_IN, G_OUT)

# --- Ratings ------------------------------------------------------------------------
TICKET = "办件编号"
ASSESS_NUMBER = "评价次数"
RATED_AT = "评价时间"
HANDLER = "经办人工号"
WINDOW = "窗口编号"
MATTER = "事项名称"
LEVEL = "评价等级"
CHANNEL = "评价渠道"
COMMENT = "评价内容"
RATING_HEADERS = (TICKET, ASSESS_NUMBER, RATED_AT, HANDLER, WINDOW, MATTER, LEVEL, CHANNEL, COMMENT)
RATING_REQUIRED = (TICKET, RATED_AT, LEVEL)

EMPTY_PUNCHES = {"", "-", "--", "—", "未打卡", "缺卡", "无"}


class TimeCellWidget(widgets.Widget):
    """Punch times: Excel time cells, Excel fractions of a day, HH:MM, HH:MM:SS (optionally after
    a date). An empty cell or DingTalk's 未打卡 / -- is no punch."""

    TIME_RE = re.compile(r"^(?:\d{2,4}[-/.]\d{1,2}[-/.]\d{1,2}\s+)?(\d{1,2})[:：](\d{2})(?:[:：](\d{2}))?$")

    def clean(self, value, row=None, **kwargs):
        if value is None:
            return None
        if isinstance(value, dt.datetime):
            return value.time().replace(microsecond=0)
        if isinstance(value, dt.time):
            return value.replace(microsecond=0)
        if isinstance(value, dt.timedelta):
            value = value.total_seconds() / 86400
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            fraction = value % 1 if value >= 1 else value
            if value < 0:
                raise ValueError(_("Not a time."))
            seconds = round(fraction * 86400)
            if seconds >= 86400:
                seconds = 86399
            return (dt.datetime.combine(EXCEL_EPOCH, dt.time()) + dt.timedelta(seconds=seconds)).time()
        text = cell_text(value)
        if text in EMPTY_PUNCHES:
            return None
        match = self.TIME_RE.match(text)
        if not match:
            raise ValueError(_("“%(value)s” is not a time: write it as HH:MM.") % {"value": shown(text)})
        hour, minute, second = int(match[1]), int(match[2]), int(match[3] or 0)
        if hour > 23 or minute > 59 or second > 59:
            raise ValueError(_("%(value)s: no such time.") % {"value": shown(text)})
        return dt.time(hour, minute, second)

    def render(self, value, obj=None, **kwargs):
        return value.strftime("%H:%M:%S") if value else ""


class DateTimeCellWidget(widgets.Widget):
    """Rating times: Excel date-time cells or text such as 2026-10-29 10:45(:00), 2026/10/29 10:45,
    or ISO 8601. Naive values are in the site's time zone."""

    DATETIME_RE = re.compile(
        r"^\s*(\d{2}|\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?(?:[ T]+(\d{1,2})[:：](\d{2})(?:[:：](\d{2}))?)?\s*$"
    )

    def clean(self, value, row=None, **kwargs):
        from django.utils import timezone

        if value is None or cell_text(value) == "":
            return None
        if isinstance(value, dt.datetime):
            moment = value
        elif isinstance(value, dt.date):
            moment = dt.datetime.combine(value, dt.time())
        elif isinstance(value, (int, float)) and not isinstance(value, bool):
            if not 1 <= value < 2958466:  # Excel's serial numbers: 1900-01-01 … 9999-12-31
                raise ValueError(_("Not a date and time."))
            moment = dt.datetime.combine(EXCEL_EPOCH, dt.time()) + dt.timedelta(days=float(value))
            moment = moment.replace(microsecond=0)
        else:
            text = cell_text(value)
            match = self.DATETIME_RE.match(text)
            if match:
                year = int(match[1]) + (2000 if len(match[1]) == 2 else 0)
                try:
                    moment = dt.datetime(
                        year, int(match[2]), int(match[3]), int(match[4] or 0), int(match[5] or 0), int(match[6] or 0)
                    )
                except ValueError as exc:
                    raise ValueError(_("%(value)s: no such date or time.") % {"value": shown(text)}) from exc
            else:
                try:
                    moment = dt.datetime.fromisoformat(text[:64])
                except ValueError as exc:
                    raise ValueError(
                        _("“%(value)s” is not a date and time: write it as YYYY-MM-DD HH:MM.") % {"value": shown(text)}
                    ) from exc
        try:
            if moment.tzinfo is None:
                # One time-zone lookup per import, not per row (it shows at a million rows).
                if not hasattr(self, "_tz"):
                    self._tz = timezone.get_current_timezone()
                moment = timezone.make_aware(moment, self._tz)
            problem = rated_at_problem(moment)
        except (OverflowError, ValueError):  # year 1 or 9999 moved across a time zone
            problem = rated_at_problem(None)
        if problem:
            raise ValueError(problem)
        return moment

    def render(self, value, obj=None, **kwargs):
        from django.utils import timezone

        return timezone.localtime(value).strftime("%Y-%m-%d %H:%M:%S") if value else ""


class PositiveIntWidget(widgets.Widget):
    """A whole number ≥ 1, also when it arrives as text or as 1.0."""

    def clean(self, value, row=None, **kwargs):
        text = cell_text(value)
        if text == "":
            return None
        try:
            number = float(text) if len(text) <= 20 else float("nan")
        except ValueError as exc:
            raise ValueError(_("“%(value)s” is not a whole number.") % {"value": shown(text)}) from exc
        # NaN and infinities fail the range test (int() of them would raise).
        if not 1 <= number <= 99 or number != int(number):
            raise ValueError(_("“%(value)s” is not a whole number from 1 to 99.") % {"value": shown(text)})
        return int(number)


class AttendanceDingTalkResource(resources.Resource):
    """DingTalk's 每日统计 export: title rows, then one row per person and day."""

    name = fields.Field(attribute="name", column_name=NAME, widget=TextWidget(max_length=50))
    staff_no = fields.Field(attribute="staff_no", column_name=STAFF_NO, widget=TextWidget(max_length=30))
    user_id = fields.Field(attribute="user_id", column_name=USER_ID, widget=TextWidget(max_length=64))
    date = fields.Field(attribute="date", column_name=DATE, widget=FlexibleDateWidget())
    shift = fields.Field(attribute="shift", column_name=SHIFT, widget=TextWidget(max_length=50))
    in1 = fields.Field(attribute="in1", column_name=IN1, widget=TimeCellWidget())
    out1 = fields.Field(attribute="out1", column_name=OUT1, widget=TimeCellWidget())
    in2 = fields.Field(attribute="in2", column_name=IN2, widget=TimeCellWidget())
    out2 = fields.Field(attribute="out2", column_name=OUT2, widget=TimeCellWidget())
    approval = fields.Field(attribute="approval", column_name=APPROVAL, widget=TextWidget(max_length=200))


class AttendanceGenericResource(resources.Resource):
    """The generic layout: 工号, 日期, 上班打卡, 下班打卡, 请假类型."""

    staff_no = fields.Field(attribute="staff_no", column_name=STAFF_NO, widget=TextWidget(max_length=30))
    date = fields.Field(attribute="date", column_name=DATE, widget=FlexibleDateWidget())
    in1 = fields.Field(attribute="in1", column_name=G_IN, widget=TimeCellWidget())
    out1 = fields.Field(attribute="out1", column_name=G_OUT, widget=TimeCellWidget())
    approval = fields.Field(attribute="approval", column_name=G_LEAVE, widget=TextWidget(max_length=200))


class RatingResource(resources.Resource):
    """好差评 rows. 评价等级 stays text here: a number is read with the source's direction."""

    ticket_no = fields.Field(attribute="ticket_no", column_name=TICKET, widget=TextWidget(max_length=64))
    assess_number = fields.Field(attribute="assess_number", column_name=ASSESS_NUMBER, widget=PositiveIntWidget())
    rated_at = fields.Field(attribute="rated_at", column_name=RATED_AT, widget=DateTimeCellWidget())
    staff_no = fields.Field(attribute="staff_no", column_name=HANDLER, widget=TextWidget(max_length=30))
    window_code = fields.Field(attribute="window_code", column_name=WINDOW, widget=TextWidget(max_length=20))
    matter = fields.Field(attribute="matter", column_name=MATTER, widget=TextWidget(max_length=200))
    level = fields.Field(attribute="level", column_name=LEVEL, widget=TextWidget(max_length=10))
    channel = fields.Field(attribute="channel", column_name=CHANNEL, widget=TextWidget(max_length=30))
    comment = fields.Field(attribute="comment", column_name=COMMENT, widget=TextWidget(max_length=1000))
