"""Demo safeguarding records for `manage.py seed_demo`: on each small site a few concerns
and incidents (one open at high risk naming a risk for the team, one reviewed and reported
to the local authority, one closed) and two bans (one in force, due for review soon; one
lifted). `--clients N` adds about one incident a week for a year on each large site, and a
ban for one client in fifty, in bulk."""

import datetime

from django.utils import timezone

from clients.demo import large_site_manager, large_sites
from clients.models import Allocation, Client
from keywork.lib.bulk import insert_with_history
from safeguarding import services
from safeguarding.models import Ban, Incident, Involvement

DAY = datetime.timedelta(days=1)

STORIES = [
    ("incident", "high", "Argument in the dining room turned into shouting and a chair was "
     "thrown. Nobody was hurt.", "Separated the two, asked one to leave for the day.",
     "Do not seat him near the kitchen door at lunch; two staff on the floor at meal times."),
    ("concern", "medium", "Said an older man at the hostel keeps asking for money and "
     "follows him to the cash machine.", "Talked it through; gave the advice line number.",
     ""),
    ("concern", "low", "Arrived with bruises on the arm; said it was a fall.",
     "Offered first aid; noted it and asked again at the end of the day.", ""),
    ("incident", "medium", "Found using in the shower room.", "Naloxone kit checked; "
     "stayed with her until she was alert; asked her to leave for the day.", ""),
]


def seed(ctx):
    staff, sites = ctx["staff"], ctx["sites"]
    if not Incident.objects.filter(site__in=sites.values()).exists():
        for code in ("DC1", "HH1"):
            _small_site(sites[code], staff["manager"], staff)
    for site in large_sites(ctx):
        _large_site(ctx, site)


def _small_site(site, manager, staff):
    today = timezone.localdate()
    clients = list(Client.objects.open().filter(site=site, admitted_on__isnull=False)
                   .order_by("pk")[:6])
    if len(clients) < 3:
        return
    workers = [user for user in staff.values() if user.works_at(site) and user.is_keyworker]
    raiser = workers[0] if workers else manager
    made = []
    for i, (kind, risk, what, action, linked) in enumerate(STORIES[:3]):
        involved = clients[i:i + (2 if i == 0 else 1)]
        made.append(services.incident_raise(
            by=raiser, site=site, clients=involved, staff_present=[raiser],
            kind=kind, risk=risk, what=what, immediate_action=action, linked_risk=linked,
            happened_on=today - (i * 9 + 1) * DAY, happened_time=datetime.time(12, 30),
            place="Dining room" if i == 0 else "Front desk",
            others_involved="A visitor who gave his name as Pete" if i == 1 else "",
            reported_to_la=False))
    reviewed = services.incident_review(
        incident=made[1], by=manager, review_note="Spoke with the hostel; referral made to "
        "the local authority's adult safeguarding team.", follow_up="Keyworker to check in "
        "weekly.", reported_to_la=True, la_reported_on=today - 8 * DAY,
        la_reference=f"ASC-{site.code}-2231")
    services.incident_review(incident=made[2], by=manager,
                             review_note="Checked the account with him the next day; it fits.")
    services.incident_close(incident=made[2], by=manager, outcome="No further concern.")
    services.ban_record(client=clients[0], by=manager, kind=Ban.Kind.BAN,
                        reason="Threw a chair in the dining room.", starts_on=today - DAY,
                        review_on=today + 6 * DAY, incident=made[0])
    lifted = services.ban_record(client=clients[3] if len(clients) > 3 else clients[2],
                                 by=manager, kind=Ban.Kind.EXCLUSION,
                                 reason="Verbal abuse of staff at the door.",
                                 starts_on=today - 40 * DAY, review_on=today - 10 * DAY)
    services.ban_lift(ban=lifted, by=manager, reason="Apologised; agreed behaviour contract.")
    return reviewed


def _large_site(ctx, site):
    """About fifty incidents over a year and a ban for one client in fifty, in bulk."""
    rng, manager = ctx["rng"], large_site_manager(ctx, site)
    if Incident.objects.filter(site=site).exists():
        return
    today, now = timezone.localdate(), timezone.now()
    clients = list(Client.objects.open().filter(site=site, admitted_on__isnull=False)
                   .values_list("pk", flat=True).order_by("pk"))
    workers = dict(Allocation.objects.primary().filter(client__in=clients)
                   .values_list("client", "worker"))
    incidents, picked = [], []
    for week in range(52):
        kind, risk, what, action, linked = STORIES[week % len(STORIES)]
        client_id = rng.choice(clients)
        reviewed = week > 3
        closed = week > 10
        incidents.append(Incident(
            site=site, kind=kind, risk=risk, what=what, immediate_action=action,
            linked_risk=linked if not closed else "", happened_on=today - (week * 7 + 1) * DAY,
            place="Front desk", raised_by_id=workers.get(client_id, manager.pk), raised_at=now,
            reported_to_la=week % 5 == 1, la_reported_on=today - week * 7 * DAY
            if week % 5 == 1 else None, la_reference=f"ASC-{week:04d}" if week % 5 == 1 else "",
            reviewed_by=manager if reviewed else None, reviewed_at=now if reviewed else None,
            review_note="Reviewed with the keyworker." if reviewed else "",
            closed_by=manager if closed else None, closed_at=now if closed else None,
            outcome="Dealt with; no further concern." if closed else ""))
        picked.append(client_id)
    incidents = insert_with_history(incidents, Incident, user=manager)
    insert_with_history([Involvement(incident_id=incident.pk, client_id=client_id)
                         for incident, client_id in zip(incidents, picked, strict=True)],
                        Involvement, user=manager)
    bans = []
    for n, client_id in enumerate(clients[::50]):
        start = today - rng.randint(1, 120) * DAY
        bans.append(Ban(client_id=client_id, site=site, reason="Aggressive behaviour at the door.",
                        kind=Ban.Kind.BAN if n % 3 else Ban.Kind.EXCLUSION, starts_on=start,
                        ends_on=start + 28 * DAY if n % 2 else None,
                        review_on=start + 28 * DAY, decided_by=manager, created_at=now))
    insert_with_history(bans, Ban, user=manager)
