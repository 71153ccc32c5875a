"""What a message to a client says, in short sentences (Django-translatable), in the
client's document language: `language_of(client)` is the one rule of which language that
is, and messaging.services makes each message's words inside `speaking(language)` (in
`_write`, and the e-mail's subject as it goes), as plans.documents draws a document inside
`translation.override`. The Welsh and Arabic are in locale/, beside the documents'. Times
and days are London's, through keywork.lib.dates, with the language's names of days and
months (a review date as the documents print it); in Arabic a name, place or phone number
keeps its own direction (keywork.lib.bidi), as in the documents."""

from django.utils import translation
from django.utils.text import capfirst
from django.utils.translation import gettext as _

from diary.selectors import as_told
from keywork.lib import bidi
from keywork.lib.dates import format_day_as_written, format_time, format_weekday

# Where and with whom come from diary.selectors.as_told, as the client's calendar file says.


def language_of(client):
    """The language a message to `client`, and the opt-out page its link opens, speak:
    the client's document language (clients.models.DocumentLanguage)."""
    return client.document_language


def speaking(language):
    """Words made inside `with speaking(language):` are in that language."""
    return translation.override(language)


def typed(text):
    """A name or place someone typed, in its own direction inside a right-to-left text
    (these messages, and what the client's own page shows: portal.words, portal_tags)."""
    return bidi.isolate(text) if translation.get_language_bidi() else text


def left_to_right(text):
    """A phone number: left to right, or its groups of digits are read from the right.
    (Not a link: a phone would take the isolate's mark into the address it opens.)"""
    return bidi.isolate(text, "ltr") if translation.get_language_bidi() else text


def worker_in(sentence, told):
    """Who the client will see, with a capital where `sentence` starts a sentence with them
    ("Your keyworker will see you" but "Bydd eich gweithiwr allweddol yn eich gweld")."""
    starts = sentence.startswith("%(worker)s") or ". %(worker)s" in sentence
    return typed(capfirst(told.worker) if starts else told.worker)


def reminder(session):
    told = as_told(session)
    sentence = _("%(worker)s will see you at %(place)s tomorrow at %(time)s.")
    return sentence % {"worker": worker_in(sentence, told), "place": typed(told.place),
                       "time": format_time(told.starts_at)}


def moved(session):
    told = as_told(session)
    sentence = _("Your keywork session has moved. %(worker)s will see you at %(place)s on "
                 "%(day)s at %(time)s.")
    return sentence % {"worker": worker_in(sentence, told), "place": typed(told.place),
                       "day": format_weekday(told.starts_at),
                       "time": format_time(told.starts_at)}


def cancelled(session):
    told = as_told(session)
    return _("Your keywork session at %(place)s on %(day)s at %(time)s is cancelled.") % {
        "place": typed(told.place), "day": format_weekday(told.starts_at),
        "time": format_time(told.starts_at)}


def review(on, site):
    return _("Your support plan is due to be reviewed on %(day)s at %(site)s. Talk to your "
             "keyworker about how it is going.") % {"day": format_day_as_written(on),
                                                     "site": typed(site.name)}


def replies_not_read(site):
    """The answer, once a day, to a reply that is not STOP."""
    if site.phone.strip():
        return _("Replies to these messages are not read. To talk to your keyworker, call "
                 "%(site)s on %(phone)s.") % {"site": typed(site.name),
                                               "phone": left_to_right(site.phone.strip())}
    return _("Replies to these messages are not read. To talk to your keyworker, ask at "
             "%(site)s.") % {"site": typed(site.name)}


def stop_line(channel, link):
    """How to stop: a reply to a text, the link in both. The word to reply is STOP in
    every language: it is the one the networks and Twilio act on."""
    if channel == "sms":
        return _("Reply STOP to stop these texts, or go to %(link)s") % {"link": link}
    return _("To stop these reminders, go to %(link)s") % {"link": link}


def subject():
    return _("A reminder from your keyworker")
