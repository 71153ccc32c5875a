"""What apps built on staff tell it, without staff importing them.

- `deactivation_blockers`: functions (user) -> [(text, url)], each a reason the user may
  not be deactivated yet and the page where it is put right (clients: a keyworker still
  holding a caseload, and its transfer page). Registered from the app's
  AppConfig.ready(): `staff.hooks.deactivation_blockers.append(fn)`.
"""

from django.utils.html import format_html
from django.utils.translation import gettext as _

deactivation_blockers = []


def why_not_deactivate(user):
    """[message] with a link each, empty when `user` may be deactivated now."""
    # Administrators deactivate staff; a manager of the site moves the clients (the
    # transfer page is theirs), so the message says who, and links there for them.
    return [format_html('{} {} <a href="{}">{}</a>', text,
                        _("A manager of the site transfers the caseload first:"), url,
                        _("the caseload transfer page"))
            for provider in deactivation_blockers for text, url in provider(user)]
