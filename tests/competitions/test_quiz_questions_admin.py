"""A quiz round's questions in the admin: who may prepare them; add, edit, reorder and delete
(refused with a clear message once the show has used a question, and in a confirmed round);
the Excel import (check only, all rows or none with 第N行 列名 errors, idempotent, odd
spellings, hostile cells, wrong files) and the sample layout built from the demo's questions."""

import io

import openpyxl
import pytest
from django.contrib.auth.models import Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils.translation import gettext as _

from competitions import demo
from competitions.models import QuizEvent, QuizQuestion, RoundState
from competitions.resources import QuizQuestionResource
from competitions.services import (
    quiz_outcome,
    quiz_question_next,
    quiz_question_used_message,
    quiz_questions_import_file,
    quiz_round_refusal,
    round_state_change,
)
from home.spreadsheets import export_bytes
from people import roles
from tests import factories
from tests.helpers import assert_denied, visible_text

from .conftest import SAMPLES, read_sheets, xlsx
from .quiz_setup import make_quiz, version

pytestmark = pytest.mark.django_db

HEADER = ("序号", "环节", "题目", "答案", "答题时间（秒）", "队伍")


@pytest.fixture
def quiz(home_page):
    return make_quiz()


@pytest.fixture
def organiser(client):
    client.force_login(factories.make_user_with_role(roles.TRAINER))
    return client


def _index(quiz):
    return f"{reverse('competitions_quiz_questions:index')}?round={quiz.round.pk}"


def _import_url(quiz):
    return reverse("competitions_results:quiz_questions_import", args=[quiz.competition.pk, quiz.round.pk])


def _upload(content, name="questions.xlsx"):
    return SimpleUploadedFile(name, content, content_type="application/octet-stream")


def _sheet(*rows, header=HEADER):
    return xlsx({"题目": [header, *rows]})


def _use(quiz, question):
    """The host shows `question` and rules on it: the show has used it."""
    show = quiz_question_next(show=quiz.show, version=version(quiz.show), question=question)
    quiz_outcome(show=show, version=version(quiz.show), outcome="correct")


def _form(quiz, **values):
    data = {"round": quiz.round.pk, "order": 20, "segment": "required", "seconds": 30,
            "text": "窗口“首问负责制”的要求是什么？", "answer": "首位接待者负责到底。", "team": quiz.teams[0].pk}
    data.update(values)
    return {k: ("" if v is None else v) for k, v in data.items()}


# --- who may prepare questions --------------------------------------------------------------------


@pytest.mark.parametrize("role", [None, roles.STAFF, roles.JUDGE, roles.HR, roles.SUPERVISOR, roles.TRAINER])
def test_only_organisers_prepare_questions(client, quiz, role):
    if role is not None:
        client.force_login(factories.make_user_with_role(role))
    question = quiz.questions[0]
    urls = [
        _index(quiz),
        reverse("competitions_quiz_questions:add") + f"?round={quiz.round.pk}",
        reverse("competitions_quiz_questions:edit", args=[question.pk]),
        reverse("competitions_quiz_questions:delete", args=[question.pk]),
        _import_url(quiz),
        reverse("competitions_results:quiz_questions_export", args=[quiz.competition.pk, quiz.round.pk]),
    ]
    for url in urls:
        response = client.get(url)
        if role == roles.TRAINER:  # trainers organise competitions (竞赛组织)
            assert response.status_code == 200, url
        else:
            # Staff and judges have no admin access; HR and supervisors are in the admin but
            # do not organise competitions.
            assert_denied(response, login_redirect=role not in (roles.HR, roles.SUPERVISOR))
    if role == roles.TRAINER:
        return
    before = list(QuizQuestion.objects.order_by("pk").values_list("pk", "order", "text"))
    client.post(reverse("competitions_quiz_questions:add"), _form(quiz))
    client.post(reverse("competitions_quiz_questions:edit", args=[question.pk]), _form(quiz, order=1, text="改"))
    client.post(reverse("competitions_quiz_questions:delete", args=[question.pk]))
    client.post(reverse("competitions_quiz_questions:reorder", args=[question.pk]) + "?position=3")
    client.post(_import_url(quiz), {"file": _upload(_sheet((1, "抢答", "题", "答", 20, None))), "action": "import"})
    assert list(QuizQuestion.objects.order_by("pk").values_list("pk", "order", "text")) == before


def test_a_trainer_without_the_organiser_permission_is_refused(client, quiz):
    # Everything a trainer may do but 竞赛组织 (organising competitions), e.g. a course author.
    trainer = factories.make_user_with_role(roles.TRAINER)
    author = factories.make_user()
    author.user_permissions.add(*Permission.objects.filter(group__in=trainer.groups.all())
                                .exclude(codename="organise_competition"))
    client.force_login(author)
    assert_denied(client.get(_index(quiz)))
    assert_denied(client.get(_import_url(quiz)))


# --- add, edit, reorder, delete --------------------------------------------------------------------


def test_organiser_lists_adds_edits_and_deletes_a_rounds_questions(organiser, quiz, django_assert_max_num_queries):
    page = visible_text(organiser.get(_index(quiz)).content.decode())
    assert "第1题：窗口一次性告知" in page and "必答" in page and "甲队" in page
    assert _("Import from Excel") in page

    # A 抢答 question goes to no team; a team of another competition is not offered.
    other = make_quiz(teams=("外队", "外二队", "外三队"), start=False)
    add = reverse("competitions_quiz_questions:add")
    form = organiser.get(f"{add}?round={quiz.round.pk}").content.decode()
    assert "甲队" in form and "外队" not in form
    refused = organiser.post(add, _form(quiz, segment="buzzer"))
    assert _("Only 必答 and 风险 questions go to a team; 抢答 and 加赛 questions are won by a buzz.") in visible_text(
        refused.content.decode())
    taken = organiser.post(add, _form(quiz, order=1))
    assert _("Question number %(n)d is already taken in this round.") % {"n": 1} in visible_text(taken.content.decode())
    foreign = organiser.post(add, _form(quiz, team=other.teams[0].pk))
    assert refused.status_code == taken.status_code == foreign.status_code == 200
    assert not QuizQuestion.objects.filter(round=quiz.round, order=20).exists()

    done = organiser.post(add, _form(quiz))
    assert done.status_code == 302 and done["Location"].endswith(f"?round={quiz.round.pk}")
    question = QuizQuestion.objects.get(round=quiz.round, order=20)
    assert question.team == quiz.teams[0] and question.seconds == 30

    edit = reverse("competitions_quiz_questions:edit", args=[question.pk])
    organiser.post(edit, _form(quiz, segment="risk", team=quiz.teams[1].pk, seconds=45, answer="新答案"))
    question.refresh_from_db()
    assert (question.segment, question.team, question.seconds, question.answer) == ("risk", quiz.teams[1], 45, "新答案")

    organiser.post(reverse("competitions_quiz_questions:delete", args=[question.pk]))
    assert not QuizQuestion.objects.filter(pk=question.pk).exists()

    # The list runs a fixed number of queries, however many questions the round has.
    for n in range(30, 60):
        QuizQuestion.objects.create(round=quiz.round, segment="buzzer", order=n, text=f"题{n}", answer="答")
    with django_assert_max_num_queries(25):
        organiser.get(_index(quiz))


def test_hostile_text_in_the_form_is_refused(organiser, quiz):
    add = reverse("competitions_quiz_questions:add")
    long_text = organiser.post(add, _form(quiz, text="长" * 10_000))
    nul = organiser.post(add, _form(quiz, answer="答\x00案"))
    assert "2000" in visible_text(long_text.content.decode())
    assert "控制字符" in visible_text(nul.content.decode())
    assert not QuizQuestion.objects.filter(round=quiz.round, order=20).exists()


def test_a_used_question_cannot_be_changed_nor_deleted(organiser, quiz):
    used = quiz.questions[0]
    _use(quiz, used)
    assert QuizEvent.objects.filter(question=used).exists()
    delete = reverse("competitions_quiz_questions:delete", args=[used.pk])

    message = quiz_question_used_message(1)
    shown = organiser.get(delete, follow=True)
    assert message in visible_text(shown.content.decode())
    posted = organiser.post(delete, follow=True)
    assert posted.status_code == 200 and message in visible_text(posted.content.decode())
    assert QuizQuestion.objects.filter(pk=used.pk).exists()

    edited = organiser.post(reverse("competitions_quiz_questions:edit", args=[used.pk]),
                            _form(quiz, order=1, text="改过的题目"))
    assert message in visible_text(edited.content.decode())
    used.refresh_from_db()
    assert used.text.startswith("第1题")

    # The list says which questions the show has used.
    page = visible_text(organiser.get(_index(quiz)).content.decode())
    assert _("Used in the show") in page

    # An unused one is still deleted.
    organiser.post(reverse("competitions_quiz_questions:delete", args=[quiz.questions[-1].pk]))
    assert not QuizQuestion.objects.filter(pk=quiz.questions[-1].pk).exists()


def test_a_confirmed_rounds_questions_do_not_change(organiser, quiz):
    round_state_change(round=quiz.round, to_state=RoundState.CONFIRMED, reason="")
    message = quiz_round_refusal(quiz.round)
    add = organiser.post(reverse("competitions_quiz_questions:add"), _form(quiz))
    assert message in visible_text(add.content.decode())
    organiser.post(reverse("competitions_quiz_questions:delete", args=[quiz.questions[-1].pk]))
    assert QuizQuestion.objects.filter(round=quiz.round).count() == len(quiz.questions)
    result = organiser.post(_import_url(quiz), {"file": _upload(_sheet((1, "抢答", "题", "答", 20, None))),
                                                "action": "import"})
    assert message in visible_text(result.content.decode())
    assert QuizQuestion.objects.filter(round=quiz.round).count() == len(quiz.questions)


def test_questions_are_reordered_by_dragging_within_their_round(organiser, quiz):
    page = organiser.get(_index(quiz)).content.decode()
    assert "data-w-orderable" in page or "w-orderable" in page  # drag handles for one round's list
    last = quiz.questions[-1]
    reorder = reverse("competitions_quiz_questions:reorder", args=[last.pk])
    assert organiser.post(f"{reorder}?position=0").status_code == 200
    orders = list(QuizQuestion.objects.filter(round=quiz.round).order_by("order").values_list("pk", flat=True))
    assert orders == [last.pk, *[q.pk for q in quiz.questions[:-1]]]
    assert sorted(QuizQuestion.objects.filter(round=quiz.round).values_list("order", flat=True)) == list(
        range(1, len(quiz.questions) + 1))

    # Once the show used a question, a move that changes its number is refused.
    used = quiz.questions[0]  # now number 2
    _use(quiz, used)
    refused = organiser.post(reverse("competitions_quiz_questions:reorder", args=[used.pk]) + "?position=5")
    assert refused.status_code == 400 and refused.json()["error"] == quiz_question_used_message(2)
    assert QuizQuestion.objects.get(pk=used.pk).order == 2


# --- the Excel import ---------------------------------------------------------------------------


def test_questions_are_checked_then_imported_and_a_reimport_changes_nothing(organiser, quiz):
    content = _sheet(
        (1, "必答题", "什么是一次性告知？", "一次告知全部材料。", 30, "甲队"),
        (2, " 抢 答 题 ", "什么是首问负责？", "首问者负责到底。", None, None),
        (3, "【风险】", "什么是容缺受理？", "承诺补正后先受理。", "４０秒", "乙 队"),
        (4, "加赛", "什么是帮办代办？", "为特殊群体代跑代办。", 20, ""),
    )
    url = _import_url(quiz)
    form = visible_text(organiser.get(url).content.decode())
    assert "序号" in form and "答题时间（秒）" in form

    checked = organiser.post(url, {"file": _upload(content), "action": "check"})
    text = visible_text(checked.content.decode())
    assert "没有错误" in text
    # The questions the file no longer lists are named.
    assert _("Question %(n)d is not in the file: it is deleted.") % {"n": 9} in text
    assert QuizQuestion.objects.filter(round=quiz.round).count() == len(quiz.questions)

    done = organiser.post(url, {"file": _upload(content), "action": "import"}, follow=True)
    assert "已导入" in visible_text(done.content.decode())
    rows = list(QuizQuestion.objects.filter(round=quiz.round).order_by("order")
                .values_list("order", "segment", "seconds", "team__team__name"))
    assert rows == [(1, "required", 30, "甲队"), (2, "buzzer", 20, None), (3, "risk", 40, "乙队"),
                    (4, "sudden_death", 20, None)]
    ids = list(QuizQuestion.objects.filter(round=quiz.round).order_by("order").values_list("pk", flat=True))

    again = quiz_questions_import_file(content, "q.xlsx", round=quiz.round, dry_run=False)
    assert again.ok and (again.created, again.updated, again.unchanged) == (0, 0, 4) and not again.changes
    assert list(QuizQuestion.objects.filter(round=quiz.round).order_by("order").values_list("pk", flat=True)) == ids

    # A changed row replaces its question (same id); the template downloads in the same layout.
    changed = _sheet(*[(n, s, t, "新答案" if n == 2 else a, sec, team) for n, s, t, a, sec, team in [
        (1, "必答", "什么是一次性告知？", "一次告知全部材料。", 30, "甲队"),
        (2, "抢答", "什么是首问负责？", "首问者负责到底。", 20, None),
        (3, "风险", "什么是容缺受理？", "承诺补正后先受理。", 40, "乙队"),
        (4, "加赛", "什么是帮办代办？", "为特殊群体代跑代办。", 20, None)]])
    result = quiz_questions_import_file(changed, "q.xlsx", round=quiz.round, dry_run=False)
    assert (result.created, result.updated, result.unchanged) == (0, 1, 3)
    assert QuizQuestion.objects.get(pk=ids[1]).answer == "新答案"
    exported = organiser.get(reverse("competitions_results:quiz_questions_export",
                                     args=[quiz.competition.pk, quiz.round.pk]))
    sheet = next(iter(read_sheets(exported.content).values()))
    assert tuple(sheet[0]) == HEADER
    assert sheet[1:] == [[1, "必答", "什么是一次性告知？", "一次告知全部材料。", 30, "甲队"],
                         [2, "抢答", "什么是首问负责？", "新答案", 20, None],
                         [3, "风险", "什么是容缺受理？", "承诺补正后先受理。", 40, "乙队"],
                         [4, "加赛", "什么是帮办代办？", "为特殊群体代跑代办。", 20, None]]


def test_used_questions_survive_a_reimport(quiz):
    used = quiz.questions[0]
    _use(quiz, used)
    # Row 2 changes the used question 1; question 9 is unused and deleted; used question 1 otherwise kept.
    changing = _sheet((1, "必答", "另一道题", "答", 30, "甲队"))
    result = quiz_questions_import_file(changing, "q.xlsx", round=quiz.round, dry_run=False)
    assert [(e.row, e.column, e.message) for e in result.errors] == [(2, "题目", quiz_question_used_message(1))]
    assert QuizQuestion.objects.filter(round=quiz.round).count() == len(quiz.questions)

    others = _sheet((5, "抢答", "新题", "新答", 20, None))
    result = quiz_questions_import_file(others, "q.xlsx", round=quiz.round, dry_run=False)
    assert result.ok, result.errors
    assert _("Question %(n)d is not in the file but was used in the show: it is kept.") % {"n": 1} in result.changes
    assert set(QuizQuestion.objects.filter(round=quiz.round).values_list("order", flat=True)) == {1, 5}


def test_every_bad_row_is_reported_and_nothing_written(quiz):
    content = _sheet(
        (1, "问答", "题目一", "答案一", 20, None),            # unknown segment
        (2, "抢答", "题目二", "", 20, None),                  # no answer
        (3, "抢答", "题目三", "答案三", 20, "甲队"),           # a team on a buzzer question
        (4, "必答", "题目四", "答案四", 20, "丁队"),           # no such team
        (4, "必答", "题目五", "答案五", 2, None),             # number again, seconds too short
        ("四", "必答", "题目六", "答案六", 20, None),          # not a number
        (7, "必答", "题目七", "答案七", 20, None),
        (8, "必答", "长" * 10_000, "答案八", 20, None),        # far too long for the screen
    )
    result = quiz_questions_import_file(content, "q.xlsx", round=quiz.round, dry_run=False)
    errors = {(e.row, e.column): e.message for e in result.errors}
    assert set(errors) == {(2, "环节"), (3, "答案"), (4, "队伍"), (5, "队伍"), (6, "答题时间（秒）"),
                           (7, "序号"), (9, "题目")}
    assert "问答" in errors[2, "环节"] and "丁队" in errors[5, "队伍"]
    assert errors[3, "答案"] == _("This column must not be empty.") and errors[7, "序号"] == _("“%(value)s” is not a number.") % {"value": "四"}
    assert errors[6, "答题时间（秒）"] == _("Must be between %(low)d and %(high)d.") % {"low": 5, "high": 600} and errors[9, "题目"] == _("At most %(n)d characters.") % {"n": 2000}
    control = "序号,环节,题目,答案\n1,必答,题\x07目,答案\n".encode()
    result = quiz_questions_import_file(control, "q.csv", round=quiz.round, dry_run=False)
    assert [(e.row, e.column) for e in result.errors] == [(2, "题目")] and "控制字符" in result.errors[0].message
    assert len(QuizQuestion.objects.filter(round=quiz.round)) == len(quiz.questions)
    assert QuizQuestion.objects.filter(round=quiz.round, text="题目一").count() == 0

    duplicate = _sheet((1, "必答", "甲", "乙", 20, None), (1, "抢答", "丙", "丁", 20, None))
    result = quiz_questions_import_file(duplicate, "q.xlsx", round=quiz.round, dry_run=True)
    assert [(e.row, e.column, e.message) for e in result.errors] == [
        (3, "序号", _("%(value)s appears again (first on row %(first)d).") % {"value": 1, "first": 2})]


def test_odd_headers_and_a_csv_file_are_read(quiz):
    csv = ("\ufeff序号,环节, 题目 ,答案,答题时间(秒),队伍\n"
           "1,风险题,\"=cmd|' /C calc'!A0\",答,３０,丙队\n"
           "2,抢答题,＝ＳＵＭ（Ａ１）,答,,\n").encode()
    result = quiz_questions_import_file(csv, "questions.csv", round=quiz.round, dry_run=False)
    assert result.ok, result.errors
    first = QuizQuestion.objects.get(round=quiz.round, order=1)
    # Stored as the text it is; an export writes it so that Excel does not run it.
    assert (first.segment, first.text, first.seconds, first.team) == ("risk", "=cmd|' /C calc'!A0", 30, quiz.teams[2])
    assert QuizQuestion.objects.get(round=quiz.round, order=2).seconds == 20
    book = openpyxl.load_workbook(io.BytesIO(export_bytes(QuizQuestionResource(round=quiz.round).export())))
    assert book.active["C2"].value == "'=cmd|' /C calc'!A0"


def test_files_that_are_not_question_sheets_are_refused(organiser, quiz):
    url = _import_url(quiz)
    wrong_type = organiser.post(url, {"file": _upload(b"hello", "questions.txt"), "action": "check"})
    assert "请上传 .xlsx 或 .csv 文件" in visible_text(wrong_type.content.decode())
    garbage = organiser.post(url, {"file": _upload(b"PK\x03\x04 not really", "questions.xlsx"), "action": "check"})
    assert "不是有效的 Excel 工作簿" in visible_text(garbage.content.decode())
    no_header = organiser.post(url, {"file": _upload(xlsx({"题目": [("甲", "乙"), (1, 2)]})), "action": "check"})
    assert "找不到表头行" in visible_text(no_header.content.decode())
    missing = quiz_questions_import_file(xlsx({"题目": [("题目", "答案"), ("甲", "乙")]}), "q.xlsx", round=quiz.round,
                                         dry_run=True)
    assert [(e.row, e.column, e.message) for e in missing.errors] == [
        (1, "序号", _("This column is missing.")), (1, "环节", _("This column is missing."))]
    assert QuizQuestion.objects.filter(round=quiz.round).count() == len(quiz.questions)


def test_the_sample_questions_sheet_is_the_demos_and_imports(quiz):
    """tests/competitions/samples/quiz_questions.xlsx is the demo's question set in the sheet's
    layout, written by competitions.demo.quiz_questions_workbook (regenerated here when missing)."""
    path = SAMPLES / "quiz_questions.xlsx"
    generated = demo.quiz_questions_workbook()
    if not path.exists():
        path.write_bytes(generated)
    assert read_sheets(path.read_bytes()) == read_sheets(generated)
    sheet = read_sheets(path.read_bytes())["题目"]
    assert tuple(sheet[0]) == HEADER and len(sheet) == 17
    # The demo's teams are named in it; with this test's teams the 队伍 column is an error, row by row.
    result = quiz_questions_import_file(path.read_bytes(), "quiz_questions.xlsx", round=quiz.round, dry_run=True)
    assert {e.column for e in result.errors} == {"队伍"} and len(result.errors) == 8
