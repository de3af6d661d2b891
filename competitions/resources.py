"""Spreadsheet layouts of the competitions app, as django-import-export Resources.

- A quiz round's questions (DESIGN, "Competitions", live quiz show): 序号, 环节 (必答, 抢答,
  风险, 加赛), 题目, 答案, 答题时间（秒）, 队伍 (optional: the team a 必答 or 风险题 goes to).
  services.quiz_questions_import reads rows with it (all rows or none); the same Resource
  writes a round's questions back in that layout (the template organisers fill in).
- A quiz show's event log: every point with who, when and why, and each team's totals.
"""

import re
import unicodedata
from decimal import Decimal, InvalidOperation
from zoneinfo import ZoneInfo

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from import_export import fields, resources, widgets

from home.spreadsheets import TextWidget, cell_text, shown

from .models import QuizEventKind, QuizQuestion, QuizSegment
from .scoring import QUIZ_BASE_POINTS
from .selectors.quiz_questions import SEGMENT_NAMES

# --- a quiz round's questions ----------------------------------------------------------------
ORDER = "序号"
SEGMENT = "环节"
TEXT = "题目"
ANSWER = "答案"
SECONDS = "答题时间（秒）"
TEAM = "队伍"
QUESTION_HEADERS = (ORDER, SEGMENT, TEXT, ANSWER, SECONDS, TEAM)
QUESTION_REQUIRED = (ORDER, SEGMENT, TEXT, ANSWER)
# Other headers people write for a column (compared without spaces, full-width folded).
HEADER_ALIASES = {
    ORDER: ("题号", "编号"),
    SEGMENT: ("题型", "环节类型"),
    TEXT: ("题干", "题目内容"),
    ANSWER: ("参考答案", "标准答案"),
    SECONDS: ("答题时间", "答题时间(秒)", "时限", "时限(秒)", "限时", "限时(秒)", "时间(秒)"),
    TEAM: ("队名", "答题队伍", "指定队伍"),
}
TEXT_MAX = 2000
ANSWER_MAX = 2000
TEAM_MAX = 100
ORDER_MAX = 999
SECONDS_MIN, SECONDS_MAX = 5, 600
DEFAULT_SECONDS = 20

SEGMENT_LABELS = {
    "必答": QuizSegment.REQUIRED, "抢答": QuizSegment.BUZZER, "风险": QuizSegment.RISK,
    "加赛": QuizSegment.SUDDEN_DEATH, "加时": QuizSegment.SUDDEN_DEATH, "加时赛": QuizSegment.SUDDEN_DEATH,
    "附加": QuizSegment.SUDDEN_DEATH, "附加赛": QuizSegment.SUDDEN_DEATH,
}
# What is stripped around a segment name: 风险题, 抢答环节, 【必答】, 必答题：
_SEGMENT_NOISE = re.compile(r"^[\[【(（「]*|[\]】)）」:：]*$")
_SEGMENT_SUFFIXES = ("环节", "题目", "题")


def segment_key(value):
    """The segment a cell names, or None: 必答, 抢答, 风险, 加赛, with spaces, full-width forms,
    brackets and 题/环节 around them ignored (风险题, 抢答 题, 【必答】)."""
    text = re.sub(r"\s+", "", unicodedata.normalize("NFKC", cell_text(value)))
    text = _SEGMENT_NOISE.sub("", text)
    for suffix in _SEGMENT_SUFFIXES:
        text = text.removesuffix(suffix)
    if text in SEGMENT_LABELS:
        return SEGMENT_LABELS[text]
    if text in QuizSegment.values:  # the stored value, from an English export
        return QuizSegment(text)
    return None


class SegmentWidget(widgets.Widget):
    def clean(self, value, row=None, **kwargs):
        text = cell_text(value)
        if not text:
            return ""
        segment = segment_key(text)
        if segment is None:
            raise ValueError(_("“%(value)s” is not a segment: write 必答, 抢答, 风险 or 加赛.") % {"value": shown(text)})
        return segment

    def render(self, value, obj=None, **kwargs):
        return SEGMENT_NAMES.get(value, value or "")


class WholeNumberWidget(widgets.Widget):
    """A whole number within bounds (20, 20.0, '２０', '20秒'); empty → `default`."""

    def __init__(self, *, minimum, maximum, default=None, suffixes=()):
        self.minimum, self.maximum, self.default, self.suffixes = minimum, maximum, default, suffixes

    def clean(self, value, row=None, **kwargs):
        if isinstance(value, bool):
            raise ValueError(_("Write a whole number."))
        text = re.sub(r"\s+", "", unicodedata.normalize("NFKC", cell_text(value)))
        for suffix in self.suffixes:
            text = text.removesuffix(suffix)
        if not text:
            return self.default
        try:
            number = Decimal(text)
        except InvalidOperation:
            raise ValueError(_("“%(value)s” is not a number.") % {"value": shown(text)}) from None
        if not number.is_finite() or number != number.to_integral_value():
            raise ValueError(_("Write a whole number."))
        if not self.minimum <= number <= self.maximum:
            raise ValueError(_("Must be between %(low)d and %(high)d.") % {"low": self.minimum, "high": self.maximum})
        return int(number)

    def render(self, value, obj=None, **kwargs):
        return value


class QuizQuestionResource(resources.ModelResource):
    order = fields.Field(attribute="order", column_name=ORDER,
                         widget=WholeNumberWidget(minimum=1, maximum=ORDER_MAX))
    segment = fields.Field(attribute="segment", column_name=SEGMENT, widget=SegmentWidget())
    text = fields.Field(attribute="text", column_name=TEXT, widget=TextWidget(max_length=TEXT_MAX))
    answer = fields.Field(attribute="answer", column_name=ANSWER, widget=TextWidget(max_length=ANSWER_MAX))
    seconds = fields.Field(attribute="seconds", column_name=SECONDS, widget=WholeNumberWidget(
        minimum=SECONDS_MIN, maximum=SECONDS_MAX, default=DEFAULT_SECONDS, suffixes=("秒", "s", "S")))
    # The team's name, resolved by the import with one query.
    team = fields.Field(attribute="team", column_name=TEAM, widget=TextWidget(max_length=TEAM_MAX))

    class Meta:
        model = QuizQuestion
        fields = ("order", "segment", "text", "answer", "seconds", "team")
        export_order = fields
        verbose_name = gettext_lazy("Quiz questions")

    def __init__(self, round=None, **kwargs):
        super().__init__(**kwargs)
        self.round = round

    def get_export_queryset(self):
        return QuizQuestion.objects.filter(round=self.round).select_related("team__team").order_by("order")

    def dehydrate_segment(self, question):
        return SEGMENT_NAMES.get(question.segment, question.segment)

    def dehydrate_team(self, question):
        return question.team.team.name if question.team_id and question.team.team_id else ""


# --- a quiz show's event log -------------------------------------------------------------------
SHANGHAI = ZoneInfo("Asia/Shanghai")


def shanghai(moment):
    """A datetime as the organisers read it: Asia/Shanghai, to the millisecond."""
    if moment is None:
        return ""
    local = timezone.localtime(moment, timezone=SHANGHAI)
    return local.strftime("%Y-%m-%d %H:%M:%S.") + f"{local.microsecond // 1000:03d}"


class QuizEventResource(resources.Resource):
    """The event log of a show, one row per event in the order made (selectors.quiz_event_log's
    lines): a voided event names the correction that voids it."""

    number = fields.Field(attribute="number", column_name="序号")
    at = fields.Field(column_name="时间")
    question = fields.Field(column_name="题号")
    segment = fields.Field(column_name="环节")
    team = fields.Field(attribute="team", column_name="队伍")
    kind = fields.Field(column_name="结果")
    points = fields.Field(column_name="分值")
    stake = fields.Field(column_name="风险分")
    voided = fields.Field(column_name="撤销（被哪条更正）")
    reason = fields.Field(column_name="原因")
    by = fields.Field(column_name="操作人")

    class Meta:
        export_order = ("number", "at", "question", "segment", "team", "kind", "points", "stake", "voided", "reason",
                        "by")

    def dehydrate_number(self, line):
        return line.number

    def dehydrate_at(self, line):
        return shanghai(line.event.at)

    def dehydrate_question(self, line):
        return line.event.question.order if line.event.question_id else ""

    def dehydrate_segment(self, line):
        return SEGMENT_NAMES.get(line.event.question.segment, "") if line.event.question_id else ""

    def dehydrate_kind(self, line):
        return str(QuizEventKind(line.event.kind).label)

    def dehydrate_points(self, line):
        return line.event.points

    def dehydrate_stake(self, line):
        return line.event.stake if line.event.stake is not None else ""

    def dehydrate_voided(self, line):
        if line.voided_by_number:
            return _("Voided by no. %(n)d") % {"n": line.voided_by_number}
        if line.voids_number:
            return _("Corrects no. %(n)d") % {"n": line.voids_number}
        return ""

    def dehydrate_reason(self, line):
        return line.event.reason

    def dehydrate_by(self, line):
        user = line.event.by
        if user is None:
            return _("Team buzzer") if line.event.kind == QuizEventKind.FOUL else ""
        return user.get_full_name() or user.get_username()


class QuizTeamTotalResource(resources.Resource):
    """Each team's totals after the log: 100 + the points of events not voided (加赛 apart)."""

    team = fields.Field(attribute="team", column_name="队伍")
    base = fields.Field(column_name="基础分")
    change = fields.Field(attribute="change", column_name="得分变化")
    points = fields.Field(attribute="points", column_name="总分")
    tiebreak = fields.Field(attribute="tiebreak", column_name="加赛得分")
    round_score = fields.Field(attribute="round_score", column_name="本轮成绩（0–100）")

    class Meta:
        export_order = ("team", "base", "change", "points", "tiebreak", "round_score")

    def dehydrate_base(self, total):
        return QUIZ_BASE_POINTS

    def dehydrate_change(self, total):
        return total.change

    def dehydrate_points(self, total):
        return total.points

    def dehydrate_tiebreak(self, total):
        return total.tiebreak

    def dehydrate_round_score(self, total):
        return total.round_score
