"""The staff roster import (人员名册): DESIGN's contract, through the command, the
service and the admin's upload → preview → confirm screens."""

import io
from datetime import date
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from home.imports import run_import
from home.models import ImportBatch
from people import roles
from people.imports import STAFF_ROSTER_IMPORT
from people.models import Post, ServiceCentre, StaffProfile, VendorCompany, Window
from tests import factories
from tests.helpers import assert_denied

pytestmark = pytest.mark.django_db

HEADERS = ["工号", "姓名", "手机号", "身份证号", "服务中心", "窗口编号", "窗口名称", "用工单位", "岗位", "入职日期", "绩效工资基数"]


def roster_row(staff_no, name="王芳", **overrides):
    row = {
        "工号": staff_no,
        "姓名": name,
        "手机号": "13800138000",
        "身份证号": "110101199003071234",
        "服务中心": "城东政务服务中心",
        "窗口编号": "01-01",
        "窗口名称": "企业开办窗口",
        "用工单位": "安信人力资源有限公司",
        "岗位": "企业开办",
        "入职日期": date(2021, 3, 1),
        "绩效工资基数": 2000,
    }
    row.update(overrides)
    return row


def xlsx(rows, headers=HEADERS, title_rows=()):
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    for title in title_rows:
        sheet.append([title])
    sheet.append(headers)
    for row in rows:
        sheet.append([row.get(h) for h in headers])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def import_bytes(content, name="roster.xlsx", dry_run=False):
    return run_import(STAFF_ROSTER_IMPORT, content, name, dry_run=dry_run)


def directory_counts():
    return (
        StaffProfile.objects.count(),
        get_user_model().objects.count(),
        ServiceCentre.objects.count(),
        Window.objects.count(),
        VendorCompany.objects.count(),
        Post.objects.count(),
    )


def test_good_roster_creates_staff_accounts_and_references():
    result = import_bytes(xlsx([roster_row("CD1001"), roster_row("CD1002", "李强", 窗口编号="01-02", 窗口名称="税务窗口", 岗位="税务")]))

    assert result.ok, result.errors
    assert (result.created, result.updated, result.unchanged) == (2, 0, 0)
    profile = StaffProfile.objects.select_related("user", "centre", "window", "vendor", "post").get(staff_no="CD1001")
    assert profile.name == "王芳"
    assert profile.centre.name == "城东政务服务中心"
    assert profile.window.code == "01-01" and profile.window.centre == profile.centre
    assert profile.vendor.name == "安信人力资源有限公司"
    assert profile.post.name == "企业开办"
    assert profile.hire_date == date(2021, 3, 1)
    assert profile.pay_base == Decimal("2000.00")
    # The account: username = 工号, in 窗口人员, and no shared default password.
    assert profile.user.username == "CD1001"
    assert not profile.user.has_usable_password()
    assert list(profile.user.groups.values_list("name", flat=True)) == [roles.STAFF]
    assert profile.window.posts.filter(name="企业开办").exists()
    assert set(result.side_effects) == {"服务中心", "用工单位", "岗位", "窗口编号"}


def test_reimport_is_idempotent_and_updates_changed_rows():
    content = xlsx([roster_row("CD1001"), roster_row("CD1002", "李强")])
    import_bytes(content)
    before = directory_counts()

    again = import_bytes(content)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 2)
    assert directory_counts() == before

    changed = import_bytes(xlsx([roster_row("CD1001", 绩效工资基数="2500.50", 手机号="13900139000"), roster_row("CD1002", "李强")]))
    assert (changed.created, changed.updated, changed.unchanged) == (0, 1, 1)
    assert directory_counts() == before
    profile = StaffProfile.objects.get(staff_no="CD1001")
    assert profile.pay_base == Decimal("2500.50")
    assert profile.phone == "13900139000"


def test_headers_are_matched_by_name_in_any_order_after_title_rows():
    shuffled = list(reversed(HEADERS))
    result = import_bytes(xlsx([roster_row("CD1001")], headers=shuffled, title_rows=["2026年11月人员名册"]))
    assert result.ok, result.errors
    assert StaffProfile.objects.get(staff_no="CD1001").pay_base == Decimal("2000.00")


def test_a_bad_row_writes_nothing_and_every_error_names_row_and_column():
    factories.make_staff("CD0001", name="旧人员")
    before = directory_counts()
    rows = [
        roster_row("CD1001"),
        roster_row("", "无工号"),
        roster_row("CD1003", 手机号="1234"),
        roster_row("CD1004", 绩效工资基数="两千"),
        roster_row("CD1001", "重复"),
        roster_row("CD1006", 入职日期="2021-02-30"),
        roster_row("CD1007", 身份证号="12345"),
    ]
    result = import_bytes(xlsx(rows))

    assert not result.ok
    messages = [str(e) for e in result.errors]
    # Spreadsheet row numbers: the header is row 1.
    assert [m.split(" ")[0] for m in messages] == ["第3行", "第4行", "第5行", "第6行", "第7行", "第8行"]
    assert messages[0].startswith("第3行 工号: ")
    assert messages[1].startswith("第4行 手机号: ")
    assert messages[2].startswith("第5行 绩效工资基数: ")
    assert messages[3].startswith("第6行 工号: ") and "第2行" in messages[3]
    assert messages[4].startswith("第7行 入职日期: ")
    assert messages[5].startswith("第8行 身份证号: ")
    assert directory_counts() == before


def test_missing_required_column_is_reported_on_the_header_row():
    headers = [h for h in HEADERS if h != "绩效工资基数"]
    result = import_bytes(xlsx([roster_row("CD1001")], headers=headers))
    assert [str(e) for e in result.errors] == ["第1行 绩效工资基数: " + result.errors[0].message]
    assert StaffProfile.objects.count() == 0


def test_window_cannot_move_to_another_centre():
    centre = factories.make_centre("城西政务服务中心")
    factories.make_window("02-01", centre=centre, name="社保医保窗口")
    result = import_bytes(xlsx([roster_row("CD1001", 窗口编号="02-01")]))
    assert [e.column for e in result.errors] == ["窗口编号"]
    assert "城西政务服务中心" in result.errors[0].message
    assert StaffProfile.objects.count() == 0


def test_gb18030_csv_with_text_numbers(tmp_path):
    lines = [",".join(HEADERS), "CD1001,王芳,13800138000,11010119900307123x,城东政务服务中心,01-01,企业开办窗口,,综合受理,2021/3/1,\"1,800.00\""]
    result = import_bytes("\r\n".join(lines).encode("gb18030"), name="roster.csv")
    assert result.ok, result.errors
    profile = StaffProfile.objects.get(staff_no="CD1001")
    assert profile.vendor is None  # employed by the centre itself
    assert profile.id_number == "11010119900307123X"
    assert profile.pay_base == Decimal("1800.00")
    assert profile.hire_date == date(2021, 3, 1)


def test_username_taken_by_another_account_is_an_error():
    factories.make_user_with_role(roles.HR, "CD1001")
    result = import_bytes(xlsx([roster_row("CD1001")]))
    assert [(e.row, e.column) for e in result.errors] == [(2, "工号")]


def test_dry_run_writes_nothing():
    result = import_bytes(xlsx([roster_row("CD1001")]), dry_run=True)
    assert result.ok and result.created == 1
    assert directory_counts() == (0, 0, 0, 0, 0, 0)


def test_reactivates_a_deactivated_person():
    import_bytes(xlsx([roster_row("CD1001")]))
    StaffProfile.objects.filter(staff_no="CD1001").update(active=False)
    get_user_model().objects.filter(username="CD1001").update(is_active=False)
    result = import_bytes(xlsx([roster_row("CD1001")]))
    assert result.updated == 1
    profile = StaffProfile.objects.select_related("user").get(staff_no="CD1001")
    assert profile.active and profile.user.is_active


def test_query_count_does_not_grow_with_rows():
    def queries_for(count, prefix):
        content = xlsx([roster_row(f"{prefix}{i:04d}") for i in range(count)])
        with CaptureQueriesContext(connection) as ctx:
            assert import_bytes(content).ok
        return len(ctx.captured_queries)

    import_bytes(xlsx([roster_row("X0000")]))  # references exist for both runs
    assert queries_for(60, "A") == queries_for(5, "B")


def test_command_reports_errors_and_exits_non_zero(tmp_path, capsys):
    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(xlsx([roster_row("CD1001", 手机号="abc")]))
    with pytest.raises(CommandError) as excinfo:
        call_command("import_staff", str(bad))
    assert excinfo.value.returncode == 1
    assert "第2行 手机号: " in capsys.readouterr().err
    assert StaffProfile.objects.count() == 0

    good = tmp_path / "good.xlsx"
    good.write_bytes(xlsx([roster_row("CD1001")]))
    call_command("import_staff", str(good), "--dry-run")
    assert StaffProfile.objects.count() == 0
    call_command("import_staff", str(good))
    assert StaffProfile.objects.count() == 1


# Copies of ../shared/samples/staff_roster*.xlsx, so the test runs without shared/.
SAMPLES = Path(__file__).resolve().parent / "samples"


def test_shared_samples():
    bad = import_bytes((SAMPLES / "staff_roster_bad_rows.xlsx").read_bytes())
    assert [(e.row, e.column) for e in bad.errors] == [(4, "工号"), (6, "绩效工资基数")]
    assert StaffProfile.objects.count() == 0

    content = (SAMPLES / "staff_roster.xlsx").read_bytes()
    first = import_bytes(content)
    assert first.ok and first.created == 30
    second = import_bytes(content)
    assert (second.created, second.updated, second.unchanged) == (0, 0, 30)
    assert StaffProfile.objects.count() == 30


class TestAdminImport:
    url = "/admin/imports/staff/"

    def upload(self, client, content, name="roster.xlsx"):
        return client.post(self.url, {"file": SimpleUploadedFile(name, content)})

    def test_upload_preview_confirm(self, client):
        client.force_login(factories.make_user_with_role(roles.HR, "hr-user"))
        assert client.get(self.url).status_code == 200

        response = self.upload(client, xlsx([roster_row("CD1001"), roster_row("CD1002", "李强")]))
        batch = ImportBatch.objects.get()
        assert response.status_code == 302 and response.url.endswith(f"/admin/imports/staff/{batch.pk}/")
        assert batch.status == ImportBatch.Status.PREVIEWED
        assert StaffProfile.objects.count() == 0  # the preview writes nothing

        preview = client.get(response.url)
        assert "CD1002" in preview.content.decode() and "城东政务服务中心" in preview.content.decode()

        client.post(response.url)
        client.post(response.url)  # a second confirm imports nothing more
        batch.refresh_from_db()
        assert batch.status == ImportBatch.Status.IMPORTED
        assert StaffProfile.objects.count() == 2

    def test_bad_file_lists_every_error_and_offers_no_confirm(self, client):
        client.force_login(factories.make_user_with_role(roles.HR, "hr-user"))
        response = self.upload(client, xlsx([roster_row("CD1001", 手机号="1"), roster_row("", "无工号")]))
        page = client.get(response.url).content.decode()
        assert "第2行 手机号: " in page and "第3行 工号: " in page
        assert "data-import-errors" in page
        client.post(response.url)
        assert StaffProfile.objects.count() == 0

    def test_non_spreadsheet_is_refused(self, client):
        client.force_login(factories.make_user_with_role(roles.HR, "hr-user"))
        response = self.upload(client, b"hello", name="roster.pdf")
        assert response.status_code == 200
        assert ImportBatch.objects.count() == 0

    @pytest.mark.parametrize("role", [roles.TRAINER, roles.SUPERVISOR, roles.STAFF])
    def test_roles_without_import_permission_are_refused(self, client, role):
        client.force_login(factories.make_user_with_role(role, "someone"))
        for response in (client.get(self.url), self.upload(client, xlsx([roster_row("CD1001")]))):
            assert_denied(response, login_redirect=role == roles.STAFF)
            assert not response.get("Location", "").startswith(self.url)
        assert ImportBatch.objects.count() == 0
        assert StaffProfile.objects.count() == 0
