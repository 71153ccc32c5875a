"""Demo groups: a few activities per site with weekly sessions, members and registers.

The small demo keeps ten weeks of sessions (eight held, two to come), marked through the
services; each large demo site (`seed_demo --clients N --sites S`) a year of weekly
sessions with about forty members each, bulk-created.
"""

import datetime

from django.utils import timezone

from activities import services
from activities.models import Activity, GroupAttendance, GroupSession, Membership
from clients.demo import large_site_manager, large_sites
from clients.models import Client
from keywork.lib import dates
from keywork.lib.bulk import insert_with_history

WEEK = datetime.timedelta(days=7)
# name, weekday (0 Monday), hour, place, capacity, description
GROUPS = {
    "DC1": [("Cooking together", 1, 11, "Kitchen", 8, "Plan, shop for and cook a lunch."),
            ("Art group", 3, 14, "Garden room", 12, "Drawing, painting and collage.")],
    "HH1": [("Action Training Workshop", 2, 10, "Training room", 12,
             "Budgeting, tenancy skills, cooking on a budget and job search."),
            ("Fitness", 4, 17, "Community gym", 10, "A gentle circuit class.")],
    "BIG": [("Action Training Workshop", 2, 10, "Training room", 40,
             "Budgeting, tenancy skills, cooking on a budget and job search."),
            ("Cooking together", 1, 11, "Kitchen", 30, "Plan, shop for and cook a lunch."),
            ("Art group", 3, 14, "Garden room", 40, "Drawing, painting and collage.")],
}
STATUSES = ([GroupAttendance.Status.ATTENDED] * 7 + [GroupAttendance.Status.APOLOGIES]
            + [GroupAttendance.Status.ABSENT] * 2)


def _weekly(today, weekday, hour, *, weeks_back, weeks_ahead):
    """The instants of a weekly session: `weeks_back` held, `weeks_ahead` to come."""
    last = today - datetime.timedelta(days=(today.weekday() - weekday) % 7 or 7)
    return [dates.at(last + n * WEEK, datetime.time(hour), dates.FIRST)
            for n in range(-weeks_back + 1, weeks_ahead + 1)]


def _facilitator(site, staff):
    workers = [u for u in staff.values() if u.works_at(site) and u.is_keyworker]
    return workers[0] if workers else None


def seed(ctx):
    today, rng = timezone.localdate(), ctx["rng"]
    manager = ctx["staff"]["manager"]
    for code, site in ctx["sites"].items():
        if code not in GROUPS or Activity.objects.filter(site=site).exists():
            continue
        clients = [c for c in ctx.get("clients", [])
                   if c.site_id == site.pk and c.admitted_on and not c.is_archived]
        for name, weekday, hour, place, capacity, description in GROUPS[code]:
            activity = services.activity_save(activity=Activity(
                site=site, name=name, place=place, capacity=capacity, description=description,
                facilitator=_facilitator(site, ctx["staff"])), by=manager)
            members = [c for c in clients if rng.random() < 0.8]
            joined = {c.pk: max(c.admitted_on, today - 10 * WEEK) for c in members}
            for client in members:
                services.membership_add(activity=activity, client=client, by=manager,
                                        on=joined[client.pk])
            for n, starts_at in enumerate(_weekly(today, weekday, hour, weeks_back=8,
                                                  weeks_ahead=2)):
                session = services.session_save(session=GroupSession(
                    activity=activity, starts_at=starts_at, minutes=90, place=place,
                    facilitator=activity.facilitator, cancelled=n == 3,
                    cancelled_reason="The facilitator was ill." if n == 3 else ""), by=manager)
                if session.cancelled or starts_at > timezone.now():
                    continue
                day = dates.local_day(starts_at)
                statuses = {c.pk: rng.choice(STATUSES) for c in members if joined[c.pk] <= day}
                if statuses:
                    services.register_mark(session=session, statuses=statuses, by=manager)
    for site in large_sites(ctx):
        _large(ctx, site)


def _large(ctx, site):
    """A year of weekly sessions of three groups at a large site, in bulk."""
    if Activity.objects.filter(site=site).exists():
        return
    rng, today, now = ctx["rng"], timezone.localdate(), timezone.now()
    manager = large_site_manager(ctx, site)
    facilitators = list(site.staff.filter(role="keyworker", is_active=True).order_by("pk")[:3])
    clients = list(Client.objects.filter(site=site, admitted_on__isnull=False).open()
                   .order_by("pk").values_list("pk", "admitted_on"))
    activities = insert_with_history(
        [Activity(site=site, name=name, place=place, capacity=capacity, description=description,
                  facilitator=facilitators[i % len(facilitators)] if facilitators else None,
                  created_at=now)
         for i, (name, _w, _h, place, capacity, description) in enumerate(GROUPS["BIG"])],
        Activity, user=manager)
    memberships, sessions, lines, joined_of = [], [], [], {}
    for activity, (_n, weekday, hour, place, capacity, _d) in zip(activities, GROUPS["BIG"],
                                                                  strict=True):
        chosen = rng.sample(clients, min(len(clients), capacity))
        joined = {pk: max(admitted, today - 52 * WEEK) for pk, admitted in chosen}
        joined_of[activity.pk] = joined
        memberships += [Membership(activity=activity, client_id=pk, joined_on=since,
                                   added_by=manager, created_at=now)
                        for pk, since in joined.items()]
        for starts_at in _weekly(today, weekday, hour, weeks_back=52, weeks_ahead=4):
            cancelled = rng.random() < 0.04
            sessions.append(GroupSession(
                activity=activity, starts_at=starts_at, minutes=90, place=place,
                facilitator_id=activity.facilitator_id, cancelled=cancelled,
                cancelled_reason="Room not available." if cancelled else "", created_at=now))
    insert_with_history(memberships, Membership, user=manager)
    insert_with_history(sessions, GroupSession, user=manager)
    for session in sessions:
        if session.cancelled or session.starts_at > now:
            continue
        day = dates.local_day(session.starts_at)
        lines += [GroupAttendance(session=session, client_id=pk, status=rng.choice(STATUSES),
                                  marked_by=manager, marked_at=session.starts_at)
                  for pk, since in joined_of[session.activity_id].items() if since <= day]
    insert_with_history(lines, GroupAttendance, user=manager)
