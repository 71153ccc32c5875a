"""Two app servers share one PostgreSQL: a scheduled job started on both at once (cron on
every box) must still send each reminder once."""

import datetime
import io
import threading
import time

import pytest
from django.core import mail
from django.core.management import call_command
from django.db import connection, connections
from django.utils import timezone

from diary.models import KeyworkSession
from supervision import reminders
from supervision.models import Notification

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql",
                       reason="two servers share PostgreSQL; SQLite is one machine's database"),
]


def test_send_reminders_run_by_two_servers_at_once_emails_each_person_once(
        client_record, keyworker, manager, monkeypatch):
    start = timezone.now() - datetime.timedelta(hours=3)
    KeyworkSession.objects.create(client=client_record, worker=keyworker, starts_at=start,
                                  expected_minutes=60, booked_by=keyworker)
    real_send = reminders.send_mail

    def slow_send(*args, **kwargs):
        # The other server arrives while this one is still sending.
        time.sleep(0.5)
        return real_send(*args, **kwargs)

    monkeypatch.setattr(reminders, "send_mail", slow_send)
    both_ready = threading.Barrier(2)
    failures = []

    def server():
        try:
            both_ready.wait()
            call_command("send_reminders", stdout=io.StringIO())
        except Exception as error:  # noqa: BLE001 (reported by the assertion below)
            failures.append(error)
        finally:
            connections.close_all()

    servers = [threading.Thread(target=server) for _n in range(2)]
    for thread in servers:
        thread.start()
    for thread in servers:
        thread.join(timeout=60)
    assert failures == []
    assert sorted(m.to[0] for m in mail.outbox) == sorted([keyworker.email, manager.email])
    assert not Notification.objects.filter(emailed_at__isnull=True).exists()
