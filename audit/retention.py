"""Retention: clients whose record closed more than RETENTION_YEARS ago are removed with
everything that names them (the records subject access finds, their history, files and
access-log entries); only counts stay, in PurgedClients."""

from django.conf import settings
from django.db import transaction
from django.db.models import Count, FileField, ProtectedError
from django.utils import timezone

from attendance.models import Visit, Visitor
from audit.models import AccessEvent, PurgedClients
from audit.subject_access import _matching, client_models
from clients.models import Client
from safeguarding.models import Incident, Involvement


def _cutoff(today=None):
    today = today or timezone.localdate()
    years = settings.RETENTION_YEARS
    try:
        return today.replace(year=today.year - years)
    except ValueError:  # 29 February
        return today.replace(year=today.year - years, day=28)


def expired(today=None):
    return Client.objects.filter(status__in=Client.ENDED, ended_on__lt=_cutoff(today))


def expired_visitors(today=None):
    """Visitors at the door never referred, not seen for more than RETENTION_YEARS: the
    same period as a closed client's record, counted from their last visit."""
    cutoff = _cutoff(today)
    return (Visitor.objects.not_referred().filter(created_at__date__lt=cutoff)
            .exclude(visits__day__gte=cutoff))


@transaction.atomic
def purge_visitors(visitors):
    """Remove `visitors` (never referred), their visits and the history of both; returns
    how many visitors went."""
    pks = list(visitors.values_list("pk", flat=True))
    visits = list(Visit.objects.filter(visitor__in=pks).values_list("pk", flat=True))
    Visit.objects.filter(pk__in=visits).delete()
    Visitor.objects.filter(pk__in=pks).delete()
    Visit.history.model.objects.filter(id__in=visits).delete()
    Visitor.history.model.objects.filter(id__in=pks).delete()
    return len(pks)


def report(clients):
    """[(model label, rows)] that purging `clients` would remove."""
    counts = []
    for model, paths in client_models():
        total = sum(_matching(model, paths, client).count() for client in clients)
        if total:
            counts.append((model._meta.label, total))
    counts.append(("audit.AccessEvent", AccessEvent.objects.filter(client__in=clients).count()))
    gone = (Incident.objects.filter(involved__client__in=clients).distinct()
            .exclude(involved__client__in=Client.objects.exclude(
                pk__in=[c.pk for c in clients]))).count()
    if gone:
        counts.append(("safeguarding.Incident", gone))
    return counts


@transaction.atomic
def purge(clients):
    """Remove `clients` and everything that names them; keep counts. Returns how many."""
    clients = list(clients)
    tallies = {}
    for row in (Client.objects.filter(pk__in=[c.pk for c in clients])
                .values("site", "ended_on__year", "status")
                .annotate(n=Count("pk", distinct=True),
                          sessions=Count("keywork_sessions", distinct=True))):
        key = (row["site"], row["ended_on__year"], row["status"])
        clients_n, sessions_n = tallies.get(key, (0, 0))
        tallies[key] = (clients_n + row["n"], sessions_n + row["sessions"])
    # A safeguarding record belongs to every client involved in it: it goes with the last
    # of them (their involvements go below, as records that name them).
    incidents = set(Involvement.objects.filter(client__in=clients)
                    .values_list("incident_id", flat=True))
    files, querysets = [], []
    for model, paths in client_models():
        for client in clients:
            queryset = _matching(model, paths, client)
            for obj in queryset:
                files += [getattr(obj, f.name) for f in model._meta.concrete_fields
                          if isinstance(f, FileField) and getattr(obj, f.attname)]
            querysets.append((model, list(queryset.values_list("pk", flat=True))))
    AccessEvent.objects.filter(client__in=clients).delete()
    # Records protect one another (PROTECT foreign keys): delete what nothing points at
    # first, and go round until everything is gone. Within one model (a plan based on an
    # earlier plan) the newest goes first.
    pending = [(model, pk) for model, pks in querysets for pk in sorted(pks, reverse=True)]
    while pending:
        still = []
        for model, pk in pending:
            try:
                with transaction.atomic():
                    model._default_manager.filter(pk=pk).delete()
            except ProtectedError:
                still.append((model, pk))
        if len(still) == len(pending):
            raise RuntimeError(f"Cannot purge: {sorted({m._meta.label for m, _ in still})}")
        pending = still
    for model, pks in querysets:
        manager_name = getattr(model._meta, "simple_history_manager_attribute", None)
        if manager_name and pks:
            getattr(model, manager_name).model.objects.filter(id__in=pks).delete()
    orphaned = list(Incident.objects.filter(pk__in=incidents, involved__isnull=True)
                    .values_list("pk", flat=True))
    Incident.objects.filter(pk__in=orphaned).delete()
    Incident.history.model.objects.filter(id__in=orphaned).delete()
    for (site, year, status), (clients_n, sessions_n) in tallies.items():
        PurgedClients.objects.create(site_id=site, ended_year=year, status=status,
                                     clients=clients_n, keywork_sessions=sessions_n)
    transaction.on_commit(lambda: [file.delete(save=False) for file in files])
    return len(clients)
