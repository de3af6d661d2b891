"""The cheap paths a whole centre hits at once (bench/bench_exam_load.py measures them):
an autosave is two queries and no session write, the exam pages a fixed handful of queries,
and the guarantees stay: a stale save never wins, saves past the deadline are refused, a
save and a submit never cross, nobody writes another's attempt."""

import json
import time
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from exams import services
from exams.models import Attempt, AttemptItem, AttemptStatus
from home.middleware import SESSION_RENEWAL_INTERVAL, SESSION_RENEWED_KEY

from .builders import make_bank, make_exam, make_fixed_paper, make_question, make_standard_questions

pytestmark = pytest.mark.django_db


def statements(queries):
    """The SQL a request ran, without the savepoints of atomic blocks nested in the test's
    transaction (outside tests those are a plain BEGIN/COMMIT)."""
    return [q["sql"] for q in queries.captured_queries if not q["sql"].startswith(("SAVEPOINT", "RELEASE SAVEPOINT"))]


@pytest.fixture
def exam(staff_member):
    return make_exam(make_fixed_paper(make_standard_questions()), individuals=[staff_member])


@pytest.fixture
def sitting(client_for, exam, staff_member):
    """The staff member's client with an attempt started through the pages."""
    client = client_for(staff_member.user)
    client.get(f"/me/exams/{exam.pk}/")
    client.post(f"/me/exams/{exam.pk}/start/")
    return client, Attempt.objects.get(exam=exam, staff=staff_member)


def save(client, attempt, position, response, seq):
    return client.post(f"/me/exams/attempts/{attempt.pk}/answer/", json.dumps(
        {"position": position, "response": response, "seq": seq}), content_type="application/json")


def set_renewed_at(client, seconds_ago):
    session = client.session
    session[SESSION_RENEWED_KEY] = int(time.time()) - seconds_ago
    session.save()


# --- the service ------------------------------------------------------------------------


def test_a_save_is_one_locking_read_and_one_conditional_update(exam, staff_member):
    attempt = services.attempt_start(exam=exam, staff=staff_member)
    with CaptureQueriesContext(connection) as queries:
        assert services.attempt_save_answer(attempt=attempt.pk, user=staff_member.user, position=0, response=["B"], seq=1)
    sql = statements(queries)
    assert len(sql) == 2, sql
    assert sql[0].startswith("SELECT") and "exams_attempt" in sql[0]
    assert sql[1].startswith("UPDATE") and "exams_attemptitem" in sql[1] and '"response_seq" < 1' in sql[1]
    # The attempt row is never written by a save.
    assert not any(s.startswith('UPDATE "exams_attempt"') for s in sql)
    # Many saves later the count is the same.
    for seq, (position, response) in enumerate([(1, ["A", "C"]), (2, "true"), (3, ["一"]), (4, "先安抚")] * 3, start=2):
        services.attempt_save_answer(attempt=attempt.pk, position=position, response=response, seq=seq)
    with CaptureQueriesContext(connection) as queries:
        assert services.attempt_save_answer(attempt=attempt.pk, user=staff_member.user, position=0, response=["C"], seq=50)
    assert len(statements(queries)) == 2


def test_a_save_of_someone_elses_attempt_is_not_found_and_writes_nothing(exam, staff_member, other_staff):
    attempt = services.attempt_start(exam=exam, staff=staff_member)
    with pytest.raises(services.AttemptNotFound):
        services.attempt_save_answer(attempt=attempt.pk, user=other_staff.user, position=0, response=["A"], seq=1)
    with pytest.raises(services.SaveRefused):
        services.attempt_save_answer(attempt=attempt.pk, user=staff_member.user, position=99, response=["A"], seq=1)
    assert not AttemptItem.objects.filter(attempt=attempt).exclude(response=None).exists()


def test_the_deadline_is_checked_against_the_row_read_by_the_save(exam, staff_member):
    attempt = services.attempt_start(exam=exam, staff=staff_member)
    # The deadline moved in the database (extra time granted): the in-memory copy is stale.
    Attempt.objects.filter(pk=attempt.pk).update(deadline=attempt.deadline + timedelta(minutes=20))
    late_for_the_old_deadline = attempt.deadline + services.SAVE_GRACE + timedelta(minutes=1)
    assert services.attempt_save_answer(attempt=attempt, position=0, response=["B"], seq=1, now=late_for_the_old_deadline)
    # And a closed attempt refuses, even through a stale in-memory copy that says "in progress".
    services.attempt_close(attempt=Attempt.objects.get(pk=attempt.pk))
    assert attempt.status == AttemptStatus.IN_PROGRESS
    with pytest.raises(services.SaveRefused) as refused:
        services.attempt_save_answer(attempt=attempt, position=0, response=["C"], seq=2)
    assert refused.value.closed
    assert AttemptItem.objects.get(attempt=attempt, position=0).response == "B"


# --- the autosave request and the session ---------------------------------------------------------


def test_an_autosave_request_runs_four_queries_and_does_not_write_the_session(sitting):
    client, attempt = sitting
    set_renewed_at(client, 10)
    with CaptureQueriesContext(connection) as queries:
        response = save(client, attempt, 0, ["B"], 1)
    assert response.status_code == 200 and response.json()["stored"] is True
    sql = statements(queries)
    # The session and the user (authentication), the locking read, the conditional UPDATE.
    assert len(sql) == 4, sql
    assert not any("django_session" in s for s in sql if not s.startswith("SELECT"))
    assert "sessionid" not in response.cookies


def test_an_autosave_renews_a_session_last_written_long_ago(sitting):
    client, attempt = sitting
    set_renewed_at(client, SESSION_RENEWAL_INTERVAL + 5)
    with CaptureQueriesContext(connection) as queries:
        assert save(client, attempt, 0, ["B"], 1).status_code == 200
    assert any(s.startswith('UPDATE "django_session"') for s in statements(queries))
    assert time.time() - client.session[SESSION_RENEWED_KEY] < 60
    # Now fresh: the next save leaves it alone.
    with CaptureQueriesContext(connection) as queries:
        assert save(client, attempt, 1, ["A"], 2).status_code == 200
    assert not any(s.startswith('UPDATE "django_session"') for s in statements(queries))


def test_other_pages_still_renew_the_session_on_every_request(sitting):
    client, _attempt = sitting
    set_renewed_at(client, 10)
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/me/exams/").status_code == 200
    assert any(s.startswith('UPDATE "django_session"') for s in statements(queries))


def test_an_expired_session_is_not_revived_by_an_autosave(sitting):
    from django.contrib.sessions.models import Session
    from django.utils import timezone

    client, attempt = sitting
    set_renewed_at(client, 10)
    Session.objects.filter(session_key=client.session.session_key).update(expire_date=timezone.now() - timedelta(seconds=1))
    response = save(client, attempt, 0, ["B"], 1)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert AttemptItem.objects.get(attempt=attempt, position=0).response is None


def test_autosave_permissions(client_for, sitting, other_staff, role_users):
    _client, attempt = sitting
    assert save(client_for(other_staff.user), attempt, 0, ["A"], 9).status_code == 404
    assert save(client_for(role_users["trainer"]), attempt, 0, ["A"], 9).status_code == 403
    assert save(client_for(None), attempt, 0, ["A"], 9).status_code == 302
    assert AttemptItem.objects.get(attempt=attempt, position=0).response is None


def test_a_save_for_a_question_the_paper_does_not_have_is_a_bad_request(sitting):
    client, attempt = sitting
    response = save(client, attempt, 42, ["A"], 1)
    assert response.status_code == 400 and response.json()["closed"] is False


# --- the exam pages ------------------------------------------------------------------------------


def test_the_crowd_path_runs_a_fixed_handful_of_queries(client_for, staff_member):
    """Cover page, start, answer sheet: the same counts for 2 questions and for 30."""
    bank = make_bank()
    counts = []
    for size in (2, 30):
        exam = make_exam(make_fixed_paper([make_question(bank) for _ in range(size)], shuffle_options=True,
                                          shuffle_questions=True), individuals=[staff_member])
        client = client_for(staff_member.user)
        set_renewed_at(client, 10)
        run = []
        with CaptureQueriesContext(connection) as queries:
            assert client.get(f"/me/exams/{exam.pk}/").status_code == 200
        run.append(len(statements(queries)))
        with CaptureQueriesContext(connection) as queries:
            response = client.post(f"/me/exams/{exam.pk}/start/")
        assert response.status_code == 302
        run.append(len(statements(queries)))
        with CaptureQueriesContext(connection) as queries:
            html = client.get(response["Location"]).content.decode()
        assert html.count("<fieldset") == size
        run.append(len(statements(queries)))
        counts.append(run)
    assert counts[0] == counts[1]
    cover, start, sheet = counts[1]
    # Cover: session, user, then the person, the exam, its paper, their override and whether they
    # have attempts in one query (no attempts yet: none read); the session was renewed 10 s ago.
    assert cover <= 3, counts
    # Start: session, user, the candidate row (locked) with the exam, paper and override, the attempts,
    # the paper's slots with their questions' current versions, the attempt and its items (one
    # statement each); the session is not rewritten.
    assert start <= 7, counts
    # Answer sheet: session, user, the attempt's items with the attempt, exam, person and versions.
    assert sheet <= 3, counts


def test_the_answer_sheet_resumes_at_the_question_of_the_last_save(sitting):
    client, attempt = sitting
    save(client, attempt, 3, ["一"], 1)
    save(client, attempt, 1, ["A"], 2)
    html = client.get(f"/me/exams/attempts/{attempt.pk}/").content.decode()
    config = json.loads(html.split('<script id="exam-config" type="application/json">')[1].split("</script>")[0])
    assert config["position"] == 1 and config["seq"] == 2
    # Every field of every type is on the sheet, with the saved answers in the displayed letters.
    assert 'name="q1" value="A" checked' in html and 'value="一"' in html
    assert 'name="q2" value="true"' in html and 'id="q4-text"' in html
    # In the candidate's language, like the rest of the site.
    assert "第 1 题" in html and "第 1 空" in html and "（2.00 分）" in html


def test_the_answer_sheet_escapes_what_the_bank_and_the_candidate_wrote(client_for, staff_member):
    question = make_question(options=("<b>甲</b>", "乙&丙", '"丁"', "戊"), answer="B")
    blank = make_question(question.bank, qtype="blank", options=(), answer="一")
    exam = make_exam(make_fixed_paper([question, blank]), individuals=[staff_member])
    attempt = services.attempt_start(exam=exam, staff=staff_member)
    services.attempt_save_answer(attempt=attempt, position=1, response=['"><script>alert(1)</script>'], seq=1)
    html = client_for(staff_member.user).get(f"/me/exams/attempts/{attempt.pk}/").content.decode()
    assert "<b>甲</b>" not in html and "&lt;b&gt;甲&lt;/b&gt;" in html and "乙&amp;丙" in html
    assert "<script>alert(1)" not in html and "&lt;script&gt;alert(1)" in html
