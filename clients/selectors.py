"""The clients app's facts that several pages, the dashboard and jobs show.

Each is computed here once, for many workers or sites at a time in a fixed number of
queries; the caseload page, the keyworkers page, the allocation forms, the allocation
services' limit check, the manager dashboard and supervision agendas all read them.
"""

from dataclasses import dataclass

from django.db.models import Count, Exists, Max, OuterRef, Q
from django.urls import reverse
from django.utils.translation import ngettext

from clients.models import Allocation, Client, SiteMove
from staff.models import Site, User


@dataclass(frozen=True)
class Caseload:
    """How many open clients a worker is the (primary) keyworker of, against their limit.

    Counted across every site they work at: the limit is the worker's, not a site's.
    """

    size: int
    limit: int

    @property
    def is_over(self):
        return self.size > self.limit

    @property
    def is_full(self):
        return self.size == self.limit


def caseload_sizes(workers, on=None):
    """{worker id: Caseload} for the given workers (objects with `pk` and
    `caseload_limit`), in one query."""
    workers = list(workers)
    rows = (Allocation.objects.current(on).primary()
            .filter(worker__in=[w.pk for w in workers])
            .exclude(client__status__in=Client.ENDED)
            .values("worker").annotate(n=Count("pk")))
    sizes = {row["worker"]: row["n"] for row in rows}
    return {w.pk: Caseload(size=sizes.get(w.pk, 0), limit=w.caseload_limit) for w in workers}


def holders_at(site_ids, on=None):
    """The ids (a subquery) of the workers who are keyworker of an open client at these
    sites, active or not: a caseload that was never transferred must still show, with its
    transfer link."""
    return (Allocation.objects.current(on).primary()
            .filter(client__in=Client.objects.open().filter(site_id__in=site_ids))
            .values("worker_id"))


def keyworkers_shown(site_ids, on=None):
    """The workers a manager sees a caseload row for at these sites: the active
    keyworkers there, and anyone still the keyworker of an open client there (deactivated
    before the caseload was transferred), so that no client drops out of sight."""
    return (User.objects.filter(
        Q(sites__in=site_ids, role=User.Role.KEYWORKER, is_active=True)
        | Q(pk__in=holders_at(site_ids, on))).distinct().order_by("first_name", "last_name"))


def keyworkers_at(sites):
    """Everyone who is or was a keyworker at these sites, for the filters that pick one
    (the client list, the outcome report): a report may be about someone who has left."""
    return (User.objects.filter(sites__in=sites, role=User.Role.KEYWORKER).distinct()
            .order_by("first_name", "last_name"))


def unallocated(site_ids, on=None):
    """The admitted or active clients at these sites with no current (primary) keyworker,
    oldest admission first. One query when evaluated."""
    has_keyworker = Allocation.objects.current(on).primary().filter(client=OuterRef("pk"))
    return (Client.objects.open().filter(site_id__in=site_ids)
            .exclude(status=Client.Status.REFERRED).exclude(Exists(has_keyworker))
            .select_related("site").order_by("admitted_on", "last_name", "first_name", "pk"))


def last_keyworker(client):
    """The worker who was the client's (primary) keyworker last, or is now: who the
    client's ending letter names."""
    allocation = (client.allocations.primary().select_related("worker")
                  .order_by("-start", "-pk").first())
    return allocation.worker if allocation else None


def arrivals(clients):
    """{client id: SiteMove} for the clients who moved to the site they are at now: the
    latest move, with its handover note, for the receiving site's unallocated list and
    the client file. One query."""
    found = {}
    for move in (SiteMove.objects.filter(client__in=[c.pk for c in clients])
                 .select_related("from_site", "by").order_by("client", "-on", "-pk")):
        found.setdefault(move.client_id, move)
    sites = {c.pk: c.site_id for c in clients}
    return {pk: move for pk, move in found.items() if move.to_site_id == sites[pk]}


def deactivation_blockers(user):
    """What stops `user` being deactivated: [(text, url)], one per site where they are
    still the keyworker of open clients; each links to that site's transfer page.

    Registered in staff.hooks from ClientsConfig.ready(): staff cannot import clients.
    """
    rows = (Allocation.objects.current().primary().filter(worker=user)
            .exclude(client__status__in=Client.ENDED)
            .values("client__site").annotate(n=Count("pk")).order_by("client__site__name"))
    counts = {row["client__site"]: row["n"] for row in rows}
    sites = Site.objects.filter(pk__in=counts).order_by("name")
    return [(ngettext("%(name)s is still the keyworker of %(count)s client at %(site)s.",
                      "%(name)s is still the keyworker of %(count)s clients at %(site)s.",
                      counts[site.pk]) % {"name": user, "count": counts[site.pk],
                                          "site": site.name},
             reverse("clients:transfer", args=[user.pk]) + f"?site={site.pk}")
            for site in sites]


@dataclass(frozen=True)
class AlertNews:
    """The alert lines a client's record gained and lost over a span."""

    raised: list
    removed: list


def alerts_between(client_ids, start, end):
    """{client id: AlertNews} for the clients whose alerts (one a line) changed from
    `start` to `end`, read from the record's history: the last version before each
    instant. A client recorded during the span had no alerts at its start. One query."""
    history = Client.history.model

    def last_before(moment):
        return (history.objects.filter(id__in=client_ids, history_date__lt=moment)
                .values("id").annotate(last=Max("history_id")).values("last"))

    rows = (history.objects.filter(Q(history_id__in=last_before(start))
                                   | Q(history_id__in=last_before(end)))
            .order_by("history_date", "history_id").values_list("id", "history_date", "alerts"))
    before, after = {}, {}
    for pk, when, alerts in rows:
        lines = Client(alerts=alerts or "").alert_list
        if when < start:
            before[pk] = lines
        after[pk] = lines
    found = {}
    for pk, lines in after.items():
        old = before.get(pk, [])
        raised = [line for line in lines if line not in old]
        removed = [line for line in old if line not in lines]
        if raised or removed:
            found[pk] = AlertNews(raised, removed)
    return found
