"""Fixtures of the competitions tests: the sample roster's people (CD1001…CD1014, odd 工号
at 城东, even at 城西) and workbooks built in memory."""

import io
from pathlib import Path

import openpyxl
import pytest

from tests import factories

SAMPLES = Path(__file__).resolve().parent / "samples"
EAST, WEST = "城东政务服务中心", "城西政务服务中心"


@pytest.fixture
def sample_bytes():
    def _read(name):
        return (SAMPLES / name).read_bytes()

    return _read


@pytest.fixture
def centres(db):
    return {EAST: factories.make_centre(EAST, code="cd"), WEST: factories.make_centre(WEST, code="cx")}


@pytest.fixture
def roster(centres):
    """CD1001…CD1014 as on the sample roster: odd numbers at 城东, even at 城西."""
    people = {}
    for n in range(1, 15):
        staff_no = f"CD{1000 + n}"
        people[staff_no] = factories.make_staff(staff_no, name=f"参赛{n}", centre=centres[EAST if n % 2 else WEST])
    return people


def xlsx(sheets):
    """Workbook bytes from {sheet name: [rows]} (the first row is the header)."""
    workbook = openpyxl.Workbook()
    workbook.remove(workbook.active)
    for name, rows in sheets.items():
        sheet = workbook.create_sheet(name)
        for row in rows:
            sheet.append(list(row))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def read_sheets(content):
    """{sheet name: [rows]} of a workbook's bytes."""
    workbook = openpyxl.load_workbook(io.BytesIO(content))
    return {ws.title: [list(r) for r in ws.iter_rows(values_only=True)] for ws in workbook.worksheets}


@pytest.fixture
def sample_sheets(sample_bytes):
    """The sample workbook's sheets as lists, to alter and write back with `xlsx`."""
    return read_sheets(sample_bytes("competition_2026.xlsx"))
