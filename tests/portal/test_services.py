"""The client's page: turning it on and off, codes and links, what a client sends, and
what their keyworker's Today shows of it."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from diary import selectors as diary_selectors
from messaging import words as message_words
from portal import selectors, services, words
from portal.models import ClientNote, PortalAccess, SignIn
from tests.factories import AllocationFactory, KeyworkSessionFactory
from tests.portal.conftest import DEE_MOBILE, texted_code

pytestmark = pytest.mark.django_db


def test_turning_the_page_on_needs_a_number_or_an_address(client_record, keyworker):
    with pytest.raises(ValidationError):
        services.access_set(client=client_record, by=keyworker, is_on=True)
    access = services.access_set(client=client_record, by=keyworker, is_on=True,
                                 email="Dee@Example.org")
    assert (access.is_on, access.email, access.turned_on_by) == (True, "dee@example.org",
                                                                 keyworker)


def test_turning_it_off_moves_the_generation_on_and_voids_the_codes(dee_page, keyworker,
                                                                     provider):
    services.code_send(channel="sms", address=DEE_MOBILE)
    services.access_set(client=dee_page.client, by=keyworker, is_on=False)
    access = PortalAccess.objects.get()
    assert (access.is_on, access.generation, access.withdrawn_by) == (False, 2, keyworker)
    assert SignIn.objects.get().void_at is not None
    assert services.code_check(address=DEE_MOBILE, code=texted_code(provider)) is None


def test_a_code_is_texted_and_kept_only_as_a_hash(dee_page, provider):
    [row] = services.code_send(channel="sms", address=DEE_MOBILE)
    code = texted_code(provider)
    assert row.to == DEE_MOBILE and row.provider_id.startswith("SM")
    assert code not in (row.secret_hash, row.salt)
    assert services.code_check(address=DEE_MOBILE, code=code) == dee_page
    # Used once.
    assert services.code_check(address=DEE_MOBILE, code=code) is None


def test_a_number_without_a_page_is_sent_nothing(client_record, provider):
    assert services.code_send(channel="sms", address=DEE_MOBILE) == []
    assert provider.texts == []


def test_five_wrong_tries_void_the_code(dee_page, provider):
    services.code_send(channel="sms", address=DEE_MOBILE)
    code = texted_code(provider)
    wrong = f"{(int(code) + 1) % 10**6:06d}"
    for _ in range(services.CODE_TRIES):
        assert services.code_check(address=DEE_MOBILE, code=wrong) is None
    assert services.code_check(address=DEE_MOBILE, code=code) is None
    assert SignIn.objects.get().void_at is not None


def test_a_code_runs_out_after_ten_minutes(dee_page, provider, travel):
    services.code_send(channel="sms", address=DEE_MOBILE)
    travel(days=0.0075)  # ten minutes and 48 seconds
    assert services.code_check(address=DEE_MOBILE, code=texted_code(provider)) is None


def test_a_new_code_voids_the_one_before(dee_page, provider):
    services.code_send(channel="sms", address=DEE_MOBILE)
    first = texted_code(provider)
    services.code_send(channel="sms", address=DEE_MOBILE)
    second = texted_code(provider)
    assert first != second or SignIn.objects.filter(void_at=None).count() == 1
    assert services.code_check(address=DEE_MOBILE, code=second) == dee_page


def test_a_code_goes_by_e_mail_too(client_record, keyworker, mailoutbox):
    access = services.access_set(client=client_record, by=keyworker, is_on=True,
                                 email="dee@example.org")
    services.code_send(channel="email", address="dee@example.org")
    [mail] = mailoutbox
    code = next(w for w in mail.body.replace(".", " ").split() if w.isdigit() and len(w) == 6)
    assert services.code_check(address="dee@example.org", code=code) == access


def test_the_codes_an_hour_are_limited_for_any_address(db):
    for _ in range(services.CODES_PER_ADDRESS):
        assert services.limited(address="+447700900999", ip="10.0.0.1") == ""
    assert services.limited(address="+447700900999", ip="10.0.0.2")
    assert services.limited(address="+447700900998", ip="10.0.0.2") == ""


def test_the_asks_from_one_ip_address_are_limited(db):
    for n in range(services.ASKS_PER_IP):
        assert services.limited(address=f"+4477009001{n:02d}", ip="10.0.0.3") == ""
    assert services.limited(address="+447700900555", ip="10.0.0.3")


def test_a_link_signs_in_once_and_runs_out_after_a_day(dee_page, keyworker, provider, clock,
                                                        travel):
    clock(12)
    row = services.link_send(access=dee_page, by=keyworker)
    link = provider.texts[-1]["Body"].split()[-1]
    token = link.rstrip("/").split("/")[-1]
    assert services.link_from_token(token) == row
    assert services.link_use(row=row) == dee_page
    assert services.link_from_token(token) is None
    other = services.link_send(access=dee_page, by=keyworker)
    token = provider.texts[-1]["Body"].split()[-1].rstrip("/").split("/")[-1]
    clock(13, days=1)
    assert services.link_from_token(token) is None
    assert other.sent_by == keyworker


def test_a_link_is_not_sent_in_the_quiet_night(dee_page, keyworker, provider, clock):
    clock(22)
    with pytest.raises(ValidationError):
        services.link_send(access=dee_page, by=keyworker)
    assert provider.texts == [] and not SignIn.objects.exists()


def test_a_made_up_or_changed_link_signs_nobody_in(dee_page, keyworker, provider, clock):
    from django.core import signing

    clock(12)
    row = services.link_send(access=dee_page, by=keyworker)
    assert services.link_from_token("x") is None
    assert services.link_from_token(signing.dumps([row.pk, "guess"],
                                                  salt=services.LINK_SALT)) is None
    assert services.link_from_token(signing.dumps(["1", "guess"],
                                                  salt=services.LINK_SALT)) is None


def test_a_client_may_send_ten_notes_a_day(client_record):
    for n in range(services.NOTES_PER_DAY):
        services.note_send(client=client_record, text=f"Note {n}")
    with pytest.raises(ValidationError):
        services.note_send(client=client_record, text="One more")
    with pytest.raises(ValidationError):
        services.note_send(client=client_record, text="   ")


def test_cant_make_it_is_for_the_clients_own_session_to_come_once(client_record, dee_session,
                                                                  colleagues_client):
    services.cant_make_it(client=client_record, session=dee_session, reason="Hospital")
    with pytest.raises(ValidationError):
        services.cant_make_it(client=client_record, session=dee_session)
    with pytest.raises(ValidationError):
        services.cant_make_it(client=colleagues_client, session=dee_session)
    note = ClientNote.objects.get()
    assert (note.kind, note.session, note.text) == ("cant_make_it", dee_session, "Hospital")


def test_the_page_shows_the_next_session_as_the_reminders_tell_it(client_record, dee_session,
                                                                  dee_plan, keyworker):
    data = selectors.my_page(client_record)
    assert data["session"] == dee_session
    assert data["session_words"] == words.next_session(dee_session)
    assert message_words.moved(dee_session).endswith(" " + data["session_words"])
    assert data["session_words"].startswith("Kim will see you at Riverside Day Centre on ")
    assert data["keyworker"] == "Kim"
    [goal] = data["goals"]
    assert [a.outcome for a in goal.actions] == ["done", "open"]


def test_a_note_is_on_todays_list_of_the_keyworker_and_cover_until_read(
        client_record, keyworker, colleague, manager):
    AllocationFactory(client=client_record, worker=colleague, kind="cover",
                      start=timezone.localdate() - datetime.timedelta(days=1),
                      end=timezone.localdate() + datetime.timedelta(days=5))
    note = services.note_send(client=client_record, text="Can we meet on Friday?")
    for user in (keyworker, colleague):
        [item] = [i for i in diary_selectors.due_for(user) if i.kind == "client_note"]
        assert (item.client, item.detail) == (client_record, note)
    assert not [i for i in diary_selectors.due_for(manager) if i.kind == "client_note"]
    services.note_read(note=note, by=colleague)
    assert not [i for i in diary_selectors.due_for(keyworker) if i.kind == "client_note"]
    note.refresh_from_db()
    assert note.read_by == colleague


def test_the_reminders_e_mail_says_it_in_todays_words(client_record, keyworker, dee_session):
    from supervision.reminders import todays_items

    services.cant_make_it(client=client_record, session=dee_session)
    lines = [r.text for r in todays_items(keyworker, timezone.localdate())]
    day = dee_session.starts_at.astimezone(timezone.get_current_timezone()).strftime("%a %-d %b")
    assert f"Dee says they can't make the session on {day}" in lines


def test_a_second_session_of_the_same_worker_is_not_mistaken(client_record, keyworker, site):
    later = KeyworkSessionFactory(client=client_record, worker=keyworker, site=site,
                                  starts_at=timezone.now() + datetime.timedelta(days=8))
    services.cant_make_it(client=client_record, session=later)
    assert ClientNote.objects.get().session == later
