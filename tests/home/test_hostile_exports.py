"""Issue 12, item 4: every export is formula-safe and survives control characters.

A citizen's comment such as =HYPERLINK(...) must reach HR's Excel as inert text, and one
control character in a comment must not turn an export into a 500.
"""

import csv
import datetime as dt
import io
from decimal import Decimal

import openpyxl
import pytest
import tablib
from django.urls import reverse
from django.utils import timezone

from assessment import services
from assessment.models import Rating
from home.spreadsheets import export_bytes, safe_cell
from home.validators import has_control_characters
from people import roles
from tests import factories

pytestmark = pytest.mark.django_db

FORMULA = '=HYPERLINK("http://x","y")'
BELL = "服务很慢\x07请改进"


def test_safe_cell_escapes_formulas_and_drops_control_characters_but_keeps_numbers():
    assert safe_cell(FORMULA) == "'" + FORMULA
    for prefix in ("+", "-", "@", "\t", "\r", "\n"):
        assert safe_cell(prefix + "1") == "'" + prefix + "1"
    assert safe_cell(BELL) == "服务很慢请改进"
    assert safe_cell("a\x00b\x1fc\ud800") == "abc"
    assert safe_cell("行一\n行二\t列") == "行一\n行二\t列"  # tab and line breaks are fine inside
    assert safe_cell(-5) == -5 and safe_cell(Decimal("-1.50")) == Decimal("-1.50") and safe_cell(None) is None
    assert safe_cell(dt.date(2026, 10, 8)) == dt.date(2026, 10, 8)


def test_report_workbook_with_control_characters_and_formulas_opens_as_text():
    dataset = tablib.Dataset(headers=["评价内容", "分值"], title="x")
    dataset.append([FORMULA, -30])
    dataset.append([BELL, 80])
    sheet = openpyxl.load_workbook(io.BytesIO(export_bytes(dataset, "xlsx"))).active
    assert sheet["A2"].value == "'" + FORMULA and sheet["A2"].data_type == "s"
    assert sheet["A3"].value == "服务很慢请改进"
    assert sheet["B2"].value == -30 and sheet["B2"].data_type == "n"  # numbers stay numbers
    text = export_bytes(dataset, "csv").decode("utf-8-sig")
    assert "'" + FORMULA.replace('"', '""') in text and "\x07" not in text


@pytest.fixture
def hostile_ratings(staff_member, window):
    source = services.builtin_source(services.QR_SOURCE_CODE)
    rated_at = timezone.make_aware(dt.datetime(2026, 10, 8, 10, 0))
    formula = Rating.objects.create(
        source=source, ticket_no="F1", level=1, staff=staff_member, window=window, rated_at=rated_at, comment=FORMULA
    )
    bell = Rating.objects.create(
        source=source, ticket_no="F2", level=5, staff=staff_member, window=window, rated_at=rated_at, comment=BELL
    )
    services.case_open(rating=bell)
    return formula, bell


def _rows_of_xlsx(content):
    sheet = openpyxl.load_workbook(io.BytesIO(content)).active
    return [[cell.value for cell in row] for row in sheet.iter_rows()]


def test_ratings_listing_exports_are_inert_in_xlsx_and_csv(client, hostile_ratings):
    client.force_login(factories.make_user_with_role(roles.ADMIN, "admin-x"))
    url = reverse("assessment_ratings:index")
    response = client.get(url, {"export": "xlsx"})
    assert response.status_code == 200
    cells = [c for row in _rows_of_xlsx(b"".join(response.streaming_content)) for c in row]
    assert "'" + FORMULA in cells and FORMULA not in cells
    assert "服务很慢请改进" in cells
    assert not any(has_control_characters(c) for c in cells if isinstance(c, str))

    response = client.get(url, {"export": "csv"})
    assert response.status_code == 200
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    values = [v for row in csv.reader(io.StringIO(text)) for v in row]
    assert "'" + FORMULA in values and FORMULA not in values
    assert "服务很慢请改进" in values and "\x07" not in text


def test_case_ledger_with_a_control_character_in_the_comment_exports(client, hostile_ratings, window):
    supervisor = factories.make_user_with_role(roles.SUPERVISOR, "sup-x")
    window.centre.supervisors.add(supervisor)
    client.force_login(supervisor)
    response = client.get("/admin/service-records/cases/", {"status": "", "export": "xlsx"})
    assert response.status_code == 200
    cells = [c for row in _rows_of_xlsx(b"".join(response.streaming_content)) for c in row]
    assert any(isinstance(c, str) and "服务很慢请改进" in c for c in cells)


def test_roster_listing_export_escapes_a_formula_name_and_keeps_pay_numeric(client, centre):
    factories.make_staff("X1", name="@SUM(1+1)", centre=centre, pay_base=Decimal("2500.00"))
    client.force_login(factories.make_user_with_role(roles.HR, "hr-x"))
    url = reverse("people_staff:index")
    text = b"".join(client.get(url, {"export": "csv"}).streaming_content).decode("utf-8-sig")
    assert "'@SUM(1+1)" in text
    rows = _rows_of_xlsx(b"".join(client.get(url, {"export": "xlsx"}).streaming_content))
    row = next(r for r in rows if "'@SUM(1+1)" in r)
    assert not any(isinstance(c, str) and c.startswith("=") for c in row)
