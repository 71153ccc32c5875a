"""Demo door registers for `manage.py seed_demo`.

The small sites get three weeks of visits (a dozen people a day, most of them clients, a
few visitors not yet known, one of them still in today with others); `--clients N` gives
each large site about sixty people a day, Monday to Saturday, for a year. Rows are written
in bulk with their history.
"""

import datetime

from django.utils import timezone

from attendance.models import Visit, Visitor
from clients.demo import large_site_manager, large_sites
from clients.models import Client
from keywork.lib import dates
from keywork.lib.bulk import insert_with_history

VISITORS = [("Lee Mason", "Tall, red coat, came with a friend"),
            ("Tomasz", "Speaks Polish; asked about showers"),
            ("Jay", ""),
            ("Bernadette Kiely", "Asked about the lunch club")]


def seed(ctx):
    sites = [site for code, site in ctx["sites"].items() if code in ("DC1", "HH1")]
    if not Visit.objects.filter(site__in=sites).exists():
        for site in sites:
            _small_site(ctx, site)
    for big in large_sites(ctx):
        if not Visit.objects.filter(site=big).exists():
            _large_site(ctx, big)


def _visits(rng, site, day, people, by, now):
    """Visits at `site` on `day` for `people` ((client id, visitor id) pairs): in through
    the morning and early afternoon, out one to five hours later; still in when that is
    after now."""
    made = []
    nine = dates.at(day, datetime.time(9), dates.FIRST)
    for client_id, visitor_id in people:
        start = dates.add_minutes(nine, rng.randint(0, 330))
        if start > now:
            continue
        end = dates.add_minutes(start, rng.randint(45, 300))
        out = end if end <= now else None
        made.append(Visit(site=site, day=day, client_id=client_id, visitor_id=visitor_id,
                          checked_in_at=start, checked_in_by=by, checked_out_at=out,
                          checked_out_by=by if out else None))
    return made


def _small_site(ctx, site):
    rng = ctx["rng"]
    today = timezone.localdate()
    now = timezone.now()
    staff = [user for user in ctx["staff"].values() if site in user.sites.all()]
    by = staff[0] if staff else ctx["staff"]["manager"]
    clients = list(Client.objects.filter(site=site).open().exclude(admitted_on__isnull=True)
                   .values_list("pk", flat=True))
    visitors = insert_with_history(
        [Visitor(site=site, name=name, description=description, created_by=by,
                 created_at=now - datetime.timedelta(days=rng.randint(0, 14)))
         for name, description in VISITORS[:2 if site.code == "HH1" else 4]],
        Visitor, user=by)
    visits = []
    for days_ago in range(21, -1, -1):
        day = today - datetime.timedelta(days=days_ago)
        if day.weekday() == 6:
            continue
        people = [(pk, None) for pk in rng.sample(clients, min(len(clients),
                                                                 rng.randint(6, 12)))]
        people += [(None, v.pk) for v in visitors
                   if dates.local_day(v.created_at) <= day and rng.random() < 0.4]
        visits += _visits(rng, site, day, people, by, now)
    insert_with_history(visits, Visit, user=by)


def _large_site(ctx, site):
    """About sixty people a day, Monday to Saturday, for a year: regulars come most days,
    others now and then, only while their stay is open."""
    rng = ctx["rng"]
    today = timezone.localdate()
    now = timezone.now()
    by = large_site_manager(ctx, site)
    clients = list(Client.objects.filter(site=site, admitted_on__isnull=False)
                   .values_list("pk", "admitted_on", "ended_on"))
    weight = {pk: rng.choice((1, 1, 2, 3, 6)) for pk, _a, _e in clients}
    visits = []
    for days_ago in range(365, -1, -1):
        day = today - datetime.timedelta(days=days_ago)
        if day.weekday() == 6:
            continue
        open_then = [pk for pk, admitted, ended in clients
                     if admitted <= day and (ended is None or ended >= day)]
        chosen = set()
        wanted = min(len(open_then), rng.randint(52, 68))
        picks = rng.choices(open_then, weights=[weight[pk] for pk in open_then],
                            k=wanted * 2) if open_then else []
        for pk in picks:
            if len(chosen) == wanted:
                break
            chosen.add(pk)
        visits += _visits(rng, site, day, [(pk, None) for pk in sorted(chosen)], by, now)
    insert_with_history(visits, Visit, user=by)
