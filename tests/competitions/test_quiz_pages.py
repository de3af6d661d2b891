"""The live quiz show's pages: who may open the host console (and start the show from it), the
big screen behind its secret link, a team joining on its phone, and what the pages cost."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from competitions.models import QuizShow, RoundState
from people import roles
from tests import factories
from tests.helpers import assert_denied

from .quiz_setup import make_quiz

pytestmark = pytest.mark.django_db


@pytest.fixture
def quiz(home_page):
    return make_quiz()


@pytest.fixture
def organiser(db):
    return factories.make_user_with_role(roles.TRAINER)


def _host_url(quiz):
    return reverse("competitions:quiz_host", args=[quiz.round.pk])


def test_only_organisers_open_the_host_console(quiz, organiser, client):
    url = _host_url(quiz)
    assert_denied(client.get(url), login_redirect=True)
    for user in (factories.make_staff().user, factories.make_user_with_role(roles.JUDGE),
                 factories.make_user_with_role(roles.SUPERVISOR)):
        client.force_login(user)
        assert_denied(client.get(url))
        assert_denied(client.post(url))
    client.force_login(organiser)
    response = client.get(url)
    assert response.status_code == 200
    html = response.content.decode()
    # The join codes, the big screen's secret link and the team address are on the console.
    for access in quiz.show.team_access.all():
        assert access.code in html
    assert reverse("competitions:quiz_screen", args=[quiz.show.pk, quiz.show.screen_token]) in html
    assert reverse("competitions:quiz_team", args=[quiz.show.pk]) in html
    # Every question is listed, under its segment.
    for question in quiz.questions:
        assert f'data-question="{question.pk}"' in html


def test_the_console_of_a_round_without_a_show_starts_it(home_page, organiser, client):
    quiz = make_quiz(start=False)
    client.force_login(organiser)
    url = _host_url(quiz)
    page = client.get(url)
    assert page.status_code == 200 and b"data-quiz-start" in page.content
    assert not QuizShow.objects.filter(round=quiz.round).exists()
    response = client.post(url)
    assert response.status_code == 302 and response["Location"] == url
    show = QuizShow.objects.get(round=quiz.round)
    assert show.team_access.count() == 3
    quiz.round.refresh_from_db()
    assert quiz.round.state == RoundState.OPEN
    assert b"data-quiz-host" in client.get(url).content
    # Posting again changes nothing.
    client.post(url)
    assert QuizShow.objects.filter(round=quiz.round).count() == 1


def test_a_round_that_is_not_a_quiz_has_no_console(quiz, organiser, client):
    from competitions.models import Round, RoundKind

    other = Round.objects.create(competition=quiz.competition, code="SC", name="实操", kind=RoundKind.PRACTICAL,
                                 weight=40)
    client.force_login(organiser)
    assert client.get(reverse("competitions:quiz_host", args=[other.pk])).status_code == 404
    assert client.post(reverse("competitions:quiz_host", args=[other.pk])).status_code == 404


def test_the_big_screen_needs_its_secret_link(quiz, client):
    good = client.get(reverse("competitions:quiz_screen", args=[quiz.show.pk, quiz.show.screen_token]))
    assert good.status_code == 200
    html = good.content.decode()
    assert "甲队" in html and reverse("competitions:quiz_team", args=[quiz.show.pk]) in html
    # The join codes are the host's: never on the big screen.
    for access in quiz.show.team_access.all():
        assert access.code not in html
    assert client.get(reverse("competitions:quiz_screen", args=[quiz.show.pk, "wrong-token"])).status_code == 404
    assert client.get(reverse("competitions:quiz_screen", args=[quiz.show.pk + 999, quiz.show.screen_token])
                      ).status_code == 404


def test_a_team_joins_with_its_code_and_a_wrong_code_is_refused_in_chinese(quiz, client):
    url = reverse("competitions:quiz_team", args=[quiz.show.pk])
    page = client.get(url)
    assert page.status_code == 200 and b"data-join-form" in page.content
    wrong = client.post(url, {"code": "AAAAAAAA"})
    assert wrong.status_code == 400
    assert "本场比赛没有使用此加入码的参赛队。" in wrong.content.decode()
    assert 'aria-invalid="true"' in wrong.content.decode()
    # Nobody joined: the team state refuses this browser.
    assert client.get(reverse("competitions:quiz_team_state", args=[quiz.show.pk])).status_code == 403
    code = quiz.show.team_access.get(entry=quiz.teams[1]).code
    joined = client.post(url, {"code": f"  {code.lower()} "})
    assert joined.status_code == 302 and joined["Location"] == url
    page = client.get(url)
    assert b"data-join-form" not in page.content and b"data-buzz" in page.content
    state = client.get(reverse("competitions:quiz_team_state", args=[quiz.show.pk])).json()
    assert state["me"]["entry"] == quiz.teams[1].pk and state["me"]["name"] == "乙队"
    # The team page of a show that does not exist is a 404.
    assert client.get(reverse("competitions:quiz_team", args=[quiz.show.pk + 999])).status_code == 404


def test_the_pages_cost_a_fixed_number_of_queries(quiz, organiser, client, django_assert_max_num_queries):
    more = make_quiz(teams=("甲", "乙", "丙", "丁", "戊", "己"), questions=[("buzzer", None)] * 20)
    client.force_login(organiser)
    # The same count with 3 teams and 9 questions as with 6 teams and 20 questions.
    client.get(_host_url(quiz))  # the first request of a login renews its session
    counts = []
    for setup in (quiz, more):
        with CaptureQueriesContext(connection) as queries:
            assert client.get(_host_url(setup)).status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1] <= 8, counts
    client.logout()
    with django_assert_max_num_queries(2):  # the show, its teams
        assert client.get(reverse("competitions:quiz_screen", args=[more.show.pk, more.show.screen_token])
                          ).status_code == 200
    with django_assert_max_num_queries(3):  # the session, the show
        assert client.get(reverse("competitions:quiz_team", args=[more.show.pk])).status_code == 200


def test_the_results_page_links_a_quiz_round_to_its_console_and_event_log(quiz, organiser, client):
    client.force_login(organiser)
    html = client.get(reverse("competitions_results:results", args=[quiz.competition.pk])).content.decode()
    assert f'href="{_host_url(quiz)}"' in html
    assert reverse("competitions_results:quiz_events", args=[quiz.competition.pk, quiz.round.pk]) in html
