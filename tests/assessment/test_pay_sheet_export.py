"""The pay sheet of an approved month in the admin (issue 13, item 6), and an edge-case
month computed by hand (items 7 and 8): a leaver mid-month, a centre move mid-month, a pay
base changed from mid-month, and a recompute after a later roster import. Every figure of
the downloaded sheet is compared with the hand computation to the cent."""

import datetime as dt
import io
from decimal import ROUND_HALF_UP, Decimal

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from assessment import attendance_rules as ar
from assessment import services
from assessment.models import AttendanceDay, Evaluation, EvaluationPeriod
from people import roles
from people.models import StaffProfile
from people.services import centre_moves_record
from tests import factories
from tests.helpers import assert_denied
from tests.people.test_roster_import import HEADERS, import_bytes, roster_row, xlsx

pytestmark = pytest.mark.django_db

EAST, WEST = "城东政务服务中心", "城西政务服务中心"
CENT = Decimal("0.01")


def weekdays(first, last):
    """October 2026's working days between two days (no calendar exceptions configured)."""
    day = dt.date(2026, 10, first)
    while day <= dt.date(2026, 10, last):
        if day.weekday() < 5:
            yield day
        day += dt.timedelta(days=1)


def days(person, first, last, status=ar.NORMAL, **counts):
    AttendanceDay.objects.bulk_create(
        [
            AttendanceDay(staff=person, date=day, source=AttendanceDay.Source.MANUAL, status=status, **counts)
            for day in weekdays(first, last)
        ]
    )


def one_day(person, day, status, **counts):
    AttendanceDay.objects.create(
        staff=person, date=dt.date(2026, 10, day), source=AttendanceDay.Source.MANUAL, status=status, **counts
    )


@pytest.fixture
def hr(db):
    return factories.make_user_with_role(roles.HR, "hr-approver", first_name="审批", last_name="王")


@pytest.fixture
def edge_month(db):
    """October 2026. East: the leaver A (left 10-15, deactivated), C (pay base 1850 → 2512.35
    from 10-16, by a roster with 生效日期), E1–E3. West: B (moved west → east on 10-26: 17
    working days in the west, 4 in the east), W1–W4. And L, who left in September."""
    east, west = factories.make_centre(EAST), factories.make_centre(WEST)
    hire = dt.date(2024, 3, 1)
    a = factories.make_staff("A001", name="甲", centre=east, pay_base=Decimal("2033.33"), hire_date=hire)
    b = factories.make_staff("B001", name="乙", centre=east, pay_base=Decimal("2111.11"), hire_date=hire)
    c = factories.make_staff("C001", name="丙", centre=east, pay_base=Decimal("1850.00"), hire_date=hire, vendor=None)
    es = [factories.make_staff(f"E00{i}", centre=east, pay_base=Decimal("1800.00"), hire_date=hire) for i in (1, 2, 3)]
    ws = [factories.make_staff(f"W00{i}", centre=west, pay_base=Decimal("1900.00"), hire_date=hire) for i in (1, 2, 3, 4)]
    gone = factories.make_staff("L001", centre=east, hire_date=hire)
    StaffProfile.objects.filter(pk=gone.pk).update(leave_date=dt.date(2026, 9, 30), active=False)

    # A: worked until Thursday 10-15 (one late on 10-14), then left; DingTalk still exported
    # the rest of the month as 旷工, which must not count.
    days(a, 1, 13)
    one_day(a, 14, ar.LATE, late_count=1, late_minutes=12)
    one_day(a, 15, ar.NORMAL)
    days(a, 16, 31, ar.FULL_ABSENCE, full_absence_count=1)
    StaffProfile.objects.filter(pk=a.pk).update(leave_date=dt.date(2026, 10, 15), active=False)
    a.user.is_active = False
    a.user.save()
    # B: one late; moved west → east on 10-26 (the profile shows east).
    StaffProfile.objects.filter(pk=b.pk).update(centre=west)
    centre_moves_record(moves=[(b.pk, west.pk, east.pk)], moved_on=dt.date(2026, 10, 26))
    StaffProfile.objects.filter(pk=b.pk).update(centre=east)
    days(b, 1, 28)
    one_day(b, 29, ar.LATE, late_count=1, late_minutes=8)
    days(c, 1, 31)
    for person in es + ws:
        days(person, 1, 27)
        one_day(person, 28, ar.SERIOUS_LATE, serious_late_count=1, late_minutes=40)
        one_day(person, 29, ar.SERIOUS_LATE, serious_late_count=1, late_minutes=45)
    days(gone, 1, 31, ar.FULL_ABSENCE, full_absence_count=1)

    # C's new base from 10-16, by the roster (its other columns as they are).
    row = roster_row("C001", "丙", 服务中心=EAST, 入职日期=hire, 绩效工资基数=Decimal("2512.35"), 生效日期=dt.date(2026, 10, 16))
    row.update(用工单位=None, 岗位=None, 窗口编号=None, 窗口名称=None)
    result = import_bytes(xlsx([row], headers=[*HEADERS, "生效日期"]))
    assert result.ok, result.errors
    return {"a": a, "b": b, "c": c, "row": row}


def cents(value):
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


# The hand computation. Only D is present (no rating, exam or learning): score = D.
#   A: 100 − 4 × 1 late = 96 (the 旷工 rows after 10-15 are not his days); east.
#   B: 100 − 4 = 96; 17 working days in the west against 4 in the east → west.
#   C: 100. E1–E3, W1–W4: 100 − 8 × 2 serious lates = 84 (良好).
#   East headcount 5 (A counts: he worked in October) → floor(20% × 5) = 1 place:
#   C (100) is 优秀, A (96) is demoted to 良好. West headcount 5 → 1 place: B is 优秀.
#   Pay = base in force on 10-31 (A: on 10-15) × coefficient, half up to the cent.
EXPECTED = {
    "A001": (EAST, Decimal("96.00"), "良好", Decimal("1.10"), Decimal("2033.33"), cents(Decimal("2033.33") * Decimal("1.1"))),
    "B001": (WEST, Decimal("96.00"), "优秀", Decimal("1.20"), Decimal("2111.11"), cents(Decimal("2111.11") * Decimal("1.2"))),
    "C001": (EAST, Decimal("100.00"), "优秀", Decimal("1.20"), Decimal("2512.35"), cents(Decimal("2512.35") * Decimal("1.2"))),
    **{f"E00{i}": (EAST, Decimal("84.00"), "良好", Decimal("1.10"), Decimal("1800.00"), Decimal("1980.00")) for i in (1, 2, 3)},
    **{f"W00{i}": (WEST, Decimal("84.00"), "良好", Decimal("1.10"), Decimal("1900.00"), Decimal("2090.00")) for i in (1, 2, 3, 4)},
}


def number(value):
    return None if value is None else cents(Decimal(str(value)))


def download(client, month="2026-10"):
    response = client.get(reverse("assessment_pay_sheet:export", args=[month]))
    assert response.status_code == 200, response.status_code
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    return load_workbook(io.BytesIO(response.content))


def read_people(book):
    sheet = book["绩效工资"]
    rows = list(sheet.iter_rows())
    header = [cell.value for cell in rows[0]]
    people, totals, stamp = {}, None, []
    for row in rows[1:]:
        values = [cell.value for cell in row]
        if values[0] == "合计":
            totals = dict(zip(header, row, strict=False))
        elif totals is None:
            people[values[0]] = dict(zip(header, row, strict=False))
        elif values[0]:
            stamp.append(values[0])
    return header, people, totals, stamp


def approve(hr, month="2026-10"):
    services.period_review(period=month, user=hr)
    record = EvaluationPeriod.objects.get(month=month)
    services.period_approve(
        period=month, user=hr, signed_off=True, acknowledgements=["已核实"] * len(record.blockers)
    )


def test_the_edge_month_sheet_matches_the_hand_computation_to_the_cent(edge_month, hr, client_for):
    services.evaluations_compute(period="2026-10", user=hr)
    approve(hr)

    header, people, totals, stamp = read_people(download(client_for(hr)))
    for column in ("工号", "姓名", "服务中心", "月份", "评价得分", "等级", "绩效系数", "绩效工资基数", "绩效工资", "用工单位"):
        assert column in header
    assert set(people) == set(EXPECTED), "the leaver of October is on the sheet, the September leaver is not"
    for staff_no, (centre, score, grade, coefficient, base, pay) in EXPECTED.items():
        row = people[staff_no]
        got = (row["服务中心"].value, number(row["评价得分"].value), row["等级"].value, number(row["绩效系数"].value),
               number(row["绩效工资基数"].value), number(row["绩效工资"].value))
        assert got == (centre, score, grade, coefficient, base, pay), staff_no
        assert row["月份"].value == "2026-10"
        for column in ("评价得分", "绩效系数", "绩效工资基数", "绩效工资", "D 考勤纪律"):
            assert isinstance(row[column].value, (int, float)), (staff_no, column)
            assert row[column].number_format == "0.00", (staff_no, column)
        assert row["R 好差评"].value is None  # absent: an empty cell

    assert number(totals["绩效工资"].value) == sum(e[5] for e in EXPECTED.values())
    assert number(totals["绩效工资基数"].value) == sum(e[4] for e in EXPECTED.values())
    assert totals["绩效工资"].number_format == "0.00"
    approved_at = timezone.localtime(EvaluationPeriod.objects.get(month="2026-10").approved_at)
    assert f"审批：王审批，{approved_at:%Y-%m-%d %H:%M}" in stamp
    receipt = Evaluation.objects.get(staff__staff_no="A001").inputs
    assert receipt["attendance"]["counts"]["absent_full_day"] == 0
    assert receipt["employment"] == {"first": "2026-10-01", "last": "2026-10-15"}


def test_a_recompute_after_a_december_roster_keeps_octobers_bases(edge_month, hr, client_for):
    services.evaluations_compute(period="2026-10", user=hr)
    approve(hr)
    # December's roster: C's base 3000 and A's... from 12-01. October is then reopened and
    # recomputed (an upheld appeal, say): it must still pay October's bases.
    december = {**edge_month["row"], "绩效工资基数": Decimal("3000.00"), "生效日期": dt.date(2026, 12, 1)}
    result = import_bytes(xlsx([december], headers=[*HEADERS, "生效日期"]))
    assert result.ok, result.errors
    assert StaffProfile.objects.get(staff_no="C001").pay_base == Decimal("3000.00")
    services.period_reopen(period="2026-10", user=hr, reason="申诉成立，重算")
    services.evaluations_compute(period="2026-10", user=hr)
    approve(hr)

    _header, people, _totals, _stamp = read_people(download(client_for(hr)))
    assert number(people["C001"]["绩效工资基数"].value) == Decimal("2512.35")
    assert number(people["C001"]["绩效工资"].value) == Decimal("3014.82")


def test_the_vendor_sheet_and_the_command_use_the_same_builder(edge_month, hr, client_for, tmp_path):
    from django.core.management import call_command

    services.evaluations_compute(period="2026-10", user=hr)
    approve(hr)
    book = download(client_for(hr))
    vendors = list(book["用工单位汇总"].iter_rows(values_only=True))
    assert vendors[0] == ("用工单位", "人数", "优秀", "良好", "合格", "基本合格", "不合格", "绩效工资合计")
    total = next(row for row in vendors if row[0] == "合计")
    assert total[1] == len(EXPECTED)
    assert number(total[7]) == sum(e[5] for e in EXPECTED.values())

    out = tmp_path / "pay.xlsx"
    call_command("export_evaluations", "--period", "2026-10", "--out", str(out))
    from_command = load_workbook(out)
    _h, people, totals, _stamp = read_people(from_command)
    assert set(people) == set(EXPECTED)
    assert number(totals["绩效工资"].value) == sum(e[5] for e in EXPECTED.values())


def test_only_hr_exports_and_only_an_approved_month(edge_month, hr, client_for):
    services.evaluations_compute(period="2026-10", user=hr)
    url = reverse("assessment_pay_sheet:export", args=["2026-10"])
    period_url = reverse("assessment_evaluation_periods:inspect", args=[EvaluationPeriod.objects.get().pk])

    draft = client_for(hr).get(url)
    assert draft.status_code == 302 and draft["Location"] == period_url
    assert "data-pay-sheet" not in client_for(hr).get(period_url).content.decode()

    approve(hr)
    assert 'data-pay-sheet' in client_for(hr).get(period_url).content.decode()
    for role in (roles.TRAINER, roles.SUPERVISOR, roles.VENDOR, roles.STAFF, roles.JUDGE):
        user = factories.make_user_with_role(role)
        no_admin_access = role in (roles.VENDOR, roles.STAFF, roles.JUDGE)
        assert_denied(client_for(user).get(url), login_redirect=no_admin_access)
    assert client_for(None).get(url).status_code == 302
    assert client_for(hr).get(reverse("assessment_pay_sheet:export", args=["2026-09"])).status_code == 404


def test_the_evaluation_listing_export_is_not_empty(edge_month, hr, client_for):
    services.evaluations_compute(period="2026-10", user=hr)
    response = client_for(hr).get(reverse("assessment_evaluations:index"), {"export": "xlsx"})
    assert response.status_code == 200
    content = b"".join(response.streaming_content) if response.streaming else response.content
    rows = list(load_workbook(io.BytesIO(content)).active.iter_rows(values_only=True))
    assert rows[0][:3] == ("工号", "姓名", "服务中心")
    assert {row[0] for row in rows[1:]} == set(EXPECTED)
    by_no = {row[0]: row for row in rows[1:]}
    assert Decimal(str(by_no["C001"][-1])) == Decimal("3014.82")


def test_a_name_stored_with_control_characters_or_a_formula_still_exports(edge_month, hr, client_for):
    """Names stored before inputs refused control characters must not break the payroll sheet."""
    StaffProfile.objects.filter(staff_no="E001").update(name="=HYPERLINK(\"http://x\")\x07")
    services.evaluations_compute(period="2026-10", user=hr)
    approve(hr)
    _header, people, _totals, _stamp = read_people(download(client_for(hr)))
    assert people["E001"]["姓名"].value == "'=HYPERLINK(\"http://x\")"
