"""Issue 12 item 5: a supervisor reads and records only their own centres' service records
(attendance, ratings, cases, findings, commendations; listings, exports, single pages,
forms), HR and administrators every centre; and ratings arriving one by one (API, QR page)
or edited by HR are refused in an approved month, every edit logged with before, after
and why."""

import datetime as dt
import json

import pytest
from django.urls import reverse
from django.utils import timezone
from wagtail.models import ModelLogEntry

from assessment import selectors, services
from assessment.models import (
    BadReviewCase,
    Commendation,
    EvaluationPeriod,
    FindingType,
    InspectionFinding,
    Rating,
)
from people import roles
from tests import factories
from tests.helpers import assert_denied

pytestmark = pytest.mark.django_db

MONTH = "2026-10"


def _at(day, hour=10):
    return timezone.make_aware(dt.datetime(2026, 10, day, hour, 0))


@pytest.fixture
def two_centres(db):
    """Centre 东 with supervisor A and person 东一; centre 西 with 西一 and its own records."""
    east = factories.make_centre("城东服务中心")
    west = factories.make_centre("城西服务中心")
    east_window = factories.make_window("E01", centre=east, name="东综合窗口")
    west_window = factories.make_window("W01", centre=west, name="西综合窗口")
    east_person = factories.make_staff("E1001", name="东一号", centre=east, window=east_window)
    west_person = factories.make_staff("W2001", name="西一号", centre=west, window=west_window)
    supervisor = factories.make_user_with_role(roles.SUPERVISOR, "sup-east")
    east.supervisors.add(supervisor)
    hr = factories.make_user_with_role(roles.HR, "hr-all")

    for person in (east_person, west_person):
        services.attendance_day_add(
            staff=person, date=dt.date(2026, 10, 8), user=hr, reason="补录", in1=dt.time(9, 20), out1=dt.time(17, 30)
        )
    source = services.builtin_source(services.IMPORT_SOURCE_CODES["gb"])
    for ticket, person, window, comment in (
        ("EASTTICKET1", east_person, east_window, "东边慢"), ("WESTTICKET1", west_person, west_window, "西边慢")
    ):
        rating = Rating.objects.create(
            source=source, ticket_no=ticket, level=4, channel="短信", staff=person, window=window,
            window_code=window.code, matter="社保", rated_at=_at(8), comment=comment,
        )
        services.case_open(rating=rating)
    kind = FindingType.objects.create(name="离岗", points=2)
    veto = FindingType.objects.create(name="吃拿卡要", points=0, veto=True)
    east_finding = InspectionFinding.objects.create(staff=east_person, finding_type=kind, observed_at=_at(9), note="东边离岗")
    west_finding = InspectionFinding.objects.create(staff=west_person, finding_type=kind, observed_at=_at(9), note="西边离岗")
    east_praise = Commendation.objects.create(staff=east_person, date=dt.date(2026, 10, 9), note="东边锦旗")
    west_praise = Commendation.objects.create(staff=west_person, date=dt.date(2026, 10, 9), note="西边锦旗")
    return {
        "east": east, "west": west, "east_person": east_person, "west_person": west_person,
        "supervisor": supervisor, "hr": hr, "kind": kind, "veto": veto,
        "east_rating": Rating.objects.get(ticket_no="EASTTICKET1"),
        "west_rating": Rating.objects.get(ticket_no="WESTTICKET1"),
        "east_case": BadReviewCase.objects.get(rating__ticket_no="EASTTICKET1"),
        "west_case": BadReviewCase.objects.get(rating__ticket_no="WESTTICKET1"),
        "east_finding": east_finding, "west_finding": west_finding,
        "east_praise": east_praise, "west_praise": west_praise,
    }


def _text(response):
    return response.content.decode()


# --- the scope itself -------------------------------------------------------------------


def test_centre_scope_is_the_supervised_centres_and_everything_for_hr(two_centres):
    d = two_centres
    assert selectors.centre_scope(d["supervisor"]) == {d["east"].pk}
    assert selectors.centre_scope(d["hr"]) is None
    nobody = factories.make_user_with_role(roles.SUPERVISOR, "sup-none")
    assert list(selectors.staff_in_scope(nobody)) == []


# --- attendance ---------------------------------------------------------------------------


def test_monthly_sheet_lists_only_the_supervisors_centres_even_when_asked_for_another(client_for, two_centres):
    d = two_centres
    client = client_for(d["supervisor"])
    url = reverse("assessment_attendance:index")
    page = _text(client.get(url, {"month": MONTH}))
    assert "东一号" in page and "西一号" not in page
    assert "城西服务中心" not in page  # not offered as a filter either
    asked = _text(client.get(url, {"month": MONTH, "centre": d["west"].pk}))
    assert "西一号" not in asked
    export = client.get(url, {"month": MONTH, "centre": d["west"].pk, "export": "xlsx"})
    assert export.status_code == 200
    import io

    from openpyxl import load_workbook

    cells = [c for row in load_workbook(io.BytesIO(export.content)).active.iter_rows(values_only=True) for c in row]
    assert "E1001" in cells and "W2001" not in cells
    # Junk in the centre parameter is no error.
    assert client.get(url, {"month": MONTH, "centre": "x'"}).status_code == 200
    hr_page = _text(client_for(d["hr"]).get(url, {"month": MONTH}))
    assert "东一号" in hr_page and "西一号" in hr_page


def test_person_month_of_another_centre_is_not_found(client_for, two_centres):
    d = two_centres
    client = client_for(d["supervisor"])
    west = reverse("assessment_attendance:person", args=["W2001"])
    assert client.get(west, {"month": MONTH}).status_code == 404
    assert client.get(west, {"month": MONTH, "export": "xlsx"}).status_code == 404
    east = reverse("assessment_attendance:person", args=["E1001"])
    assert client.get(east, {"month": MONTH}).status_code == 200
    assert client_for(d["hr"]).get(west, {"month": MONTH}).status_code == 200


# --- ratings ------------------------------------------------------------------------------


def test_ratings_listing_export_and_inspect_are_scoped(client_for, two_centres):
    d = two_centres
    client = client_for(d["supervisor"])
    listing = _text(client.get(reverse("assessment_ratings:index")))
    assert "EASTTICKET1" in listing and "WESTTICKET1" not in listing
    searched = _text(client.get(reverse("assessment_ratings:index"), {"q": "WESTTICKET1"}))
    assert "东一号" not in searched and "西一号" not in searched  # no row found
    for fmt in ("csv", "xlsx"):
        export = client.get(reverse("assessment_ratings:index"), {"export": fmt})
        assert export.status_code == 200
        body = b"".join(export.streaming_content) if export.streaming else export.content
        if fmt == "csv":
            assert "EASTTICKET1" in body.decode("utf-8-sig") and "WESTTICKET1" not in body.decode("utf-8-sig")
        else:
            import io

            from openpyxl import load_workbook

            cells = [c for r in load_workbook(io.BytesIO(body)).active.iter_rows(values_only=True) for c in r]
            assert "EASTTICKET1" in cells and "WESTTICKET1" not in cells
    assert client.get(reverse("assessment_ratings:inspect", args=[d["west_rating"].pk])).status_code == 404
    assert client.get(reverse("assessment_ratings:history", args=[d["west_rating"].pk])).status_code == 404
    assert client.get(reverse("assessment_ratings:inspect", args=[d["east_rating"].pk])).status_code == 200
    hr = client_for(d["hr"])
    hr_listing = _text(hr.get(reverse("assessment_ratings:index")))
    assert "EASTTICKET1" in hr_listing and "WESTTICKET1" in hr_listing
    assert hr.get(reverse("assessment_ratings:inspect", args=[d["west_rating"].pk])).status_code == 200


def test_cases_are_scoped(client_for, two_centres):
    d = two_centres
    client = client_for(d["supervisor"])
    listing = _text(client.get(reverse("assessment_cases:index"), {"status": ""}))
    assert d["east_case"].number in listing and d["west_case"].number not in listing
    assert client.get(reverse("assessment_cases:inspect", args=[d["west_case"].pk])).status_code == 404
    post = client.post(reverse("assessment_cases:inspect", args=[d["west_case"].pk]), {"step": "verify"})
    assert post.status_code == 404
    assert client_for(d["hr"]).get(reverse("assessment_cases:inspect", args=[d["west_case"].pk])).status_code == 200


# --- inspections and commendations -----------------------------------------------------------


def test_findings_listing_and_pages_are_scoped(client_for, two_centres):
    d = two_centres
    client = client_for(d["supervisor"])
    listing = _text(client.get(reverse("assessment_findings:index")))
    assert "东一号" in listing and "西一号" not in listing
    west = d["west_finding"].pk
    for name in ("inspect", "edit", "history"):
        assert client.get(reverse(f"assessment_findings:{name}", args=[west])).status_code == 404, name
    # An edit POST naming the other centre's finding changes nothing.
    response = client.post(
        reverse("assessment_findings:edit", args=[west]),
        {"staff": d["west_person"].pk, "finding_type": d["veto"].pk, "method": "patrol",
         "observed_at": "2026-10-09 10:00", "note": "改"},
    )
    assert response.status_code == 404
    d["west_finding"].refresh_from_db()
    assert not d["west_finding"].veto
    assert client_for(d["hr"]).get(reverse("assessment_findings:inspect", args=[west])).status_code == 200


def test_a_finding_against_another_centres_staff_is_refused_with_a_form_error(client_for, two_centres):
    d = two_centres
    client = client_for(d["supervisor"])
    add = reverse("assessment_findings:add")
    # The staff chooser offers their centre's people only.
    choices = _text(client.get("/admin/records/staff-chooser/results/"))
    assert "东一号" in choices and "西一号" not in choices
    data = {"finding_type": d["veto"].pk, "method": "mystery", "observed_at": "2026-11-03 10:00", "note": "一票否决"}
    response = client.post(add, {**data, "staff": d["west_person"].pk})
    assert response.status_code == 200
    assert "staff" in response.context["form"].errors
    assert not InspectionFinding.objects.filter(staff=d["west_person"], veto=True).exists()
    # Their own centre's staff: recorded.
    response = client.post(add, {**data, "staff": d["east_person"].pk})
    assert response.status_code == 302
    assert InspectionFinding.objects.filter(staff=d["east_person"], veto=True, recorded_by=d["supervisor"]).exists()
    # An administrator records against anyone.
    admin = factories.make_user_with_role(roles.ADMIN, "admin-all")
    response = client_for(admin).post(add, {**data, "staff": d["west_person"].pk})
    assert response.status_code == 302
    assert InspectionFinding.objects.filter(staff=d["west_person"], veto=True, recorded_by=admin).exists()


def test_commendations_are_scoped(client_for, two_centres):
    d = two_centres
    client = client_for(d["supervisor"])
    listing = _text(client.get(reverse("assessment_commendations:index")))
    assert "东一号" in listing and "西一号" not in listing
    export = client.get(reverse("assessment_commendations:index"), {"export": "csv"})
    if export.status_code == 200:
        body = b"".join(export.streaming_content) if export.streaming else export.content
        assert "西一号" not in body.decode("utf-8-sig")
    hr_listing = _text(client_for(d["hr"]).get(reverse("assessment_commendations:index")))
    assert "西一号" in hr_listing


def test_dashboard_offers_only_the_supervisors_centres(client_for, two_centres):
    d = two_centres
    assert selectors.dashboard_centres(d["supervisor"]) == [(d["east"].pk, "城东服务中心")]
    assert len(selectors.dashboard_centres(d["hr"])) == 2


def test_qr_sheet_is_for_hr_and_lists_every_window(client_for, two_centres):
    d = two_centres
    assert_denied(client_for(d["supervisor"]).get(reverse("assessment_qr_codes:index")))
    page = _text(client_for(d["hr"]).get(reverse("assessment_qr_codes:index")))
    assert "E01" in page and "W01" in page


# --- locks: ratings one by one and HR's edit ----------------------------------------------------


def _lock(month=MONTH):
    return EvaluationPeriod.objects.create(month=month, status=EvaluationPeriod.Status.APPROVED)


def test_api_rating_of_a_locked_month_answers_409_and_an_open_month_201(client, two_centres):
    _lock()
    _source, token = services.rating_source_create(name="大厅评价器", kind="device")
    body = {"ticket_no": "API-1", "staff_no": "E1001", "window_code": "E01", "level": "满意",
            "channel": "评价器", "rated_at": "2026-10-20T10:00:00+08:00"}
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    response = client.post("/api/v1/ratings", data=json.dumps(body), content_type="application/json", **headers)
    assert response.status_code == 409
    assert "2026-10" in response.json()["detail"] and "审批" in response.json()["detail"]
    assert not Rating.objects.filter(ticket_no="API-1").exists()
    body["rated_at"] = "2026-11-02T10:00:00+08:00"
    response = client.post("/api/v1/ratings", data=json.dumps(body), content_type="application/json", **headers)
    assert response.status_code == 201


def test_qr_rating_in_a_locked_month_gets_a_polite_refusal(client, two_centres):
    _lock(timezone.localdate().strftime("%Y-%m"))
    response = client.post(reverse("assessment:rate", args=["E01"]), {"level": "1", "comment": ""})
    assert response.status_code == 200
    page = _text(response)
    assert "感谢" in page or "谢谢" in page
    assert not Rating.objects.filter(source__code=services.QR_SOURCE_CODE).exists()


def _edit_data(rating, **changes):
    data = {
        "level": rating.level, "channel": rating.channel, "staff": rating.staff_id or "",
        "window": rating.window_id or "", "window_code": rating.window_code, "matter": rating.matter,
        "comment": rating.comment, "reason": "",
    }
    data.update(changes)
    return data


def test_hr_rating_edit_needs_a_reason_and_is_logged_with_before_and_after(client_for, two_centres):
    d = two_centres
    rating = d["east_rating"]
    client = client_for(d["hr"])
    url = reverse("assessment_ratings:edit", args=[rating.pk])
    response = client.post(url, _edit_data(rating, level=2))
    assert response.status_code == 200 and "reason" in response.context["form"].errors
    rating.refresh_from_db()
    assert rating.level == 4  # 不满意 still

    response = client.post(url, _edit_data(rating, level=2, reason="群众来电更正评价"))
    assert response.status_code == 302
    rating.refresh_from_db()
    assert rating.level == 2
    entry = ModelLogEntry.objects.get(action=services.RATING_EDIT_LOG_ACTION, object_id=str(rating.pk))
    assert entry.user == d["hr"]
    assert entry.data["changes"] == {"level": ["不满意", "满意"]}
    assert entry.data["reason"] == "群众来电更正评价"
    history = _text(client.get(reverse("assessment_ratings:history", args=[rating.pk])))
    assert "群众来电更正评价" in history and "不满意" in history and "满意" in history


def test_hr_rating_edit_in_a_locked_month_is_refused(client_for, two_centres):
    d = two_centres
    rating = d["east_rating"]
    _lock()
    client = client_for(d["hr"])
    response = client.post(
        reverse("assessment_ratings:edit", args=[rating.pk]), _edit_data(rating, level=1, reason="改成非常满意")
    )
    assert response.status_code == 200
    assert "2026-10" in _text(response)
    rating.refresh_from_db()
    assert rating.level == 4
    assert not ModelLogEntry.objects.filter(action=services.RATING_EDIT_LOG_ACTION).exists()
    # Deleting it is refused the same way.
    client.post(reverse("assessment_ratings:delete", args=[rating.pk]))
    assert Rating.objects.filter(pk=rating.pk).exists()
