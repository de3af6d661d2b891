"""Dated pay bases and centres, and leavers, on the roster side (issue 13, items 7 and 8):
the roster's 生效日期 and 离职日期 columns, the preview's before → after lines, unknown
columns, the staff form and HR's pay base history screen."""

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from people.models import CentreMove, StaffPayBase, StaffProfile
from people.selectors import pay_base_in_force
from tests import factories
from tests.helpers import assert_denied
from tests.people.test_admin_directory import edit_form_data, staff_edit_url
from tests.people.test_roster_import import HEADERS, import_bytes, roster_row, xlsx

pytestmark = pytest.mark.django_db

DATED = [*HEADERS, "生效日期", "离职日期"]
EAST, WEST = "城东政务服务中心", "城西政务服务中心"


def history(staff_no):
    return list(
        StaffPayBase.objects.filter(staff__staff_no=staff_no)
        .order_by("effective_from")
        .values_list("effective_from", "amount")
    )


def base_at_month_end(staff_no, last_day):
    return StaffProfile.objects.annotate(base=pay_base_in_force(last_day)).get(staff_no=staff_no).base


def test_a_new_persons_first_pay_base_applies_from_the_hire_date():
    result = import_bytes(xlsx([roster_row("CD1001", 绩效工资基数=1850, 入职日期=dt.date(2026, 3, 1))]))
    assert result.ok, result.errors
    assert history("CD1001") == [(dt.date(2026, 3, 1), Decimal("1850.00"))]


def test_a_december_roster_changes_the_base_from_its_effective_date_and_october_keeps_its_own():
    import_bytes(xlsx([roster_row("CD1001", 绩效工资基数=1850)]))
    december = xlsx(
        [roster_row("CD1001", 绩效工资基数=2500, 生效日期=dt.date(2026, 12, 1), 服务中心=WEST, 窗口编号="02-01")],
        headers=DATED,
    )

    preview = import_bytes(december, dry_run=True)
    assert preview.ok, preview.errors
    assert (preview.created, preview.updated, preview.unchanged) == (0, 1, 0)
    [line] = preview.changes
    assert "第2行 CD1001 王芳" in line
    assert "绩效工资基数 1850.00 → 2500.00，自 2026-12-01 起" in line
    assert f"服务中心 {EAST} → {WEST}，自 2026-12-01 起" in line
    assert "窗口编号 01-01 → 02-01" in line
    assert not CentreMove.objects.exists() and history("CD1001") == [(dt.date(2021, 3, 1), Decimal("1850.00"))]

    result = import_bytes(december)
    assert result.ok, result.errors
    assert history("CD1001") == [(dt.date(2021, 3, 1), Decimal("1850.00")), (dt.date(2026, 12, 1), Decimal("2500.00"))]
    move = CentreMove.objects.select_related("to_centre").get()
    assert (move.moved_on, move.to_centre.name) == (dt.date(2026, 12, 1), WEST), "dated by 生效日期, not today"
    profile = StaffProfile.objects.get(staff_no="CD1001")
    assert profile.pay_base == Decimal("2500.00")
    assert base_at_month_end("CD1001", dt.date(2026, 10, 31)) == Decimal("1850.00")
    assert base_at_month_end("CD1001", dt.date(2026, 12, 31)) == Decimal("2500.00")

    again = import_bytes(december)
    assert (again.updated, again.unchanged, again.changes) == (0, 1, [])
    assert StaffPayBase.objects.count() == 2 and CentreMove.objects.count() == 1
    # The November roster imported again afterwards changes nothing either: it matches what
    # was in force on its own date.
    november = xlsx([roster_row("CD1001", 绩效工资基数=1850, 生效日期=dt.date(2026, 11, 1))], headers=DATED)
    late = import_bytes(november, dry_run=True)
    assert [line for line in late.changes if "绩效工资基数" in line] == []


def test_a_change_without_an_effective_date_applies_from_the_import_day():
    import_bytes(xlsx([roster_row("CD1001", 绩效工资基数=1850)]))
    result = import_bytes(xlsx([roster_row("CD1001", 绩效工资基数=1900)]))
    today = timezone.localdate()
    assert result.changes == [f"第2行 CD1001 王芳：绩效工资基数 1850.00 → 1900.00，自 {today:%Y-%m-%d} 起"]
    assert history("CD1001")[-1] == (today, Decimal("1900.00"))


def test_a_roster_cannot_move_someone_before_a_later_recorded_move():
    import_bytes(xlsx([roster_row("CD1001")]))
    import_bytes(xlsx([roster_row("CD1001", 服务中心=WEST, 窗口编号="02-01", 生效日期=dt.date(2026, 12, 1))], headers=DATED))
    factories.make_centre("城北政务服务中心")
    result = import_bytes(
        xlsx([roster_row("CD1001", 服务中心="城北政务服务中心", 窗口编号="03-01", 生效日期=dt.date(2026, 11, 1))], headers=DATED)
    )
    assert not result.ok
    [error] = result.errors
    assert (error.row, error.column) == (2, "生效日期") and "2026-12-01" in error.message


def test_an_unknown_column_is_an_error_on_the_header_row():
    result = import_bytes(xlsx([{**roster_row("CD1001"), "备注": "x"}], headers=[*HEADERS, "备注"]))
    assert not result.ok
    [error] = result.errors
    assert (error.row, error.column) == (1, "备注")
    assert "生效日期" in error.message  # the message lists the roster's columns
    assert not StaffProfile.objects.exists()


def test_a_leaver_row_records_the_last_day_and_disables_the_account():
    import_bytes(xlsx([roster_row("CD1001")]))
    result = import_bytes(xlsx([roster_row("CD1001", 离职日期=dt.date(2026, 10, 15))], headers=DATED))
    assert result.ok, result.errors
    [line] = result.changes
    assert "离职日期 — → 2026-10-15" in line
    profile = StaffProfile.objects.select_related("user").get(staff_no="CD1001")
    assert profile.leave_date == dt.date(2026, 10, 15)
    assert profile.active is False and profile.user.is_active is False

    bad = import_bytes(xlsx([roster_row("CD1002", 离职日期=dt.date(2020, 1, 1))], headers=DATED))
    assert [(e.row, e.column) for e in bad.errors] == [(2, "离职日期")]


def test_hr_changes_the_pay_base_in_the_form_from_a_date(client_for, role_users, staff_member):
    hr = role_users["hr"]
    StaffPayBase.objects.create(staff=staff_member, effective_from=staff_member.hire_date, amount=staff_member.pay_base)
    response = client_for(hr).post(
        staff_edit_url(staff_member), edit_form_data(staff_member, pay_base="2600.00", effective_from="2026-11-01")
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert history(staff_member.staff_no)[-1] == (dt.date(2026, 11, 1), Decimal("2600.00"))
    assert StaffPayBase.objects.get(effective_from=dt.date(2026, 11, 1)).recorded_by == hr
    assert base_at_month_end(staff_member.staff_no, dt.date(2026, 10, 31)) == Decimal("2000.00")


def test_deactivating_in_the_form_records_the_last_working_day(client_for, role_users, staff_member):
    response = client_for(role_users["hr"]).post(
        staff_edit_url(staff_member), edit_form_data(staff_member, active=None, leave_date="2026-10-20")
    )
    assert response.status_code == 302
    staff_member.refresh_from_db()
    assert (staff_member.active, staff_member.leave_date) == (False, dt.date(2026, 10, 20))

    other = factories.make_staff(centre=staff_member.centre)
    client_for(role_users["hr"]).post(staff_edit_url(other), edit_form_data(other, active=None))
    other.refresh_from_db()
    assert other.leave_date == timezone.localdate(), "no last day given: the day of deactivation"


def test_hr_corrects_the_pay_base_history_and_the_profile_follows(client_for, role_users, staff_member):
    hr_client = client_for(role_users["hr"])
    index = reverse("people_pay_bases:index")
    response = hr_client.post(
        reverse("people_pay_bases:add"),
        {"staff": staff_member.pk, "effective_from": "2026-11-01", "amount": "2750.00"},
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    staff_member.refresh_from_db()
    assert staff_member.pay_base == Decimal("2750.00")
    assert hr_client.get(index).status_code == 200

    entry = StaffPayBase.objects.get(staff=staff_member, effective_from=dt.date(2026, 11, 1))
    hr_client.post(reverse("people_pay_bases:delete", args=[entry.pk]))
    assert not StaffPayBase.objects.filter(pk=entry.pk).exists()

    for role in ("trainer", "supervisor", "staff", "vendor"):
        assert_denied(client_for(role_users[role]).get(index), login_redirect=role in ("staff", "vendor"))


def test_the_migration_gives_everyone_a_first_entry_and_leavers_a_last_day():
    from importlib import import_module

    from django.apps import apps

    migration = import_module("people.migrations.0006_pay_base_history_data")
    kept = factories.make_staff("M001", pay_base=Decimal("1850.00"), hire_date=dt.date(2024, 3, 1))
    left = factories.make_staff("M002", active=False)
    StaffPayBase.objects.all().delete()
    migration.forwards(apps, None)
    assert history("M001") == [(dt.date(2024, 3, 1), Decimal("1850.00"))]
    left.refresh_from_db()
    kept.refresh_from_db()
    assert left.leave_date is not None and kept.leave_date is None
    migration.forwards(apps, None)
    assert StaffPayBase.objects.count() == 2, "idempotent"
