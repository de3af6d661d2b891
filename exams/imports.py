"""The question bank as a registered spreadsheet import (see home.imports)."""

from functools import partial

from django.utils.translation import gettext_lazy as _

from home.imports import SpreadsheetImport

from .resources import BANK, QUESTION_HEADERS, REQUIRED_HEADERS, STEM, TYPE
from .services import question_import

HELP = _(
    "题型 is 单选, 多选, 判断, 填空 or 简答. Choice answers may be written ABD, A,B,D or A、B、D (half- or "
    "full-width); 判断 answers 对/错, 正确/错误, √/×, T/F. A question is identified by its bank and 题干, so "
    "importing again updates and never duplicates."
)


def _bank_imports():
    from django.urls import reverse

    from .models import QuestionBank

    return [
        (_("Questions into %(bank)s") % {"bank": bank.name}, reverse("exams_bank_files:import", args=[bank.pk]))
        for bank in QuestionBank.objects.order_by("name")
    ]


def question_import_spec(bank=None):
    """The import for one bank (admin: the bank's own import) or, without a bank, for files
    that name each row's bank in a 题库 column."""
    if bank is None:
        return SpreadsheetImport(
            key="questions",
            label=_("Question bank"),
            permission="exams.add_question",
            header_markers=(TYPE, STEM),
            required_headers=(*REQUIRED_HEADERS, BANK),
            all_headers=(BANK, *QUESTION_HEADERS),
            run=question_import,
            help_text=HELP,
            alternatives=_bank_imports,
        )
    return SpreadsheetImport(
        key=f"questions-{bank.pk}",
        label=_("Questions into %(bank)s") % {"bank": bank.name},
        permission="exams.add_question",
        header_markers=(TYPE, STEM),
        required_headers=REQUIRED_HEADERS,
        all_headers=QUESTION_HEADERS,
        run=partial(question_import, bank_name=bank.name),
        help_text=HELP,
    )
