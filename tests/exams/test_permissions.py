"""Who may open the exams app's pages: the matrix (anonymous and each role × URL), and
nobody reads another person's attempt."""

import json

import pytest

from exams import services
from tests.helpers import assert_denied

from .builders import make_exam, make_fixed_paper, make_standard_questions

LOGIN = "login"
ADMIN_LOGIN = "admin-login"
DENIED = "denied"
USERS = ["anonymous", "staff", "trainer", "hr", "supervisor", "vendor", "judge", "admin"]

# fmt: off
MATRIX = {
    #                                     anon         staff        trainer hr      superv. vendor       judge        admin
    "/me/exams/":                         [LOGIN,       200,         403,    403,    403,    403,         403,         403],
    "/me/exams/{exam}/":                  [LOGIN,       200,         403,    403,    403,    403,         403,         403],
    "/me/exams/attempts/{attempt}/":      [LOGIN,       200,         403,    403,    403,    403,         403,         403],
    "/admin/exams/banks/":                [ADMIN_LOGIN, ADMIN_LOGIN, 200,    DENIED, DENIED, ADMIN_LOGIN, ADMIN_LOGIN, 200],
    "/admin/exams/questions/":            [ADMIN_LOGIN, ADMIN_LOGIN, 200,    DENIED, DENIED, ADMIN_LOGIN, ADMIN_LOGIN, 200],
    "/admin/exams/questions/new/":        [ADMIN_LOGIN, ADMIN_LOGIN, 200,    DENIED, DENIED, ADMIN_LOGIN, ADMIN_LOGIN, 200],
    "/admin/exams/papers/new/":           [ADMIN_LOGIN, ADMIN_LOGIN, 200,    DENIED, DENIED, ADMIN_LOGIN, ADMIN_LOGIN, 200],
    "/admin/exams/exams/":                [ADMIN_LOGIN, ADMIN_LOGIN, 200,    200,    DENIED, ADMIN_LOGIN, ADMIN_LOGIN, 200],
    "/admin/exams/exams/new/":            [ADMIN_LOGIN, ADMIN_LOGIN, 200,    DENIED, DENIED, ADMIN_LOGIN, ADMIN_LOGIN, 200],
    "/admin/exams/bank/{bank}/import/":   [ADMIN_LOGIN, ADMIN_LOGIN, 200,    DENIED, DENIED, ADMIN_LOGIN, ADMIN_LOGIN, 200],
    "/admin/exams/bank/{bank}/export/":   [ADMIN_LOGIN, ADMIN_LOGIN, 200,    DENIED, DENIED, ADMIN_LOGIN, ADMIN_LOGIN, 200],
    "/admin/exams/report/{exam}/":        [ADMIN_LOGIN, ADMIN_LOGIN, 200,    200,    DENIED, ADMIN_LOGIN, ADMIN_LOGIN, 200],
    "/admin/exams/report/{exam}/results.xlsx": [ADMIN_LOGIN, ADMIN_LOGIN, 200, 200,  DENIED, ADMIN_LOGIN, ADMIN_LOGIN, 200],
    "/admin/exams/report/{exam}/answers.xlsx": [ADMIN_LOGIN, ADMIN_LOGIN, 200, 200,  DENIED, ADMIN_LOGIN, ADMIN_LOGIN, 200],
    "/admin/exams/grading/":              [ADMIN_LOGIN, ADMIN_LOGIN, 200,    DENIED, DENIED, ADMIN_LOGIN, ADMIN_LOGIN, 200],
}
# fmt: on
CASES = [(url, user, outcome) for url, outcomes in MATRIX.items() for user, outcome in zip(USERS, outcomes, strict=True)]


@pytest.fixture
def exam_objects(db, staff_member):
    questions = make_standard_questions()
    exam = make_exam(make_fixed_paper(questions), individuals=[staff_member])
    attempt = services.attempt_start(exam=exam, staff=staff_member)
    return {"exam": exam.pk, "attempt": attempt.pk, "bank": questions[0].bank_id}


@pytest.mark.django_db
@pytest.mark.parametrize("template, user_key, expected", CASES, ids=[f"{u}-{k}" for u, k, _ in CASES])
def test_permission_matrix(client_for, role_users, home_page, exam_objects, template, user_key, expected):
    url = template.format(**exam_objects)
    user = None if user_key == "anonymous" else role_users[user_key]
    response = client_for(user).get(url)
    if expected in (LOGIN, ADMIN_LOGIN):
        assert_denied(response, login_redirect=True)
    elif expected == DENIED:
        assert_denied(response)
    else:
        assert response.status_code == expected, response.content[:300]


@pytest.mark.django_db
def test_nobody_reads_or_writes_another_persons_attempt(client_for, exam_objects, other_staff):
    client = client_for(other_staff.user)
    attempt = exam_objects["attempt"]
    assert client.get(f"/me/exams/attempts/{attempt}/").status_code == 404
    assert client.get(f"/me/exams/attempts/{attempt}/result/").status_code == 404
    saved = client.post(f"/me/exams/attempts/{attempt}/answer/", json.dumps({"position": 0, "response": ["A"], "seq": 9}),
                        content_type="application/json")
    assert saved.status_code == 404
    assert client.post(f"/me/exams/attempts/{attempt}/submit/").status_code == 404
    # Not a candidate: the exam itself is not found, and cannot be started.
    assert client.get(f"/me/exams/{exam_objects['exam']}/").status_code == 404
    assert client.post(f"/me/exams/{exam_objects['exam']}/start/").status_code == 404
    assert "exam-card" not in client.get("/me/exams/").content.decode()


@pytest.mark.django_db
def test_invigilators_see_their_exams_report(client_for, exam_objects):
    from exams.models import Exam
    from people import roles
    from tests import factories

    supervisor = factories.make_user_with_role(roles.SUPERVISOR, "invigilator")
    Exam.objects.get(pk=exam_objects["exam"]).invigilators.add(supervisor)
    assert client_for(supervisor).get(f"/admin/exams/report/{exam_objects['exam']}/").status_code == 200


@pytest.mark.django_db
def test_portal_links_to_my_exams(client_for, staff_member, home_page):
    assert 'href="/me/exams/"' in client_for(staff_member.user).get("/me/").content.decode()
