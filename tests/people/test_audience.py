"""The audience fields shared by course assignments and exams: centres, posts and vendors
as checkboxes, individuals typed as 工号, and the live count of who matches now."""

from datetime import timedelta

import pytest
from django.utils import timezone

from exams.models import Exam, ExamCandidate
from tests import factories
from tests.exams.builders import make_fixed_paper, make_question
from tests.helpers import assert_denied, visible_text

pytestmark = pytest.mark.django_db


def _exam_data(paper, **audience):
    now = timezone.localtime()
    return {"title": "月度测试", "description": "", "paper": paper.pk,
            "opens_at": (now - timedelta(hours=1)).strftime("%Y-%m-%d %H:%M"),
            "closes_at": (now + timedelta(days=1)).strftime("%Y-%m-%d %H:%M"), "duration_minutes": 30,
            "attempts_allowed": 1, "scoring_rule": "highest", "pass_percent": "60", "review_rule": "after_close",
            "active": "on", "overrides-TOTAL_FORMS": 0, "overrides-INITIAL_FORMS": 0,
            "overrides-MIN_NUM_FORMS": 0, "overrides-MAX_NUM_FORMS": 1000, **audience}


def test_the_exam_form_names_people_by_staff_number_not_a_list_of_everyone(client_for, role_users):
    people = [factories.make_staff() for _ in range(3)]
    client = client_for(role_users["trainer"])
    form = client.get("/admin/exams/exams/new/").content.decode()
    # No <select> of every person: the roster may hold thousands.
    assert 'name="individuals"' not in form and 'name="individual_staff_nos"' in form
    assert 'type="checkbox" name="centres"' in form and "data-audience-count-url" in form

    paper = make_fixed_paper([make_question()])
    typed = f"{people[2].staff_no}，{people[0].staff_no}\n{people[2].staff_no}"
    response = client.post("/admin/exams/exams/new/", _exam_data(paper, individual_staff_nos=typed))
    assert response.status_code == 302, response.content.decode()[:2000]
    exam = Exam.objects.get()
    assert set(exam.individuals.all()) == {people[0], people[2]}
    assert set(ExamCandidate.objects.filter(exam=exam).values_list("staff_id", flat=True)) == {people[0].pk, people[2].pk}

    edit = client.get(f"/admin/exams/exams/edit/{exam.pk}/").content.decode()
    assert f"{people[0].staff_no} {people[2].staff_no}" in edit or f"{people[2].staff_no} {people[0].staff_no}" in edit


def test_unknown_staff_numbers_and_an_empty_audience_are_refused(client_for, role_users):
    paper = make_fixed_paper([make_question()])
    client = client_for(role_users["trainer"])
    response = client.post("/admin/exams/exams/new/", _exam_data(paper, individual_staff_nos="XX999 YY1"))
    assert "没有工号为 XX999、YY1 的人员" in visible_text(response.content.decode())
    response = client.post("/admin/exams/exams/new/", _exam_data(paper))
    assert "请选择考试对象" in visible_text(response.content.decode())
    assert not Exam.objects.exists()


def test_the_live_count_counts_active_people_matching_every_dimension(client_for, role_users):
    east, west = factories.make_centre("城东"), factories.make_centre("城西")
    reception = factories.make_post("综合受理")
    factories.make_staff(centre=east, post=reception)
    factories.make_staff(centre=east)
    factories.make_staff(centre=east, post=reception, active=False)
    named = factories.make_staff(centre=west)
    client = client_for(role_users["trainer"])
    url = "/admin/people/audience-count/"
    assert client.get(url, {"centres": [east.pk]}).json() == {"count": 2}
    assert client.get(url, {"centres": [east.pk], "posts": [reception.pk]}).json() == {"count": 1}
    assert client.get(
        url, {"centres": [east.pk], "posts": [reception.pk], "individual_staff_nos": f"{named.staff_no}, nobody"}
    ).json() == {"count": 2}
    assert client.get(url, {"centres": ["x", "-1"]}).json() == {"count": 0}


def test_the_live_count_is_for_admin_users_only(client_for, role_users):
    assert_denied(client_for(role_users["staff"]).get("/admin/people/audience-count/"), login_redirect=True)
    assert client_for(None).get("/admin/people/audience-count/").status_code == 302
