"""Retention: clients closed more than RETENTION_YEARS ago go, with everything naming
them; only counts stay."""

import datetime
import io

from django.core.management import call_command
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from audit.models import AccessEvent, PurgedClients
from audit.subject_access import client_models
from clients.models import Client
from staff.models import User


def _close_long_ago(record, years):
    ended = timezone.localdate() - datetime.timedelta(days=365 * years + 10)
    Client.objects.filter(pk=record.pk).update(
        status=Client.Status.DISCHARGED, referred_on=ended - datetime.timedelta(days=400),
        admitted_on=ended - datetime.timedelta(days=390), ended_on=ended)


def _rows_naming(record):
    total = 0
    for model, paths in client_models():
        condition = Q()
        for path in paths:
            condition |= Q(**{path: record.pk})
        total += model._default_manager.filter(condition).count()
    return total


def test_dry_run_reports_and_purge_removes_everything_but_counts(client, settings, db):
    settings.DEBUG = True
    call_command("seed_demo", verbosity=0)
    settings.DEBUG = False
    record = max(Client.objects.filter(site__code="DC1"),
                 key=lambda c: c.keywork_sessions.count())
    sessions = record.keywork_sessions.count()
    client.force_login(User.objects.get(username="manager"))
    client.get(reverse("clients:detail", args=[record.pk]))
    recent = Client.objects.exclude(pk=record.pk).first()
    _close_long_ago(record, 7)
    _close_long_ago(recent, 5)
    others = Client.objects.count() - 1
    rows = _rows_naming(record)
    assert rows > 10

    out = io.StringIO()
    call_command("purge_expired", "--dry-run", stdout=out)
    assert "1 client(s) closed more than 6 years ago" in out.getvalue()
    assert "diary.KeyworkSession" in out.getvalue()
    assert Client.objects.filter(pk=record.pk).exists()

    call_command("purge_expired", stdout=io.StringIO())
    assert not Client.objects.filter(pk=record.pk).exists()
    assert _rows_naming(record) == 0
    assert not Client.history.filter(id=record.pk).exists()
    assert not AccessEvent.objects.filter(path__startswith=f"/clients/{record.pk}/").exists()
    assert Client.objects.count() == others
    assert Client.objects.filter(pk=recent.pk).exists()
    tally = PurgedClients.objects.get()
    assert (tally.clients, tally.keywork_sessions, tally.status) == (1, sessions, "discharged")
