"""Every write of the client's page: turning it on and off, sign-in codes and links,
signing a client in, and what a client sends their keyworker."""

import datetime
import hmac
import secrets

from django.core import signing
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext as _

from clients.models import Client
from keywork.lib import dates
from messaging import providers
from messaging.models import Channel
from messaging.services import phone_number
from messaging.words import language_of, speaking, typed
from portal import words
from portal.models import ClientNote, PortalAccess, SignIn

CODE_LIFE = datetime.timedelta(minutes=words.CODE_MINUTES)
LINK_LIFE = datetime.timedelta(hours=24)
CODE_TRIES = 5
# Codes a number or address may be sent in an hour, and sign-ins asked from one IP address.
CODES_PER_ADDRESS = 3
ASKS_PER_IP = 10
LIMIT_WINDOW = 3600
# What a client may send in a day (comments and "I can't make it" together).
NOTES_PER_DAY = 10
NOTE_LENGTH, REASON_LENGTH = 1000, 500
LINK_SALT = "portal.sign_in_link"
HASH_SALT = "portal.sign_in_secret"


def _hash(salt, secret):
    return salted_hmac(HASH_SALT, f"{salt}:{secret}", algorithm="sha256").hexdigest()


def address_of(value):
    """(channel, the number as E.164 or the address in lower case) of what a client typed,
    or None when it is neither a mobile number nor an e-mail address."""
    value = (value or "").strip()
    if "@" in value:
        return Channel.EMAIL, value.lower()
    try:
        return Channel.SMS, phone_number(value)
    except ValidationError:
        return None


# Turning the page on and off ------------------------------------------------------------------


@transaction.atomic
def access_set(*, client, by, is_on, phone="", email=""):
    """Turn the client's page on (codes to `phone` and/or `email`) or off. Off ends every
    session the client has signed in (the generation moves on) and voids their codes."""
    if client.is_archived:
        raise ValidationError(_("This client has left; the record is archived and read-only."))
    access = (PortalAccess.objects.select_for_update().filter(client=client).first()
              or PortalAccess(client=client))
    phone, email = phone.strip(), email.strip().lower()
    if is_on and not (phone or email):
        raise ValidationError(_("Enter the client's mobile number or e-mail address: their "
                                "sign-in codes go there."))
    now = timezone.now()
    was_on = bool(access.pk) and access.is_on
    access.phone = phone_number(phone) if phone else ""
    access.email = email
    access.is_on = is_on
    if is_on and not was_on:
        access.turned_on_by, access.turned_on_at = by, now
        access.withdrawn_by, access.withdrawn_at = None, None
    if not is_on and was_on:
        access.withdrawn_by, access.withdrawn_at = by, now
        access.generation += 1
    access.full_clean()
    access.save()
    if not is_on:
        SignIn.objects.filter(access=access, used_at=None, void_at=None).update(void_at=now)
    return access


# Codes and links -------------------------------------------------------------------------------


def _over_limit(key, limit):
    """Count one more under `key` for the hour; True once over `limit`."""
    cache.add(key, 0, LIMIT_WINDOW)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, LIMIT_WINDOW)
        count = 1
    return count > limit


def address_tag(address):
    """What the session and the cache keep of a number or address: a keyed digest."""
    return salted_hmac("portal.address", address, algorithm="sha256").hexdigest()[:32]


def limited(*, address, ip):
    """Why a code may not be sent now ("" when it may): counted for every number or
    address asked, whether or not it has a page, so the answer says nothing of that."""
    if _over_limit(f"portal:ip:{ip}", ASKS_PER_IP):
        return _("Too many sign-in codes were asked for from here. Wait an hour and try "
                 "again, or ask your keyworker.")
    if _over_limit(f"portal:to:{address_tag(address)}", CODES_PER_ADDRESS):
        return _("Too many codes were sent to that number or address. Wait an hour and try "
                 "again, or ask your keyworker.")
    return ""


def _written(client, say, *args):
    """(text, e-mail subject) to `client` in their language (messaging.words.language_of):
    `say(*args)` (a function of portal.words) made inside `speaking`, as a reminder's are.
    Only the words: what comes back from the provider stays in English for the staff."""
    with speaking(language_of(client)):
        return say(*args), words.subject()


def _deliver(*, channel, to, text, subject):
    if channel == Channel.SMS:
        return providers.sms_provider().send(to=to, text=text)
    return providers.DjangoEmail().send(to=to, text=text, subject=subject)


def _accesses_at(channel, address):
    field = "phone" if channel == Channel.SMS else "email__iexact"
    return (PortalAccess.objects.filter(is_on=True, **{field: address})
            .exclude(client__status__in=Client.ENDED).select_related("client"))


def code_send(*, channel, address):
    """The client asked for a code at `address`: a new 6-digit code for each page that
    number or address signs in to, sent at once (they are waiting for it, so the quiet
    night does not hold it back), in the language of that page's client. Returns the
    SignIn rows written (none when no page has that address: the page says the same
    either way, and nothing is sent)."""
    sent = []
    now = timezone.now()
    for access in _accesses_at(channel, address):
        with transaction.atomic():
            # A new code voids the ones before it.
            SignIn.objects.filter(access=access, kind=SignIn.Kind.CODE, to=address,
                                  used_at=None, void_at=None).update(void_at=now)
            code = f"{secrets.randbelow(10**6):06d}"
            salt = secrets.token_hex(16)
            row = SignIn(access=access, kind=SignIn.Kind.CODE, channel=channel, to=address,
                         salt=salt, secret_hash=_hash(salt, code), created_at=now,
                         expires_at=now + CODE_LIFE)
            text, subject = _written(access.client, words.code, code)
            outcome = _deliver(channel=channel, to=address, text=text, subject=subject)
            row.provider_id, row.error = outcome.provider_id, outcome.error
            row.save()
        sent.append(row)
    return sent


def code_check(*, address, code):
    """The PortalAccess the code typed signs in to, or None. Every wrong try counts
    against each live code sent to the address; at CODE_TRIES a code is void."""
    code = "".join(ch for ch in (code or "") if ch.isdigit())
    now = timezone.now()
    with transaction.atomic():
        live = list(SignIn.objects.select_for_update()
                    .filter(kind=SignIn.Kind.CODE, to=address, used_at=None, void_at=None,
                            expires_at__gt=now, error="").select_related("access__client")
                    .order_by("pk"))
        for row in live:
            if len(code) == 6 and hmac.compare_digest(row.secret_hash, _hash(row.salt, code)):
                row.used_at = now
                row.save(update_fields=["used_at"])
                return row.access
        for row in live:
            row.tries += 1
            if row.tries >= CODE_TRIES:
                row.void_at = now
            row.save(update_fields=["tries", "void_at"])
    return None


def link_send(*, access, by):
    """A keyworker sends the client a one-time sign-in link (24 hours, used once) by
    text, or by e-mail when only an e-mail address is on record. Refused in the quiet
    night (21:00-08:00): nothing goes to a client then, and a link that waited for the
    morning would have been sent by nobody's hand. In the client's language; what the
    keyworker is told stays in English."""
    if not access.is_on:
        raise ValidationError(_("Turn the client's page on first."))
    now = timezone.now()
    if dates.quiet_until(now):
        raise ValidationError(_("Nothing is sent to clients between 9pm and 8am. Send the "
                                "link after 8am."))
    with transaction.atomic():
        row, token = link_make(access=access, by=by, now=now)
        link = providers.public_url(reverse("portal:link", args=[token]))
        text, subject = _written(access.client, words.link, link, access.client.site)
        outcome = _deliver(channel=row.channel, to=row.to, text=text, subject=subject)
        row.provider_id, row.error = outcome.provider_id, outcome.error
        row.save(update_fields=["provider_id", "error"])
    if outcome.failed:
        raise ValidationError(_("The link could not be sent: %(error)s") % {
            "error": outcome.error})
    return row


def link_make(*, access, by, now):
    """(the SignIn of a new one-time link, the token its address carries): a signed key
    naming the row and a secret of which only a keyed hash is kept. The link goes by text,
    or by e-mail when only an e-mail address is on record."""
    channel, address = access.channels[0]
    nonce = secrets.token_urlsafe(24)
    salt = secrets.token_hex(16)
    row = SignIn.objects.create(access=access, kind=SignIn.Kind.LINK, channel=channel,
                                to=address, salt=salt, secret_hash=_hash(salt, nonce),
                                created_at=now, expires_at=now + LINK_LIFE, sent_by=by)
    return row, signing.dumps([row.pk, nonce], salt=LINK_SALT)


def link_from_token(token):
    """The live SignIn a link names, or None (not made here, used, expired, voided)."""
    try:
        value = signing.loads(token, salt=LINK_SALT)
    except signing.BadSignature:
        return None
    if (not isinstance(value, list) or len(value) != 2 or type(value[0]) is not int
            or not isinstance(value[1], str) or not 0 < value[0] < 2**63):
        return None
    row = (SignIn.objects.filter(pk=value[0], kind=SignIn.Kind.LINK)
           .select_related("access__client").first())
    if (row is None or not row.is_live(timezone.now()) or not row.access.is_on
            or not hmac.compare_digest(row.secret_hash, _hash(row.salt, value[1]))):
        return None
    return row


@transaction.atomic
def link_use(*, row):
    """Spend the link: it signs in once. Returns its PortalAccess, or None when another
    tab spent it first."""
    row = SignIn.objects.select_for_update().select_related("access__client").get(pk=row.pk)
    if not row.is_live(timezone.now()) or not row.access.is_on:
        return None
    row.used_at = timezone.now()
    row.save(update_fields=["used_at"])
    return row.access


def signed_in(*, access):
    """Record the sign-in (the client file shows when they last signed in)."""
    PortalAccess.objects.filter(pk=access.pk).update(last_signed_in_at=timezone.now())


# What the client sends -----------------------------------------------------------------------


def _check_room(client, now):
    start, end = dates.day_bounds(dates.local_day(now))
    if ClientNote.objects.filter(client=client, created_at__gte=start,
                                 created_at__lt=end).count() >= NOTES_PER_DAY:
        raise ValidationError(_("You have sent a lot today. Your keyworker will read them. "
                                "To talk now, call %(site)s.") % {"site": typed(client.site.name)})


@transaction.atomic
def note_send(*, client, text):
    """The client's comment for their keyworker (on their Today until read)."""
    text = (text or "").strip()
    if not text:
        raise ValidationError({"text": _("Write something to send.")})
    now = timezone.now()
    _check_room(client, now)
    note = ClientNote(client=client, kind=ClientNote.Kind.COMMENT, text=text, created_at=now)
    note.full_clean()
    note.save()
    return note


@transaction.atomic
def cant_make_it(*, client, session, reason=""):
    """The client says they cannot come to `session` (their next booked session, which
    the page showed them): their keyworker is told on Today. The session stays booked
    until staff cancel or move it. Said once a session."""
    now = timezone.now()
    if session is None or session.client_id != client.pk or session.starts_at <= now:
        raise ValidationError(_("That session is not coming up any more."))
    if ClientNote.objects.filter(client=client, kind=ClientNote.Kind.CANT_MAKE_IT,
                                 session=session).exists():
        raise ValidationError(_("You have told your keyworker already."))
    _check_room(client, now)
    note = ClientNote(client=client, kind=ClientNote.Kind.CANT_MAKE_IT, session=session,
                      text=(reason or "").strip(), created_at=now)
    note.full_clean()
    note.save()
    return note


@transaction.atomic
def note_read(*, note, by):
    """Someone on the caseload read the note: it leaves their Today."""
    note = ClientNote.objects.select_for_update().get(pk=note.pk)
    if note.read_at is None:
        note.read_at, note.read_by = timezone.now(), by
        note.save()
    return note
