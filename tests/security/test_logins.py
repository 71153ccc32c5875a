"""Logins: lockout, the login record, Argon2, session limits, deactivation."""

import importlib
import time

import pytest
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.contrib.auth.hashers import make_password
from django.contrib.sessions.models import Session
from django.test import Client as BrowserlessClient
from django.urls import reverse

from audit import sessions
from tests.factories import PASSWORD
from tests.logins import login_post


def _fail(client, username, times, address="10.0.0.1"):
    for _ in range(times):
        login_post(client, username, "wrong-guess", REMOTE_ADDR=address)


def test_five_failures_lock_the_username_even_with_the_right_password(client, keyworker):
    _fail(client, "keyworker", 5)
    response = login_post(client, "keyworker", PASSWORD,
                           REMOTE_ADDR="10.0.0.2")
    assert response.status_code == 429
    page = response.content.decode()
    assert "Logging in is paused" in page
    assert "15 minutes" in page
    assert "ask an administrator to unlock" in page
    assert "_auth_user_id" not in client.session


def test_five_failures_from_one_address_lock_that_address(client, keyworker, colleague):
    for username in ["nobody", "keyworker", "colleague", "someone", "else"]:
        _fail(client, username, 1, address="10.0.0.9")
    response = login_post(client, "colleague", PASSWORD,
                           REMOTE_ADDR="10.0.0.9")
    assert response.status_code == 429
    elsewhere = login_post(BrowserlessClient(), "colleague", PASSWORD, REMOTE_ADDR="10.0.0.3")
    assert elsewhere.status_code == 302


def test_fewer_failures_then_success_starts_the_count_again(client, keyworker):
    _fail(client, "keyworker", 4)
    assert login_post(client, "keyworker", PASSWORD).status_code == 302
    assert not AccessAttempt.objects.filter(username="keyworker").exists()


def test_an_administrator_unlocks_a_locked_out_username(client, keyworker, administrator):
    _fail(client, "keyworker", 5)
    admin = BrowserlessClient()
    admin.force_login(administrator)
    response = admin.post(reverse("admin:staff_user_changelist"),
                          {"action": "unlock", "_selected_action": [keyworker.pk]}, follow=True)
    assert "1 login unlocked" in response.content.decode()
    response = login_post(client, "keyworker", PASSWORD,
                           REMOTE_ADDR="10.0.0.2")
    assert response.status_code == 302


def test_failed_and_successful_logins_are_recorded_with_the_address(client, keyworker):
    _fail(client, "keyworker", 2, address="10.0.0.7")
    login_post(client, "keyworker", PASSWORD,
                REMOTE_ADDR="10.0.0.7")
    assert AccessFailureLog.objects.filter(username="keyworker", ip_address="10.0.0.7").count() == 2
    assert AccessLog.objects.filter(username="keyworker", ip_address="10.0.0.7").count() == 1


def test_passwords_are_hashed_with_argon2_and_old_hashes_still_work(settings):
    real = importlib.import_module("keywork.settings")
    assert real.PASSWORD_HASHERS[0].endswith("Argon2PasswordHasher")
    settings.PASSWORD_HASHERS = real.PASSWORD_HASHERS
    assert make_password("river-lantern-okapi-7").startswith("argon2$")


def _age_session(client, *, idle=0, since_login=0):
    session = client.session
    now = int(time.time())
    session[sessions.SEEN_AT] = now - idle
    session[sessions.LOGIN_AT] = now - since_login
    session.save()


def test_thirty_idle_minutes_end_the_session_and_come_back_to_the_same_page(client, keyworker,
                                                                           client_record):
    client.force_login(keyworker)
    url = reverse("clients:detail", args=[client_record.pk])
    assert client.get(url).status_code == 200
    _age_session(client, idle=31 * 60, since_login=40 * 60)
    response = client.get(url)
    assert response.status_code == 302
    assert response.url == f"{reverse('login')}?next={url}"
    page = client.get(response.url).content.decode()
    assert "signed out after 30 minutes without activity" in page
    assert "_auth_user_id" not in client.session


def test_twenty_nine_idle_minutes_keep_the_session(client, keyworker):
    client.force_login(keyworker)
    client.get(reverse("home"))
    _age_session(client, idle=29 * 60, since_login=60 * 60)
    assert client.get(reverse("home")).status_code == 200


def test_twelve_hours_end_the_session_however_busy(client, keyworker):
    client.force_login(keyworker)
    client.get(reverse("home"))
    _age_session(client, idle=10, since_login=12 * 3600 + 1)
    response = client.get(reverse("home"))
    assert response.status_code == 302
    assert "logged in for 12 hours" in client.get(response.url).content.decode()


def test_staying_signed_in_counts_as_activity(client, keyworker):
    client.force_login(keyworker)
    client.get(reverse("home"))
    _age_session(client, idle=28 * 60, since_login=60 * 60)
    assert client.post(reverse("audit:keepalive")).status_code == 204
    _age_session_seen = client.session[sessions.SEEN_AT]
    assert time.time() - _age_session_seen < 5


def test_the_page_tells_the_script_when_to_warn(client, keyworker):
    client.force_login(keyworker)
    page = client.get(reverse("home")).content.decode()
    assert 'data-idle-timeout="1800"' in page
    assert 'data-idle-warning="120"' in page
    assert "Stay signed in" in page


@pytest.mark.django_db
def test_deactivating_someone_ends_every_session_they_have(keyworker, colleague, administrator):
    phone, desk, other = BrowserlessClient(), BrowserlessClient(), BrowserlessClient()
    phone.force_login(keyworker)
    desk.force_login(keyworker)
    other.force_login(colleague)
    assert Session.objects.count() == 3
    admin = BrowserlessClient()
    admin.force_login(administrator)
    admin.post(reverse("admin:staff_user_changelist"),
               {"action": "deactivate", "_selected_action": [keyworker.pk]})
    remaining = [s.get_decoded().get("_auth_user_id") for s in Session.objects.all()]
    assert str(keyworker.pk) not in remaining
    assert str(colleague.pk) in remaining
    assert phone.get(reverse("home")).status_code == 302
