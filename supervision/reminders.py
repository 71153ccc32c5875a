"""What `send_reminders` e-mails each member of staff in the morning: what Today lists for
them (diary.selectors.due_for, in the same words), and for a manager the overdue figures
at each of their sites (the dashboard's). Nothing here decides what is due."""

from dataclasses import dataclass

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from diary import selectors as diary_selectors
from keywork.lib.dates import format_day
from keywork.lib.sites import sites_of
from staff.models import User
from supervision import selectors
from supervision.models import Notification


@dataclass(frozen=True)
class Reminder:
    """One line of a person's reminders: `key` makes it once a day, `text` is the line."""

    key: str
    text: str
    url: str = ""


def todays_items(user, today):
    """What Today lists for `user` (diary.selectors.due_for), in the words Today uses."""
    items = []
    for item in diary_selectors.due_for(user, today):
        # What the item is about, so that two of a kind for one client on one day (two
        # contacts to approve, two consents to renew) are two lines.
        about = item.session or item.detail
        key = f"{item.kind}:{item.client.pk}:{getattr(about, 'pk', '')}:{item.on}"
        text = render_to_string("supervision/email/due_line.txt", {"item": item, "user": user})
        items.append(Reminder(key, " ".join(text.split()), item.url))
    return items


def manager_items(user, today):
    items = []
    for site in sites_of(user):
        data = selectors.dashboard([site.pk], [], today)
        if data["unallocated"]:
            items.append(Reminder(
                f"unallocated:{site.pk}",
                _("%(site)s: Admitted clients with no keyworker: %(count)s") % {
                    "site": site.name, "count": data["unallocated"]},
                f"{reverse('supervision:unallocated')}?site={site.pk}"))
        for figure in data["figures"]:
            count = len(data["totals"][figure.key])
            if count:
                items.append(Reminder(
                    f"overdue:{site.pk}:{figure.key}",
                    _("%(site)s: %(label)s: %(count)s") % {"site": site.name,
                                                            "label": figure.label,
                                                            "count": count},
                    f"{reverse('supervision:dashboard_list', args=[figure.key])}?site={site.pk}"))
    return items


def reminders_for(user, today):
    """Today's list for the person, and for a manager the overdue figures of each of their
    sites (the dashboard's)."""
    if not (user.is_manager or user.is_keyworker):
        return []
    items = todays_items(user, today)
    if user.is_manager:
        items += manager_items(user, today)
    return items


@transaction.atomic
def remind(user, today):
    """Record today's items for `user` and e-mail those not e-mailed yet. Returns
    (items, e-mailed count). Safe to run twice: the rows are unique per day and the
    e-mailed ones are locked while sending."""
    items = reminders_for(user, today)
    for item in items:
        Notification.objects.get_or_create(user=user, day=today, key=item.key,
                                           defaults={"text": item.text[:300],
                                                     "url": item.url[:300]})
    pending = list(Notification.objects.select_for_update().filter(
        user=user, day=today, emailed_at__isnull=True).order_by("pk"))
    if pending and user.email:
        body = "\n".join(f"- {n.text}" for n in pending)
        send_mail(_("Keywork: what is due, %(date)s") % {"date": format_day(today)},
                  _("Hello %(name)s,\n\nThis is due:\n\n%(items)s\n\nOpen Keywork to see "
                    "more.\n") % {"name": user.first_name or user.username, "items": body},
                  settings.DEFAULT_FROM_EMAIL, [user.email])
        Notification.objects.filter(pk__in=[n.pk for n in pending]).update(
            emailed_at=timezone.now())
    return items, len(pending) if user.email else 0


def remind_everyone(today=None):
    today = today or timezone.localdate()
    results = []
    for user in User.objects.filter(is_active=True, role__in=[User.Role.KEYWORKER,
                                                             User.Role.MANAGER]):
        items, sent = remind(user, today)
        results.append((user, items, sent))
    return results
