"""The question bank layout (DESIGN, "Questions"), as one django-import-export Resource.

Columns: 题型, 题干, 选项A … 选项F, 答案, 解析, 分类, 难度 (1–5), 分值, and optionally 题库
(a file may fill several banks). `exams.services.question_import` reads rows with it
(set-based, all-or-nothing); `question_export_dataset` writes a bank back in the same layout.
"""

from decimal import Decimal

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from import_export import fields, resources, widgets

from home.spreadsheets import MoneyWidget, TextWidget, cell_text, shown

from .models import Question, QuestionType
from .models.bank import OPTION_LETTERS, stem_plain_text

TYPE = "题型"
STEM = "题干"
OPTION_COLUMNS = tuple(f"选项{letter}" for letter in OPTION_LETTERS)
ANSWER = "答案"
EXPLANATION = "解析"
CATEGORY = "分类"
DIFFICULTY = "难度"
POINTS = "分值"
BANK = "题库"

QUESTION_HEADERS = (TYPE, STEM, *OPTION_COLUMNS, ANSWER, EXPLANATION, CATEGORY, DIFFICULTY, POINTS)
REQUIRED_HEADERS = (TYPE, STEM, ANSWER)
TYPE_LABELS = {"单选": QuestionType.SINGLE, "单选题": QuestionType.SINGLE, "多选": QuestionType.MULTIPLE,
               "多选题": QuestionType.MULTIPLE, "判断": QuestionType.TRUE_FALSE, "判断题": QuestionType.TRUE_FALSE,
               "填空": QuestionType.BLANK, "填空题": QuestionType.BLANK, "简答": QuestionType.ESSAY,
               "简答题": QuestionType.ESSAY}
TYPE_NAMES = {QuestionType.SINGLE: "单选", QuestionType.MULTIPLE: "多选", QuestionType.TRUE_FALSE: "判断",
              QuestionType.BLANK: "填空", QuestionType.ESSAY: "简答"}
DEFAULT_POINTS = Decimal("2.00")
DEFAULT_DIFFICULTY = 2


class QuestionTypeWidget(widgets.Widget):
    def clean(self, value, row=None, **kwargs):
        text = cell_text(value)
        if not text:
            return ""
        if text not in TYPE_LABELS:
            raise ValueError(_("“%(value)s” is not a question type: write 单选, 多选, 判断, 填空 or 简答.") % {"value": shown(text)})
        return TYPE_LABELS[text]

    def render(self, value, obj=None, **kwargs):
        return TYPE_NAMES.get(value, value)


class DifficultyWidget(widgets.Widget):
    def clean(self, value, row=None, **kwargs):
        text = cell_text(value)
        if not text:
            return None
        try:
            number = Decimal(text)
        except ArithmeticError:
            number = None
        if number is None or not number.is_finite() or not 1 <= number <= 5 or number != number.to_integral_value():
            raise ValueError(_("Difficulty is a whole number from 1 to 5 (“%(value)s”).") % {"value": shown(text)})
        return int(number)


class QuestionResource(resources.ModelResource):
    qtype = fields.Field(attribute="qtype", column_name=TYPE, widget=QuestionTypeWidget())
    stem = fields.Field(attribute="stem", column_name=STEM, widget=TextWidget(max_length=5000))
    option_a = fields.Field(attribute="option_a", column_name=OPTION_COLUMNS[0], widget=TextWidget(max_length=500))
    option_b = fields.Field(attribute="option_b", column_name=OPTION_COLUMNS[1], widget=TextWidget(max_length=500))
    option_c = fields.Field(attribute="option_c", column_name=OPTION_COLUMNS[2], widget=TextWidget(max_length=500))
    option_d = fields.Field(attribute="option_d", column_name=OPTION_COLUMNS[3], widget=TextWidget(max_length=500))
    option_e = fields.Field(attribute="option_e", column_name=OPTION_COLUMNS[4], widget=TextWidget(max_length=500))
    option_f = fields.Field(attribute="option_f", column_name=OPTION_COLUMNS[5], widget=TextWidget(max_length=500))
    answer = fields.Field(attribute="answer", column_name=ANSWER, widget=TextWidget(max_length=500))
    explanation = fields.Field(attribute="explanation", column_name=EXPLANATION, widget=TextWidget(max_length=5000))
    category = fields.Field(attribute="category", column_name=CATEGORY, widget=TextWidget(max_length=100))
    difficulty = fields.Field(attribute="difficulty", column_name=DIFFICULTY, widget=DifficultyWidget())
    points = fields.Field(attribute="points", column_name=POINTS, widget=MoneyWidget(max_value=Decimal("1000")))
    bank = fields.Field(attribute="bank", column_name=BANK, widget=TextWidget(max_length=100))

    class Meta:
        model = Question
        fields = ("qtype", "stem", *(f"option_{c.lower()}" for c in OPTION_LETTERS), "answer", "explanation",
                  "category", "difficulty", "points", "bank")
        export_order = fields[:-1]
        verbose_name = gettext_lazy("Questions")

    def __init__(self, bank=None, **kwargs):
        super().__init__(**kwargs)
        self.bank = bank

    def get_export_queryset(self):
        return Question.objects.filter(bank=self.bank).select_related("category").order_by("pk")

    def get_export_fields(self, selected_fields=None):
        return [f for f in super().get_export_fields(selected_fields) if f.column_name != BANK]

    def dehydrate_stem(self, question):
        return stem_plain_text(question.stem)

    def dehydrate_qtype(self, question):
        return TYPE_NAMES[question.qtype]

    def dehydrate_category(self, question):
        return question.category.name if question.category_id else ""

    def dehydrate_answer(self, question):
        return question.answer

    def dehydrate_explanation(self, question):
        # 简答 keeps its reference answer in 解析 (as the sample bank does) unless it has both.
        if question.qtype == QuestionType.ESSAY and not question.explanation:
            return question.reference_answer
        return question.explanation

    def dehydrate_points(self, question):
        return question.points

    def dehydrate_difficulty(self, question):
        return question.difficulty


def _option_dehydrator(index):
    def dehydrate(self, question):
        options = question.options or []
        return options[index] if index < len(options) else ""

    return dehydrate


for _index, _letter in enumerate(OPTION_LETTERS):
    setattr(QuestionResource, f"dehydrate_option_{_letter.lower()}", _option_dehydrator(_index))
