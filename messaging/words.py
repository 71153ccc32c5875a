"""What a message to a client says, in short sentences (Django-translatable). Times and
days are London's, through keywork.lib.dates."""

from django.utils.translation import gettext as _

from keywork.lib.dates import format_day, format_time, format_weekday


def worker_name(worker):
    """How a client knows their worker: their first name."""
    return worker.first_name or worker.get_username()


def reminder(session):
    return _("%(worker)s will see you at %(site)s tomorrow at %(time)s.") % {
        "worker": worker_name(session.worker), "site": session.site.name,
        "time": format_time(session.starts_at)}


def moved(session):
    return _("Your keywork session has moved. %(worker)s will see you at %(site)s on "
             "%(day)s at %(time)s.") % {
        "worker": worker_name(session.worker), "site": session.site.name,
        "day": format_weekday(session.starts_at), "time": format_time(session.starts_at)}


def cancelled(session):
    return _("Your keywork session at %(site)s on %(day)s at %(time)s is cancelled.") % {
        "site": session.site.name, "day": format_weekday(session.starts_at),
        "time": format_time(session.starts_at)}


def review(on, site):
    return _("Your support plan is due to be reviewed on %(day)s at %(site)s. Talk to your "
             "keyworker about how it is going.") % {"day": format_day(on), "site": site.name}


def stop_line(channel, link):
    """How to stop: a reply to a text, the link in both."""
    if channel == "sms":
        return _("Reply STOP to stop these texts, or go to %(link)s") % {"link": link}
    return _("To stop these reminders, go to %(link)s") % {"link": link}


def subject():
    return _("A reminder from your keyworker")
