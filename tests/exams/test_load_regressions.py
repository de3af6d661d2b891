"""Regressions found by bench/bench_exam_load.py (the autosave load benchmark).

A save whose sequence number does not fit AttemptItem.response_seq (a 32-bit integer in
PostgreSQL) or is not a finite number was a 500 (DataError "integer out of range" from the
UPDATE, or OverflowError from int(Infinity)); it is a malformed save, refused with a 400, and
the stored answer is untouched.
"""

import json

import pytest

from exams.models import Attempt, AttemptItem

from .builders import make_exam, make_fixed_paper, make_standard_questions

pytestmark = pytest.mark.django_db


@pytest.fixture
def attempt_and_post(client_for, staff_member):
    exam = make_exam(make_fixed_paper(make_standard_questions()[:1]), individuals=[staff_member])
    client = client_for(staff_member.user)
    client.post(f"/me/exams/{exam.pk}/start/")
    attempt = Attempt.objects.get(exam=exam, staff=staff_member)

    def post(raw):
        return client.post(f"/me/exams/attempts/{attempt.pk}/answer/", raw, content_type="application/json")

    return attempt, post


@pytest.mark.parametrize("seq", ["2147483648", "9223372036854775808", "1e400", "Infinity", "-Infinity", "NaN", "-1"])
def test_a_sequence_number_out_of_range_is_a_bad_request(attempt_and_post, seq):
    attempt, post = attempt_and_post
    assert post(json.dumps({"position": 0, "response": ["B"], "seq": 1})).json()["stored"] is True
    response = post('{"position": 0, "response": ["A"], "seq": %s}' % seq)
    assert response.status_code == 400
    item = AttemptItem.objects.get(attempt=attempt, position=0)
    assert (item.response, item.response_seq) == ("B", 1)


def test_the_largest_sequence_number_is_stored(attempt_and_post):
    attempt, post = attempt_and_post
    assert post(json.dumps({"position": 0, "response": ["C"], "seq": 2**31 - 1})).json()["stored"] is True
    assert AttemptItem.objects.get(attempt=attempt, position=0).response_seq == 2**31 - 1


def test_a_position_that_is_not_a_finite_number_is_a_bad_request(attempt_and_post):
    _attempt, post = attempt_and_post
    assert post('{"position": Infinity, "response": ["A"], "seq": 1}').status_code == 400
