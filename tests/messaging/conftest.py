import datetime

import pytest
from django.utils import timezone

from keywork.lib import dates
from messaging.models import Channel, ReminderConsent
from tests.messaging.fake_provider import FakeProvider

AUTH_TOKEN = "fake-auth-token"
DEE_MOBILE = "+447700900123"


@pytest.fixture
def provider(settings):
    """The fake Twilio and Postmark on 127.0.0.1, with Keywork pointed at it."""
    fake = FakeProvider(AUTH_TOKEN)
    settings.SMS_BACKEND = "twilio"
    settings.TWILIO_ACCOUNT_SID = "AC" + "0" * 32
    settings.TWILIO_AUTH_TOKEN = AUTH_TOKEN
    settings.TWILIO_FROM = "+447700900000"
    settings.TWILIO_API_URL = fake.url
    settings.CLIENT_EMAIL_BACKEND = "anymail.backends.postmark.EmailBackend"
    settings.ANYMAIL = {"POSTMARK_SERVER_TOKEN": "fake-server-token",
                        "POSTMARK_API_URL": fake.url + "/"}
    settings.SITE_URL = "http://testserver"
    yield fake
    fake.close()


def moment(hour, minute=0, days=0):
    """Today (London) at hour:minute, `days` on."""
    return dates.at(timezone.localdate() + datetime.timedelta(days=days),
                    datetime.time(hour, minute), dates.FIRST)


@pytest.fixture
def clock(monkeypatch):
    """clock(hour, minute): "now" is today at that London time until set again."""

    def set_to(hour, minute=0, days=0):
        fixed = moment(hour, minute, days)
        monkeypatch.setattr(timezone, "now", lambda: fixed)
        return fixed

    set_to(12)
    return set_to


@pytest.fixture
def dee_texts(client_record, keyworker):
    """Dee agreed to texts at her mobile, recorded by Kim."""
    return ReminderConsent.objects.create(client=client_record, consents=True,
                                          channel=Channel.SMS, phone=DEE_MOBILE,
                                          recorded_by=keyworker)
