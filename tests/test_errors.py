"""The error pages: a database that cannot be reached or refuses a write gets a 503 that
says nothing was saved and shows what the person wrote; any other error the 500 page.
(tests/load/test_faults.py shows the same against real faults under gunicorn.)"""

from unittest import mock

import pytest
from django.db import IntegrityError, OperationalError
from django.test import Client
from django.urls import reverse

from tests.factories import draft_plan
from tests.plans.test_views import goal_post


@pytest.fixture
def browser(keyworker):
    """Django's test client, answering with the error pages instead of raising."""
    browser = Client(raise_request_exception=False)
    browser.force_login(keyworker)
    return browser


@pytest.fixture
def plan(client_record, keyworker):
    return draft_plan(client=client_record, by=keyworker, goals=0)


def test_a_save_the_database_refuses_shows_what_was_written_and_saves_nothing(
        browser, plan):
    url = reverse("plans:goal_add", args=[plan.pk])
    full = OperationalError("database or disk is full")
    with mock.patch("plans.services.goal_save", side_effect=full):
        response = browser.post(url, goal_post(plan, text="Move <b>out</b> & settle"),
                                HTTP_REFERER=f"http://testserver{url}")
    page = response.content.decode()
    assert response.status_code == 503
    assert "Keywork could not save this just now" in page
    assert "Nothing was saved" in page
    assert "Move &lt;b&gt;out&lt;/b&gt; &amp; settle" in page
    assert "Actions 2: what" in page and "Chase the council" in page
    assert f'href="http://testserver{url}"' in page  # back to the form
    assert "csrfmiddlewaretoken" not in page and "TOTAL_FORMS" not in page
    assert "no-store" in response["Cache-Control"]
    assert response["Retry-After"] == "60"
    assert not plan.goals.exists()


def test_a_page_that_cannot_reach_the_database_says_to_try_again(browser):
    gone = OperationalError("server closed the connection unexpectedly")
    with mock.patch("diary.services.today_for", side_effect=gone):
        response = browser.get(reverse("diary:today"))
    page = response.content.decode()
    assert response.status_code == 503
    assert "Keywork cannot reach its records just now" in page
    assert f'href="{reverse("diary:today")}"' in page
    assert "server closed the connection" not in page


def test_the_drivers_own_error_where_django_does_not_wrap_it_says_to_try_again(browser):
    from django.db import connection

    # What closing a server-side cursor raises when PostgreSQL has gone (psycopg's own).
    gone = connection.Database.OperationalError("consuming input failed: server closed")
    with mock.patch("diary.services.today_for", side_effect=gone):
        response = browser.get(reverse("diary:today"))
    assert response.status_code == 503
    assert "Keywork cannot reach its records just now" in response.content.decode()


def test_a_session_the_database_could_not_save_says_to_try_again(browser, settings):
    from django.contrib.sessions.backends.base import UpdateError

    def save(*args, **kwargs):
        try:
            raise OperationalError("server closed the connection unexpectedly")
        except OperationalError:
            # Django's db session store raises it inside `except DatabaseError:`.
            raise UpdateError from None  # __context__ still names the OperationalError

    settings.SESSION_SAVE_EVERY_REQUEST = True
    with mock.patch("django.contrib.sessions.backends.cached_db.SessionStore.save", save):
        response = browser.get(reverse("diary:today"))
    assert response.status_code == 503
    assert "Keywork cannot reach its records just now" in response.content.decode()


def test_any_other_error_gets_the_500_page(browser, plan):
    with mock.patch("plans.services.goal_save", side_effect=IntegrityError("a bug")):
        response = browser.post(reverse("plans:goal_add", args=[plan.pk]), goal_post(plan))
    assert response.status_code == 500
    assert "Something went wrong on our side" in response.content.decode()
