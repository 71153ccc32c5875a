"""Postmark's delivery webhook (messaging:email_status): the e-mail goes through anymail's
Postmark backend to the fake provider, and Postmark's own webhook JSON (the shapes of its
documentation, as anymail's Postmark tracking view reads them) comes back with basic auth.
Delivered and failed mark the message as Twilio's reports mark a text."""

import base64
import json

import pytest
from django.urls import reverse

from messaging import services
from messaging.models import Channel, ClientMessage, ReminderConsent
from tests.factories import KeyworkSessionFactory
from tests.messaging.conftest import moment
from tests.security import hostile

SECRET = "postmark:a-long-random-secret"
URL = reverse("messaging:email_status")


@pytest.fixture
def sent_email(provider, settings, client_record, keyworker, clock):
    """Dee's reminder of tomorrow's session, sent by e-mail through Postmark."""
    settings.ANYMAIL = settings.ANYMAIL | {"WEBHOOK_SECRET": SECRET}
    services.consent_set(client=client_record, by=keyworker, consents=True,
                         channel=Channel.EMAIL, email="dee@example.org")
    KeyworkSessionFactory(client=client_record, worker=keyworker, starts_at=moment(10, days=1))
    services.run()
    message = ClientMessage.objects.get()
    assert message.status == "sent"
    assert message.provider_id == provider.emails[0]["MessageID"]
    return message


def _auth(secret=SECRET):
    return {"Authorization": "Basic " + base64.b64encode(secret.encode()).decode()}


def delivery(message_id):
    return {"RecordType": "Delivery", "ServerID": 23, "MessageStream": "outbound",
            "MessageID": message_id, "Recipient": "dee@example.org", "Tag": "",
            "DeliveredAt": "2026-12-05T12:00:05.0000000Z",
            "Details": "smtp;250 2.0.0 OK", "Metadata": {}}


def bounce(message_id, kind="HardBounce"):
    return {"RecordType": "Bounce", "MessageStream": "outbound", "ID": 4323372036854775807,
            "Type": kind, "TypeCode": 1, "Name": "Hard bounce", "Tag": "",
            "MessageID": message_id, "Metadata": {}, "ServerID": 23,
            "Description": "The server was unable to deliver your message (ex: unknown "
                           "user, mailbox not found).",
            "Details": "smtp;550 5.1.1 The email account that you tried to reach does not "
                       "exist.",
            "Email": "dee@example.org", "From": "keywork@localhost",
            "BouncedAt": "2026-12-05T12:00:05.0000000Z", "DumpAvailable": True,
            "Inactive": True, "CanActivate": True,
            "Subject": "A reminder from your keyworker"}


def _post(client, event, headers=None):
    return client.post(URL, json.dumps(event), content_type="application/json",
                       headers=_auth() if headers is None else headers)


def _snapshot():
    return (list(ReminderConsent.objects.order_by("pk").values()),
            list(ClientMessage.objects.order_by("pk").values()))


def test_postmarks_delivery_marks_the_email_delivered(client, sent_email):
    response = _post(client, delivery(sent_email.provider_id))
    assert response.status_code == 200
    sent_email.refresh_from_db()
    assert (sent_email.status, sent_email.error) == ("delivered", "")
    assert sent_email.status_at is not None


def test_a_hard_bounce_marks_it_failed_in_plain_words(client, sent_email):
    assert _post(client, bounce(sent_email.provider_id)).status_code == 200
    sent_email.refresh_from_db()
    assert sent_email.status == "failed"
    assert sent_email.error == "The e-mail bounced: the address did not take it."


def test_an_address_postmark_will_not_send_to_is_failed_with_why(client, sent_email):
    _post(client, bounce(sent_email.provider_id, kind="BadEmailAddress"))
    sent_email.refresh_from_db()
    assert sent_email.status == "failed"
    assert sent_email.error == ("The e-mail provider did not send it: the address is not a "
                                "real one.")


def test_the_log_of_messages_shows_the_bounce(client, sent_email, keyworker, client_record):
    _post(client, bounce(sent_email.provider_id))
    client.force_login(keyworker)
    page = client.get(reverse("messaging:messages", args=[client_record.pk])).content.decode()
    assert "Failed" in page
    assert "The e-mail bounced: the address did not take it." in page


def test_a_delay_or_an_open_says_nothing_new(client, sent_email):
    _post(client, bounce(sent_email.provider_id, kind="Transient"))
    _post(client, {"RecordType": "Open", "MessageID": sent_email.provider_id,
                   "Recipient": "dee@example.org", "ReceivedAt": "2026-12-05T12:01:00Z",
                   "FirstOpen": True, "Metadata": {}, "MessageStream": "outbound"})
    sent_email.refresh_from_db()
    assert sent_email.status == "sent"


@pytest.mark.parametrize("headers", [_auth("postmark:wrong"), _auth(SECRET + "x"), {},
                                     {"Authorization": "Bearer " + SECRET}],
                         ids=["wrong", "longer", "missing", "not-basic"])
def test_a_wrong_or_missing_secret_is_refused_and_changes_nothing(client, sent_email,
                                                                  headers):
    before = _snapshot()
    response = _post(client, bounce(sent_email.provider_id), headers=headers)
    assert response.status_code == 403
    assert _snapshot() == before


def test_without_a_secret_set_here_every_report_is_refused(client, sent_email, settings):
    settings.ANYMAIL = {key: value for key, value in settings.ANYMAIL.items()
                        if key != "WEBHOOK_SECRET"}
    before = _snapshot()
    assert _post(client, delivery(sent_email.provider_id)).status_code == 403
    assert _post(client, delivery(sent_email.provider_id), headers={}).status_code == 403
    assert _snapshot() == before


def test_an_unknown_message_id_is_answered_and_changes_nothing(client, sent_email):
    before = _snapshot()
    response = _post(client, bounce("00000000-0000-0000-0000-000000000000"))
    assert response.status_code == 200  # Postmark must not keep retrying it
    assert _snapshot() == before


def test_a_bounce_naming_a_texts_id_changes_no_text(client, sent_email, client_record):
    text = ClientMessage.objects.create(client=client_record, key="t", kind="reminder",
                                        channel="sms", to="+447700900123", text="Hi",
                                        status="sent", provider_id="SMabc")
    _post(client, bounce(text.provider_id))
    text.refresh_from_db()
    assert text.status == "sent"


BODIES = ["", "not json", "[]", '"Bounce"', "null", json.dumps({"RecordType": 5}),
          json.dumps({"RecordType": "SubscriptionChange", "MessageID": "x"}),
          json.dumps({"FromFull": {"Email": "x@example.org"}, "MessageID": "x"}),
          hostile.NUL, hostile.HUGE]


@pytest.mark.parametrize("body", BODIES, ids=range(len(BODIES)))
def test_a_body_that_is_not_postmarks_is_answered_calmly_and_changes_nothing(
        client, sent_email, body):
    before = _snapshot()
    response = client.post(URL, body, content_type="application/json", headers=_auth())
    assert response.status_code in (200, 400)
    assert _snapshot() == before


@pytest.mark.parametrize("message_id", [hostile.NUL, hostile.LONG[:5000], 12345, None,
                                        ["x"], *hostile.MARKUP],
                         ids=range(5 + len(hostile.MARKUP)))
def test_a_hostile_message_id_changes_nothing(client, sent_email, message_id):
    before = _snapshot()
    response = _post(client, bounce(message_id))
    assert response.status_code == 200
    assert not hostile.unsafe_in(response.content.decode())
    assert _snapshot() == before


def spam_complaint(message_id):
    """Postmark's spam complaint: a bounce record of type SpamComplaint."""
    return bounce(message_id, kind="SpamComplaint") | {"RecordType": "SpamComplaint",
                                                       "TypeCode": 512,
                                                       "Name": "Spam complaint"}


def test_a_spam_complaint_opts_the_client_out_of_emailed_reminders(client, sent_email,
                                                                   client_record):
    """As a STOP reply does: nothing more is sent to the address that complained."""
    assert _post(client, spam_complaint(sent_email.provider_id)).status_code == 200
    consent = ReminderConsent.objects.get(client=client_record)
    assert not consent.consents
    assert consent.withdrawn_how == ReminderConsent.WithdrawnHow.EMAIL
    assert consent.get_withdrawn_how_display() == "Marked a reminder as spam or unsubscribed"


def test_a_complaint_about_an_address_no_longer_on_file_changes_no_consent(
        client, sent_email, client_record, keyworker):
    services.consent_set(client=client_record, by=keyworker, consents=True,
                         channel=Channel.EMAIL, email="dee.new@example.org")
    _post(client, spam_complaint(sent_email.provider_id))
    assert ReminderConsent.objects.get(client=client_record).consents


def test_a_failure_stays_when_a_late_delivery_report_comes(client, sent_email):
    _post(client, bounce(sent_email.provider_id))
    _post(client, delivery(sent_email.provider_id))
    sent_email.refresh_from_db()
    assert sent_email.status == "failed"
    assert sent_email.error == "The e-mail bounced: the address did not take it."


def test_a_fault_in_hearing_a_report_is_logged_not_silent(client, sent_email, monkeypatch,
                                                          caplog):
    def broken(**kwargs):
        raise KeyError("ours")

    monkeypatch.setattr(services, "email_event", broken)
    with caplog.at_level("ERROR", logger="keywork.messaging"):
        assert _post(client, delivery(sent_email.provider_id)).status_code == 400
    assert "Postmark's webhook" in caplog.text and "KeyError" in caplog.text
