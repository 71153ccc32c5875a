"""Every write of reminders to clients: the consent, opting out, writing the messages due
and sending them. `run()` is what `send_client_reminders` does."""

import datetime
import hashlib
from functools import partial

import phonenumbers
from django.core import signing
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from clients.models import Client
from diary.models import KeyworkSession
from diary.selectors import as_told
from keywork.lib import dates
from messaging import providers, selectors, words
from messaging.models import Channel, ClientMessage, ReminderConsent
from plans import selectors as plan_selectors

# A session moved or cancelled further ahead than this is told of by its reminder.
NOTICE_AHEAD = datetime.timedelta(days=14)
# What a reply may start with to stop texts (the words Twilio itself treats as opting out).
STOP_WORDS = {"STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT"}
OPT_OUT_SALT = "messaging.opt_out"


def phone_number(value):
    """A mobile number as E.164 (+447700900123), UK unless it starts with +, or a
    ValidationError a person can act on. A UK number must be a mobile's (07...): the
    library's stricter is_valid_number refuses Ofcom's numbers kept for drama and tests
    (07700 900xxx), which the demo and the tests use."""
    try:
        number = phonenumbers.parse(value, "GB")
    except phonenumbers.NumberParseException:
        number = None
    if number is None or not phonenumbers.is_possible_number(number):
        raise ValidationError({"phone": _("Enter a mobile number such as 07700 900123.")})
    if number.country_code == 44 and not str(number.national_number).startswith("7"):
        raise ValidationError({"phone": _("This is not a mobile number: texts need one "
                                          "(07...).")})
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def _stop_waiting(client, why):
    for message in ClientMessage.objects.select_for_update().filter(
            client=client, status=ClientMessage.Status.WAITING):
        message.status, message.error = ClientMessage.Status.NOT_SENT, why[:300]
        message.status_at = timezone.now()
        message.save()


@transaction.atomic
def consent_set(*, client, by, consents, channel, phone="", email=""):
    """Record the client's consent to reminders (or that they do not want them), by
    `channel` to `phone` or `email`. Saying no withdraws it: nothing waiting is sent."""
    if client.is_archived:
        raise ValidationError(_("This client has left; the record is archived and read-only."))
    consent = (ReminderConsent.objects.select_for_update().filter(client=client).first()
               or ReminderConsent(client=client))
    was_agreed = bool(consent.pk) and consent.consents
    phone = phone.strip()
    if channel == Channel.SMS and consents and not phone:
        raise ValidationError({"phone": _("Enter the mobile number to text.")})
    if channel == Channel.EMAIL and consents and not email.strip():
        raise ValidationError({"email": _("Enter the e-mail address to write to.")})
    now = timezone.now()
    consent.consents, consent.channel = consents, channel
    consent.phone = phone_number(phone) if phone else ""
    consent.email = email.strip()
    consent.recorded_by, consent.recorded_at = by, now
    if consents:
        consent.withdrawn_at, consent.withdrawn_how = None, ""
    elif was_agreed:
        consent.withdrawn_at, consent.withdrawn_how = now, ReminderConsent.WithdrawnHow.STAFF
    consent.full_clean()
    consent.save()
    if not consents:
        _stop_waiting(client, _("The client does not want reminders."))
    return consent


@transaction.atomic
def consent_withdraw(*, consent, how):
    """Opt the client out (a STOP reply, the link in a message): nothing more is sent,
    nothing waiting goes. Withdrawn already, nothing changes."""
    consent = ReminderConsent.objects.select_for_update().get(pk=consent.pk)
    if not consent.consents:
        return consent
    consent.consents = False
    consent.withdrawn_at, consent.withdrawn_how = timezone.now(), how
    consent.save()
    _stop_waiting(consent.client, _("The client opted out of reminders."))
    return consent


def _tag(text):
    """A short digest: what a key or a link holds of a number, an address or a session's
    facts without showing them."""
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def opt_out_token(consent):
    """The signed part of the one-click link: it names this consent and the number or
    address the message went to, so a text kept on a phone whose number has since gone to
    someone else stops nothing sent to the client's new number."""
    return signing.dumps([consent.pk, _tag(consent.address)], salt=OPT_OUT_SALT)


def consent_from_token(token):
    """The consent a link names, while its number or address is the one the link was
    sent to; else None (a link not made here, or made for an address since changed)."""
    try:
        value = signing.loads(token, salt=OPT_OUT_SALT)
    except signing.BadSignature:
        return None
    if (not isinstance(value, list) or len(value) != 2 or type(value[0]) is not int
            or not isinstance(value[1], str)):
        return None
    consent = ReminderConsent.objects.filter(pk=value[0]).select_related("client").first()
    if consent is None or _tag(consent.address) != value[1]:
        return None
    return consent


def opt_out_by_reply(*, number, body):
    """A text came in from `number`: a STOP word opts out every client texted at that
    number. Returns how many were opted out."""
    if not number or not is_stop(body):
        return 0
    consents = ReminderConsent.objects.filter(phone=number, channel=Channel.SMS, consents=True)
    for consent in consents:
        consent_withdraw(consent=consent, how=ReminderConsent.WithdrawnHow.REPLY)
    return len(consents)


def is_stop(body):
    first = (body or "").strip().split(maxsplit=1)
    return bool(first) and first[0].upper().strip(".!") in STOP_WORDS


@transaction.atomic
def reply_received(*, number, body, provider_id=""):
    """A text from `number` that is not STOP: kept on the message log of each client
    texted at that number (nobody reads replies, so nothing is lost silently), and answered
    once a day that replies are not read, with the site's phone number. Returns the replies
    logged (none for a number we do not text)."""
    now = timezone.now()
    logged = []
    for consent in (ReminderConsent.objects.filter(phone=number, channel=Channel.SMS)
                    .exclude(phone="").select_related("client__site")):
        key = f"in:{provider_id or _tag(f'{number}|{now.isoformat()}|{body}')}:{consent.pk}"
        reply, created = ClientMessage.objects.get_or_create(key=key[:120], defaults={
            "client": consent.client, "kind": ClientMessage.Kind.REPLY,
            "channel": Channel.SMS, "to": number, "text": body or "", "language": "",
            "created_at": now, "send_after": now, "status": ClientMessage.Status.RECEIVED,
            "status_at": now, "provider_id": provider_id})
        if not created:
            continue  # Twilio sent the same reply twice
        logged.append(reply)
        if selectors.reachable(consent) and consent.client.status not in Client.ENDED:
            _write(consent=consent, key=f"answer:{consent.pk}:{dates.local_day(now)}",
                   kind=ClientMessage.Kind.ANSWER,
                   say=partial(words.replies_not_read, consent.client.site), now=now)
    return logged


# Writing the messages --------------------------------------------------------------------


def _send_after(now):
    return dates.quiet_until(now) or now


def _write(*, consent, key, kind, say, now, session=None):
    """The message `key` to the client of `consent`, written once (a second run, or a
    second job at the same time, finds it). Its words are made here and only here:
    `say()` (a function of messaging.words) and the stop line, in the client's language
    (`words.speaking`), so the log holds the text as it was sent."""
    link = providers.public_url(reverse("messaging:opt_out", args=[opt_out_token(consent)]))
    client = consent.client
    language = words.language_of(client)
    with words.speaking(language):
        text = f"{say()} {words.stop_line(consent.channel, link)}"
    message, created = ClientMessage.objects.get_or_create(key=key, defaults={
        "client": client, "session": session, "kind": kind, "channel": consent.channel,
        "to": consent.address, "text": text, "language": language,
        "created_at": now, "send_after": _send_after(now)})
    return message if created else None


def _told_tag(session):
    """The session's facts as its client is told of them (diary.selectors.as_told), in
    a notice's key: checked again just before it goes."""
    told = as_told(session)
    return _tag(f"{told.starts_at.timestamp()}|{told.worker}|{told.place}")


def session_notices(sessions, *, change, by, before=None, cause=""):
    """The diary moved or cancelled `sessions` (diary.hooks.session_changed): tell each
    client who agreed to reminders, for sessions in the next two weeks (a session moved
    into them or out of them). The diary passes only sessions whose time, place or worker
    changed. Nothing for sessions cancelled as the client left, or a client who has."""
    if cause == "leaving":
        return
    now = timezone.now()
    before = before or {}
    consents = {}

    def soon(moment):
        return moment is not None and now < moment <= now + NOTICE_AHEAD

    for session in sessions:
        was = before.get(session.pk)
        if not (soon(session.starts_at) or soon(was.starts_at if was else None)):
            continue
        if session.client.status in Client.ENDED:
            continue
        if session.client_id not in consents:  # a series is one client's: read once
            consents[session.client_id] = selectors.consent_of(session.client)
        consent = consents[session.client_id]
        if not selectors.reachable(consent):
            continue
        kind = ClientMessage.Kind.MOVED if change == "moved" else ClientMessage.Kind.CANCELLED
        say = partial(words.moved if change == "moved" else words.cancelled, session)
        # The key's tag is made outside the client's language, as _still_true makes it.
        _write(consent=consent,
               key=f"{kind}:{session.pk}:{_told_tag(session)}:{session.version}",
               kind=kind, say=say, now=now, session=session)


def _reminder_key(session):
    return f"reminder:{session.pk}:{int(session.starts_at.timestamp())}"


def reminders_due(now):
    """Write the day-before reminders of tomorrow's booked sessions. Not during the quiet
    night: a reminder written then would go on the day itself."""
    if dates.quiet_until(now):
        return 0
    start, end = dates.day_bounds(dates.local_day(now) + datetime.timedelta(days=1))
    sessions = (KeyworkSession.objects.live()
                .filter(status=KeyworkSession.Status.BOOKED, starts_at__gte=start,
                        starts_at__lt=end, client__reminder_consent__consents=True)
                .exclude(client__status__in=Client.ENDED)
                .select_related("client__reminder_consent", "site", "worker"))
    written = 0
    for session in sessions:
        consent = session.client.reminder_consent
        written += bool(_write(consent=consent, key=_reminder_key(session),
                               kind=ClientMessage.Kind.REMINDER,
                               say=partial(words.reminder, session), now=now,
                               session=session))
    return written


def reviews_due(now):
    """Write a message of the plan's review date once it is due (the week before it), read
    from plans.selectors.reviews, the one review date every page shows."""
    if dates.quiet_until(now):
        return 0
    consents = {consent.client_id: consent for consent in ReminderConsent.objects
                .filter(consents=True).exclude(client__status__in=Client.ENDED)
                .select_related("client__site")}
    written = 0
    today = dates.local_day(now)
    for client_id, review in plan_selectors.reviews(
            [consent.client for consent in consents.values()], today).items():
        if not review.due:
            continue
        consent = consents[client_id]
        written += bool(_write(consent=consent, key=f"review:{review.plan.pk}:{review.on}",
                               kind=ClientMessage.Kind.REVIEW,
                               say=partial(words.review, review.on, consent.client.site),
                               now=now))
    return written


# Sending ------------------------------------------------------------------------------------


def _still_true(message, now):
    """Why a message written earlier should no longer go, or "" when it should."""
    consent = getattr(message.client, "reminder_consent", None)
    if not selectors.reachable(consent) or consent.address != message.to:
        return _("The client's consent or number changed after it was written.")
    if message.client.status in Client.ENDED:
        return _("The client has left.")
    session = message.session
    if message.kind in (ClientMessage.Kind.REVIEW, ClientMessage.Kind.ANSWER):
        return ""
    if session is None or session.starts_at <= now:
        return _("The session's time came before it could be sent.")
    if message.kind == ClientMessage.Kind.MOVED and (
            message.key.split(":")[2] != _told_tag(session)
            or session.status != KeyworkSession.Status.BOOKED):
        # A later notice tells of it as it is now (or of its cancellation).
        return _("The session changed again after the notice was written.")
    if message.kind == ClientMessage.Kind.REMINDER and (
            message.key != _reminder_key(session) or session.is_struck
            or session.status != KeyworkSession.Status.BOOKED
            or dates.local_day(session.starts_at) != dates.local_day(now)
            + datetime.timedelta(days=1)):
        return _("The session changed after the reminder was written.")
    return ""


def _deliver(message, sms):
    if message.channel == Channel.SMS:
        return sms.send(to=message.to, text=message.text)
    # In the language its text was written in (every message written here has one).
    with words.speaking(message.language or words.language_of(message.client)):
        subject = words.subject()
    return providers.DjangoEmail().send(to=message.to, text=message.text, subject=subject)


def send_waiting(now, sms=None):
    """Send every message waiting whose time has come, one at a time, each locked while it
    goes (a second job skips it). Nothing goes in the quiet night: the clock is read again
    before each message, so a long run that reaches 21:00 stops there and the rest wait
    for the morning. Returns (sent, failed)."""
    if dates.quiet_until(now):
        return 0, 0
    sms = sms or providers.sms_provider()
    sent = failed = 0
    waiting = list(ClientMessage.objects.filter(status=ClientMessage.Status.WAITING,
                                                send_after__lte=now)
                   .order_by("send_after", "pk").values_list("pk", flat=True))
    for pk in waiting:
        if dates.quiet_until(timezone.now()):
            break
        with transaction.atomic():
            message = (ClientMessage.objects.select_for_update(of=("self",), skip_locked=True)
                       .select_related("client__reminder_consent", "session")
                       .filter(pk=pk, status=ClientMessage.Status.WAITING).first())
            if message is None:
                continue
            why_not = _still_true(message, now)
            if why_not:
                message.status, message.error = ClientMessage.Status.NOT_SENT, why_not
            else:
                outcome = _deliver(message, sms)
                message.sent_at, message.provider_id = now, outcome.provider_id
                message.status = (ClientMessage.Status.FAILED if outcome.failed
                                  else ClientMessage.Status.SENT)
                message.error = outcome.error
                sent += not outcome.failed
                failed += outcome.failed
            message.status_at = now
            message.save()
    return sent, failed


# What the provider reports -------------------------------------------------------------------

DELIVERED = {"delivered", "read"}
FAILED = {"failed", "undelivered"}


@transaction.atomic
def status_report(*, provider_id, status, channel, error="", reason=""):
    """A delivery report of a message sent by `channel`: it becomes delivered or failed,
    failed with the plain `reason` given or else the provider's code `error`. Other
    statuses (queued, sending, sent) say nothing new. Returns the message, or None when it
    is not ours."""
    message = (ClientMessage.objects.select_for_update()
               .filter(provider_id=provider_id, channel=channel).exclude(provider_id="")
               .first())
    if message is None:
        return None
    if message.status == ClientMessage.Status.FAILED:
        # Final: a late or repeated "delivered" does not hide a failure the log showed.
        return message
    if status in DELIVERED:
        message.status, message.error = ClientMessage.Status.DELIVERED, ""
    elif status in FAILED:
        message.status = ClientMessage.Status.FAILED
        message.error = (reason or (
            _("Not delivered (the provider's code %(code)s).") % {"code": error}
            if error else _("Not delivered.")))[:300]
    else:
        return message
    message.status_at = timezone.now()
    message.save()
    return message


def _email_failure(event_type, reject_reason):
    """Why an e-mail failed, in plain words, from anymail's normalized event."""
    if event_type == "bounced":
        return _("The e-mail bounced: the address did not take it.")
    if event_type == "failed":
        return _("The e-mail provider could not send it.")
    why = {"invalid": _("the address is not a real one"),
           "bounced": _("the address bounced an earlier e-mail"),
           "timed_out": _("the address has not taken e-mail for some time"),
           "blocked": _("the provider blocks this address"),
           "spam": _("the client marked an earlier e-mail as spam"),
           "unsubscribed": _("the client unsubscribed from these e-mails")}.get(reject_reason)
    if why:
        return _("The e-mail provider did not send it: %(why)s.") % {"why": why}
    return _("The e-mail provider did not send it.")


# anymail's events that mean the client wants no more e-mail from us.
UNWANTED = {"complained", "unsubscribed"}


def email_event(*, provider_id, event_type, reject_reason=None):
    """An event of an e-mail we sent, as django-anymail's tracking webhook normalizes
    Postmark's (anymail.signals.EventType): delivered marks it delivered; bounced, rejected
    or failed mark it failed with a plain reason; a spam complaint or an unsubscribe opts
    the client out of e-mailed reminders, as a STOP reply does; the rest (queued, deferred,
    opened...) say nothing new. Returns the message changed, or None."""
    if event_type in UNWANTED:
        message = (ClientMessage.objects.select_related("client__reminder_consent")
                   .filter(provider_id=provider_id, channel=Channel.EMAIL)
                   .exclude(provider_id="").first())
        consent = getattr(message.client, "reminder_consent", None) if message else None
        if consent is not None and consent.channel == Channel.EMAIL and consent.email == message.to:
            consent_withdraw(consent=consent, how=ReminderConsent.WithdrawnHow.EMAIL)
        return message
    if event_type == "delivered":
        return status_report(provider_id=provider_id, status="delivered",
                             channel=Channel.EMAIL)
    if event_type in {"bounced", "rejected", "failed"}:
        return status_report(provider_id=provider_id, status="failed", channel=Channel.EMAIL,
                             reason=_email_failure(event_type, reject_reason))
    return None


def run(now=None, sms=None):
    """The job: write the reminders and review dates due, then send what waits."""
    now = now or timezone.now()
    written = reminders_due(now) + reviews_due(now)
    sent, failed = send_waiting(now, sms)
    return {"written": written, "sent": sent, "failed": failed,
            "quiet_until": dates.quiet_until(now)}
