"""How a message leaves Keywork: one interface, `send(message)`, per channel.

Text messages go through Twilio's own client library (`SMS_BACKEND=twilio`), e-mail
through Django's e-mail with the backend `CLIENT_EMAIL_BACKEND` names (django-anymail's
Postmark backend in production). With nothing set both write to the console, so the app
runs offline. The tests point the real libraries at a fake provider on 127.0.0.1
(`TWILIO_API_URL`, `ANYMAIL["POSTMARK_API_URL"]`).
"""

import logging
import uuid
from dataclasses import dataclass

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.urls import reverse
from django.utils.translation import gettext as _
from twilio.base.exceptions import TwilioException, TwilioRestException
from twilio.http.http_client import TwilioHttpClient
from twilio.rest import Client

logger = logging.getLogger("keywork.messaging")
# Seconds to wait for Twilio before a text is taken as failed: the job holds the message's
# row locked while it goes, and must not hang on a provider that does not answer.
TIMEOUT = 10


@dataclass(frozen=True)
class Outcome:
    """What the provider said: its id for the message, and an error when it refused."""

    provider_id: str = ""
    error: str = ""

    @property
    def failed(self):
        return bool(self.error)


def public_url(path):
    """An absolute address on this site (the links in messages, Twilio's callbacks)."""
    return settings.SITE_URL.rstrip("/") + path


class ConsoleSms:
    """Development: the text is logged (and printed by the job), nothing is sent."""

    def send(self, *, to, text):
        logger.info("Text to %s: %s", to, text)
        return Outcome(provider_id=f"console-{uuid.uuid4().hex[:16]}")


class TwilioSms:
    """Twilio's REST API through the `twilio` library. Delivery reports come back to
    `messaging:sms_status`, replies to `messaging:sms_inbound` (set that as the number's
    "A message comes in" webhook in Twilio's console)."""

    def __init__(self):
        self.client = Client(settings.TWILIO_ACCOUNT_SID, settings.TWILIO_AUTH_TOKEN,
                             http_client=TwilioHttpClient(timeout=TIMEOUT))
        # The library builds every address from its domain's base URL: the tests' fake
        # server, or Twilio's own.
        self.client.api.base_url = settings.TWILIO_API_URL

    def send(self, *, to, text):
        try:
            sent = self.client.messages.create(
                to=to, from_=settings.TWILIO_FROM, body=text,
                status_callback=public_url(reverse("messaging:sms_status")))
        except TwilioRestException as error:
            return Outcome(error=f"{error.code}: {error.msg}"[:300])
        except (TwilioException, OSError) as error:
            return Outcome(error=_("The text provider could not be reached: %(error)s")
                           % {"error": error})
        return Outcome(provider_id=sent.sid)


class DjangoEmail:
    """Django's e-mail through CLIENT_EMAIL_BACKEND; django-anymail's backends set the
    provider's message id on the message (`anymail_status`)."""

    def send(self, *, to, text, subject):
        message = EmailMessage(subject, text, settings.CLIENT_FROM_EMAIL, [to],
                               connection=get_connection(settings.CLIENT_EMAIL_BACKEND))
        try:
            message.send()
        except Exception as error:  # anymail's and smtplib's errors share no base class
            return Outcome(error=str(error)[:300] or error.__class__.__name__)
        status = getattr(message, "anymail_status", None)
        provider_id = (status.message_id if status and status.message_id
                       else f"email-{uuid.uuid4().hex[:16]}")
        if status and status.status and status.status <= {"rejected", "failed", "invalid"}:
            return Outcome(provider_id=provider_id, error=_("Refused by the e-mail provider."))
        return Outcome(provider_id=provider_id)


def sms_provider():
    return TwilioSms() if settings.SMS_BACKEND == "twilio" else ConsoleSms()
