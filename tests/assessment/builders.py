"""Builders of spreadsheets and records for the service-records tests."""

import io

from openpyxl import Workbook

from home.imports import get_import, run_import


def xlsx(rows):
    """An .xlsx workbook whose first sheet holds `rows` (lists of cell values) as given."""
    workbook = Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def csv_bytes(text):
    return text.encode("utf-8")


def run(key, content, filename, *, dry_run=False):
    return run_import(get_import(key), content, filename, dry_run=dry_run)


DINGTALK_HEADER = [
    "姓名", "考勤组", "部门", "工号", "职位", "UserId", "日期", "班次",
    "上班1打卡时间", "上班1打卡结果", "下班1打卡时间", "下班1打卡结果", "关联的审批单",
]


def dingtalk(rows, header=DINGTALK_HEADER):
    """A DingTalk 每日统计 workbook with its two title rows; rows are dicts by header."""
    return xlsx(
        [
            ["每日统计"],
            ["统计日期：2026-10-01 至 2026-10-31  报表生成时间：2026-11-02 09:12"],
            header,
            *[[row.get(h, "") for h in header] for row in rows],
        ]
    )

