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


def test_a_number_without_a_page_is_answered_as_slowly_as_a_send(dee_page, provider,
                                                                 monkeypatch):
    """The time of the answer must not tell who is a client: asking for a number with no
    page waits as long as sending a code has taken lately (services.send_seconds)."""
    from django.core.cache import cache

    cache.delete(services.SEND_TIME_KEY)
    services.code_send(channel="sms", address=DEE_MOBILE)
    assert 0 < services.send_seconds() < 5  # the fake provider's answer, timed
    for _ in range(30):  # the average moves to what sends take now
        services._sent_in(0.8)
    assert services.send_seconds() == pytest.approx(0.8, abs=0.01)
    slept = []
    monkeypatch.setattr(services.time, "sleep", slept.append)
    assert services.code_send(channel="sms", address="+447700900999") == []
    assert slept == [pytest.approx(0.8, abs=0.01)]
    # A send that hung is not copied for ever: at most SEND_TIME_CAP.
    cache.set(services.SEND_TIME_KEY, 60.0)
    assert services.send_seconds() == services.SEND_TIME_CAP


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
    services.cant_make_it(client=client_record, session_id=dee_session.pk, reason="Hospital")
    with pytest.raises(ValidationError):
        services.cant_make_it(client=client_record, session_id=dee_session.pk)
    with pytest.raises(ValidationError):
        services.cant_make_it(client=colleagues_client, session_id=dee_session.pk)
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

    services.cant_make_it(client=client_record, session_id=dee_session.pk)
    lines = [r.text for r in todays_items(keyworker, timezone.localdate())]
    day = dee_session.starts_at.astimezone(timezone.get_current_timezone()).strftime("%a %-d %b")
    assert f"Dee says they can't make the session on {day}" in lines


def test_a_second_session_of_the_same_worker_is_not_mistaken(client_record, keyworker, site):
    later = KeyworkSessionFactory(client=client_record, worker=keyworker, site=site,
                                  starts_at=timezone.now() + datetime.timedelta(days=8))
    services.cant_make_it(client=client_record, session_id=later.pk)
    assert ClientNote.objects.get().session == later


# Review findings (portalfix) ---------------------------------------------------------------


def _move(session, by, **changes):
    from diary import services as diary_services

    session.refresh_from_db()
    fields = {"worker": session.worker, "starts_at": session.starts_at,
              "expected_minutes": session.expected_minutes, "place": session.place,
              "where": session.where, "lone_working": session.lone_working,
              "expected_back_at": session.expected_back_at} | changes
    return diary_services.session_reschedule(session=session, version=session.version,
                                             by=by, **fields)


def test_cant_make_it_stays_about_the_time_refused_when_the_session_moves(
        client_record, keyworker, dee_session):
    from supervision.reminders import todays_items

    refused = dee_session.starts_at
    services.cant_make_it(client=client_record, session_id=dee_session.pk, reason="Dentist")
    assert selectors.my_page(client_record)["already_said"]
    moved_to = refused + datetime.timedelta(days=2)
    _move(dee_session, keyworker, starts_at=moved_to)
    dee_session.refresh_from_db()
    assert ClientNote.objects.get().session_starts_at == refused
    # The page asks again for the new time, and the client may say it again.
    assert not selectors.my_page(client_record)["already_said"]
    services.cant_make_it(client=client_record, session_id=dee_session.pk)
    assert list(ClientNote.objects.order_by("pk").values_list("session_starts_at", flat=True)
                ) == [refused, moved_to]
    lines = [r.text for r in todays_items(keyworker, timezone.localdate())]

    def day(moment):
        return moment.astimezone(timezone.get_current_timezone()).strftime("%a %-d %b")
    assert f"Dee says they can't make the session on {day(refused)}" in lines
    assert f"Dee says they can't make the session on {day(moved_to)}" in lines


def test_cant_make_it_takes_only_the_clients_next_session(client_record, keyworker, site,
                                                          dee_session):
    later = KeyworkSessionFactory(client=client_record, worker=keyworker, site=site,
                                  starts_at=timezone.now() + datetime.timedelta(days=8))
    with pytest.raises(services.SessionChanged):
        services.cant_make_it(client=client_record, session_id=later.pk)
    assert not ClientNote.objects.exists()
    services.cant_make_it(client=client_record, session_id=dee_session.pk)


def test_a_new_number_or_address_signs_the_old_phone_out(dee_page, keyworker, provider):
    services.code_send(channel="sms", address=DEE_MOBILE)
    row, _token = services.link_make(access=dee_page, by=keyworker, now=timezone.now())
    access = services.access_set(client=dee_page.client, by=keyworker, is_on=True,
                                 phone="07700 900777")
    assert (access.is_on, access.generation) == (True, 2)
    assert not SignIn.objects.filter(void_at=None).exists()
    assert services.code_check(address=DEE_MOBILE, code=texted_code(provider)) is None
    # Saving the same number again changes nothing.
    access = services.access_set(client=dee_page.client, by=keyworker, is_on=True,
                                 phone="+447700900777")
    assert access.generation == 2
    access = services.access_set(client=dee_page.client, by=keyworker, is_on=True,
                                 phone="+447700900777", email="dee@example.org")
    assert access.generation == 3


@pytest.mark.parametrize("how", ["end", "move"])
def test_a_client_leaving_turns_their_page_off(dee_page, manager, other_site, provider, how):
    from clients import services as client_services
    from clients.extensions import client_leaving
    from clients.models import Client

    assert services.access_close_for_leaving in client_leaving
    services.code_send(channel="sms", address=DEE_MOBILE)
    client = dee_page.client
    if how == "end":
        client_services.client_end(client=client, status=Client.Status.MOVED_ON,
                                   ended_on=timezone.localdate(), destination="Own tenancy",
                                   reason="Ready", end_kind=Client.EndKind.PLANNED,
                                   closing_summary="Done well", by=manager)
    else:
        client_services.client_move_site(client=client, to_site=other_site, by=manager,
                                         on=timezone.localdate(), handover_note="Moving")
    access = PortalAccess.objects.get()
    assert (access.is_on, access.generation, access.withdrawn_by) == (False, 2, manager)
    assert SignIn.objects.get().void_at is not None


def test_staff_may_turn_an_archived_clients_page_off_but_not_on(dee_page, keyworker):
    from clients.models import Client

    Client.objects.filter(pk=dee_page.client.pk).update(status=Client.Status.MOVED_ON)
    dee_page.client.refresh_from_db()
    access = services.access_set(client=dee_page.client, by=keyworker, is_on=False)
    assert (access.is_on, access.generation) == (False, 2)
    with pytest.raises(ValidationError):
        services.access_set(client=dee_page.client, by=keyworker, is_on=True,
                            phone=DEE_MOBILE)


def test_a_note_from_a_client_with_no_keyworker_is_on_the_site_managers_today(
        client_record, keyworker, manager, other_site_manager):
    from clients.models import Allocation

    Allocation.objects.filter(client=client_record).update(end=timezone.localdate())
    note = services.note_send(client=client_record, text="Who is my keyworker now?")
    [item] = [i for i in diary_selectors.due_for(manager) if i.kind == "client_note"]
    assert (item.client, item.detail) == (client_record, note)
    for user in (keyworker, other_site_manager):
        assert not [i for i in diary_selectors.due_for(user) if i.kind == "client_note"]


def test_a_referrals_note_is_on_the_managers_today(site, manager):
    from tests.factories import ClientFactory

    referral = ClientFactory(site=site, status="referred", admitted_on=None)
    services.note_send(client=referral, text="When do I start?")
    assert [i.client for i in diary_selectors.due_for(manager)
            if i.kind == "client_note"] == [referral]


def test_a_number_on_another_clients_page_that_is_on_is_refused(dee_page, colleagues_client,
                                                                colleague):
    with pytest.raises(ValidationError) as refused:
        services.access_set(client=colleagues_client, by=colleague, is_on=True,
                            phone="07700 900123")
    assert "phone" in refused.value.error_dict
    services.access_set(client=dee_page.client, by=colleague, is_on=True,
                        email="dee@example.org")
    with pytest.raises(ValidationError) as refused:
        services.access_set(client=colleagues_client, by=colleague, is_on=True,
                            email="Dee@Example.org")
    assert "email" in refused.value.error_dict
    # Off, Dee's old number is free.
    services.access_set(client=dee_page.client, by=colleague, is_on=False)
    services.access_set(client=colleagues_client, by=colleague, is_on=True,
                        email="dee@example.org")


def test_codes_a_day_are_limited_for_any_address(db, monkeypatch):
    monkeypatch.setattr(services, "CODES_PER_ADDRESS", 100)  # the hour's limit aside
    for n in range(services.CODES_PER_ADDRESS_A_DAY):
        assert services.limited(address="+447700900999", ip=f"10.0.1.{n}") == ""
    assert "today" in services.limited(address="+447700900999", ip="10.0.1.9")
    assert services.limited(address="+447700900998", ip="10.0.1.9") == ""


def test_fifty_asks_an_hour_from_one_ip_address(db):
    assert services.ASKS_PER_IP == 50
    for n in range(50):
        assert services.limited(address=f"+4477009002{n:02d}", ip="10.0.0.4") == ""
    assert services.limited(address="+447700900555", ip="10.0.0.4")


def test_fifteen_wrong_codes_in_a_day_send_no_more_codes_for_a_day(dee_page, provider,
                                                                   travel):
    for _ in range(services.WRONG_TRIES_A_DAY // services.CODE_TRIES):
        services.code_send(channel="sms", address=DEE_MOBILE)
        code = texted_code(provider)
        for _ in range(services.CODE_TRIES):
            assert services.code_check(address=DEE_MOBILE,
                                       code=f"{(int(code) + 1) % 10**6:06d}") is None
    dee_page.refresh_from_db()
    assert dee_page.codes_locked_until > timezone.now()
    texts = len(provider.texts)
    assert services.code_send(channel="sms", address=DEE_MOBILE) == []
    assert len(provider.texts) == texts
    assert selectors.file_section(dee_page.client)["locked_until"] == dee_page.codes_locked_until
    travel(days=1.01)
    assert len(services.code_send(channel="sms", address=DEE_MOBILE)) == 1
    assert selectors.file_section(dee_page.client)["locked_until"] is None


def test_a_few_wrong_codes_lock_nothing(dee_page, provider):
    services.code_send(channel="sms", address=DEE_MOBILE)
    code = texted_code(provider)
    for _ in range(services.CODE_TRIES - 1):
        services.code_check(address=DEE_MOBILE, code=f"{(int(code) + 1) % 10**6:06d}")
    dee_page.refresh_from_db()
    assert dee_page.codes_locked_until is None
    assert services.code_check(address=DEE_MOBILE, code=code) == dee_page


def test_a_new_link_voids_the_earlier_ones(dee_page, keyworker, provider, clock):
    clock(12)
    first = services.link_send(access=dee_page, by=keyworker)
    second = services.link_send(access=dee_page, by=keyworker)
    first.refresh_from_db()
    assert first.void_at is not None and not first.is_live(timezone.now())
    assert second.is_live(timezone.now())


def test_sign_ins_older_than_90_days_are_removed_even_on_an_open_record(dee_page, provider,
                                                                        travel):
    import io

    from django.core.management import call_command

    travel(days=-91)
    services.code_send(channel="sms", address=DEE_MOBILE)
    travel(days=-89)
    services.code_send(channel="sms", address=DEE_MOBILE)
    travel.back()
    call_command("purge_expired", "--dry-run", stdout=io.StringIO())
    assert SignIn.objects.count() == 2
    call_command("purge_expired", stdout=io.StringIO())
    assert SignIn.objects.count() == 1
    assert PortalAccess.objects.filter(pk=dee_page.pk, is_on=True).exists()


@pytest.mark.django_db(transaction=True)
def test_two_pages_saved_at_once_cannot_share_a_number(dee_page, colleagues_client, colleague,
                                                      monkeypatch):
    """The check in words looked before Dee's page was saved, as when two people save at
    once: the database's constraint refuses the second, with the same words, and leaves
    nothing half-saved."""
    real, looked = services._address_taken, []

    def address_taken(*args):
        looked.append(args)
        return real(*args) if len(looked) > 1 else None

    monkeypatch.setattr(services, "_address_taken", address_taken)
    monkeypatch.setattr(PortalAccess, "validate_constraints", lambda self, exclude=None: None)
    with pytest.raises(ValidationError) as refused:
        services.access_set(client=colleagues_client, by=colleague, is_on=True,
                            phone="07700 900123")
    assert "already on another client's page" in str(refused.value.message_dict["phone"])
    assert list(PortalAccess.objects.filter(is_on=True, phone="+447700900123")
                .values_list("client", flat=True)) == [dee_page.client.pk]


def test_a_referral_closed_turns_the_page_off_and_frees_the_number(site, manager, keyworker,
                                                                     client_record):
    """A referral closed without an admission leaves as an ending does (the leaving
    handlers): its page goes off, so the number may go on another client's page."""
    from clients import services as client_services
    from clients.models import Client

    referral = client_services.client_refer(site=site, by=manager, first_name="Ray",
                                            last_name="Noon", referred_on=timezone.localdate(),
                                            referral_source="Hospital")
    services.access_set(client=referral, by=manager, is_on=True, phone="07700 900555")
    with pytest.raises(ValidationError):
        services.access_set(client=client_record, by=keyworker, is_on=True,
                            phone="07700 900555")
    client_services.client_close_referral(
        client=referral, outcome=Client.Status.WITHDRAWN, on=timezone.localdate(),
        reason=Client.ReferralEndReason.NO_CONTACT, by=manager)
    assert PortalAccess.objects.get(client=referral).is_on is False
    services.access_set(client=client_record, by=keyworker, is_on=True, phone="07700 900555")


def test_the_migration_turns_off_what_the_constraints_would_refuse(client_record, keyworker,
                                                                   colleagues_client):
    """Pages left on for a stay that ended, and pages sharing an address, before the
    constraints came: the ended client's goes off, of two live ones the later keeps it."""
    import importlib

    from django.apps import apps
    from django.db import IntegrityError, transaction

    from clients.models import Client
    from tests.factories import ClientFactory

    migration = importlib.import_module("portal.migrations.0003_one_page_a_number")
    ended = ClientFactory(site=client_record.site, status=Client.Status.MOVED_ON)
    now = timezone.now()
    # As they could be before: an ended client's page on, one address in two cases.
    PortalAccess.objects.bulk_create([
        PortalAccess(client=ended, is_on=True, phone="+447700900666"),
        PortalAccess(client=client_record, is_on=True, email="dee@example.org",
                     turned_on_at=now - datetime.timedelta(days=1)),
        PortalAccess(client=colleagues_client, is_on=True, email="Dee@example.org",
                     turned_on_at=now),
    ])
    with pytest.raises(IntegrityError), transaction.atomic():
        PortalAccess.objects.create(client=ClientFactory(site=client_record.site),
                                    is_on=True, phone="+447700900666")
    migration.pages_off_where_shared(apps, None)
    on = dict(PortalAccess.objects.values_list("client", "is_on"))
    assert on == {ended.pk: False, client_record.pk: False, colleagues_client.pk: True}
