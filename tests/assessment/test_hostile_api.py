"""Issue 12, item 6: the ratings API answers hostile input with 4xx, never 500, quickly.

Also the exam autosave and the public rating page with NUL and other control characters
(PostgreSQL cannot store NUL: a DataError, i.e. a 500, before the fix)."""

import json
import time

import pytest
from django.test import override_settings

from assessment import rating_rules as rr
from assessment.models import Rating
from assessment.services import rating_source_create

pytestmark = pytest.mark.django_db

BODY = {
    "ticket_no": "H1",
    "staff_no": "CD1001",
    "window_code": "01-01",
    "level": "非常满意",
    "channel": "评价器",
    "rated_at": "2026-10-08T10:00:00+08:00",
}


@pytest.fixture
def token(db):
    _source, token = rating_source_create(name="大厅评价器", direction="gb", kind="device")
    return token


def post(client, token, body=None, *, raw=None):
    data = raw if raw is not None else json.dumps(body)
    return client.post("/api/v1/ratings", data=data, content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {token}")


HOSTILE = [
    ("level", "NaN"),
    ("level", "Infinity"),
    ("level", "-Infinity"),
    ("level", True),
    ("level", "1e500000"),
    ("level", "9" * 50_000),
    ("level", 3.0),
    ("level", "3\x00"),
    ("rated_at", "0001-01-01T00:00:00+14:00"),
    ("rated_at", "9999-12-31T23:59:59-14:00"),
    ("rated_at", "1999-12-31T23:59:59+08:00"),
    ("ticket_no", "H\x00NUL"),
    ("staff_no", "CD1001\x00"),
    ("window_code", "01-01\x00"),
    ("channel", "评价器\x00"),
    ("comment", "很好\x00"),
    ("comment", "响铃\x07"),
    ("comment", "x" * 1001),
    ("ticket_no", "T" * 65),
    ("assess_number", True),
    ("assess_number", 10**30),
]


@pytest.mark.parametrize(("field", "value"), HOSTILE, ids=[f"{f}-{str(v)[:12]!r}" for f, v in HOSTILE])
def test_hostile_fields_answer_400_with_the_field_named_and_quickly(client, sample_staff, token, field, value):
    started = time.monotonic()
    response = post(client, token, {**BODY, field: value})
    assert time.monotonic() - started < 2
    assert response.status_code == 400, response.content
    assert field in response.json()["errors"]
    assert not Rating.objects.exists()


def test_rated_at_out_of_range_says_why_in_chinese(client, sample_staff, token):
    old = post(client, token, {**BODY, "rated_at": "0001-01-01T00:00:00+05:00"}).json()["errors"]["rated_at"]
    assert "2000" in old[0] and "评价时间" in old[0]
    future = post(client, token, {**BODY, "rated_at": "9999-01-01T00:00:00-05:00"}).json()["errors"]["rated_at"]
    assert "未来" in future[0]


def test_control_characters_are_refused_with_a_chinese_message(client, sample_staff, token):
    errors = post(client, token, {**BODY, "comment": "a\x00b"}).json()["errors"]
    assert "控制字符" in errors["comment"][0]


def test_a_level_that_is_not_one_says_which_levels_exist(client, sample_staff, token):
    for level in ("NaN", True, "1e500000"):
        message = post(client, token, {**BODY, "level": level}).json()["errors"]["level"]
        assert message and "非常满意" in message[0]


def test_body_over_the_limit_answers_413_with_a_json_detail(client, sample_staff, token):
    response = post(client, token, raw=json.dumps({**BODY, "comment": "x" * 70_000}))
    assert response.status_code == 413
    assert "detail" in response.json()
    with override_settings(RATINGS_API_MAX_BODY_BYTES=3 * 1024 * 1024):
        # Beyond Django's own DATA_UPLOAD_MAX_MEMORY_SIZE (2.5 MB) a body is refused too, not a 500.
        response = post(client, token, raw=json.dumps({**BODY, "comment": "x" * 2_700_000}))
        assert response.status_code in (400, 413)
    assert not Rating.objects.exists()


def test_a_body_that_is_not_json_is_a_400_in_the_error_shape(client, sample_staff, token):
    for raw in ("{bad", "[1, 2]", '"x"', "1" * 5000):
        response = post(client, token, raw=raw)
        assert response.status_code == 400, (raw[:10], response.content)
        assert "errors" in response.json()


def test_valid_levels_still_work_and_numbers_follow_the_direction(client, sample_staff, token):
    assert post(client, token, {**BODY, "ticket_no": "V1", "level": 2}).status_code == 201
    assert post(client, token, {**BODY, "ticket_no": "V2", "level": "4"}).status_code == 201
    assert post(client, token, {**BODY, "ticket_no": "V3", "level": "很满意"}).status_code == 201
    assert sorted(Rating.objects.values_list("level", flat=True)) == [1, 2, 4]


def test_the_openapi_schema_declares_errors_lengths_and_enums(client):
    schema = client.get("/api/v1/openapi.json").json()
    operation = schema["paths"]["/api/v1/ratings"]["post"]
    assert {"200", "201", "400", "401", "403", "409", "413"} <= set(operation["responses"])
    body = operation["requestBody"]["content"]["application/json"]["schema"]
    if "$ref" in body:
        body = schema["components"]["schemas"][body["$ref"].rsplit("/", 1)[1]]
    props = body["properties"]
    assert props["ticket_no"]["maxLength"] == 64 and props["comment"]["maxLength"] == 1000
    assert props["channel"]["maxLength"] == 30 and props["staff_no"]["maxLength"] == 30
    level = json.dumps(props["level"], ensure_ascii=False)
    assert all(label in level for label in rr.LEVEL_LABELS.values())
    assert '"maximum": 5' in level
    error_400 = operation["responses"]["400"]["content"]["application/json"]["schema"]
    assert "Errors" in json.dumps(error_400)


def test_parse_level_is_bounded_and_refuses_non_numbers():
    for value in ("NaN", "sNaN", "Infinity", "1e500000", "1e-500000", "9" * 100_000, True, float("nan"), float("inf"), "2.5"):
        started = time.monotonic()
        with pytest.raises(rr.LevelError):
            rr.parse_level(value)
        assert time.monotonic() - started < 0.5
    assert rr.parse_level("5.0") == 5 and rr.parse_level(2, rr.PROVINCIAL) == 4


# --- the exam autosave and the rating page --------------------------------------------


def test_an_exam_autosave_with_a_nul_answers_400(client_for, staff_member):
    from exams.models import Attempt
    from tests.exams.builders import make_exam, make_fixed_paper, make_standard_questions

    exam = make_exam(make_fixed_paper(make_standard_questions()), individuals=[staff_member])
    client = client_for(staff_member.user)
    client.get(f"/me/exams/{exam.pk}/")
    client.post(f"/me/exams/{exam.pk}/start/")
    attempt = Attempt.objects.get(exam=exam, staff=staff_member)
    url = f"/me/exams/attempts/{attempt.pk}/answer/"
    for position in range(attempt.items.count()):
        for response in ("先安抚\x00", ["\x00"], {"a": "\x00"}):
            answered = client.post(url, json.dumps({"position": position, "response": response, "seq": 1}),
                                   content_type="application/json")
            assert answered.status_code == 400, answered.content
    deep = "[" * 100_000 + "]" * 100_000
    answered = client.post(url, '{"position": 0, "seq": 1, "response": ' + deep + '}', content_type="application/json")
    assert answered.status_code == 400


def test_the_rating_page_refuses_a_comment_with_control_characters(client, sample_staff):
    response = client.post("/rate/01-01/", {"level": 1, "comment": "好\x00"})
    assert response.status_code == 200  # the form again, with the error
    assert "控制字符" in response.content.decode()
    response = client.post("/rate/01-01/", {"level": 1, "comment": "好\x07"})
    assert "控制字符" in response.content.decode()
    assert not Rating.objects.exists()
