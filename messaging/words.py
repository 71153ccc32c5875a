"""What a message to a client says, in short sentences (Django-translatable). Times and
days are London's, through keywork.lib.dates."""

from django.utils.text import capfirst
from django.utils.translation import gettext as _

from diary.selectors import as_told
from keywork.lib.dates import format_day, format_time, format_weekday

# Where and with whom come from diary.selectors.as_told, as the client's calendar file says.


def reminder(session):
    told = as_told(session)
    return _("%(worker)s will see you at %(place)s tomorrow at %(time)s.") % {
        "worker": capfirst(told.worker), "place": told.place,
        "time": format_time(told.starts_at)}


def moved(session):
    told = as_told(session)
    return _("Your keywork session has moved. %(worker)s will see you at %(place)s on "
             "%(day)s at %(time)s.") % {
        "worker": capfirst(told.worker), "place": told.place,
        "day": format_weekday(told.starts_at), "time": format_time(told.starts_at)}


def cancelled(session):
    told = as_told(session)
    return _("Your keywork session at %(place)s on %(day)s at %(time)s is cancelled.") % {
        "place": told.place, "day": format_weekday(told.starts_at),
        "time": format_time(told.starts_at)}


def review(on, site):
    return _("Your support plan is due to be reviewed on %(day)s at %(site)s. Talk to your "
             "keyworker about how it is going.") % {"day": format_day(on), "site": site.name}


def replies_not_read(site):
    """The answer, once a day, to a reply that is not STOP."""
    if site.phone.strip():
        return _("Replies to these messages are not read. To talk to your keyworker, call "
                 "%(site)s on %(phone)s.") % {"site": site.name, "phone": site.phone.strip()}
    return _("Replies to these messages are not read. To talk to your keyworker, ask at "
             "%(site)s.") % {"site": site.name}


def stop_line(channel, link):
    """How to stop: a reply to a text, the link in both."""
    if channel == "sms":
        return _("Reply STOP to stop these texts, or go to %(link)s") % {"link": link}
    return _("To stop these reminders, go to %(link)s") % {"link": link}


def subject():
    return _("A reminder from your keyworker")
