"""Attendance imports: the DingTalk 每日统计 export and the generic layout."""

import datetime as dt

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from assessment import attendance_rules as ar
from assessment.models import AttendanceDay, DingTalkUser, ShiftSchedule
from assessment.services import attendance_day_correct
from tests import factories

from .builders import DINGTALK_HEADER, make_csv, make_dingtalk, run

pytestmark = pytest.mark.django_db
T = dt.time


def day_of(staff_no, date):
    return AttendanceDay.objects.get(staff__staff_no=staff_no, date=date)


def test_dingtalk_sample_imports_as_it_comes(sample_staff, sample_bytes):
    content = sample_bytes("attendance_dingtalk_daily_2026-10.xlsx")
    preview = run("attendance", content, "attendance_dingtalk_daily_2026-10.xlsx", dry_run=True)
    assert preview.ok, preview.errors[:5]
    assert preview.total == 930 and preview.created == 930
    assert AttendanceDay.objects.count() == 0  # a dry run writes nothing

    result = run("attendance", content, "attendance_dingtalk_daily_2026-10.xlsx")
    assert result.ok and result.created == 930
    assert AttendanceDay.objects.filter(status=ar.REST).count() == 420
    # 关联的审批单 makes the day count nothing, even with a late punch (外出审批单 at 10:30).
    errand = day_of("CD1002", dt.date(2026, 10, 27))
    assert errand.status == ar.APPROVED and errand.late_count == 0
    leave = day_of("CD1001", dt.date(2026, 10, 15))
    assert leave.status == ar.APPROVED and leave.approval.startswith("事假")
    late = day_of("CD1030", dt.date(2026, 10, 30))  # 09:08 → 8 minutes late
    assert (late.status, late.late_minutes, late.late_count) == (ar.LATE, 8, 1)
    assert (late.start1, late.end1) == (T(9, 0), T(17, 30))
    # UserId links are learnt for later files that carry only UserId.
    assert DingTalkUser.objects.get(user_id="ucd1001").staff.staff_no == "CD1001"

    again = run("attendance", content, "attendance_dingtalk_daily_2026-10.xlsx")
    assert again.ok and (again.created, again.updated, again.unchanged) == (0, 0, 930)
    assert AttendanceDay.objects.count() == 930


def test_generic_sample_imports(sample_staff, sample_bytes):
    result = run("attendance", sample_bytes("attendance_generic_2026-10.csv"), "attendance_generic_2026-10.csv")
    assert result.ok, result.errors[:5]
    assert result.created == 107
    assert day_of("CD1001", dt.date(2026, 10, 13)).status == ar.SERIOUS_LATE  # 09:43
    assert day_of("CD1001", dt.date(2026, 10, 15)).status == ar.APPROVED  # 事假
    assert day_of("CD1001", dt.date(2026, 10, 23)).status == ar.MISSING  # no check-out
    assert day_of("CD1006", dt.date(2026, 10, 13)).status == ar.FULL_ABSENCE
    assert day_of("CD1001", dt.date(2026, 10, 27)).status == ar.HALF_ABSENCE  # 10:17


def test_the_dingtalk_import_replaces_a_day_that_changed(sample_staff):
    row = {"姓名": "甲", "工号": "CD1001", "日期": "2026-10-08", "班次": "正常班 09:00-17:30", "上班1打卡时间": "09:20", "下班1打卡时间": "17:30"}
    assert run("attendance", make_dingtalk([row]), "d.xlsx").created == 1
    result = run("attendance", make_dingtalk([{**row, "上班1打卡时间": "08:59"}]), "d.xlsx")
    assert (result.created, result.updated) == (0, 1)
    day = day_of("CD1001", dt.date(2026, 10, 8))
    assert day.status == ar.NORMAL and day.late_count == 0
    assert AttendanceDay.objects.count() == 1


@pytest.mark.parametrize(
    "date_cell",
    ["2026-10-08", "26-10-08", "2026/10/08", "2026/10/8", "26-10-08 星期四", "2026-10-08 星期四", dt.datetime(2026, 10, 8)],
)
def test_date_spellings(sample_staff, date_cell):
    row = {"姓名": "甲", "工号": "CD1001", "日期": date_cell, "班次": "正常班 09:00-17:30", "上班1打卡时间": "09:00", "下班1打卡时间": "17:30"}
    result = run("attendance", make_dingtalk([row]), "d.xlsx")
    assert result.ok, result.errors
    assert AttendanceDay.objects.get().date == dt.date(2026, 10, 8)


@pytest.mark.parametrize(
    "check_in, late_minutes",
    [("09:12", 12), ("09:12:59", 12), (T(9, 12, 30), 12), (dt.datetime(2026, 10, 8, 9, 12), 12), (0.38333333, 12)],
)
def test_time_spellings(sample_staff, check_in, late_minutes):
    row = {"姓名": "甲", "工号": "CD1001", "日期": "2026-10-08", "班次": "正常班 09:00-17:30", "上班1打卡时间": check_in, "下班1打卡时间": "17:30"}
    result = run("attendance", make_dingtalk([row]), "d.xlsx")
    assert result.ok, result.errors
    assert AttendanceDay.objects.get().late_minutes == late_minutes


def test_numbers_as_text_and_as_numbers(sample_staff):
    staff = factories.make_staff("1001", centre=sample_staff["east"])
    row = {"姓名": "乙", "工号": 1001, "日期": "2026-10-08", "班次": "正常班 09:00-17:30", "上班1打卡时间": "09:00", "下班1打卡时间": "17:30"}
    assert run("attendance", make_dingtalk([row]), "d.xlsx").ok
    assert AttendanceDay.objects.get().staff == staff


def test_header_is_found_by_name_in_any_column_order(sample_staff):
    header = list(reversed(DINGTALK_HEADER))
    row = {"姓名": "甲", "工号": "CD1001", "日期": "2026-10-08", "班次": "正常班 09:00-17:30", "上班1打卡时间": "09:40", "下班1打卡时间": "17:30"}
    result = run("attendance", make_dingtalk([row], header=header), "d.xlsx")
    assert result.ok
    assert AttendanceDay.objects.get().status == ar.SERIOUS_LATE


def test_userid_without_staff_number_uses_the_learnt_link(sample_staff):
    DingTalkUser.objects.create(user_id="u-77", staff=sample_staff["staff"]["CD1003"])
    header = [h for h in DINGTALK_HEADER if h != "工号"]
    row = {"姓名": "丙", "UserId": "u-77", "日期": "2026-10-08", "班次": "正常班 09:00-17:30", "上班1打卡时间": "09:00", "下班1打卡时间": "17:30"}
    assert run("attendance", make_dingtalk([row], header=header), "d.xlsx").ok
    assert AttendanceDay.objects.get().staff.staff_no == "CD1003"
    unknown = run("attendance", make_dingtalk([{**row, "UserId": "u-99"}], header=header), "d.xlsx")
    assert [(e.row, e.column) for e in unknown.errors] == [(4, "UserId")]


def test_split_shift_with_four_punches(sample_staff):
    header = [*DINGTALK_HEADER, "上班2打卡时间", "下班2打卡时间"]
    row = {
        "姓名": "甲", "工号": "CD1001", "日期": "2026-10-08", "班次": "两段班 09:00-12:00 14:00-17:30",
        "上班1打卡时间": "08:58", "下班1打卡时间": "12:01", "上班2打卡时间": "14:15", "下班2打卡时间": "",
    }
    assert run("attendance", make_dingtalk([row], header=header), "d.xlsx").ok
    day = AttendanceDay.objects.get()
    assert (day.start2, day.end2) == (T(14, 0), T(17, 30))
    assert (day.late_count, day.missing_count, day.late_minutes) == (1, 1, 15)


def test_named_shift_from_the_centre_schedule(sample_staff):
    staff = sample_staff["staff"]["CD1001"]
    ShiftSchedule.objects.create(centre=staff.centre, name="早班", start=T(8, 30), end=T(17, 0))
    row = {"姓名": "甲", "工号": "CD1001", "日期": "2026-10-08", "班次": "早班", "上班1打卡时间": "08:40", "下班1打卡时间": "17:00"}
    assert run("attendance", make_dingtalk([row]), "d.xlsx").ok
    assert AttendanceDay.objects.get().late_minutes == 10
    unknown = run("attendance", make_dingtalk([{**row, "班次": "夜班"}]), "d.xlsx")
    assert [(e.row, e.column) for e in unknown.errors] == [(4, "班次")]


def test_a_bad_file_writes_nothing_and_names_every_bad_row(sample_staff):
    good = {"姓名": "甲", "工号": "CD1001", "日期": "2026-10-08", "班次": "正常班 09:00-17:30", "上班1打卡时间": "09:00", "下班1打卡时间": "17:30"}
    rows = [
        good,
        {**good, "工号": "NOPE1"},
        {**good, "工号": "CD1002", "日期": "2026-13-40"},
        {**good, "工号": "CD1003", "上班1打卡时间": "9点"},
        good,  # the same person and day again
    ]
    result = run("attendance", make_dingtalk(rows), "bad.xlsx")
    assert not result.ok
    assert [(e.row, e.column) for e in result.errors] == [(5, "工号"), (6, "日期"), (7, "上班1打卡时间"), (8, "日期")]
    assert str(result.errors[0]).startswith("第5行 工号")
    assert AttendanceDay.objects.count() == 0


def test_missing_columns_are_reported_on_the_header_row(sample_staff):
    result = run("attendance", make_csv("工号,日期,上班打卡\nCD1001,2026-10-08,09:00\n"), "g.csv")
    assert [(e.row, e.column) for e in result.errors] == [(1, "下班打卡")]


def test_generic_layout_uses_the_calendar_for_rest_days(sample_staff):
    from assessment.models import CalendarDay

    CalendarDay.objects.create(date=dt.date(2026, 10, 9), kind="holiday", name="测试假日")
    CalendarDay.objects.create(date=dt.date(2026, 10, 10), kind="workday", name="调休上班")
    text = "工号,日期,上班打卡,下班打卡,请假类型\nCD1001,2026-10-09,,,\nCD1001,2026-10-10,09:20,17:30,\nCD1001,2026-10-11,,,\n"
    assert run("attendance", make_csv(text), "g.csv").ok
    assert day_of("CD1001", dt.date(2026, 10, 9)).status == ar.REST
    assert day_of("CD1001", dt.date(2026, 10, 10)).status == ar.LATE
    assert day_of("CD1001", dt.date(2026, 10, 11)).status == ar.REST  # a Sunday


def test_centre_rules_change_the_thresholds(sample_staff):
    from assessment.models import CentreRules

    staff = sample_staff["staff"]["CD1001"]
    CentreRules.objects.create(centre=staff.centre, late_grace_minutes=0, late_serious_minutes=10, late_absence_minutes=20)
    text = "工号,日期,上班打卡,下班打卡,请假类型\nCD1001,2026-10-08,09:11,17:30,\n"
    assert run("attendance", make_csv(text), "g.csv").ok
    assert day_of("CD1001", dt.date(2026, 10, 8)).status == ar.SERIOUS_LATE


def test_hr_correction_is_kept_in_history_and_survives_a_reimport(sample_staff):
    hr = factories.make_user_with_role("人事", "hr-x")
    text = "工号,日期,上班打卡,下班打卡,请假类型\nCD1001,2026-10-08,,17:30,\n"
    run("attendance", make_csv(text), "g.csv")
    day = day_of("CD1001", dt.date(2026, 10, 8))
    assert day.status == ar.MISSING
    attendance_day_correct(day=day, user=hr, reason="考勤机故障，经核实 08:55 到岗", in1=T(8, 55), out1=T(17, 30))
    day.refresh_from_db()
    assert day.status == ar.NORMAL and day.corrected
    correction = day.corrections.get()
    assert correction.before["status"] == ar.MISSING and correction.after["status"] == ar.NORMAL
    assert correction.corrected_by == hr

    again = run("attendance", make_csv(text), "g.csv")
    assert again.ok and again.unchanged == 1
    day.refresh_from_db()
    assert day.status == ar.NORMAL


def test_staff_cannot_correct_attendance(sample_staff):
    from django.core.exceptions import PermissionDenied

    run("attendance", make_csv("工号,日期,上班打卡,下班打卡\nCD1001,2026-10-08,,17:30\n"), "g.csv")
    with pytest.raises(PermissionDenied):
        attendance_day_correct(day=AttendanceDay.objects.get(), user=sample_staff["staff"]["CD1001"].user, reason="x")


def test_import_attendance_command(sample_staff, tmp_path, sample_bytes, capsys):
    path = tmp_path / "attendance_generic_2026-10.csv"
    path.write_bytes(sample_bytes("attendance_generic_2026-10.csv"))
    call_command("import_attendance", str(path), "--dry-run")
    assert AttendanceDay.objects.count() == 0
    call_command("import_attendance", str(path))
    assert AttendanceDay.objects.count() == 107
    bad = tmp_path / "bad.csv"
    bad.write_text("工号,日期,上班打卡,下班打卡\nNOPE,2026-10-08,09:00,17:30\n", encoding="utf-8")
    with pytest.raises(CommandError):
        call_command("import_attendance", str(bad))
    assert "第2行 工号" in capsys.readouterr().err


def test_import_query_count_does_not_grow_with_rows(sample_staff, django_assert_max_num_queries):
    def file_for(n):
        rows = "".join(f"CD{1001 + i % 30},2026-10-{8 + i // 30:02d},09:0{i % 10},17:30,\n" for i in range(n))
        return make_csv("工号,日期,上班打卡,下班打卡,请假类型\n" + rows)

    with django_assert_max_num_queries(20):
        assert run("attendance", file_for(3), "g.csv").ok
    with django_assert_max_num_queries(20):
        assert run("attendance", file_for(300), "g.csv").ok


def test_a_file_with_only_its_header_imports_nothing(sample_staff):
    result = run("attendance", make_csv("工号,日期,上班打卡,下班打卡,请假类型\n"), "g.csv")
    assert result.ok and result.total == 0
    ratings = run("ratings", make_csv("办件编号,评价次数,评价时间,经办人工号,窗口编号,事项名称,评价等级,评价渠道,评价内容\n"), "r.csv")
    assert ratings.ok and ratings.total == 0


# --- Streaming: chunks inside one transaction ----------------------------------------


def _generic(rows):
    return make_csv("工号,日期,上班打卡,下班打卡,请假类型\n" + "".join(rows))


def test_chunked_attendance_rolls_back_on_a_late_bad_row(sample_staff, monkeypatch):
    from assessment.services import attendance

    monkeypatch.setattr(attendance, "ATTENDANCE_CHUNK", 4)
    rows = [f"CD{1001 + i},2026-10-08,09:00,17:30,\n" for i in range(10)]
    rows.append("CD1001,2026-10-08,09:05,17:30,\n")  # the same person and day as row 2, three chunks later
    result = run("attendance", _generic(rows), "g.csv")
    assert [(e.row, e.column) for e in result.errors] == [(12, "日期")]
    assert "第2行" in str(result.errors[0]) or "2)" in str(result.errors[0])
    assert AttendanceDay.objects.count() == 0 and not DingTalkUser.objects.exists()


def test_chunked_attendance_counts_and_previews_every_chunk(sample_staff, monkeypatch):
    from assessment.services import attendance

    monkeypatch.setattr(attendance, "ATTENDANCE_CHUNK", 3)
    rows = [f"CD{1001 + i},2026-10-{8 + i % 2:02d},09:{i:02d},17:30,\n" for i in range(8)]
    result = run("attendance", _generic(rows), "g.csv")
    assert result.ok and (result.total, result.created) == (8, 8)
    assert [row for row, _s, _v in result.preview] == list(range(2, 10))
    again = run("attendance", _generic(rows), "g.csv")
    assert again.ok and again.unchanged == 8 and AttendanceDay.objects.count() == 8


# --- HR adds a day with no record ----------------------------------------------------


def test_hr_adds_a_missing_day_classified_by_the_same_rules(sample_staff):
    from assessment.services import attendance_day_add

    hr = factories.make_user_with_role("人事", "hr-add")
    staff = sample_staff["staff"]["CD1001"]
    day = attendance_day_add(
        staff=staff, date=dt.date(2026, 10, 8), user=hr, reason="钉钉未导出该日记录", in1=T(9, 20), out1=T(17, 30)
    )
    assert (day.status, day.late_minutes, day.source, day.corrected) == (ar.LATE, 20, "manual", True)
    assert (day.start1, day.end1) == (T(9), T(17, 30))
    correction = day.corrections.get()
    assert correction.before == {} and correction.after["status"] == ar.LATE and correction.reason == "钉钉未导出该日记录"
    # A Sunday is a rest day by the calendar, whatever the punches.
    sunday = attendance_day_add(staff=staff, date=dt.date(2026, 10, 11), user=hr, reason="补录", in1=T(9), out1=T(12))
    assert sunday.status == ar.REST
    # A later import leaves HR's day as entered.
    again = run("attendance", _generic(["CD1001,2026-10-08,,17:30,\n"]), "g.csv")
    assert again.ok and again.unchanged == 1
    assert day_of("CD1001", dt.date(2026, 10, 8)).status == ar.LATE


def test_adding_a_day_refuses_duplicates_and_needs_a_reason(sample_staff):
    from django.core.exceptions import PermissionDenied, ValidationError

    from assessment.services import attendance_day_add

    hr = factories.make_user_with_role("人事", "hr-add2")
    staff = sample_staff["staff"]["CD1001"]
    assert run("attendance", _generic(["CD1001,2026-10-08,09:00,17:30,\n"]), "g.csv").ok
    with pytest.raises(ValidationError) as duplicate:
        attendance_day_add(staff=staff, date=dt.date(2026, 10, 8), user=hr, reason="补录", in1=T(9), out1=T(17, 30))
    assert "date" in duplicate.value.message_dict
    with pytest.raises(ValidationError) as no_reason:
        attendance_day_add(staff=staff, date=dt.date(2026, 10, 9), user=hr, reason="  ")
    assert "reason" in no_reason.value.message_dict
    with pytest.raises(PermissionDenied):
        attendance_day_add(staff=staff, date=dt.date(2026, 10, 9), user=staff.user, reason="自己补")
    assert AttendanceDay.objects.count() == 1


def test_adding_a_split_shift_day_with_four_punches(sample_staff):
    from assessment.services import attendance_day_add

    hr = factories.make_user_with_role("人事", "hr-add3")
    staff = sample_staff["staff"]["CD1001"]
    split = ShiftSchedule.objects.create(
        centre=staff.centre, name="两段班", start=T(9), end=T(12), start2=T(14), end2=T(17, 30)
    )
    day = attendance_day_add(
        staff=staff, date=dt.date(2026, 10, 8), user=hr, reason="补录", shift=split,
        in1=T(9), out1=T(12), in2=T(14, 10), out2=T(17, 30),
    )
    assert (day.shift_name, day.status, day.late_minutes) == ("两段班", ar.LATE, 10)
