"""Offline training import (工号, 培训名称, 日期, 学时, 形式): all rows or none with 第N行
errors, idempotent on 工号+培训名称+日期, through the service, the command and the admin's
upload → preview → confirm screens. The sample files are generated here."""

import datetime as dt
import io
from decimal import Decimal

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from courses import selectors
from courses.imports import TRAINING_IMPORT
from courses.models import TrainingRecord
from home.imports import run_import
from home.models import ImportBatch
from people import roles
from tests import factories

pytestmark = pytest.mark.django_db

HEADERS = ["工号", "培训名称", "日期", "学时", "形式"]


def sample_training_workbook(rows, headers=HEADERS, title="2026年线下培训登记表"):
    """A trainer's sheet: a title row, the header, one row per person and training."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append([title])
    sheet.append(headers)
    for row in rows:
        sheet.append(list(row))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


@pytest.fixture
def people():
    centre = factories.make_centre("城东政务服务中心")
    return [factories.make_staff(no, centre=centre) for no in ("CD1001", "CD1002")]


GOOD = [
    ("CD1001", "窗口服务礼仪集中培训", dt.date(2026, 10, 8), 3, "线下"),
    ("CD1002", "窗口服务礼仪集中培训", "2026/10/8", "3", "线下"),
    ("CD1001", "好差评制度线上专题", "2026年10月15日", 1.5, "线上"),
]


def run(content, dry_run=False, name="training.xlsx"):
    return run_import(TRAINING_IMPORT, content, name, dry_run=dry_run)


def test_imports_rows_as_hours_and_a_second_run_changes_nothing(people):
    result = run(sample_training_workbook(GOOD))
    assert result.ok, result.errors
    assert (result.created, result.updated, result.unchanged) == (3, 0, 0)
    records = TrainingRecord.objects.filter(staff=people[0]).order_by("date")
    assert [(r.title, r.hours, r.mode, r.source) for r in records] == [
        ("窗口服务礼仪集中培训", Decimal("3.0"), "offline", "import"),
        ("好差评制度线上专题", Decimal("1.5"), "online", "import"),
    ]
    hours = selectors.training_hours_by_staff(year=2026, staff_ids=[people[0].pk])
    assert hours[people[0].pk] == {"total": Decimal("4.5"), "online": Decimal("1.5")}

    again = run(sample_training_workbook(GOOD))
    assert (again.created, again.updated, again.unchanged) == (0, 0, 3)
    assert TrainingRecord.objects.count() == 3


def test_changed_hours_update_the_same_record(people):
    run(sample_training_workbook(GOOD))
    changed = [GOOD[0][:3] + (4, "线下"), *GOOD[1:]]
    result = run(sample_training_workbook(changed))
    assert (result.created, result.updated, result.unchanged) == (0, 1, 2)
    assert TrainingRecord.objects.get(staff=people[0], title="窗口服务礼仪集中培训").hours == Decimal("4.0")
    assert TrainingRecord.objects.count() == 3


def test_every_bad_row_is_reported_and_nothing_is_written(people):
    rows = [
        GOOD[0],
        ("ZZ9999", "礼仪培训", "2026-10-08", 2, "线下"),
        ("CD1002", "礼仪培训", "十月八日", 2, "线下"),
        ("CD1002", "应急处置演练", "2026-10-09", 0, "线下"),
        ("CD1002", "应急处置演练", "2026-10-10", -1, "线上"),
        ("CD1002", "政策宣讲", "2026-10-11", 2, "现场"),
        ("CD1001", "窗口服务礼仪集中培训", "2026-10-08", 2, "线下"),  # same training as row 3
    ]
    result = run(sample_training_workbook(rows))
    messages = [str(e) for e in result.errors]
    assert messages[0].startswith("第4行 工号: ") and "ZZ9999" in messages[0]
    assert messages[1].startswith("第5行 日期: ")
    assert messages[2] == "第6行 学时: 学时必须大于 0。"
    assert messages[3] == "第7行 学时: 学时必须大于 0。"
    assert messages[4].startswith("第8行 形式: ") and "线上或线下" in messages[4]
    assert messages[5].startswith("第9行 工号: ") and "第3行" in messages[5]
    assert len(messages) == 6
    assert not TrainingRecord.objects.exists()


def test_missing_columns_and_dry_run(people):
    result = run(sample_training_workbook([("CD1001", "礼仪", "2026-10-08", 2)], headers=HEADERS[:4]))
    assert [str(e) for e in result.errors] == ["第2行 形式: 缺少此列。"]
    dry = run(sample_training_workbook(GOOD), dry_run=True)
    assert dry.ok and dry.created == 3 and not TrainingRecord.objects.exists()


def test_queries_do_not_grow_with_rows(people):
    def queries(rows):
        with CaptureQueriesContext(connection) as ctx:
            assert run(sample_training_workbook(rows)).ok
        return len(ctx.captured_queries)

    few = [("CD1001", f"培训{n}", "2026-10-08", 1, "线下") for n in range(2)]
    many = [(no, f"课程{n}", "2026-10-09", 2, "线上") for n in range(40) for no in ("CD1001", "CD1002")]
    assert queries(few) == queries(many)


def test_command_imports_and_reports_errors(people, tmp_path, capsys):
    good = tmp_path / "training.xlsx"
    good.write_bytes(sample_training_workbook(GOOD))
    call_command("import_training", str(good), "--dry-run")
    assert not TrainingRecord.objects.exists()
    call_command("import_training", str(good))
    assert TrainingRecord.objects.count() == 3

    bad = tmp_path / "bad.csv"
    bad.write_text("工号,培训名称,日期,学时,形式\nCD1001,礼仪,2026-13-01,2,线下\n", encoding="utf-8")
    with pytest.raises(CommandError) as excinfo:
        call_command("import_training", str(bad))
    assert excinfo.value.returncode == 1
    assert "第2行 日期: " in capsys.readouterr().err
    assert TrainingRecord.objects.count() == 3


def test_admin_upload_preview_confirm(client, people):
    client.force_login(factories.make_user_with_role(roles.TRAINER, "trainer-user"))
    url = "/admin/imports/training/"
    assert client.get(url).status_code == 200
    response = client.post(url, {"file": SimpleUploadedFile("training.xlsx", sample_training_workbook(GOOD))})
    batch = ImportBatch.objects.get()
    assert response.status_code == 302 and response.url.endswith(f"{url}{batch.pk}/")
    preview = client.get(response.url).content.decode()
    assert "好差评制度线上专题" in preview and "线上" in preview
    assert not TrainingRecord.objects.exists()
    client.post(response.url)
    assert TrainingRecord.objects.count() == 3
    template = client.get(url + "template.xlsx")
    header = next(openpyxl.load_workbook(io.BytesIO(template.content)).active.iter_rows(values_only=True))
    assert list(header) == HEADERS
