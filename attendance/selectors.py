"""Facts about attendance that more than one page, PDF or report shows: the one home of
each (the register page and its PDF, the client file, the outcome report, the portfolio)."""

import dataclasses
import datetime

from django.db.models import Count, Max, Q
from django.db.models.functions import TruncMonth

from attendance.models import Visit, Visitor
from clients import selectors as clients_selectors
from clients.models import Client
from safeguarding.selectors import bans_in_force

SEARCH_LIMIT = 12


def bans_at_door(site, client_ids, day):
    """{client id: [Ban]} in force on `day` at `site`'s centre: the ban the door warns of."""
    return {client_id: found for client_id, bans in bans_in_force(client_ids, day).items()
            if (found := [ban for ban in bans if ban.site_id == site.pk])}


@dataclasses.dataclass
class Found:
    """One search result at the door: a client (name and reference only, what every site
    colleague may see) or a visitor; whether they are in now, and any ban in force."""

    client: Client | None
    visitor: Visitor | None
    visit: Visit | None  # today's open visit, if they are in
    bans: list

    @property
    def person(self):
        return self.client or self.visitor


def search(user, site, query, day, *, limit=SEARCH_LIMIT):
    """[Found] for the people at `site` whose name, preferred name or reference matches
    `query`: the site's current clients the user may see, then visitors not referred.
    Four queries whatever the number found; the visits table is read only by the index on
    (client or visitor, day)."""
    query = clients_selectors.tidy_query(query)
    condition = clients_selectors.typed_name(query)
    if condition is None:
        return []
    words = query.split(" ")
    clients = list(Client.objects.for_user(user).open().filter(site=site)
                   .filter(condition)
                   .only("pk", "first_name", "last_name", "preferred_name", "reference",
                         "site_id", "status")[:limit])
    visitor_condition = Q()
    for word in words:
        visitor_condition &= Q(name__icontains=word)
    visitors = list(Visitor.objects.for_user(user).not_referred().filter(site=site)
                    .filter(visitor_condition)[:max(0, limit - len(clients))])
    open_visits = Visit.objects.filter(day=day, checked_out_at__isnull=True).filter(
        Q(client__in=[c.pk for c in clients]) | Q(visitor__in=[v.pk for v in visitors],
                                                  client__isnull=True))
    by_client, by_visitor = {}, {}
    for visit in open_visits:
        if visit.client_id:
            by_client[visit.client_id] = visit
        else:
            by_visitor[visit.visitor_id] = visit
    bans = bans_at_door(site, [c.pk for c in clients], day)
    return ([Found(c, None, by_client.get(c.pk), bans.get(c.pk, [])) for c in clients]
            + [Found(None, v, by_visitor.get(v.pk), []) for v in visitors])


def register(site, day):
    """The visits at `site` on `day`, first in first, with the person of each."""
    return list(Visit.objects.filter(site=site, day=day)
                .select_related("client", "visitor")
                .order_by("checked_in_at", "pk"))


def register_counts(visits):
    """(people in now, visits in all) of a register."""
    return sum(1 for v in visits if v.is_in), len(visits)


def visits_of(client):
    """A client's visits, newest first, with the site of each."""
    return (Visit.objects.filter(client=client).select_related("site", "checked_in_by")
            .order_by("-checked_in_at", "-pk"))


def month_starts(today, months):
    """The first days of the `months` months ending with today's, newest first."""
    first = today.replace(day=1)
    starts = []
    for _ in range(months):
        starts.append(first)
        first = (first - datetime.timedelta(days=1)).replace(day=1)
    return starts


def monthly_counts(client_ids, months):
    """{client id: {first of month: days attended}} for the months given (first days), in
    one query. A day with two visits counts once."""
    if not months:
        return {}
    start = min(months)
    end = (max(months) + datetime.timedelta(days=32)).replace(day=1)
    counts = {client_id: dict.fromkeys(months, 0) for client_id in client_ids}
    rows = (Visit.objects.filter(client__in=list(client_ids), day__gte=start, day__lt=end)
            .annotate(month=TruncMonth("day")).values("client", "month")
            .annotate(days=Count("day", distinct=True)).order_by())
    for row in rows:
        month = row["month"]
        month = month.date() if isinstance(month, datetime.datetime) else month
        if month in counts[row["client"]]:
            counts[row["client"]][month] = row["days"]
    return counts


def days_attended(client_ids, start, end):
    """{client id: the days from `start` to `end` (both included) they came in}, one query."""
    found = dict.fromkeys(client_ids, 0)
    for row in (Visit.objects.filter(client__in=list(client_ids), day__gte=start, day__lte=end)
                .values("client").annotate(days=Count("day", distinct=True)).order_by()):
        found[row["client"]] = row["days"]
    return found


def last_visits(client_ids):
    """{client id: the day of their last visit} for those who ever came, one query."""
    return {row["client"]: row["last"] for row in
            Visit.objects.filter(client__in=list(client_ids)).values("client")
            .annotate(last=Max("day")).order_by()}


@dataclasses.dataclass(frozen=True)
class Figures:
    """Attendance at sites over a period: different people, visits, days open."""

    people: int
    visits: int
    days_open: int

    @property
    def per_day(self):
        """Visits per day the door was open (a day with any visit), to one decimal."""
        return round(self.visits / self.days_open, 1) if self.days_open else 0


def site_figures(site_ids, start, end, clients=None):
    """Figures for the visits at `site_ids` from `start` to `end` (both included): one query.
    A visitor later referred counts once, as the client. With `clients` (a queryset, e.g.
    one keyworker's), only their visits and people count, and no visitor's; the days the
    door was open are the site's whoever came, so the figure means the same on every report."""
    visits = Visit.objects.filter(site__in=list(site_ids), day__gte=start, day__lte=end)
    mine = Q(client__in=clients.values("pk")) if clients is not None else Q()
    row = visits.aggregate(visits=Count("pk", filter=mine),
                           days=Count("day", distinct=True),
                           clients=Count("client", distinct=True, filter=mine),
                           visitors=Count("visitor", distinct=True,
                                          filter=Q(client__isnull=True) & mine))
    return Figures(people=row["clients"] + row["visitors"], visits=row["visits"],
                   days_open=row["days"])


def file_summary(client, today, months=3):
    """What the client file shows of a client's attendance: the day of their last visit
    and the days they came in each of the last `months` months (this one first), as
    monthly_counts and last_visits count them (two queries)."""
    starts = month_starts(today, months)
    counts = monthly_counts([client.pk], starts)[client.pk]
    return {"last": last_visits([client.pk]).get(client.pk),
            "months": [(start, counts[start]) for start in starts]}
