"""Hostile input to Twilio's two webhooks, signed as Twilio signs (tests/security/
test_hostile.py's walk posts to them unsigned): no server error, no markup echoed, and
nothing changes but what a real report or STOP would change."""

import pytest
from django.urls import reverse

from messaging.models import ClientMessage, ReminderConsent
from tests.messaging.fake_provider import twilio_signature
from tests.security import hostile

VALUES = [*hostile.MARKUP, hostile.LONG[:5000], hostile.NUL, hostile.HUGE,
          hostile.UNICODE_DIGIT, hostile.NOT_A_NUMBER, hostile.EMPTY]
FIELDS = {"messaging:sms_status": ["MessageSid", "MessageStatus", "ErrorCode"],
          "messaging:sms_inbound": ["From", "Body", "MessageSid"]}


@pytest.fixture
def twilio(settings):
    settings.SMS_BACKEND, settings.TWILIO_AUTH_TOKEN = "twilio", "a-token"
    settings.SITE_URL = "http://testserver"


def _snapshot():
    return (list(ReminderConsent.objects.order_by("pk").values()),
            list(ClientMessage.objects.order_by("pk").values()))


@pytest.mark.parametrize("name", FIELDS)
@pytest.mark.parametrize("value", VALUES, ids=range(len(VALUES)))
def test_signed_hostile_values_answer_calmly_and_change_nothing(client, twilio, client_record,
                                                                keyworker, name, value):
    ReminderConsent.objects.create(client=client_record, consents=True, channel="sms",
                                   phone="+447700900123", recorded_by=keyworker)
    ClientMessage.objects.create(client=client_record, key="k", kind="reminder",
                                 channel="sms", to="+447700900123", text="Hi",
                                 status="sent", provider_id="SMreal")
    before = _snapshot()
    url = reverse(name)
    fields = dict.fromkeys(FIELDS[name], value)
    signature = twilio_signature("a-token", "http://testserver" + url, fields)
    response = client.post(url, fields, headers={"X-Twilio-Signature": signature})
    assert response.status_code == 200
    assert not hostile.unsafe_in(response.content.decode())
    assert _snapshot() == before


@pytest.mark.parametrize("value", VALUES, ids=range(len(VALUES)))
def test_stop_from_a_hostile_number_opts_no_one_out(client, twilio, client_record, keyworker,
                                                    value):
    ReminderConsent.objects.create(client=client_record, consents=True, channel="sms",
                                   phone="+447700900123", recorded_by=keyworker)
    before = _snapshot()
    url = reverse("messaging:sms_inbound")
    fields = {"From": value, "Body": "STOP", "MessageSid": "SMx"}
    signature = twilio_signature("a-token", "http://testserver" + url, fields)
    assert client.post(url, fields, headers={"X-Twilio-Signature": signature}).status_code \
        == 200
    assert _snapshot() == before
