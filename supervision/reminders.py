"""What is due for each member of staff: the items `send_reminders` e-mails and the
notifications list shows."""

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from clients.models import Allocation, Client
from diary import selectors as diary_selectors
from diary.models import KeyworkSession
from keywork.lib.dates import format_day
from plans import selectors as plans_selectors
from staff.models import User
from stages import selectors as stages_selectors
from supervision import selectors
from supervision.models import Notification

AHEAD = datetime.timedelta(days=7)


@dataclass(frozen=True)
class Due:
    key: str
    text: str
    url: str = ""


def keyworker_items(user, today):
    items = []
    now = timezone.now()
    for session in (KeyworkSession.objects.live()
                    .filter(worker=user, status=KeyworkSession.Status.BOOKED, starts_at__lt=now)
                    .select_related("client").order_by("starts_at")):
        items.append(Due(f"log:{session.pk}", _("Log the session with %(client)s of %(date)s")
                         % {"client": session.client.called,
                            "date": format_day(session.starts_at)},
                         session.get_absolute_url()))
    mine = Client.objects.in_full_for(user, today).open()
    due = [review for review in plans_selectors.reviews(mine, today).values() if review.state]
    for review in sorted(due, key=lambda review: (review.on, review.plan.pk)):
        items.append(Due(f"review:{review.plan.pk}:{review.on}",
                         _("Review %(client)s's plan by %(date)s") % {
                             "client": review.plan.client.called, "date": format_day(review.on)},
                         review.plan.get_absolute_url()))
    first_plans = plans_selectors.first_plans(mine, today)
    initials = {pk: state for pk, state in stages_selectors.initial_assessments(mine, today)
                .items() if state != "done"}
    for client in mine.filter(pk__in=set(first_plans) | set(initials)).order_by("admitted_on",
                                                                                  "pk"):
        if client.pk in first_plans:
            items.append(Due(f"first_plan:{client.pk}", _(
                "Write and sign %(client)s's first plan by %(date)s") % {
                "client": client.called,
                "date": format_day(plans_selectors.first_plan_due_on(client.admitted_on))},
                client.get_absolute_url()))
        if client.pk in initials:
            items.append(Due(f"initial:{client.pk}", _(
                "Do %(client)s's initial assessment by %(date)s") % {
                "client": client.called,
                "date": format_day(stages_selectors.initial_assessment_due_on(client.admitted_on))},
                client.get_absolute_url()))
    reassessments = stages_selectors.reassessments(mine, today)
    for client in mine.filter(pk__in=[pk for pk, found in reassessments.items()
                                      if found.state]).order_by("last_name", "pk"):
        found = reassessments[client.pk]
        items.append(Due(f"reassessment:{client.pk}:{found.on}", _(
            "Re-assess %(client)s by %(date)s") % {
            "client": client.called, "date": format_day(found.on)},
            reverse("stages:assessments", args=[client.pk])))
    keywork = list(mine.exclude(status=Client.Status.REFERRED))
    booked = diary_selectors.next_booked([c.pk for c in keywork])
    for client in (c for c in keywork if c.pk not in booked):
        items.append(Due(f"book:{client.pk}", _("Book a session with %(client)s")
                         % {"client": client.called}, client.get_absolute_url()))
    covers = (Allocation.objects.filter(kind=Allocation.Kind.COVER, client__in=mine)
              .filter(Q(start__range=(today, today + AHEAD))
                      | Q(end__range=(today + datetime.timedelta(days=1),
                                      today + AHEAD + datetime.timedelta(days=1))))
              .select_related("client", "worker"))
    for cover in covers:
        starting = today <= cover.start <= today + AHEAD
        text = (_("Cover for %(client)s by %(worker)s starts %(date)s") if starting else
                _("Cover for %(client)s by %(worker)s ends after %(date)s")) % {
            "client": cover.client.called, "worker": cover.worker,
            "date": format_day(cover.start if starting else cover.last_day)}
        items.append(Due(f"cover:{cover.pk}:{'start' if starting else 'end'}", text,
                         cover.client.get_absolute_url()))
    return items


def manager_items(user, today):
    items = []
    for site in user.sites.filter(is_active=True):
        data = selectors.dashboard([site.pk], [], today)
        if data["unallocated"]:
            items.append(Due(
                f"unallocated:{site.pk}",
                _("%(site)s: Admitted clients with no keyworker: %(count)s") % {
                    "site": site.name, "count": data["unallocated"]},
                f"{reverse('supervision:unallocated')}?site={site.pk}"))
        for figure in data["figures"]:
            count = len(data["totals"][figure.key])
            if count:
                items.append(Due(
                    f"overdue:{site.pk}:{figure.key}",
                    _("%(site)s: %(label)s: %(count)s") % {"site": site.name,
                                                            "label": figure.label,
                                                            "count": count},
                    f"{reverse('supervision:dashboard_list', args=[figure.key])}?site={site.pk}"))
    return items


def due_for(user, today):
    if user.is_manager:
        return manager_items(user, today)
    if user.is_keyworker:
        return keyworker_items(user, today)
    return []


@transaction.atomic
def remind(user, today):
    """Record today's items for `user` and e-mail those not e-mailed yet. Returns
    (items, e-mailed count). Safe to run twice: the rows are unique per day and the
    e-mailed ones are locked while sending."""
    items = due_for(user, today)
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
