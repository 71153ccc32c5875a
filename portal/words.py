"""What the client's page and a sign-in code or link to a client say, in short sentences,
in the client's document language: made inside `messaging.words.speaking`, as reminders
are (the rule of which language is `messaging.words.language_of`; a page before sign-in
speaks the one its language links chose, portal.sessions.language). Days and times as the
reminders give them (keywork.lib.dates), the session as the client is told of it
(diary.selectors.as_told); in Arabic a name or place keeps its own direction
(messaging.words.typed)."""

from django.utils.translation import gettext as _

from diary.selectors import as_told
from keywork.lib.dates import format_time, format_weekday
from messaging.words import typed, worker_in

# How long a code works, in minutes (portal.services.CODE_LIFE).
CODE_MINUTES = 10


def code(value):
    return _("Your Keywork code is %(code)s. It works for %(minutes)d minutes. Do not share "
             "it: staff will never ask for it.") % {"code": value, "minutes": CODE_MINUTES}


def link(url, site):
    """The link is left bare, even in Arabic: a phone would take an isolate's mark into
    the address it opens (messaging.words.left_to_right)."""
    return _("Your keyworker at %(site)s sent you a link to your own page. It works once, "
             "for 24 hours: %(link)s") % {"site": typed(site.name), "link": url}


def subject():
    return _("Your Keywork sign-in")


def next_session(session):
    """The next session in the words of a notice that it moved (messaging.words.moved):
    "Kim will see you at Riverside Day Centre on Mon 7 Dec at 10:00." """
    told = as_told(session)
    sentence = _("%(worker)s will see you at %(place)s on %(day)s at %(time)s.")
    return sentence % {"worker": worker_in(sentence, told), "place": typed(told.place),
                       "day": format_weekday(told.starts_at),
                       "time": format_time(told.starts_at)}
