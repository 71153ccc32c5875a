"""The facts about groups that pages, the client file, the ladder and exports read."""

import datetime
from dataclasses import dataclass

from django.db.models import Count, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from activities.models import Activity, GroupAttendance, GroupSession, Membership
from clients.models import Client
from keywork.lib.cache import cached
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
    the register says they attended. Three queries whatever the number of clients (the
    memberships, their activities' sessions held, the attendances of those clients), and
    the days compared here: a session's day is its local (Europe/London) date,
    `dates.local_day`, worked out once a session. (Asking the database for each
    membership's sessions by local day converted every session's time once a membership
    and a session, in Python under SQLite: 130 ms for a group of 40.)"""
    now = now or timezone.now()
    # order_by(): the models' orderings join the clients (and sessions) to sort rows that
    # are only counted here.
    memberships = Membership.objects.filter(client_id__in=list(client_ids)).order_by()
    if activity_ids is not None:
        memberships = memberships.filter(activity_id__in=list(activity_ids))
    memberships = list(memberships.values_list("client_id", "activity_id", "joined_on",
                                               "left_on"))
    if not memberships:
        return {}
    held = {}  # activity id -> [(day, session id)], in order of day
    for pk, activity_id, starts_at in (
            GroupSession.objects
            .filter(activity_id__in={m[1] for m in memberships}, cancelled=False,
                    starts_at__lte=now)
            .order_by("starts_at").values_list("pk", "activity_id", "starts_at")):
        held.setdefault(activity_id, []).append((local_day(starts_at), pk))
    came = set(GroupAttendance.objects
               .filter(client_id__in={m[0] for m in memberships},
                       session_id__in=[pk for sessions in held.values() for _, pk in sessions],
                       status=GroupAttendance.Status.ATTENDED)
               .order_by().values_list("client_id", "session_id"))
    found = {}
    for client_id, activity_id, joined_on, left_on in memberships:
        last_day = left_on or datetime.date.max
        sessions = [pk for day, pk in held.get(activity_id, ()) if joined_on <= day <= last_day]
        counts = found.setdefault((client_id, activity_id), [0, 0])
        counts[0] += sum((client_id, pk) in came for pk in sessions)
        counts[1] += len(sessions)
    return {key: Rate(attended, held) for key, (attended, held) in found.items()}


def activities_of(site, *, archived=False):
    """A site's activities, with their number of current members and next session. Each
    figure a subquery of its own: joining members and sessions together counted every
    member once per session (thousands of rows for a year's groups)."""
    now = timezone.now()
    members = (Membership.objects.filter(activity_id=OuterRef("pk"), left_on__isnull=True)
               .order_by().values("activity_id").annotate(n=Count("pk")).values("n"))
    next_at = (GroupSession.objects
               .filter(activity_id=OuterRef("pk"), starts_at__gt=now, cancelled=False)
               .order_by("starts_at").values("starts_at")[:1])
    return (Activity.objects.filter(site=site, is_archived=archived)
            .select_related("facilitator")
            .annotate(members=Coalesce(Subquery(members), 0), next_at=Subquery(next_at)))


def joinable_clients(activity):
    """Clients of the activity's site who may join it or be added to a register: not
    ended. The field's queryset that checks the client chosen in the picker (never listed
    whole: a large site has thousands)."""
    return Client.objects.filter(site_id=activity.site_id).open()


def members_with_rates(activity):
    """The current members of an activity, each with `.rate` (a Rate) and their client's
    name, kept while the data stays the same (`keywork.lib.cache.cached`; at most a
    minute, for a session starting in the meantime): a group of 40 with a year of weekly
    registers took 5 ms of the page's budget of 15 to load and count. The same for every
    reader: the page is the site's staff's, and shows the list whole."""
    return cached(("activity-members", activity.pk), lambda: _members_with_rates(activity))


def _members_with_rates(activity):
    # Only the client's name is read (a group of 40 loaded every column for nothing).
    members = list(activity.memberships.current().select_related("client").only(
        "activity_id", "client_id", "joined_on", "left_on", "client__first_name",
        "client__preferred_name", "client__last_name"))
    found = rates([m.client_id for m in members], [activity.pk])
    for member in members:
        member.rate = found.get((member.client_id, activity.pk), NO_SESSIONS)
    return members


def upcoming_sessions(activity, *, now=None):
    now = now or timezone.now()
    return (activity.sessions.filter(starts_at__gt=now).select_related("facilitator")
            .order_by("starts_at", "pk"))


def past_sessions(activity, *, now=None):
    """Sessions already started, newest first, with how many attended. The count is a
    subquery for each session shown: joining the registers and grouping counted every line
    of every session held (a year of weekly sessions of 30) before the page took 20, and
    the paginator's count grouped them all again."""
    now = now or timezone.now()
    came = (GroupAttendance.objects
            .filter(session_id=OuterRef("pk"), status=GroupAttendance.Status.ATTENDED)
            .order_by().values("session_id").annotate(n=Count("pk")).values("n"))
    return (activity.sessions.filter(starts_at__lte=now).select_related("facilitator")
            .annotate(came=Coalesce(Subquery(came), 0))
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
