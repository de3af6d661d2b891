"""Question bank import (command and admin) and export."""

import io
from pathlib import Path

import pytest
import tablib
from django.core.management import CommandError, call_command
from openpyxl import load_workbook

from exams.models import Category, Question, QuestionBank, QuestionVersion
from exams.resources import QUESTION_HEADERS
from exams.services import question_export_dataset, question_save
from home.spreadsheets import export_bytes
from tests.helpers import assert_denied, visible_text

SAMPLE = Path(__file__).parent / "samples" / "questions.xlsx"


def run(path, *args):
    out, err = io.StringIO(), io.StringIO()
    call_command("import_questions", str(path), *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def write_xlsx(tmp_path, rows, headers=QUESTION_HEADERS, name="q.xlsx"):
    dataset = tablib.Dataset(headers=list(headers))
    for row in rows:
        dataset.append(list(row) + [""] * (len(headers) - len(row)))
    path = tmp_path / name
    path.write_bytes(dataset.export("xlsx"))
    return path


def row(qtype, stem, options=(), answer="", explanation="", category="", difficulty="", points=""):
    options = list(options) + [""] * (6 - len(options))
    return [qtype, stem, *options, answer, explanation, category, difficulty, points]


@pytest.mark.django_db
def test_sample_bank_imports_all_rows_and_again_changes_nothing():
    out, _err = run(SAMPLE, "--bank", "窗口业务题库")
    assert "40" in out
    bank = QuestionBank.objects.get(name="窗口业务题库")
    assert bank.questions.count() == 40
    assert set(bank.questions.values_list("qtype", flat=True)) == {"single", "multiple", "truefalse", "blank", "essay"}
    assert Category.objects.filter(bank=bank, name="好差评").exists()
    tf = bank.questions.get(stem_text="窗口工作人员可以引导群众给出“非常满意”的评价。")
    assert tf.key() is False and tf.explanation == "不得强迫或者干扰评价"
    essay = bank.questions.filter(qtype="essay").first()
    assert "安抚情绪" in essay.reference_answer and essay.points == 10
    versions = QuestionVersion.objects.count()
    assert versions == 40

    out, _err = run(SAMPLE, "--bank", "窗口业务题库")
    assert "新增 0，更新 0，无变化 40" in out
    assert bank.questions.count() == 40
    assert QuestionVersion.objects.count() == versions


@pytest.mark.django_db
def test_dry_run_writes_nothing():
    out, _err = run(SAMPLE, "--bank", "试运行", "--dry-run")
    assert not QuestionBank.objects.exists()
    assert not Question.objects.exists()


@pytest.mark.django_db
def test_answer_spellings_and_update_creates_a_version(tmp_path):
    path = write_xlsx(tmp_path, [
        row("多选", "全角字母？", ["甲", "乙", "丙", "丁"], "ＡＢＤ"),
        row("多选", "顿号分隔？", ["甲", "乙", "丙"], "A、C"),
        row("多选", "逗号分隔？", ["甲", "乙", "丙"], "A,B"),
        row("判断", "对错？", [], "√"),
        row("判断", "英文？", [], "F"),
        row("填空", "填空？", [], "一|1；二"),
    ])
    run(path, "--bank", "拼写")
    keys = {q.stem_text: q.key() for q in Question.objects.all()}
    assert keys["全角字母？"] == "ABD" and keys["顿号分隔？"] == "AC" and keys["逗号分隔？"] == "AB"
    assert keys["对错？"] is True and keys["英文？"] is False
    assert keys["填空？"] == [["一", "1"], ["二"]]

    path = write_xlsx(tmp_path, [row("多选", "顿号分隔？", ["甲", "乙", "丙"], "B、C")], name="fix.xlsx")
    out, _err = run(path, "--bank", "拼写")
    question = Question.objects.get(stem_text="顿号分隔？")
    assert question.key() == "BC"
    assert list(question.versions.values_list("number", "answer")) == [(1, "AC"), (2, "BC")]
    assert Question.objects.count() == 6


@pytest.mark.django_db
def test_bad_rows_are_all_reported_and_nothing_is_written(tmp_path):
    path = write_xlsx(tmp_path, [
        row("单选", "好题？", ["甲", "乙"], "A"),
        row("选择", "题型错？", ["甲", "乙"], "A"),
        row("单选", "答案越界？", ["甲", "乙"], "E"),
        row("多选", "只有一个？", ["甲", "乙", "丙"], "A"),
        row("判断", "判断错？", [], "也许"),
        row("单选", "", ["甲", "乙"], "A"),
        row("单选", "难度错？", ["甲", "乙"], "A", difficulty="9"),
        row("单选", "好题？", ["甲", "乙"], "B"),
        row("单选", "缺选项？", ["甲", "", "丙"], "A"),
    ])
    with pytest.raises(CommandError):
        run(path, "--bank", "坏文件")
    assert not Question.objects.exists() and not QuestionBank.objects.exists()
    try:
        run(path, "--bank", "坏文件")
    except CommandError:
        pass
    _out, err = io.StringIO(), io.StringIO()
    with pytest.raises(CommandError):
        call_command("import_questions", str(path), "--bank", "坏文件", stdout=_out, stderr=err)
    text = err.getvalue()
    for number, column in [(3, "题型"), (4, "答案"), (5, "答案"), (6, "答案"), (7, "题干"), (8, "难度"), (9, "题干"),
                           (10, "选项B")]:
        assert f"第{number}行 {column}" in text, (number, column, text)


@pytest.mark.django_db
def test_missing_columns_are_reported(tmp_path):
    path = write_xlsx(tmp_path, [["单选", "题？"]], headers=("题型", "题干"))
    err = io.StringIO()
    with pytest.raises(CommandError):
        call_command("import_questions", str(path), "--bank", "缺列", stdout=io.StringIO(), stderr=err)
    assert "第1行 答案" in err.getvalue()


@pytest.mark.django_db
def test_export_uses_the_import_layout_and_round_trips(tmp_path):
    run(SAMPLE, "--bank", "导出")
    bank = QuestionBank.objects.get(name="导出")
    question = bank.questions.first()
    question.explanation = "=HYPERLINK(\"http://evil\")"
    question_save(question=question)
    content = export_bytes(question_export_dataset(bank=bank), "xlsx")
    sheet = load_workbook(io.BytesIO(content)).active
    headers = [c.value for c in sheet[1]]
    assert headers == list(QUESTION_HEADERS)
    values = [c.value for c in sheet[2]]
    assert values[headers.index("解析")].startswith("'=")
    assert isinstance(values[headers.index("分值")], (int, float))
    path = tmp_path / "export.xlsx"
    path.write_bytes(content)
    versions = QuestionVersion.objects.count()
    out, _err = run(path, "--bank", "导出")
    # Only the escaped explanation reads differently; nothing is duplicated.
    assert bank.questions.count() == 40
    assert QuestionVersion.objects.count() <= versions + 1


@pytest.mark.django_db
def test_admin_upload_preview_confirm_into_a_bank(client_for, role_users):
    from exams.imports import question_import_spec

    bank = QuestionBank.objects.create(name="后台题库")
    trainer = role_users["trainer"]
    client = client_for(trainer)
    with SAMPLE.open("rb") as handle:
        response = client.post(f"/admin/exams/bank/{bank.pk}/import/", {"file": handle})
    assert response.status_code == 302
    preview = client.get(response["Location"])
    assert preview.status_code == 200
    assert not Question.objects.exists()
    assert "40" in preview.content.decode()
    confirmed = client.post(response["Location"])
    assert confirmed.status_code == 302
    assert bank.questions.count() == 40
    assert question_import_spec(bank).key == f"questions-{bank.pk}"
    # Staff may not import.
    staff_client = client_for(role_users["staff"])
    with SAMPLE.open("rb") as handle:
        refused = staff_client.post(f"/admin/exams/bank/{bank.pk}/import/", {"file": handle})
    assert_denied(refused, login_redirect=True)
    assert bank.questions.count() == 40


@pytest.mark.django_db
def test_admin_export_download(client_for, role_users):
    run(SAMPLE, "--bank", "下载")
    bank = QuestionBank.objects.get(name="下载")
    response = client_for(role_users["trainer"]).get(f"/admin/exams/bank/{bank.pk}/export/")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert_denied(client_for(role_users["hr"]).get(f"/admin/exams/bank/{bank.pk}/export/"))


@pytest.mark.django_db
def test_the_shared_imports_screen_takes_files_naming_their_bank(client_for, role_users, tmp_path):
    headers = ("题库", *QUESTION_HEADERS)
    path = write_xlsx(tmp_path, [["甲题库", *row("单选", "题一？", ["甲", "乙"], "A")],
                                 ["乙题库", *row("判断", "题二。", [], "对")]], headers=headers)
    client = client_for(role_users["trainer"])
    with path.open("rb") as handle:
        response = client.post("/admin/imports/questions/", {"file": handle})
    assert response.status_code == 302
    assert client.post(response["Location"]).status_code == 302
    assert set(Question.objects.values_list("bank__name", flat=True)) == {"甲题库", "乙题库"}
    # Without the 题库 column the shared screen cannot know the bank: one error says so
    # (not one per row, and no command-line flag), and the page offers each bank's import.
    rows = [row("单选", f"题{n}？", ["甲", "乙"], "A") for n in range(3, 43)]
    path = write_xlsx(tmp_path, rows, name="nobank.xlsx")
    with path.open("rb") as handle:
        response = client.post("/admin/imports/questions/", {"file": handle})
    page = visible_text(client.get(response["Location"]).content.decode())
    assert "第1行 题库: 文件中没有“题库”列" in page
    assert "第2行" not in page and "--bank" not in page
    upload = client.get("/admin/imports/questions/").content.decode()
    bank = QuestionBank.objects.get(name="甲题库")
    assert f'href="/admin/exams/bank/{bank.pk}/import/"' in upload and "试题导入“甲题库”" in upload
