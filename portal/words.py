"""What a sign-in code or link to a client says, in short sentences."""

from django.utils.translation import gettext as _

# How long a code works, in minutes (portal.services.CODE_LIFE).
CODE_MINUTES = 10


def code(value):
    return _("Your Keywork code is %(code)s. It works for %(minutes)d minutes. Do not share "
             "it: staff will never ask for it.") % {"code": value, "minutes": CODE_MINUTES}


def link(url, site):
    return _("Your keyworker at %(site)s sent you a link to your own page. It works once, "
             "for 24 hours: %(link)s") % {"site": site.name, "link": url}


def subject():
    return _("Your Keywork sign-in")
