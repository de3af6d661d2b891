"""Ratings: imports, the API, supersession and exclusions, the citizen rating page."""

import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from assessment import rating_rules as rr
from assessment import selectors
from assessment.models import BadReviewCase, Rating, RatingSource
from assessment.services import rating_source_create
from tests import factories

from .builders import make_csv, run

pytestmark = pytest.mark.django_db

HEADER = "办件编号,评价次数,评价时间,经办人工号,窗口编号,事项名称,评价等级,评价渠道,评价内容\n"


@pytest.mark.parametrize(
    "value, direction, level",
    [
        ("非常满意", rr.GB, 1), ("非常不满意", rr.PROVINCIAL, 5), ("1", rr.GB, 1), (1, rr.PROVINCIAL, 5),
        ("5", rr.PROVINCIAL, 1), (5.0, rr.GB, 5), ("4", rr.PROVINCIAL, 2), ("满意", rr.PROVINCIAL, 2),
    ],
)
def test_parse_level_reads_the_direction(value, direction, level):
    assert rr.parse_level(value, direction) == level


@pytest.mark.parametrize("value", ["0", "6", "2.5", "好", "", None, True])
def test_parse_level_refuses_what_is_not_a_level(value):
    with pytest.raises(rr.LevelError):
        rr.parse_level(value)


def test_superseded_keeps_the_highest_assess_number_within_one_source():
    # (id, source, ticket, 评价次数)
    ratings = [(1, 1, "A", 1), (2, 1, "A", 2), (3, 1, "B", 1), (4, 1, "", 1), (5, 1, "B", 1)]
    assert rr.superseded_ids(ratings) == {1, 3}
    # Another source's ratings of the same tickets neither supersede nor are superseded.
    assert rr.superseded_ids([*ratings, (6, 2, "A", 9), (7, 2, "B", 1)]) == {1, 3}


def test_ratings_sample_imports_and_opens_cases(sample_staff, sample_bytes):
    content = sample_bytes("ratings_2026-10.xlsx")
    result = run("ratings", content, "ratings_2026-10.xlsx")
    assert result.ok, result.errors[:5]
    assert result.created == 628
    assert "01-11" in next(iter(result.side_effects.values()))  # unknown windows kept as text
    assert Rating.objects.filter(level__in=rr.BAD_LEVELS).count() == 21
    assert BadReviewCase.objects.count() == 21
    case = BadReviewCase.objects.select_related("rating").get(rating__ticket_no="BJ2026100022")
    assert case.staff.staff_no == "CD1003" and case.status == BadReviewCase.Status.OPEN
    again = run("ratings", content, "ratings_2026-10.xlsx")
    assert (again.created, again.updated, again.unchanged) == (0, 0, 628)
    assert BadReviewCase.objects.count() == 21


def test_provincial_numeric_file_reads_5_as_very_satisfied(sample_staff, sample_bytes):
    result = run("ratings-provincial", sample_bytes("ratings_provincial_numeric.csv"), "ratings_provincial_numeric.csv")
    assert result.ok, result.errors[:5]
    rating = Rating.objects.get(ticket_no="BJ2026100194")
    assert rating.level == rr.VERY_SATISFIED
    assert rating.source.direction == rr.PROVINCIAL


def test_import_ratings_command_with_a_source(sample_staff, tmp_path, sample_bytes):
    source, _token = rating_source_create(name="省好差评系统", direction="provincial", code="province")
    path = tmp_path / "p.csv"
    path.write_bytes(sample_bytes("ratings_provincial_numeric.csv"))
    call_command("import_ratings", str(path), "--source", "province")
    assert Rating.objects.filter(source=source).count() == 50
    assert Rating.objects.get(ticket_no="BJ2026100194").level == rr.VERY_SATISFIED
    with pytest.raises(CommandError):
        call_command("import_ratings", str(path), "--source", "nope")


def test_a_bad_ratings_file_writes_nothing(sample_staff):
    text = HEADER + (
        "T1,1,2026-10-08 10:00,CD1001,01-01,社保,非常满意,短信,\n"
        "T2,1,2026-10-08 10:00,NOPE,01-01,社保,满意,短信,\n"
        "T3,1,2026-13-08 10:00,CD1001,01-01,社保,满意,短信,\n"
        "T4,1,2026-10-08 10:00,CD1001,01-01,社保,超级满意,短信,\n"
        "T1,1,2026-10-08 10:00,CD1001,01-01,社保,满意,短信,\n"
    )
    result = run("ratings", make_csv(text), "r.csv")
    assert [(e.row, e.column) for e in result.errors] == [(3, "经办人工号"), (4, "评价时间"), (5, "评价等级"), (6, "办件编号")]
    assert Rating.objects.count() == 0


def test_supersession_and_exclusions(sample_staff):
    staff = sample_staff["staff"]["CD1001"]
    text = HEADER + (
        "T1,1,2026-10-08 10:00,CD1001,01-01,社保,不满意,短信,慢\n"
        "T1,2,2026-10-09 10:00,CD1001,01-01,社保,满意,短信,\n"
        "T2,1,2026-10-10 10:00,CD1001,01-01,社保,基本满意,系统默认评价,\n"
        "T3,1,2026-10-10 11:00,CD1001,01-01,社保,非常满意,二维码,\n"
        "T4,1,2026-10-10 12:00,CD1001,01-01,社保,非常不满意,短信,态度差\n"
    )
    assert run("ratings", make_csv(text), "r.csv").ok
    assert Rating.objects.get(ticket_no="T1", assess_number=1).superseded
    period = selectors.Period(2026, 10)
    summary = selectors.rating_summaries(period=period, staff=[staff.pk])[staff.pk]
    # T1#1 superseded, T2 a system default: valid are T1#2 (80), T3 (100), T4 (0).
    assert summary.valid_count == 3
    assert str(summary.mean_points) == "60.00"
    case = BadReviewCase.objects.get(rating__ticket_no="T4")
    case.outcome = BadReviewCase.Outcome.APPEAL_UPHELD
    case.save()
    summary = selectors.rating_summaries(period=period, staff=[staff.pk])[staff.pk]
    assert summary.valid_count == 2 and str(summary.mean_points) == "90.00"


# --- API ----------------------------------------------------------------------------


@pytest.fixture
def token(db):
    _source, token = rating_source_create(name="大厅评价器", direction="gb", kind="device")
    return token


def post(client, body, token=None):
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"} if token else {}
    return client.post("/api/v1/ratings", data=json.dumps(body), content_type="application/json", **headers)


BODY = {
    "ticket_no": "BJ1",
    "staff_no": "CD1001",
    "window_code": "01-01",
    "level": "非常满意",
    "channel": "评价器",
    "rated_at": "2026-10-08T10:00:00+08:00",
}


def test_api_status_codes(client, sample_staff, token):
    assert post(client, BODY).status_code == 401
    assert post(client, BODY, token="wrong").status_code == 401
    first = post(client, BODY, token)
    assert first.status_code == 201, first.content
    assert first.json()["level_label"] == "非常满意"
    assert post(client, BODY, token).status_code == 200
    assert post(client, {**BODY, "level": 2}, token).status_code == 409
    assert Rating.objects.count() == 1
    bad = post(client, {**BODY, "ticket_no": "BJ2", "level": "很好", "staff_no": "NOPE"}, token)
    assert bad.status_code == 400
    assert set(bad.json()["errors"]) == {"level", "staff_no"}
    missing = post(client, {"ticket_no": "BJ3"}, token)
    assert missing.status_code == 400 and "rated_at" in missing.json()["errors"]


def test_api_bad_rating_opens_a_case_and_follow_up_supersedes(client, sample_staff, token):
    response = post(client, {**BODY, "ticket_no": "BJ9", "level": 5}, token)
    assert response.status_code == 201 and response.json()["case_opened"]
    case = BadReviewCase.objects.get()
    assert case.centre == sample_staff["windows"]["01-01"].centre
    assert post(client, {**BODY, "ticket_no": "BJ9", "assess_number": 2, "level": 2}, token).status_code == 201
    assert Rating.objects.get(ticket_no="BJ9", assess_number=1).superseded


def test_api_disabled_source_is_forbidden(client, sample_staff, token):
    RatingSource.objects.update(active=False)
    assert post(client, BODY, token).status_code == 403


def test_openapi_schema_and_no_docs_page(client):
    schema = client.get("/api/v1/openapi.json")
    assert schema.status_code == 200
    assert "/api/v1/ratings" in schema.json()["paths"]
    assert client.get("/api/v1/docs", follow=True).status_code == 404


def test_rating_source_create_prints_the_token_once(db, capsys):
    call_command("rating_source_create", "--name", "省平台", "--direction", "provincial")
    out = capsys.readouterr().out
    token = out.strip().splitlines()[-1]
    source = RatingSource.objects.get(name="省平台")
    assert source.direction == "provincial"
    assert token not in source.token_hash and len(source.token_hash) == 64
    from assessment.models.ratings import hash_token

    assert source.token_hash == hash_token(token)


# --- The citizen rating page ---------------------------------------------------------


def test_rate_page_leaves_a_rating(client, sample_staff):
    response = client.get("/rate/01-01/")
    assert response.status_code == 200
    assert "script-src" in response["Content-Security-Policy"]
    assert "unsafe-inline" not in response["Content-Security-Policy"].split("script-src")[1].split(";")[0]
    response = client.post("/rate/01-01/", {"level": 1, "ticket_no": "Q1"})
    assert response.status_code == 302
    rating = Rating.objects.get()
    # The ticket the citizen typed is information only: the page keeps no ticket key.
    assert (rating.level, rating.window.code, rating.channel, rating.ticket_no) == (1, "01-01", "二维码", "")
    assert rating.citizen_ticket_no == "Q1"


def test_a_bad_rating_needs_a_reason_and_opens_a_case(client, sample_staff):
    staff = factories.make_staff("CDX1", window=sample_staff["windows"]["01-02"])
    assert client.post("/rate/01-02/", {"level": 5}).status_code == 200  # asks for a reason
    assert Rating.objects.count() == 0
    response = client.post("/rate/01-02/", {"level": 5, "reasons": ["态度不好"], "staff_no": staff.pk})
    assert response.status_code == 302
    case = BadReviewCase.objects.get()
    assert case.staff == staff and case.rating.reasons == "态度不好"


def test_a_typed_ticket_is_no_key_on_the_rating_page(client, sample_staff):
    # Before: a second rating with the same typed ticket was refused, so anyone could squat a
    # citizen's ticket number. The page now keeps the typed ticket as information only (the
    # device and address limits stop repeats), and neither rating supersedes the other.
    assert client.post("/rate/01-01/", {"level": 2, "ticket_no": "Q7"}).status_code == 302
    assert client.post("/rate/01-01/", {"level": 1, "ticket_no": "Q7"}).status_code == 302
    assert list(Rating.objects.values_list("ticket_no", "citizen_ticket_no", "superseded")) == [("", "Q7", False)] * 2


def test_rate_page_limits_a_device_but_not_a_single_rating(client, sample_staff):
    client.get("/rate/01-01/")  # the device cookie
    assert client.post("/rate/01-01/", {"level": 1}).status_code == 302
    assert client.post("/rate/01-01/", {"level": 1}).status_code == 302
    assert client.post("/rate/01-01/", {"level": 1}).status_code == 429
    assert Rating.objects.count() == 2
    # Another phone in the same hall (same IP) still rates.
    from django.test import Client

    other = Client()
    other.get("/rate/01-01/")
    assert other.post("/rate/01-01/", {"level": 2}).status_code == 302


def test_rate_page_needs_csrf(sample_staff):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    assert strict.post("/rate/01-01/", {"level": 1}).status_code == 403
    page = strict.get("/rate/01-01/")
    token = page.cookies["csrftoken"].value
    assert strict.post("/rate/01-01/", {"level": 1, "csrfmiddlewaretoken": token}).status_code == 302


def test_unknown_window_is_404(client, db):
    assert client.get("/rate/NOPE/").status_code == 404


# --- Streaming: chunks inside one transaction ----------------------------------------


def _rows(n, start=0, staff_no="CD1001", level="非常满意"):
    return "".join(f"K{i:05d},1,2026-10-08 10:00,{staff_no},01-01,社保,{level},短信,\n" for i in range(start, start + n))


def test_a_bad_row_in_a_later_chunk_rolls_back_the_written_chunks(sample_staff, monkeypatch):
    from assessment.services import ratings

    monkeypatch.setattr(ratings, "RATING_CHUNK", 3)
    text = HEADER + _rows(10) + "K99999,1,2026-10-08 10:00,NOPE,01-01,社保,非常满意,短信,\n"
    result = run("ratings", make_csv(text), "r.csv")
    assert [(e.row, e.column) for e in result.errors] == [(12, "经办人工号")]
    assert result.total == 11 and result.created == 0 and not result.preview
    assert Rating.objects.count() == 0 and BadReviewCase.objects.count() == 0


def test_a_key_repeated_in_another_chunk_is_named(sample_staff, monkeypatch):
    from assessment.services import ratings

    monkeypatch.setattr(ratings, "RATING_CHUNK", 2)
    text = HEADER + _rows(5) + _rows(1, start=1)
    result = run("ratings", make_csv(text), "r.csv")
    assert [(e.row, e.column) for e in result.errors] == [(7, "办件编号")]
    assert "K00001" in result.errors[0].message and "3" in result.errors[0].message
    assert Rating.objects.count() == 0


def test_chunked_import_and_reimport_match_a_single_chunk(sample_staff, monkeypatch):
    from assessment.services import ratings

    monkeypatch.setattr(ratings, "RATING_CHUNK", 4)
    text = HEADER + _rows(9) + _rows(2, start=20, level="不满意")
    first = run("ratings", make_csv(text), "r.csv")
    assert first.ok and (first.total, first.created) == (11, 11)
    assert [row for row, _status, _values in first.preview] == list(range(2, 13))
    assert Rating.objects.count() == 11 and BadReviewCase.objects.count() == 2
    again = run("ratings", make_csv(text), "r.csv")
    assert again.ok and again.unchanged == 11 and Rating.objects.count() == 11


def test_errors_beyond_the_limit_are_counted_not_listed(sample_staff, tmp_path):
    from home.imports import MAX_LISTED_ERRORS

    text = HEADER + _rows(MAX_LISTED_ERRORS + 30, staff_no="NOPE")
    result = run("ratings", make_csv(text), "r.csv")
    assert len(result.errors) == MAX_LISTED_ERRORS and result.errors_omitted == 30
    assert result.summary()["errors"] == MAX_LISTED_ERRORS + 30
    assert result.errors[0].row == 2 and result.errors[-1].row == MAX_LISTED_ERRORS + 1
    path = tmp_path / "r.csv"
    path.write_bytes(make_csv(text))
    with pytest.raises(CommandError) as failed:
        call_command("import_ratings", str(path))
    assert str(MAX_LISTED_ERRORS + 30) in str(failed.value)


def test_gb18030_csv_is_read_as_a_stream(sample_staff):
    text = HEADER + "G1,1,2026-10-08 10:00,CD1001,01-01,不动产登记,非常不满意,短信,态度差\n"
    result = run("ratings", text.encode("gb18030"), "r.csv")
    assert result.ok, result.errors
    rating = Rating.objects.get(ticket_no="G1")
    assert (rating.matter, rating.comment, rating.level) == ("不动产登记", "态度差", rr.VERY_DISSATISFIED)


def test_ratings_import_queries_do_not_grow_with_rows(sample_staff):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    assert run("ratings", make_csv(HEADER + _rows(1, start=999)), "r.csv").ok  # makes the import source
    counts = []
    for n, start in ((5, 0), (50, 100)):
        with CaptureQueriesContext(connection) as queries:
            assert run("ratings", make_csv(HEADER + _rows(n, start=start)), "r.csv").ok
        counts.append(len(queries))
    assert counts[0] == counts[1]


def test_a_large_import_refreshes_the_planner_statistics(sample_staff, monkeypatch):
    """After a large write the tables are ANALYZEd, so the month's reads that follow (the
    evaluation compute) are planned on the tables as they now are; a small import, or a dry
    run, leaves the statistics alone."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from assessment.services import ratings

    monkeypatch.setattr(ratings, "ANALYZE_AFTER_ROWS", 5)
    analyzed = []
    for rows, start, dry_run in ((4, 0, False), (5, 10, True), (5, 20, False)):
        with CaptureQueriesContext(connection) as queries:
            assert run("ratings", make_csv(HEADER + _rows(rows, start=start)), "r.csv", dry_run=dry_run).ok
        analyzed.append(sorted(q["sql"] for q in queries.captured_queries if q["sql"].startswith("ANALYZE")))
    assert analyzed[:2] == [[], []]
    assert analyzed[2] == ['ANALYZE "assessment_badreviewcase"', 'ANALYZE "assessment_rating"']
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("SELECT COUNT(*) FROM sqlite_stat1 WHERE tbl = 'assessment_rating'")
            assert cursor.fetchone()[0] > 0
