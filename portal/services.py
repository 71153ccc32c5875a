"""Every write of the client's page: turning it on and off, sign-in codes and links,
signing a client in, and what a client sends their keyworker."""

import datetime
import hmac
import secrets
import time

from django.core import signing
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Sum
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
from portal import selectors, words
from portal.models import ClientNote, PortalAccess, SignIn

CODE_LIFE = datetime.timedelta(minutes=words.CODE_MINUTES)
LINK_LIFE = datetime.timedelta(hours=24)
CODE_TRIES = 5
# Codes a number or address may be sent in an hour and in a day, and sign-ins asked from
# one IP address in an hour: a hostel's shared Wi-Fi is one address for everyone in it.
CODES_PER_ADDRESS = 3
CODES_PER_ADDRESS_A_DAY = 5
ASKS_PER_IP = 50
LIMIT_WINDOW = 3600
DAY_WINDOW = 24 * 3600
# Wrong codes typed for one page in a day before no code is sent to it for a day (a
# guesser spreading tries over many codes): the client asks their keyworker for a link.
WRONG_TRIES_A_DAY = 15
LOCK_LIFE = datetime.timedelta(hours=24)
# How long sending a code takes (the provider's answer), remembered so that asking for a
# number or address with no page takes as long: the answer's time must not tell who is a
# client. An average of the last sends, at most SEND_TIME_CAP seconds.
SEND_TIME_KEY = "portal:send-seconds"
SEND_TIME_CAP = 5.0
# Sign-in codes and links are kept this long, then removed (manage.py purge_expired).
SIGN_INS_KEPT = datetime.timedelta(days=90)
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


def _sign_everyone_out(access, now):
    """End every session signed in to the page (the generation moves on) and void every
    code and link not used yet. The caller saves `access`."""
    access.generation += 1
    SignIn.objects.filter(access=access, used_at=None, void_at=None).update(void_at=now)


def _address_taken(client, phone, email):
    """A ValidationError for the number or address already on another client's page that
    is on (a code would sign in to both), or None: the rule of the constraints
    portal_access_phone_on_one_page and portal_access_email_on_one_page, in words."""
    others = PortalAccess.objects.filter(is_on=True).exclude(client=client)
    if phone and others.filter(phone=phone).exists():
        return ValidationError({"phone": _(
            "This mobile number is already on another client's page. Each page needs its "
            "own number.")})
    if email and others.filter(email__iexact=email).exists():
        return ValidationError({"email": _(
            "This e-mail address is already on another client's page. Each page needs its "
            "own address.")})
    return None


@transaction.atomic
def access_set(*, client, by, is_on, phone="", email=""):
    """Turn the client's page on (codes to `phone` and/or `email`) or off. Off, or a new
    number or address, ends every session the client has signed in (the generation moves
    on: the old phone is signed out) and voids their codes and links. A client who has
    left may have the page turned off, never on; a number or address already on another
    client's page that is on is refused."""
    if client.is_archived and is_on:
        raise ValidationError(_("This client has left; the record is archived and read-only."))
    access = (PortalAccess.objects.select_for_update().filter(client=client).first()
              or PortalAccess(client=client))
    phone, email = phone.strip(), email.strip().lower()
    if is_on and not (phone or email):
        raise ValidationError(_("Enter the client's mobile number or e-mail address: their "
                                "sign-in codes go there."))
    now = timezone.now()
    was_on = bool(access.pk) and access.is_on
    before = (access.phone, access.email)
    access.phone = phone_number(phone) if phone else ""
    access.email = email
    if is_on and (error := _address_taken(client, access.phone, access.email)):
        raise error
    access.is_on = is_on
    if is_on and not was_on:
        access.turned_on_by, access.turned_on_at = by, now
        access.withdrawn_by, access.withdrawn_at = None, None
    if not is_on and was_on:
        access.withdrawn_by, access.withdrawn_at = by, now
    moved = bool(access.pk) and before != (access.phone, access.email)
    if access.pk and ((not is_on and was_on) or moved):
        _sign_everyone_out(access, now)
    access.full_clean()
    try:
        with transaction.atomic():
            access.save()
    except IntegrityError as error:
        # Another page took the number or address since _address_taken looked (only on
        # PostgreSQL: SQLite's writers wait for each other). Anything else is not ours to
        # name.
        if taken := _address_taken(client, access.phone, access.email):
            raise taken from error
        raise
    return access


def access_close_for_leaving(*, client, since, reason, by):
    """The client's stay ended or they moved to another site (clients.extensions.
    client_leaving, registered from PortalConfig.ready()): their page is turned off, as
    staff turning it off would, ending their sessions and voiding codes and links."""
    access = PortalAccess.objects.select_for_update().filter(client=client, is_on=True).first()
    if access is None:
        return
    now = timezone.now()
    access.is_on = False
    access.withdrawn_by, access.withdrawn_at = by, now
    _sign_everyone_out(access, now)
    access.full_clean()
    access.save()


# Codes and links -------------------------------------------------------------------------------


def _over_limit(key, limit, window=LIMIT_WINDOW):
    """Count one more under `key` for `window` seconds; True once over `limit`."""
    cache.add(key, 0, window)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, window)
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
    tag = address_tag(address)
    if _over_limit(f"portal:to:{tag}", CODES_PER_ADDRESS):
        return _("Too many codes were sent to that number or address. Wait an hour and try "
                 "again, or ask your keyworker.")
    if _over_limit(f"portal:day:{tag}", CODES_PER_ADDRESS_A_DAY, DAY_WINDOW):
        return _("Too many codes were sent to that number or address today. Try again "
                 "tomorrow, or ask your keyworker.")
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


def _pages_on():
    return PortalAccess.objects.filter(is_on=True).exclude(client__status__in=Client.ENDED)


def _accesses_at(channel, address, now):
    """The pages on that `address` signs in to, but those locked after too many wrong
    codes (sent nothing, and the sign-in page says the same as ever)."""
    field = "phone" if channel == Channel.SMS else "email__iexact"
    return (_pages_on().filter(**{field: address})
            .exclude(codes_locked_until__gt=now).select_related("client"))


def code_send(*, channel, address):
    """The client asked for a code at `address`: a new 6-digit code for each page that
    number or address signs in to, sent at once (they are waiting for it, so the quiet
    night does not hold it back), in the language of that page's client. Returns the
    SignIn rows written (none when no page has that address: the page says the same
    either way, and nothing is sent)."""
    sent = []
    now = timezone.now()
    accesses = list(_accesses_at(channel, address, now))
    if not accesses:
        # As long as a send takes, so that the time of the answer says nothing either.
        time.sleep(send_seconds())
    for access in accesses:
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
            started = time.monotonic()
            outcome = _deliver(channel=channel, to=address, text=text, subject=subject)
            _sent_in(time.monotonic() - started)
            row.provider_id, row.error = outcome.provider_id, outcome.error
            row.save()
        sent.append(row)
    return sent


def send_seconds():
    """How long a code has taken to send lately (0 before the first)."""
    return min(float(cache.get(SEND_TIME_KEY) or 0.0), SEND_TIME_CAP)


def _sent_in(seconds):
    """Remember a send's time: the average moves a quarter of the way to it."""
    before = cache.get(SEND_TIME_KEY)
    seconds = min(max(seconds, 0.0), SEND_TIME_CAP)
    cache.set(SEND_TIME_KEY, seconds if before is None else 0.75 * float(before) + 0.25 * seconds,
              None)


def code_check(*, address, code):
    """The PortalAccess the code typed signs in to, or None. Every wrong try counts
    against each live code sent to the address; at CODE_TRIES a code is void; at
    WRONG_TRIES_A_DAY for one page in 24 hours, no code is sent to it for LOCK_LIFE
    (`codes_locked_until`) and its live codes are void."""
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
        for access in {row.access for row in live}:
            _lock_after_wrong_tries(access, now)
    return None


def _lock_after_wrong_tries(access, now):
    wrong = (SignIn.objects.filter(access=access, kind=SignIn.Kind.CODE,
                                   created_at__gt=now - LOCK_LIFE)
             .aggregate(n=Sum("tries"))["n"] or 0)
    if wrong < WRONG_TRIES_A_DAY:
        return
    # One column, so the page cache does not move for it (keywork.lib.cache); not staff's
    # change, so not in the page's history.
    PortalAccess.objects.filter(pk=access.pk).update(codes_locked_until=now + LOCK_LIFE)
    SignIn.objects.filter(access=access, kind=SignIn.Kind.CODE, used_at=None,
                          void_at=None).update(void_at=now)


def sign_ins_prune(*, now=None):
    """Remove the sign-in codes and links sent more than SIGN_INS_KEPT ago, whether or
    not the record is still open (run by `manage.py purge_expired`). Returns how many."""
    before = (now or timezone.now()) - SIGN_INS_KEPT
    return SignIn.objects.filter(created_at__lt=before).delete()[0]


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
    or by e-mail when only an e-mail address is on record. Links sent before it and not
    used are void: only the newest works."""
    channel, address = access.channels[0]
    SignIn.objects.filter(access=access, kind=SignIn.Kind.LINK, used_at=None,
                          void_at=None).update(void_at=now)
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


class SessionChanged(ValidationError):
    """The session posted is not the client's next one any more (portal.selectors.
    next_session): the page shows them the one that is."""


@transaction.atomic
def cant_make_it(*, client, session_id, reason=""):
    """The client says they cannot come to the session `session_id` (as the page's form
    posts it), which must be their next booked
    session (portal.selectors.next_session, the one the page showed them): their keyworker
    is told on Today. The session stays booked until staff cancel or move it. Said once a
    session and time: the note keeps the time refused, so a session moved since may be
    refused again at its new time."""
    now = timezone.now()
    upcoming = selectors.next_session(client)
    if upcoming is None:
        raise ValidationError(_("That session is not coming up any more."))
    if session_id != upcoming.pk:
        raise SessionChanged(_("Your next session has changed. Look at it again, and tell "
                               "us if you can't make it."))
    if selectors.already_said(client, upcoming):
        raise ValidationError(_("You have told your keyworker already."))
    _check_room(client, now)
    note = ClientNote(client=client, kind=ClientNote.Kind.CANT_MAKE_IT, session=upcoming,
                      session_starts_at=upcoming.starts_at, text=(reason or "").strip(),
                      created_at=now)
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
