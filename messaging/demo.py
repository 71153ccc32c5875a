"""Demo reminders for `manage.py seed_demo`: on each small site, the first few admitted
clients agreed to reminders (texts to Ofcom's drama numbers, 07700 900xxx, or e-mail to
example.org), one of them has since opted out by the link, and each has a few messages in
the log (delivered, sent, one failed) about their past sessions. On the large sites one
admitted client in five agreed to texts and has had the reminders of their last three
sessions, written in bulk with their history."""

import datetime

from django.utils import timezone

from clients.demo import large_sites
from clients.models import Client
from diary.models import KeyworkSession
from keywork.lib.bulk import insert_with_history
from messaging import services, words
from messaging.models import Channel, ClientMessage, ReminderConsent

PER_SITE = 4


def seed(ctx):
    _small_sites(ctx)
    for site in large_sites(ctx):
        _large_site(ctx, site)


def _small_sites(ctx):
    clients = [c for c in ctx["clients"] if c.admitted_on and not c.is_archived]
    if not clients or ReminderConsent.objects.filter(client__in=clients).exists():
        return
    by_site = {}
    for client in clients:
        by_site.setdefault(client.site_id, []).append(client)
    number = 100
    for site_clients in by_site.values():
        for n, client in enumerate(site_clients[:PER_SITE]):
            worker = _keyworker(client) or ctx["staff"]["manager"]
            number += 1
            email = n == 2
            consent = services.consent_set(
                client=client, by=worker, consents=True,
                channel=Channel.EMAIL if email else Channel.SMS,
                phone="" if email else f"07700 900{number:03d}",
                email=f"client{number}@example.org" if email else "")
            _log(client, consent, failed=n == 1)
            if n == 3:
                services.consent_withdraw(consent=consent,
                                          how=ReminderConsent.WithdrawnHow.LINK)


def _keyworker(client):
    session = KeyworkSession.objects.filter(client=client).order_by("-starts_at").first()
    return session.worker if session else None


def _log(client, consent, *, failed):
    """A reminder the day before each of the client's last three sessions."""
    now = timezone.now()
    sessions = (KeyworkSession.objects.filter(client=client, starts_at__lt=now)
                .select_related("site", "worker").order_by("-starts_at")[:3])
    for m, session in enumerate(sessions):
        sent_at = session.starts_at - datetime.timedelta(hours=18)
        status = (ClientMessage.Status.FAILED if failed and m == 0
                  else ClientMessage.Status.DELIVERED if m else ClientMessage.Status.SENT)
        ClientMessage.objects.create(
            client=client, session=session, key=f"demo:{client.pk}:{session.pk}",
            kind=ClientMessage.Kind.REMINDER, channel=consent.channel, to=consent.address,
            text=words.reminder(session),
            created_at=sent_at, send_after=sent_at, sent_at=sent_at, status=status,
            status_at=sent_at + datetime.timedelta(minutes=1),
            provider_id=f"SMdemo{client.pk}x{session.pk}",
            error="30003: Unreachable destination handset" if status == "failed" else "")


def _large_site(ctx, site):
    clients = list(Client.objects.filter(site=site).open().exclude(admitted_on=None)
                   .filter(reminder_consent__isnull=True).order_by("pk")[::5])
    if not clients or ReminderConsent.objects.filter(client__site=site).exists():
        return
    by = ctx["staff"]["manager"]
    now = timezone.now()
    consents = insert_with_history(
        [ReminderConsent(client=client, consents=True, channel=Channel.SMS,
                         phone=f"+4477009{client.pk % 100000:05d}", recorded_by=by,
                         recorded_at=now) for client in clients], ReminderConsent, user=by)
    to = {consent.client_id: consent.phone for consent in consents}
    messages = []
    sessions = (KeyworkSession.objects.filter(client__in=clients, starts_at__lt=now)
                .select_related("site", "worker").order_by("client_id", "-starts_at"))
    counts = {}
    for session in sessions:
        if counts.get(session.client_id, 0) == 3:
            continue
        counts[session.client_id] = counts.get(session.client_id, 0) + 1
        sent_at = session.starts_at - datetime.timedelta(hours=18)
        messages.append(ClientMessage(
            client_id=session.client_id, session=session,
            key=f"demo:{session.client_id}:{session.pk}", kind=ClientMessage.Kind.REMINDER,
            channel=Channel.SMS, to=to[session.client_id], text=words.reminder(session),
            created_at=sent_at, send_after=sent_at, sent_at=sent_at,
            status=ClientMessage.Status.DELIVERED, status_at=sent_at,
            provider_id=f"SMdemo{session.client_id}x{session.pk}"))
    insert_with_history(messages, ClientMessage, user=by)
