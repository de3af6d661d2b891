"""A zero is a result, not a missing value: figures that are 0 show 0, and only a figure
that does not exist shows "—" (the frontline |or_dash filter, instead of |default:"—",
which turned every 0 into a dash)."""

import re
from decimal import Decimal

import pytest
from django.template import Context, Template
from django.urls import reverse

from exams import services as exam_services
from tests import factories
from tests.assessment.test_dashboards import RANGE, data  # noqa: F401 (the dashboards' dataset)
from tests.exams.builders import make_exam, make_fixed_paper, make_question

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("value", "shown"),
    [(0, "0"), (Decimal("0.00"), "0.00"), (Decimal("12.5"), "12.5"), (None, "—"), ("", "—")],
)
def test_or_dash_keeps_zero(value, shown):
    assert Template("{% load frontline %}{{ value|or_dash }}").render(Context({"value": value})) == shown


def test_a_missing_figure_is_a_dash():
    assert Template("{% load frontline %}{{ row.nothing|or_dash }}").render(Context({"row": {}})) == "—"


def test_item_analysis_shows_facility_and_discrimination_of_zero(client_for, role_users, centre):
    """A question with a wrong key: nobody gets it right, so facility and discrimination are
    0, exactly the figures the trainer needs to see."""
    wrong_key, fine = make_question(answer="B"), make_question(answer="B")
    people = [factories.make_staff(centre=centre) for _ in range(4)]
    exam = make_exam(make_fixed_paper([wrong_key, fine]), individuals=people)
    for index, person in enumerate(people):
        attempt = exam_services.attempt_start(exam=exam, staff=person)
        exam_services.attempt_save_answer(attempt=attempt, position=0, response=["A"], seq=1)
        other = ["B"] if index % 2 else ["C"]
        exam_services.attempt_save_answer(attempt=attempt, position=1, response=other, seq=2)
        exam_services.attempt_close(attempt=attempt)
    html = client_for(role_users["trainer"]).get(f"/admin/exams/report/{exam.pk}/").content.decode()
    table = html[html.index("data-item-stats"):]
    rows = re.findall(r"<td>(\d+)</td><td>([^<]*)</td><td>([^<]*)</td>", table)
    assert ("4", "0.00%", "0.00") in rows, rows
    assert "—%" not in table


def stat(html, label):
    pattern = r'<span class="stat-value"[^>]*>([^<]*)</span><span class="stat-label">' + re.escape(label)
    return re.search(pattern, html).group(1)


def test_vendor_dashboard_shows_a_zero_rate(client, data):  # noqa: F811
    """乙人力公司 had no bad review in October (a system default rating does not count): 0,
    not "—"; 甲劳务公司 had no late arrival."""
    for vendor, label, expected in ((data["v2"], "差评率（%）", "0.00"), (data["v1"], "迟到率（%）", "0.00")):
        manager = factories.make_vendor_manager(vendor, f"manager-{vendor.pk}")
        client.force_login(manager)
        html = client.get(reverse("assessment:vendor_dashboard"), RANGE).content.decode()
        assert stat(html, label) == expected
