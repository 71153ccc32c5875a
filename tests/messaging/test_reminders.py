"""Reminders to clients end to end: the job writes and sends through the real `twilio`
library and anymail's Postmark backend to the fake provider on 127.0.0.1, which reports
delivery and replies as Twilio does."""

import datetime

import pytest
from django.core.management import call_command
from django.db import IntegrityError, transaction
from django.urls import reverse

from diary import services as diary_services
from keywork.lib import dates
from messaging import services
from messaging.models import Channel, ClientMessage, ReminderConsent
from plans import selectors as plan_selectors
from tests.factories import KeyworkSessionFactory, signed_plan
from tests.messaging.conftest import DEE_MOBILE, moment

DAY = datetime.timedelta(days=1)


@pytest.fixture
def tomorrow_at_ten(client_record, keyworker, clock):
    return KeyworkSessionFactory(client=client_record, worker=keyworker,
                                 starts_at=moment(10, days=1))


def test_the_day_before_a_session_the_client_gets_a_text_in_the_words_of_the_issue(
        provider, dee_texts, tomorrow_at_ten):
    result = services.run()
    assert (result["written"], result["sent"], result["failed"]) == (1, 1, 0)
    [text] = provider.texts
    assert text["To"] == DEE_MOBILE
    assert text["From"] == "+447700900000"
    assert text["Body"].startswith("Kim will see you at Riverside Day Centre tomorrow at "
                                   "10:00. Reply STOP to stop these texts")
    assert text["StatusCallback"] == "http://testserver" + reverse("messaging:sms_status")
    message = ClientMessage.objects.get()
    assert (message.status, message.provider_id, message.to) == ("sent", text["sid"],
                                                                  DEE_MOBILE)
    assert message.session == tomorrow_at_ten


def test_a_delivery_report_marks_the_message_delivered(client, provider, dee_texts,
                                                       tomorrow_at_ten):
    services.run()
    url, fields, headers = provider.delivery_report(provider.texts[0]["sid"], "delivered")
    response = client.post(url, fields, headers=headers)
    assert response.status_code == 200
    assert ClientMessage.objects.get().status == "delivered"


def test_an_undelivered_report_marks_it_failed_with_the_code(client, provider, dee_texts,
                                                             tomorrow_at_ten):
    services.run()
    url, fields, headers = provider.delivery_report(provider.texts[0]["sid"], "undelivered",
                                                    error_code="30003")
    client.post(url, fields, headers=headers)
    message = ClientMessage.objects.get()
    assert message.status == "failed"
    assert "30003" in message.error


def test_a_report_not_signed_by_twilio_is_refused_and_changes_nothing(client, provider,
                                                                      dee_texts,
                                                                      tomorrow_at_ten):
    services.run()
    url, fields, _headers = provider.delivery_report(provider.texts[0]["sid"], "delivered")
    response = client.post(url, fields, headers={"X-Twilio-Signature": "forged"})
    assert response.status_code == 403
    assert ClientMessage.objects.get().status == "sent"


def test_a_number_the_provider_refuses_is_logged_as_failed_with_its_reason(
        provider, dee_texts, tomorrow_at_ten):
    provider.refuse.add(DEE_MOBILE)
    result = services.run()
    assert (result["sent"], result["failed"]) == (0, 1)
    message = ClientMessage.objects.get()
    assert message.status == "failed"
    assert message.error.startswith("21211: ")


def test_replying_stop_opts_the_client_out_and_nothing_more_goes(client, provider,
                                                                 dee_texts, tomorrow_at_ten,
                                                                 keyworker):
    url, fields, headers = provider.reply(
        "http://testserver" + reverse("messaging:sms_inbound"), from_number=DEE_MOBILE,
        body="Stop")
    assert client.post(url, fields, headers=headers).status_code == 200
    dee_texts.refresh_from_db()
    assert not dee_texts.consents
    assert dee_texts.withdrawn_how == ReminderConsent.WithdrawnHow.REPLY
    services.run()
    assert provider.texts == []


def test_a_reply_that_is_not_stop_changes_nothing(client, provider, dee_texts):
    url, fields, headers = provider.reply(
        "http://testserver" + reverse("messaging:sms_inbound"), from_number=DEE_MOBILE,
        body="See you then")
    client.post(url, fields, headers=headers)
    dee_texts.refresh_from_db()
    assert dee_texts.consents


def test_an_unsigned_stop_opts_no_one_out(client, provider, dee_texts):
    url, fields, _headers = provider.reply(
        "http://testserver" + reverse("messaging:sms_inbound"), from_number=DEE_MOBILE,
        body="STOP")
    assert client.post(url, fields).status_code == 403
    dee_texts.refresh_from_db()
    assert dee_texts.consents


def _link_in(text):
    return "/" + text.split("http://testserver/", 1)[1].split()[0]


def test_the_link_in_a_text_opts_out_in_one_click_showing_nothing_of_the_client(
        client, provider, dee_texts, tomorrow_at_ten, client_record):
    services.run()
    link = _link_in(provider.texts[0]["Body"])
    page = client.get(link)
    assert page.status_code == 200
    assert client_record.first_name not in page.content.decode()
    dee_texts.refresh_from_db()
    assert dee_texts.consents  # opening the link is not enough: the click is
    done = client.post(link)
    assert "You will not get reminders any more." in done.content.decode()
    assert client_record.first_name not in done.content.decode()
    dee_texts.refresh_from_db()
    assert (dee_texts.consents, dee_texts.withdrawn_how) == (False, "link")


def test_a_changed_link_opts_no_one_out(client, provider, dee_texts, colleagues_client,
                                        colleague):
    robs = services.consent_set(client=colleagues_client, by=colleague, consents=True,
                                channel=Channel.SMS, phone="07700 900456")
    token = services.opt_out_token(dee_texts)
    pk_part, rest = token.split(":", 1)
    forged = services.opt_out_token(robs).split(":", 1)[0] + ":" + rest
    assert client.post(reverse("messaging:opt_out", args=[forged])).status_code == 404
    assert client.post(reverse("messaging:opt_out", args=["x"])).status_code == 404
    robs.refresh_from_db()
    dee_texts.refresh_from_db()
    assert robs.consents and dee_texts.consents


def test_an_email_goes_through_postmark_with_its_message_id(provider, client_record,
                                                            keyworker, tomorrow_at_ten):
    services.consent_set(client=client_record, by=keyworker, consents=True,
                         channel=Channel.EMAIL, email="dee@example.org")
    services.run()
    [email] = provider.emails
    assert email["To"] == "dee@example.org"
    assert "Kim will see you at Riverside Day Centre tomorrow at 10:00." in email["TextBody"]
    assert "To stop these reminders, go to http://testserver/reminders/stop/" in \
        email["TextBody"]
    message = ClientMessage.objects.get()
    assert (message.status, message.provider_id) == ("sent", email["MessageID"])


def test_nothing_is_sent_at_night_and_what_comes_up_waits_until_eight(
        provider, dee_texts, client_record, keyworker, clock):
    session = KeyworkSessionFactory(client=client_record, worker=keyworker,
                                    starts_at=moment(10, days=2))
    clock(22, 30)
    diary_services.session_cancel(session=session, version=session.version, by=keyworker,
                                  cancelled_by="staff", reason="Kim is on a course")
    message = ClientMessage.objects.get()
    assert message.send_after == moment(8, days=1)
    assert services.run()["sent"] == 0
    clock(7, 59, days=1)
    assert services.run()["sent"] == 0
    clock(8, 0, days=1)
    assert services.run()["sent"] == 1
    assert "is cancelled" in provider.texts[0]["Body"]


def test_tomorrows_reminders_are_not_written_at_night(provider, dee_texts, tomorrow_at_ten,
                                                      clock):
    clock(21, 0)
    assert services.run()["written"] == 0
    assert not ClientMessage.objects.exists()


def test_running_the_job_twice_sends_each_message_once(provider, dee_texts,
                                                       tomorrow_at_ten):
    call_command("send_client_reminders")
    call_command("send_client_reminders")
    assert len(provider.texts) == 1
    assert ClientMessage.objects.count() == 1


def test_one_message_a_key_is_a_constraint_of_the_database(dee_texts, tomorrow_at_ten):
    services.reminders_due(moment(12))
    message = ClientMessage.objects.get()
    with pytest.raises(IntegrityError), transaction.atomic():
        ClientMessage.objects.create(client=message.client, key=message.key,
                                     kind=message.kind, channel=message.channel,
                                     to=message.to, text=message.text)


def test_a_moved_session_sends_a_notice_and_its_old_reminder_does_not_go(
        provider, dee_texts, tomorrow_at_ten, keyworker):
    services.reminders_due(moment(12))
    session = tomorrow_at_ten
    diary_services.session_reschedule(
        session=session, version=session.version, by=keyworker, worker=keyworker,
        starts_at=moment(14, days=3), expected_minutes=60, place=session.place)
    services.send_waiting(moment(12))
    bodies = [text["Body"] for text in provider.texts]
    assert len(bodies) == 1
    day = dates.format_weekday(moment(14, days=3))
    assert bodies[0].startswith(f"Your keywork session has moved. Kim will see you at "
                                f"Riverside Day Centre on {day} at 14:00.")
    old = ClientMessage.objects.get(kind="reminder")
    assert old.status == "not_sent"


def test_a_cancelled_session_sends_a_notice(provider, dee_texts, tomorrow_at_ten,
                                            keyworker):
    diary_services.session_cancel(session=tomorrow_at_ten, version=tomorrow_at_ten.version,
                                  by=keyworker, cancelled_by="client", reason="Hospital")
    services.run()
    [text] = provider.texts
    day = dates.format_weekday(tomorrow_at_ten.starts_at)
    assert text["Body"].startswith(f"Your keywork session at Riverside Day Centre on {day} "
                                   "at 10:00 is cancelled.")
    assert ClientMessage.objects.get().kind == "cancelled"


def test_the_plan_review_date_is_the_one_the_plan_pages_show(provider, dee_texts,
                                                             client_record, keyworker,
                                                             clock):
    plan = signed_plan(client=client_record, by=keyworker)  # reviewed in four weeks
    assert services.run()["written"] == 0  # not due yet
    clock(12, days=23)  # five days before it
    services.run()
    services.run()
    [text] = provider.texts
    on = plan_selectors.reviews([client_record])[client_record.pk].on
    assert on == plan_selectors.review_date(plan)
    assert f"Your support plan is due to be reviewed on {dates.format_day(on)}" in text["Body"]


def test_no_consent_no_message(provider, client_record, tomorrow_at_ten):
    assert services.run()["written"] == 0
    assert provider.texts == []


def test_a_session_moved_twice_sends_only_the_last_notice(provider, dee_texts,
                                                          tomorrow_at_ten, keyworker):
    session = tomorrow_at_ten
    for days in (2, 3):
        diary_services.session_reschedule(
            session=session, version=session.version, by=keyworker, worker=keyworker,
            starts_at=moment(14, days=days), expected_minutes=60, place=session.place)
        session.refresh_from_db()
    services.send_waiting(moment(12))
    [text] = provider.texts
    assert dates.format_weekday(moment(14, days=3)) in text["Body"]
    assert ClientMessage.objects.filter(status="not_sent").count() == 1
