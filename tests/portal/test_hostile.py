"""Hostile input from the one person who writes here without a staff login: the client.
What they send is shown as text on every page that shows it (their keyworker's Today, the
note, the client file), and too long or too many is refused."""

import pytest
from django.test import Client as WebClient
from django.urls import reverse

from portal.models import ClientNote
from tests.portal.conftest import sign_in_by_code
from tests.security import hostile

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("text", hostile.MARKUP)
def test_what_a_client_sends_is_shown_as_text(client, dee_page, dee_session, keyworker,
                                             provider, text):
    sign_in_by_code(client, provider)
    client.post("/me/tell/", {"text": f"Hi {text}"})
    client.post("/me/cant-make-it/", {"session": dee_session.pk, "reason": text})
    assert ClientNote.objects.count() == 2
    assert not hostile.unsafe_in(client.get("/me/").content.decode())
    staff = WebClient()
    staff.force_login(keyworker)
    pages = [reverse("diary:today"), reverse("clients:detail", args=[dee_page.client.pk])]
    pages += [reverse("portal:note", args=[note.pk]) for note in ClientNote.objects.all()]
    for url in pages:
        response = staff.get(url)
        assert response.status_code == 200, url
        assert not hostile.unsafe_in(response.content.decode()), url


@pytest.mark.parametrize("value", [hostile.NUL, hostile.HUGE, hostile.UNICODE_DIGIT,
                                   hostile.SCRIPT, hostile.NEGATIVE, ""])
def test_a_hostile_session_id_is_refused_with_a_message(client, dee_page, dee_session,
                                                        provider, value):
    sign_in_by_code(client, provider)
    response = client.post("/me/cant-make-it/", {"session": value})
    assert response.status_code == 200
    assert not ClientNote.objects.exists()


def test_too_long_is_refused_and_nothing_is_saved(client, dee_page, provider):
    sign_in_by_code(client, provider)
    response = client.post("/me/tell/", {"text": hostile.LONG})
    assert response.status_code == 200 and b"at most 1000 characters" in response.content
    response = client.post("/me/tell/", {"text": hostile.NUL})
    assert response.status_code == 200
    assert not ClientNote.objects.exists()


@pytest.mark.parametrize("value", [hostile.NUL, hostile.LONG, hostile.SCRIPT, hostile.SQL,
                                   hostile.RIGHT_TO_LEFT, "07700 900123\x00"])
def test_a_hostile_address_or_code_signs_nobody_in(client, dee_page, provider, value):
    response = client.post("/me/sign-in/", {"address": value})
    assert response.status_code in (200, 302)
    response = client.post("/me/sign-in/code/", {"code": value})
    assert response.status_code in (200, 302)
    assert client.get("/me/").status_code == 302
