"""The client's page as a client uses it: signing in by a code or a link, what the page
shows (and does not), what they send, being signed out; and the keyworker's side."""

import time

import pytest
from django.test import Client as WebClient
from django.urls import reverse

from portal import services, sessions
from portal.models import ClientNote
from tests.factories import KeyworkSessionFactory
from tests.portal.conftest import DEE_MOBILE, sign_in_by_code, texted_code

pytestmark = pytest.mark.django_db


def test_a_client_signs_in_with_a_code_and_sees_their_page(client, dee_page, dee_session,
                                                             dee_plan, provider):
    response = client.get("/me/")
    assert response.status_code == 302 and response.url == "/me/sign-in/"
    before = client.session.session_key
    response = sign_in_by_code(client, provider)
    assert response.status_code == 302 and response.url == "/me/"
    assert client.session.session_key != before
    page = client.get("/me/")
    html = page.content.decode()
    assert "Hello Dee" in html and "Kim" in html
    assert "Kim will see you at Riverside Day Centre on " in html
    assert "Goal 1 in my words" in html and "Action 1.1" in html and "Done" in html
    assert "no-store" in page["Cache-Control"]


def test_the_page_shows_nothing_else_of_the_record(client, dee_page, dee_session, provider):
    sign_in_by_code(client, provider)
    html = client.get("/me/").content.decode()
    assert "Do not visit alone" not in html  # the file's alerts
    assert "Harper" not in html  # not even the last name
    assert "/clients/" not in html and "/admin/" not in html
    assert client.get(reverse("clients:detail", args=[dee_page.client.pk])).status_code == 302


def test_the_answer_is_the_same_for_a_number_without_a_page(client, dee_page, provider):
    known = client.post("/me/sign-in/", {"address": "07700 900123"}, follow=True)
    other = WebClient().post("/me/sign-in/", {"address": "07700 900999"}, follow=True)
    assert known.redirect_chain == other.redirect_chain == [("/me/sign-in/code/", 302)]
    assert known.content.replace(known.wsgi_request.META["CSRF_COOKIE"].encode(), b"") \
        .count(b"a code is on its way") == 1
    assert b"a code is on its way" in other.content
    assert len(provider.texts) == 1


def test_a_wrong_code_is_refused(client, dee_page, provider):
    client.post("/me/sign-in/", {"address": "07700 900123"})
    code = texted_code(provider)
    response = client.post("/me/sign-in/code/", {"code": f"{(int(code) + 1) % 10**6:06d}"})
    assert response.status_code == 200 and b"That code is not right" in response.content
    assert client.get("/me/").status_code == 302


def test_the_code_page_wants_a_number_asked_for_first(client, dee_page, provider):
    assert client.post("/me/sign-in/code/", {"code": "123456"}).url == "/me/sign-in/"


def test_turning_the_page_off_signs_the_client_out_at_once(client, dee_page, keyworker,
                                                           provider):
    sign_in_by_code(client, provider)
    assert client.get("/me/").status_code == 200
    services.access_set(client=dee_page.client, by=keyworker, is_on=False)
    response = client.get("/me/")
    assert response.status_code == 302 and response.url == "/me/sign-in/"
    services.access_set(client=dee_page.client, by=keyworker, is_on=True, phone=DEE_MOBILE)
    assert client.get("/me/").status_code == 302  # on again: a new sign-in


@pytest.mark.parametrize(("idle", "since"), [(20 * 60 + 5, 60), (60, 8 * 3600 + 5)])
def test_a_session_ends_after_20_idle_minutes_or_8_hours(client, dee_page, provider, idle,
                                                         since):
    sign_in_by_code(client, provider)
    session = client.session
    now = int(time.time())
    session[sessions.KEY] = {**session[sessions.KEY], "seen": now - idle, "since": now - since}
    session.save()
    response = client.get("/me/", follow=True)
    assert response.redirect_chain == [("/me/sign-in/", 302)]
    assert b"You were signed out" in response.content


def test_sign_out(client, dee_page, provider):
    sign_in_by_code(client, provider)
    assert client.post("/me/sign-out/").url == "/me/sign-in/"
    assert client.get("/me/").status_code == 302


def test_a_staff_login_is_no_way_in_and_a_client_sign_in_none_to_staff(client, dee_page,
                                                                          keyworker, provider):
    client.force_login(keyworker)
    assert client.get("/me/").url == "/me/sign-in/"
    sign_in_by_code(client, provider)
    # Both in one browser: each sees only their own.
    assert b"Hello Dee" in client.get("/me/").content
    assert client.get(reverse("clients:caseload")).status_code == 200
    client.post(reverse("logout"))
    assert client.get("/me/").status_code == 302  # signing staff out ends the client's too
    sign_in_by_code(client, provider)
    assert client.get(reverse("clients:caseload")).url.startswith(reverse("login"))


def test_a_link_opens_a_button_and_the_button_signs_in_once(client, dee_page, keyworker,
                                                            provider, clock):
    clock(12)
    services.link_send(access=dee_page, by=keyworker)
    url = provider.texts[-1]["Body"].split()[-1].removeprefix("http://testserver")
    assert client.get(url).status_code == 200
    assert client.get(url).status_code == 200  # looking at it spends nothing
    assert client.post(url).url == "/me/"
    assert client.get("/me/").status_code == 200
    assert WebClient().post(url).status_code == 404


def test_a_used_or_made_up_link_says_so_on_a_page_of_the_clients_kind(client, dee_page,
                                                                      keyworker, provider,
                                                                      clock):
    """Not the staff's "not found" (whose button leads to the staff login): what happened,
    and the way to sign in by a code. Still "not found" (404), which says nothing of
    whether the link was ever real; in the language of the link's page before sign-in."""
    clock(12)
    services.link_send(access=dee_page, by=keyworker)
    url = provider.texts[-1]["Body"].split()[-1].removeprefix("http://testserver")
    assert client.post(url).status_code == 302
    for gone in (WebClient().get(url), WebClient().post(url),
                 WebClient().get("/me/sign-in/link/made-up/")):
        html = gone.content.decode()
        assert gone.status_code == 404
        assert "This link does not work any more" in html
        assert f'href="{reverse("portal:sign_in")}"' in html
        assert reverse("login") not in html and 'lang="en-gb"' in html


def test_the_client_tells_their_keyworker_and_it_is_on_today(client, dee_page, dee_session,
                                                             keyworker, provider):
    sign_in_by_code(client, provider)
    response = client.post("/me/tell/", {"text": "I got the flat letter <b>today</b>"},
                           follow=True)
    assert b"Sent. Your keyworker will read it." in response.content
    response = client.post("/me/cant-make-it/", {"session": dee_session.pk,
                                                 "reason": "Hospital appointment"},
                           follow=True)
    assert b"You told your keyworker you can" in response.content
    staff = WebClient()
    staff.force_login(keyworker)
    today = staff.get(reverse("diary:today")).content.decode()
    assert "Read what Dee sent you from their page" in today
    assert "Dee says they can't make the session on" in today
    note = ClientNote.objects.get(kind="comment")
    page = staff.get(reverse("portal:note", args=[note.pk])).content.decode()
    assert "I got the flat letter &lt;b&gt;today&lt;/b&gt;" in page
    assert staff.post(reverse("portal:note", args=[note.pk])).status_code == 302
    note.refresh_from_db()
    assert note.read_by == keyworker
    assert "Read what Dee sent you" not in staff.get(reverse("diary:today")).content.decode()


def test_cant_make_it_only_for_the_clients_own_session(client, dee_page, provider,
                                                       colleagues_client, colleague, site):
    other = KeyworkSessionFactory(client=colleagues_client, worker=colleague, site=site)
    sign_in_by_code(client, provider)
    response = client.post("/me/cant-make-it/", {"session": other.pk})
    assert response.status_code == 200 and b"not coming up any more" in response.content
    assert not ClientNote.objects.exists()


def test_the_client_file_shows_the_page_and_the_notes(client, dee_page, keyworker):
    services.note_send(client=dee_page.client, text="Hello Kim")
    client.force_login(keyworker)
    html = client.get(reverse("clients:detail", args=[dee_page.client.pk])).content.decode()
    assert "Their own page" in html and "+447700900123" in html
    assert reverse("portal:note", args=[ClientNote.objects.get().pk]) in html
    assert reverse("portal:send_link", args=[dee_page.client.pk]) in html


def test_the_keyworker_turns_the_page_on_with_the_reminders_number(client, client_record,
                                                                   keyworker):
    from messaging import services as messaging_services

    messaging_services.consent_set(client=client_record, by=keyworker, consents=True,
                                   channel="sms", phone="07700 900555")
    client.force_login(keyworker)
    url = reverse("portal:access", args=[client_record.pk])
    assert b'value="+447700900555"' in client.get(url).content
    response = client.post(url, {"is_on": "yes", "phone": "07700 900555", "email": ""})
    assert response.status_code == 302
    assert client_record.portal_access.phone == "+447700900555"


def test_the_asks_an_hour_are_counted_per_address_behind_the_proxy(client, settings, db):
    """Behind the HTTPS proxy every request comes from the proxy: the limit counts the
    address the proxy saw (audit.network.client_ip), not one for everyone."""
    from portal import services as portal_services

    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    for n in range(portal_services.ASKS_PER_IP):
        client.post("/me/sign-in/", {"address": f"07700 9001{n:02d}"},
                    HTTP_X_FORWARDED_FOR="203.0.113.7")
    refused = client.post("/me/sign-in/", {"address": "07700 900150"},
                          HTTP_X_FORWARDED_FOR="203.0.113.7")
    assert b"Too many sign-in codes were asked for from here" in refused.content
    other = client.post("/me/sign-in/", {"address": "07700 900150"},
                        HTTP_X_FORWARDED_FOR="203.0.113.8")
    assert other.status_code == 302


# Review findings (portalfix) ---------------------------------------------------------------


def test_after_a_move_the_page_asks_again_for_the_new_time(client, dee_page, dee_session,
                                                           keyworker, provider):
    import datetime

    from tests.portal.test_services import _move

    sign_in_by_code(client, provider)
    client.post("/me/cant-make-it/", {"session": dee_session.pk})
    assert b"You told your keyworker you can" in client.get("/me/").content
    _move(dee_session, keyworker, starts_at=dee_session.starts_at + datetime.timedelta(days=2))
    html = client.get("/me/").content.decode()
    assert "You told your keyworker you can" not in html and "I can't make it" in html
    response = client.post("/me/cant-make-it/", {"session": dee_session.pk}, follow=True)
    assert b"Thank you for telling us" in response.content
    assert ClientNote.objects.count() == 2


def test_cant_make_it_for_another_session_than_the_next_shows_the_page_again(
        client, dee_page, dee_session, keyworker, site, provider):
    import datetime

    from django.utils import timezone

    later = KeyworkSessionFactory(client=dee_page.client, worker=keyworker, site=site,
                                  starts_at=timezone.now() + datetime.timedelta(days=9))
    sign_in_by_code(client, provider)
    response = client.post("/me/cant-make-it/", {"session": later.pk, "reason": "Away"})
    html = response.content.decode()
    assert response.status_code == 200 and "Your next session has changed" in html
    assert f'name="session" value="{dee_session.pk}"' in html
    assert not ClientNote.objects.exists()


def test_the_sign_in_field_is_not_an_e_mail_keyboard(client, db):
    html = client.get("/me/sign-in/").content.decode()
    assert 'name="address"' in html and 'inputmode="email"' not in html


def test_the_keyworker_turns_an_archived_clients_page_off(client, dee_page, keyworker):
    from clients.models import Client

    Client.objects.filter(pk=dee_page.client.pk).update(status=Client.Status.MOVED_ON)
    client.force_login(keyworker)
    url = reverse("portal:access", args=[dee_page.client.pk])
    page = client.get(reverse("clients:detail", args=[dee_page.client.pk])).content.decode()
    assert url in page
    assert client.get(url).status_code == 200
    response = client.post(url, {"is_on": "yes", "phone": "07700 900123", "email": ""})
    assert response.status_code == 200 and b"archived" in response.content
    assert client.post(url, {"is_on": "no", "phone": "", "email": ""}).status_code == 302
    dee_page.refresh_from_db()
    assert (dee_page.is_on, dee_page.generation) == (False, 2)
    # Off, there is nothing more to change on an archived record.
    assert client.get(url).status_code == 302


def test_a_number_already_on_another_page_is_refused_at_the_field(client, dee_page,
                                                                   colleagues_client,
                                                                   colleague):
    client.force_login(colleague)
    url = reverse("portal:access", args=[colleagues_client.pk])
    response = client.post(url, {"is_on": "yes", "phone": "07700 900123", "email": ""})
    assert response.status_code == 200
    assert b"already on another client&#x27;s page" in response.content
    assert not hasattr(colleagues_client, "portal_access") or \
        not type(colleagues_client).objects.get(pk=colleagues_client.pk).portal_access.is_on


def test_a_note_of_an_archived_client_may_be_marked_read(client, dee_page, keyworker,
                                                        colleague):
    from clients.models import Client

    note = services.note_send(client=dee_page.client, text="Thank you")
    Client.objects.filter(pk=dee_page.client.pk).update(status=Client.Status.MOVED_ON)
    url = reverse("portal:note", args=[note.pk])
    client.force_login(colleague)  # the summary only: not theirs to read
    assert client.post(url).status_code == 403
    client.force_login(keyworker)
    assert client.post(url).status_code == 302
    note.refresh_from_db()
    assert note.read_by == keyworker


def test_the_file_section_is_only_for_a_client_marked_with_full_access(dee_page, rf,
                                                                      keyworker):
    from clients.access import Access
    from clients.models import Client
    from portal import extensions

    request = rf.get("/")
    request.user = keyworker
    unmarked = Client.objects.get(pk=dee_page.client.pk)
    assert extensions._section(request, unmarked) is None
    unmarked.access = Access.FULL
    assert extensions._section(request, unmarked)["access"] == dee_page


def test_a_locked_page_is_shown_on_the_file_and_the_sign_in_answers_the_same(
        client, dee_page, keyworker, provider):
    import datetime

    from django.utils import timezone

    from portal.models import PortalAccess

    PortalAccess.objects.filter(pk=dee_page.pk).update(
        codes_locked_until=timezone.now() + datetime.timedelta(hours=20))
    locked = client.post("/me/sign-in/", {"address": "07700 900123"}, follow=True)
    other = WebClient().post("/me/sign-in/", {"address": "07700 900999"}, follow=True)
    assert locked.redirect_chain == other.redirect_chain == [("/me/sign-in/code/", 302)]
    assert b"ask your keyworker" in locked.content and b"ask your keyworker" in other.content
    assert provider.texts == []
    staff = WebClient()
    staff.force_login(keyworker)
    html = staff.get(reverse("clients:detail", args=[dee_page.client.pk])).content.decode()
    assert "Sign-in codes locked until" in html
