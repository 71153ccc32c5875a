"""Keywork sessions as iCalendar (RFC 5545, with the `icalendar` package): a worker's feed
of the sessions they hold, and one session for its client; the words each shows; the
signed link a client opens without an account.

What leaves Keywork here is the least a calendar needs. A worker's feed names a client by
initials and reference only ("Keywork: K.S. (RIV-0042)"), never the name, notes or risks:
a phone's calendar is shown on lock screens and shared with family. A client's file names
nobody but the keyworker, by first name ("Keywork with Kim at Riverside Day Centre").

Times are written in UTC (`DTSTART:20261026T100000Z`): every calendar shows them in its own
zone, so a 10:00 session stays at 10:00 across the clock change with no VTIMEZONE to get
wrong. Each session keeps one UID for ever; SEQUENCE and LAST-MODIFIED come from its
history, so a moved session replaces the old entry and a cancelled one (STATUS:CANCELLED)
is taken off the calendar.
"""

import datetime

from django.core import signing
from django.utils import timezone
from django.utils.translation import gettext as _

from diary import selectors
from keywork.lib import dates

PRODID = "-//Keywork//Keywork diary//EN"
CONTENT_TYPE = "text/calendar; charset=utf-8"
# How often a subscribed calendar is asked to look again (Apple and Outlook honour it;
# Google reads a feed every few hours whatever it says).
REFRESH = datetime.timedelta(hours=1)
# The client's link works until a week after the session ends.
LINK_DAYS_AFTER = 7
LINK_SALT = "diary.calendars.session-link"


def initials(client):
    """"K.S." for Kim Shaw: what a worker's calendar shows of a client, with the reference."""
    return "".join(f"{part.strip()[0].upper()}." for part in (client.first_name, client.last_name)
                   if part.strip())


def staff_summary(session):
    return _("Keywork: %(initials)s (%(reference)s)") % {
        "initials": initials(session.client), "reference": session.client.reference}


def client_summary(session):
    told = selectors.as_told(session)
    return _("Keywork with %(name)s at %(place)s") % {"name": told.worker, "place": told.place}


def is_cancelled(session):
    """Cancelled, or struck through as entered in error: either way off the calendar."""
    return session.status == session.Status.CANCELLED or session.struck_at is not None


def _uid(session, host):
    # The host keeps two organisations' Keywork apart in one person's calendar app.
    return f"keywork-session-{session.pk}@{host}"


def _calendar(name=None):
    # Imported here, as WeasyPrint is (keywork.lib.pdf): 3.5 MB in every web worker, for the
    # few requests that are a calendar.
    from icalendar import Calendar

    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    if name:
        calendar.add("x-wr-calname", name)
        calendar.add("refresh-interval", REFRESH, parameters={"VALUE": "DURATION"})
        calendar.add("x-published-ttl", REFRESH)
    return calendar


def _event(session, *, host, summary, location, now, url=None):
    """One VEVENT. `session` carries `changes` and `last_modified` (the selectors annotate
    them from its history)."""
    from icalendar import Event

    event = Event()
    event.add("uid", _uid(session, host))
    event.add("dtstamp", now.astimezone(dates.UTC))
    event.add("dtstart", session.starts_at.astimezone(dates.UTC))
    event.add("dtend", session.ends_at.astimezone(dates.UTC))
    event.add("summary", summary)
    event.add("location", location)
    event.add("created", session.booked_at.astimezone(dates.UTC))
    modified = session.last_modified or session.booked_at
    event.add("last-modified", modified.astimezone(dates.UTC))
    # Each saved change is one more row of history: a number that only goes up.
    event.add("sequence", max((session.changes or 1) - 1, 0))
    event.add("status", "CANCELLED" if is_cancelled(session) else "CONFIRMED")
    event.add("transp", "TRANSPARENT" if is_cancelled(session) else "OPAQUE")
    if url:
        event.add("url", url)
    return event


def feed(sessions, *, host, name, url_of):
    """A worker's feed: `sessions` from diary.selectors.feed_sessions; `url_of(session)`
    the session's page (behind a login: the link shows nothing by itself)."""
    now = timezone.now()
    calendar = _calendar(name)
    for session in sessions:
        calendar.add_component(_event(session, host=host, summary=staff_summary(session),
                                      location=session.site.name, now=now,
                                      url=url_of(session)))
    return calendar.to_ical()


def one_session(session, *, host):
    """One session for its client, in the client's words."""
    calendar = _calendar()
    summary = client_summary(session)
    if is_cancelled(session):
        summary = _("Cancelled: %(summary)s") % {"summary": summary}
    calendar.add_component(_event(session, host=host, summary=summary,
                                  location=selectors.as_told(session).place,
                                  now=timezone.now()))
    return calendar.to_ical()


def filename(session):
    return f"keywork-{dates.local_day(session.starts_at).isoformat()}.ics"


# The client's link ----------------------------------------------------------------------------


def link_expires(session, now=None):
    """When the client's link to `session` stops working: a week after it ends (a link
    made later than that still works for a week, to show a cancellation)."""
    now = now or timezone.now()
    return max(session.ends_at, now) + datetime.timedelta(days=LINK_DAYS_AFTER)


def link_key(session, now=None):
    """The signed part of the client's link: the session's id and when the link expires,
    signed with SECRET_KEY. It holds nothing of the client."""
    expires = int(link_expires(session, now).timestamp())
    return signing.dumps([session.pk, expires], salt=LINK_SALT)


def session_of_link(key, now=None):
    """The session id a link's key names, or None: tampered with, expired or malformed."""
    try:
        value = signing.loads(key, salt=LINK_SALT)
    except signing.BadSignature:
        return None
    if (not isinstance(value, list) or len(value) != 2
            or not all(type(part) is int for part in value)):
        return None
    pk, expires = value
    if (now or timezone.now()).timestamp() > expires:
        return None
    return pk
