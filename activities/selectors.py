"""The facts about groups that pages, the client file, the ladder and exports read."""

import datetime
from dataclasses import dataclass

from django.db.models import Count, DateField, Min, OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce, TruncDate
from django.utils import timezone

from activities.models import Activity, GroupAttendance, GroupSession, Membership
from keywork.lib.dates import local_day


@dataclass(frozen=True)
class Rate:
    """A client's attendance at one activity: sessions attended of those held while they
    were a member."""

    attended: int
    held: int

    @property
    def percent(self):
        """Whole percent, rounded down (so 49.9 % never reads as 50 %); None before any
        session was held."""
        return self.attended * 100 // self.held if self.held else None

    def meets(self, required, *, at_least=1):
        """At least `required` percent attended, of at least `at_least` sessions held (and
        never of none)."""
        return (self.held >= max(at_least, 1)
                and self.attended * 100 >= required * self.held)


NO_SESSIONS = Rate(0, 0)


def rates(client_ids, activity_ids=None, *, now=None):
    """{(client id, activity id): Rate} for every membership of `client_ids` (in
    `activity_ids` when given). The one rule of an attendance rate: sessions held (not
    cancelled, started by `now`) on a day the client was a member, and of those the ones
    the register says they attended. One query whatever the number of clients: each
    membership counts its sessions and its attendances in two subqueries (a join of
    memberships, sessions and registers took half a second for a year's group)."""
    now = now or timezone.now()
    zone = timezone.get_current_timezone()
    memberships = Membership.objects.filter(client_id__in=list(client_ids))
    if activity_ids is not None:
        memberships = memberships.filter(activity_id__in=list(activity_ids))
    # The day a session was held is its local (Europe/London) date, as dates.local_day;
    # it counts from the day the client joined to the day they left (or today).
    last_day = Coalesce(OuterRef("left_on"), Value(datetime.date.max),
                        output_field=DateField())
    held = (GroupSession.objects
            .filter(activity_id=OuterRef("activity_id"), cancelled=False, starts_at__lte=now)
            .alias(day=TruncDate("starts_at", tzinfo=zone))
            .filter(day__gte=OuterRef("joined_on"), day__lte=last_day)
            .order_by().values("activity_id").annotate(n=Count("pk")).values("n"))
    attended = (GroupAttendance.objects
                .filter(client_id=OuterRef("client_id"),
                        session__activity_id=OuterRef("activity_id"),
                        status=GroupAttendance.Status.ATTENDED, session__cancelled=False,
                        session__starts_at__lte=now)
                .alias(day=TruncDate("session__starts_at", tzinfo=zone))
                .filter(day__gte=OuterRef("joined_on"), day__lte=last_day)
                .order_by().values("client_id")
                .annotate(n=Count("session_id", distinct=True)).values("n"))
    found = {}
    for row in (memberships.annotate(held=Coalesce(Subquery(held), 0),
                                     attended=Coalesce(Subquery(attended), 0))
                .values("client_id", "activity_id", "held", "attended")):
        counts = found.setdefault((row["client_id"], row["activity_id"]), [0, 0])
        counts[0] += row["attended"]
        counts[1] += row["held"]
    return {key: Rate(attended, held) for key, (attended, held) in found.items()}


def activities_of(site, *, archived=False):
    """A site's activities, with their number of current members and next session."""
    now = timezone.now()
    return (Activity.objects.filter(site=site, is_archived=archived)
            .select_related("facilitator")
            .annotate(members=Count("memberships", distinct=True,
                                    filter=Q(memberships__left_on__isnull=True)),
                      next_at=Min("sessions__starts_at",
                                  filter=Q(sessions__starts_at__gt=now,
                                           sessions__cancelled=False))))


def members_with_rates(activity):
    """The current members of an activity, each with `.rate` (a Rate)."""
    members = list(activity.memberships.current().select_related("client"))
    found = rates([m.client_id for m in members], [activity.pk])
    for member in members:
        member.rate = found.get((member.client_id, activity.pk), NO_SESSIONS)
    return members


def upcoming_sessions(activity, *, now=None):
    now = now or timezone.now()
    return (activity.sessions.filter(starts_at__gt=now).select_related("facilitator")
            .order_by("starts_at", "pk"))


def past_sessions(activity, *, now=None):
    """Sessions already started, newest first, with how many attended."""
    now = now or timezone.now()
    return (activity.sessions.filter(starts_at__lte=now).select_related("facilitator")
            .annotate(came=Count("register", filter=Q(
                register__status=GroupAttendance.Status.ATTENDED)))
            .order_by("-starts_at", "-pk"))


def register_lines(session):
    """The register of a session: one line per current member on the session's day and per
    client already marked, each (client, status or "")."""
    day = local_day(session.starts_at)
    marked = {line.client_id: line for line in session.register.select_related("client")}
    members = (session.activity.memberships
               .filter(Q(left_on__isnull=True) | Q(left_on__gte=day), joined_on__lte=day)
               .select_related("client"))
    lines = {m.client_id: (m.client, "") for m in members}
    for client_id, line in marked.items():
        lines[client_id] = (line.client, line.status)
    return sorted(lines.values(), key=lambda pair: (pair[0].last_name, pair[0].first_name,
                                                   pair[0].pk))


def capacity_of(session):
    """The capacity that applies to a session: its own, else its activity's (None: none)."""
    return session.capacity or session.activity.capacity


def groups_of(client):
    """A client's activities (the latest membership of each, current first), each with
    `.rate`."""
    latest = {}
    for membership in (client.activity_memberships.select_related("activity")
                       .order_by("activity__name", "-joined_on")):
        latest.setdefault(membership.activity_id, membership)  # the latest time they joined
    memberships = sorted(latest.values(), key=lambda m: (m.left_on is not None,
                                                         m.activity.name))
    found = rates([client.pk], {m.activity_id for m in memberships}) if memberships else {}
    for membership in memberships:
        membership.rate = found.get((client.pk, membership.activity_id), NO_SESSIONS)
    return memberships


def rate_text(rate, activity_name):
    """How the register's figures read wherever they are shown (the ladder, evidence)."""
    from django.utils.translation import gettext as _

    if not rate.held:
        return _("no %(activity)s sessions held yet") % {"activity": activity_name}
    return _("attended %(attended)s of %(held)s %(activity)s sessions, %(percent)s%%") % {
        "attended": rate.attended, "held": rate.held, "activity": activity_name,
        "percent": rate.percent}
