"""What a client is told when the diary changes a session, and what else the reminders
owe them: the place and worker as the calendar file says, a notice only when something they
were told changed, none once they have left, quiet nights kept during a long run, a link
bound to its number, and replies kept on the file."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from clients import services as client_services
from clients.models import Client
from diary import calendars
from diary import services as diary_services
from diary.selectors import as_told, calendar_session
from messaging import providers, services
from messaging.models import Channel, ClientMessage
from staff.models import User
from tests.factories import KeyworkSessionFactory, UserFactory
from tests.messaging.conftest import DEE_MOBILE, moment

DAY = datetime.timedelta(days=1)


@pytest.fixture
def tomorrow_at_ten(client_record, keyworker, clock):
    return KeyworkSessionFactory(client=client_record, worker=keyworker,
                                 starts_at=moment(10, days=1))


def _reschedule(session, by, **changes):
    session.refresh_from_db()
    fields = {"worker": session.worker, "starts_at": session.starts_at,
              "expected_minutes": session.expected_minutes, "place": session.place,
              "where": session.where, "lone_working": session.lone_working,
              "expected_back_at": session.expected_back_at} | changes
    return diary_services.session_reschedule(session=session, version=session.version,
                                             by=by, **fields)


def _bodies(provider):
    return [text["Body"] for text in provider.texts]


# 1. Where and with whom: one rule for the reminders and the calendar file


def test_an_external_appointment_is_named_in_the_reminder_as_in_the_calendar_file(
        provider, dee_texts, client_record, keyworker, clock):
    session = KeyworkSessionFactory(client=client_record, worker=keyworker,
                                    starts_at=moment(10, days=1), place="external",
                                    where="Jobcentre, 4 High Street")
    services.run()
    [body] = _bodies(provider)
    assert body.startswith("Kim will see you at Jobcentre, 4 High Street tomorrow at 10:00.")
    assert calendars.client_summary(session) == "Keywork with Kim at Jobcentre, 4 High Street"
    assert b"LOCATION:Jobcentre\\, 4 High Street" in calendars.one_session(
        calendar_session(session.pk), host="testserver")


def test_a_worker_without_a_first_name_is_your_keyworker_in_both(
        provider, dee_texts, client_record, site, clock):
    nameless = UserFactory(username="nameless", first_name="", last_name="Ng",
                           role=User.Role.KEYWORKER, sites=[site])
    session = KeyworkSessionFactory(client=client_record, worker=nameless,
                                    starts_at=moment(10, days=1))
    assert as_told(session).worker == "your keyworker"
    services.run()
    assert _bodies(provider)[0].startswith("Your keyworker will see you at Riverside Day "
                                           "Centre tomorrow")
    assert calendars.client_summary(session) == ("Keywork with your keyworker at Riverside "
                                                 "Day Centre")


# 2. Moved out of the two weeks


def test_a_session_moved_from_this_week_to_next_month_is_told_of(
        provider, dee_texts, tomorrow_at_ten, keyworker):
    _reschedule(tomorrow_at_ten, keyworker, starts_at=moment(14, days=30))
    services.send_waiting(moment(12))
    [body] = _bodies(provider)
    assert body.startswith("Your keywork session has moved.")


def test_a_session_moved_within_next_month_is_not(provider, dee_texts, client_record,
                                                  keyworker, clock):
    session = KeyworkSessionFactory(client=client_record, worker=keyworker,
                                    starts_at=moment(10, days=30))
    _reschedule(session, keyworker, starts_at=moment(10, days=31))
    assert not ClientMessage.objects.exists()


# 3. Only what the client was told


def test_changing_only_lone_working_or_the_length_tells_the_client_nothing(
        provider, dee_texts, tomorrow_at_ten, keyworker):
    _reschedule(tomorrow_at_ten, keyworker, expected_minutes=90)
    _reschedule(tomorrow_at_ten, keyworker, lone_working=True,
                expected_back_at=moment(12, days=1))
    assert not ClientMessage.objects.filter(kind="moved").exists()


def test_a_notice_still_goes_when_only_the_length_changed_after_it(
        provider, dee_texts, tomorrow_at_ten, keyworker):
    _reschedule(tomorrow_at_ten, keyworker, starts_at=moment(14, days=2))
    _reschedule(tomorrow_at_ten, keyworker, expected_minutes=90)
    services.send_waiting(moment(12))
    assert len(provider.texts) == 1


def test_a_notice_superseded_by_a_change_of_place_is_dropped_and_the_new_one_goes(
        provider, dee_texts, tomorrow_at_ten, keyworker):
    _reschedule(tomorrow_at_ten, keyworker, starts_at=moment(14, days=2))
    _reschedule(tomorrow_at_ten, keyworker, place="external", where="The library",
                expected_back_at=moment(16, days=2))
    services.send_waiting(moment(12))
    [body] = _bodies(provider)
    assert "will see you at The library" in body
    assert ClientMessage.objects.get(kind="moved", status="not_sent")


# 4. A change of worker


def test_a_new_keyworker_taking_the_sessions_is_told_to_the_client(
        provider, dee_texts, tomorrow_at_ten, client_record, colleague, manager):
    client_services.client_allocate(client=client_record, worker=colleague, by=manager,
                                    reason="Kim moves team")
    tomorrow_at_ten.refresh_from_db()
    assert tomorrow_at_ten.worker == colleague
    services.send_waiting(moment(12))
    bodies = [body for body in _bodies(provider) if body.startswith("Your keywork session")]
    assert len(bodies) == 1 and "Sam will see you at Riverside Day Centre" in bodies[0]


def test_absence_cover_moving_a_session_tells_the_client_whom_they_will_see(
        provider, dee_texts, client_record, keyworker, colleague, manager, clock):
    session = KeyworkSessionFactory(client=client_record, worker=keyworker,
                                    starts_at=moment(10, days=2))
    leave = diary_services.absence_record(
        worker=keyworker, kind="leave", first_day=timezone.localdate() + DAY,
        last_day=timezone.localdate() + 4 * DAY, by=manager)
    diary_services.absence_cover_arrange(absence=leave, choices={client_record: colleague},
                                         handover_note="Note", by=manager)
    session.refresh_from_db()
    assert session.worker == colleague
    message = ClientMessage.objects.get(kind="moved")
    assert "Sam will see you at Riverside Day Centre" in message.text


# 5. Quiet hours during a run, and a timeout


def test_a_run_that_reaches_the_quiet_night_stops_sending(provider, dee_texts, client_record,
                                                          keyworker, clock):
    for days in (2, 3):
        session = KeyworkSessionFactory(client=client_record, worker=keyworker,
                                        starts_at=moment(10, days=days))
        diary_services.session_cancel(session=session, version=session.version, by=keyworker,
                                      cancelled_by="staff", reason="Training")
    clock(20, 59)
    real = providers.sms_provider()

    class SlowSms:
        def send(self, **fields):
            outcome = real.send(**fields)
            clock(21, 0)  # the first text took a minute
            return outcome

    assert services.send_waiting(moment(20, 59), sms=SlowSms()) == (1, 0)
    assert ClientMessage.objects.filter(status="waiting").count() == 1


def test_twilio_is_waited_for_ten_seconds_at_most(provider):
    assert providers.TwilioSms().client.http_client.timeout == 10


# 6. Clients who have left


def test_leaving_cancels_the_sessions_and_tells_the_client_nothing(
        provider, dee_texts, tomorrow_at_ten, client_record, manager):
    client_services.client_end(client=client_record, status=Client.Status.MOVED_ON,
                               ended_on=timezone.localdate(), destination="Own tenancy",
                               reason="Ready", end_kind=Client.EndKind.PLANNED,
                               closing_summary="Done well", by=manager)
    tomorrow_at_ten.refresh_from_db()
    assert tomorrow_at_ten.status == "cancelled"
    services.run()
    assert provider.texts == []
    assert not ClientMessage.objects.filter(kind="cancelled").exists()


def test_a_notice_waiting_when_the_client_leaves_is_not_sent(
        provider, dee_texts, client_record, keyworker, manager, clock):
    session = KeyworkSessionFactory(client=client_record, worker=keyworker,
                                    starts_at=moment(10, days=2))
    clock(22, 0)
    diary_services.session_cancel(session=session, version=session.version, by=keyworker,
                                  cancelled_by="client", reason="Away")
    client_services.client_end(client=client_record, status=Client.Status.DISCHARGED,
                               ended_on=timezone.localdate(), destination="Unknown",
                               reason="Left", end_kind=Client.EndKind.UNPLANNED,
                               closing_summary="Left", by=manager)
    clock(9, 0, days=1)
    services.send_waiting(moment(9, days=1))
    assert provider.texts == []
    assert ClientMessage.objects.get().error == "The client has left."


# 7. The opt-out link is bound to its number


def test_an_old_link_stops_nothing_sent_to_a_new_number(client, provider, dee_texts,
                                                        client_record, keyworker):
    old = services.opt_out_token(dee_texts)
    services.consent_set(client=client_record, by=keyworker, consents=True,
                         channel=Channel.SMS, phone="07700 900999")
    assert client.post(reverse("messaging:opt_out", args=[old])).status_code == 404
    dee_texts.refresh_from_db()
    assert dee_texts.consents
    new = services.opt_out_token(dee_texts)
    assert client.post(reverse("messaging:opt_out", args=[new])).status_code == 200
    dee_texts.refresh_from_db()
    assert not dee_texts.consents


# 8. Replies


def test_a_reply_is_kept_on_the_file_and_answered_once_a_day(
        client, provider, dee_texts, client_record, site, keyworker, clock):
    site.phone = "01632 960123"
    site.save()
    for body in ("See you then", "Can we make it 11?"):
        url, fields, headers = provider.reply(
            "http://testserver" + reverse("messaging:sms_inbound"), from_number=DEE_MOBILE,
            body=body)
        assert client.post(url, fields, headers=headers).status_code == 200
    replies = ClientMessage.objects.filter(kind="reply").order_by("pk")
    assert [(r.text, r.status, r.to) for r in replies] == [
        ("See you then", "received", DEE_MOBILE), ("Can we make it 11?", "received",
                                                   DEE_MOBILE)]
    services.run()
    [answer] = _bodies(provider)
    assert answer.startswith("Replies to these messages are not read. To talk to your "
                             "keyworker, call Riverside Day Centre on 01632 960123.")
    client.force_login(keyworker)
    page = client.get(reverse("messaging:messages", args=[client_record.pk])).content.decode()
    assert "Can we make it 11?" in page
    assert "Text message from +447700900123" in page


# 9. No real provider in tests


def test_tests_send_to_no_real_provider(settings):
    assert isinstance(providers.sms_provider(), providers.ConsoleSms)
    assert settings.CLIENT_EMAIL_BACKEND == "django.core.mail.backends.locmem.EmailBackend"
