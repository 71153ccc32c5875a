"""Facts about safeguarding that more than one page shows."""

import datetime

from django.db.models import Count, F, Prefetch, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from keywork.lib import dates
from safeguarding.models import Ban, Incident, Involvement


def bans_in_force(client_ids, day):
    """{client id: [Ban]} for the bans keeping these clients out on `day`, newest first.

    One query whatever the number of clients; the door register warns with it at check-in
    and the client file shows it.
    """
    found = {}
    for ban in Ban.objects.in_force(day).filter(client_id__in=list(client_ids)).select_related(
            "decided_by").order_by("-starts_on", "-pk"):
        found.setdefault(ban.client_id, []).append(ban)
    return found


REVIEW_SOON_DAYS = 14


def incidents_seen_by(user):
    """The concerns and incidents `user` may read (safeguarding.access), open ones first,
    newest first, with their site, who raised them and the clients involved."""
    return (Incident.objects.for_user(user)
            .select_related("site", "raised_by")
            .prefetch_related(Prefetch("involved", Involvement.objects.select_related("client")
                                       .order_by("client__last_name", "client__first_name")))
            .order_by(F("closed_at").desc(nulls_first=True), "-happened_on", "-pk"))


def file_alerts(user, client, today=None):
    """What the client file shows of safeguarding, for `user`:
    - "incidents": the open records involving the client that the user may read;
    - "restricted": how many other open records involve them (the user reads only that
      one exists and to ask a manager);
    - "risks": [(incident id, the risk the team must know)] of every open record naming one,
      without the record's details (the team must know the risk, not the story);
    - "bans": the bans in force (bans_in_force).
    Four queries whatever the data."""
    today = today or timezone.localdate()
    involving = Incident.objects.open().filter(involved__client=client)
    risks = list(involving.exclude(linked_risk="").order_by("-happened_on", "-pk")
                 .values_list("pk", "linked_risk", "risk"))
    seen = list(involving.for_user(user).select_related("raised_by")
                .order_by("-happened_on", "-pk"))
    total = involving.count()
    seen_ids = {incident.pk for incident in seen}
    return {"incidents": seen, "restricted": total - len(seen),
            "risks": [{"pk": pk, "text": text, "risk": risk, "seen": pk in seen_ids}
                      for pk, text, risk in risks],
            "bans": bans_in_force([client.pk], today).get(client.pk, [])}


def site_bans(site, today=None):
    """A site's bans in three lists: "soon" (in force, review due within REVIEW_SOON_DAYS
    days or past), "in_force" (the rest in force), "ended" (lifted or past their end),
    each newest first; the list page and the bell read this."""
    today = today or timezone.localdate()
    bans = Ban.objects.filter(site=site).select_related("client", "decided_by", "lifted_by")
    in_force = list(bans.in_force(today))
    soon_by = today + datetime.timedelta(days=REVIEW_SOON_DAYS)
    return {
        "soon": [ban for ban in in_force if ban.review_on <= soon_by],
        "in_force": [ban for ban in in_force if ban.review_on > soon_by],
        "ended": bans.filter(Q(lifted_at__isnull=False) | Q(ends_on__lt=today)),
        "upcoming": bans.filter(starts_on__gt=today, lifted_at__isnull=True),
    }


def reviews_due(site_ids, today=None):
    """The bans in force at these sites whose review date has come: due for a manager."""
    today = today or timezone.localdate()
    return (Ban.objects.in_force(today).filter(site_id__in=list(site_ids), review_on__lte=today)
            .select_related("client").order_by("review_on", "pk"))


def counts(site_ids, start, end, today=None):
    """The safeguarding figures of the dashboard and the outcome report, for these sites:
    open records by risk level (now), records raised (written down in Keywork, whenever
    what they tell of happened) between `start` and `end` (local days, both included),
    those of them reported to the local authority, and bans in force (today). One query
    for the incidents, one for the bans."""
    today = today or timezone.localdate()
    site_ids = list(site_ids)
    incidents = Incident.objects.filter(site_id__in=site_ids)
    period = Q(raised_at__gte=dates.start_of_day(start),
               raised_at__lt=dates.start_of_day(end + datetime.timedelta(days=1)))
    figures = incidents.aggregate(
        open_high=Count("pk", filter=Q(closed_at__isnull=True, risk=Incident.Risk.HIGH)),
        open_medium=Count("pk", filter=Q(closed_at__isnull=True, risk=Incident.Risk.MEDIUM)),
        open_low=Count("pk", filter=Q(closed_at__isnull=True, risk=Incident.Risk.LOW)),
        raised=Count("pk", filter=period),
        reported=Count("pk", filter=period & Q(reported_to_la=True)),
    )
    figures["bans"] = Ban.objects.in_force(today).filter(site_id__in=site_ids).count()
    figures["open"] = figures["open_high"] + figures["open_medium"] + figures["open_low"]
    return figures


def count_rows(figures):
    """(label, value) of counts(), in the order every page shows them."""
    return [(_("Open records, high risk"), figures["open_high"]),
            (_("Open records, medium risk"), figures["open_medium"]),
            (_("Open records, low risk"), figures["open_low"]),
            (_("Concerns and incidents raised"), figures["raised"]),
            (_("Reported to the local authority"), figures["reported"]),
            (_("Bans and exclusions in force"), figures["bans"])]


def incidents_involving(client):
    """[(Incident, [the other clients involved])] for every concern or incident `client` was
    involved in, oldest first: what their subject access export holds, and whose names it
    must not disclose."""
    incidents = list(Incident.objects.filter(involved__client=client).order_by("pk"))
    others = {}
    for involvement in (Involvement.objects.filter(incident__in=incidents)
                        .exclude(client=client).select_related("client")):
        others.setdefault(involvement.incident_id, []).append(involvement.client)
    return [(incident, others.get(incident.pk, [])) for incident in incidents]
