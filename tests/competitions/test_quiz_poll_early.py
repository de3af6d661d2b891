"""A quiz show's unchanged poll is answered before the session and the rest of the middleware
(home.middleware.EarlyAnswerMiddleware): no session is read or renewed, no query, while a
changed state and every other request go the usual way (bench/bench_quiz_poll.py measures
the CPU this saves)."""

import pytest
from django.conf import settings
from django.urls import reverse

from people import roles
from tests import factories

from .quiz_setup import make_quiz


@pytest.fixture
def quiz(home_page):
    return make_quiz()


def test_an_unchanged_poll_is_answered_before_the_session_middleware(quiz, client, django_assert_num_queries):
    organiser = factories.make_user_with_role(roles.TRAINER)
    client.force_login(organiser)
    url = reverse("competitions:quiz_host_state", args=[quiz.show.pk])
    state = client.get(url).json()
    session_cookie = client.cookies[settings.SESSION_COOKIE_NAME].value

    with django_assert_num_queries(0):
        unchanged = client.get(url, {"v": state["version"]})
    assert unchanged.status_code == 304
    # Answered early: no session cookie written back, no language negotiated.
    assert settings.SESSION_COOKIE_NAME not in unchanged.cookies
    assert "Content-Language" not in unchanged
    assert client.cookies[settings.SESSION_COOKIE_NAME].value == session_cookie

    # An older version: the full state through every middleware, for the organiser only.
    changed = client.get(url, {"v": state["version"] - 1})
    assert changed.status_code == 200 and changed["Content-Language"]
    client.logout()
    assert client.get(url, {"v": state["version"] - 1}).status_code == 302  # to the login page

    # The screen's poll with any other query string is not answered early either.
    screen = reverse("competitions:quiz_screen_state", args=[quiz.show.pk, quiz.show.screen_token])
    assert client.get(screen, {"x": "1"}).status_code == 200
    assert client.get(screen, {"v": state["version"]}).status_code == 304
