"""The diary's facts that several pages, the dashboard and the reminders job show.

Each is computed here once, for many clients at a time in a fixed number of queries, and
every reader (the caseload columns, Today, the client file, the manager dashboard and its
lists, supervision agendas, `send_reminders`) calls it instead of asking the database the
same question its own way.
"""

import datetime
from dataclasses import dataclass

from django.db.models import Case, Count, Exists, F, Max, Min, OuterRef, Q, Subquery, When
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _lazy

from clients.models import Allocation, Client
from clients.selectors import in_current_stay
from diary.models import (
    ActionProgress,
    Contact,
    DiarySettings,
    KeyworkSession,
    StaffAbsence,
    not_yet_logged,
)
from keywork.lib import dates
from keywork.lib.rows import url_of
from keywork.lib.sites import sites_of
from plans import selectors as plans_selectors
from safeguarding import selectors as safeguarding_selectors
from staff.models import User, read_site_ids
from stages import selectors as stages_selectors

Session = KeyworkSession
FIRST_WEEK = datetime.timedelta(days=7)
# What counts towards a week's keywork: a session held, or one booked and not yet logged.
# A missed (did not attend) or cancelled session is keywork that did not happen.
COUNTED = (Session.Status.ATTENDED, Session.Status.BOOKED)


def last_held(client_ids):
    """{client id: start of the last attended session}."""
    rows = (Session.objects.counted()
            .filter(client__in=client_ids, status=Session.Status.ATTENDED)
            .values("client").annotate(last=Max("starts_at")))
    return {row["client"]: row["last"] for row in rows}


def next_booked(client_ids):
    """{client id: start of the next booked session still to come}, whoever holds it."""
    rows = (Session.objects.live()
            .filter(client__in=client_ids, status=Session.Status.BOOKED,
                    starts_at__gte=timezone.now())
            .values("client").annotate(next=Min("starts_at")))
    return {row["client"]: row["next"] for row in rows}


def next_booked_sessions(client_ids):
    """{client id: their next booked session (with its worker and site)}: the session
    behind next_booked's start, for pages that say where and with whom (as_told). Two
    queries."""
    starts = next_booked(client_ids)
    if not starts:
        return {}
    sessions = (Session.objects.live()
                .filter(client_id__in=list(starts), starts_at__in=set(starts.values()),
                        status=Session.Status.BOOKED)
                .select_related("worker", "site").order_by("starts_at", "pk"))
    found = {}
    for session in sessions:
        if session.starts_at == starts[session.client_id]:
            found.setdefault(session.client_id, session)
    return found


def sessions_to_log(client_ids):
    """{client id: [their booked sessions that have started, newest first]}: held (or
    not) and waiting for someone to log what happened, the client file's "Log session".
    One query."""
    found = {}
    sessions = (Session.objects.live()
                .filter(client__in=client_ids, status=Session.Status.BOOKED,
                        starts_at__lte=timezone.now())
                .order_by("-starts_at", "-pk"))
    for session in sessions:
        found.setdefault(session.client_id, []).append(session)
    return found


@dataclass(frozen=True)
class Expected:
    """How many keywork sessions a week a client is expected to have, and whether that is
    their site's number (`from_site`) or one set for them (ClientCadence)."""

    per_week: int
    from_site: bool


SITE_DEFAULT = DiarySettings._meta.get_field("sessions_per_week").default


def expected_per_week(client_ids):
    """{client id: Expected}: the client's own number where one is set, else their site's
    (DiarySettings.sessions_per_week, its default where the site saved none). The one home
    of a client's cadence, read by every "this week" figure. One query, whatever the number
    of clients."""
    rows = (Client.objects.filter(pk__in=list(client_ids))
            .values_list("pk", "cadence__sessions_per_week",
                         "site__diary_settings__sessions_per_week"))
    return {pk: Expected(own, False) if own else Expected(site or SITE_DEFAULT, True)
            for pk, own, site in rows}


@dataclass(frozen=True)
class Week:
    """One client's keywork this week (Monday to Sunday) against the site's cadence.

    `first_week_until`: the day the client's first week of keywork is over (their first
    keyworker's start + 7 days: a new keyworker takes over a client already due their
    sessions, so a transfer does not start it again); None when they have no keyworker
    now, so no one is late with them yet (they are on the unallocated list instead).
    """

    held: int
    booked: int
    expected: int
    first_week_until: datetime.date | None
    today: datetime.date
    # The expected number is the site's (not one set for the client): expected_per_week.
    from_site: bool = True

    @property
    def held_or_booked(self):
        return self.held + self.booked

    @property
    def in_first_week(self):
        return self.first_week_until is not None and self.today < self.first_week_until

    @property
    def is_short(self):
        """The "No session this week" flag (or "1 of 2" where a site expects more):
        fewer sessions held or booked than the site expects, once the client has had a
        keyworker for a full week."""
        return (self.first_week_until is not None and not self.in_first_week
                and self.held_or_booked < self.expected)


def _counts_this_week(client_ids, monday):
    rows = (Session.objects.counted().filter(client__in=client_ids, status__in=COUNTED)
            .between(*dates.week_bounds(monday))
            .values("client")
            .annotate(held=Count("pk", filter=Q(status=Session.Status.ATTENDED)),
                      booked=Count("pk", filter=Q(status=Session.Status.BOOKED))))
    return {row["client"]: (row["held"], row["booked"]) for row in rows}


def _weeks(rows, today):
    """{client id: Week} for rows of (client id, site id, current keyworker's start or
    None): two more queries, this week's sessions and each client's expected cadence
    (expected_per_week)."""
    ids = [client_id for client_id, _site, _start in rows]
    counts = _counts_this_week(ids, dates.week_start(today))
    expected = expected_per_week(ids) if ids else {}
    weeks = {}
    for client_id, _site_id, start in rows:
        held, booked = counts.get(client_id, (0, 0))
        weeks[client_id] = Week(held=held, booked=booked,
                                expected=expected[client_id].per_week,
                                from_site=expected[client_id].from_site,
                                first_week_until=start + FIRST_WEEK if start else None,
                                today=today)
    return weeks


def _keyworked_since(today):
    """Per client (an expression on a Client queryset): the day keywork began, the start
    of their first keyworker's allocation, while they have a keyworker on `today`; None
    otherwise. The one rule of when a client's first week of keywork ends. A returning
    client's keywork begins again with the first keyworker of their current stay."""
    has_keyworker = Allocation.objects.current(today).primary().filter(client=OuterRef("pk"))
    first = (in_current_stay(Allocation.objects.primary()
                             .filter(client=OuterRef("pk"), start__lte=today))
             .order_by("start").values("start")[:1])
    return Case(When(Exists(has_keyworker), then=Subquery(first)), default=None)


def sessions_this_week(clients, today=None):
    """{client id: Week} for each of `clients` (objects with `pk` and `site_id`).

    Three queries whatever the number of clients: when keywork began for each, this
    week's sessions counted per client, and each client's cadence (expected_per_week).
    """
    today = today or timezone.localdate()
    clients = list(clients)
    since = dict(Client.objects.filter(pk__in=[c.pk for c in clients])
                 .annotate(since=_keyworked_since(today)).values_list("pk", "since"))
    return _weeks([(c.pk, c.site_id, since.get(c.pk)) for c in clients], today)


def short_this_week(site_ids, today=None):
    """{client id, ...}: the open, admitted clients at these sites whose week is short
    (Week.is_short), for the dashboard's count and its list. Three queries."""
    today = today or timezone.localdate()
    rows = (Client.objects.open().filter(site_id__in=site_ids)
            .exclude(status=Client.Status.REFERRED)
            .annotate(since=_keyworked_since(today)).filter(since__isnull=False)
            .values_list("pk", "site", "since"))
    return {pk for pk, week in _weeks(list(rows), today).items() if week.is_short}


def _caseload(user, today):
    """The user's open, admitted caseload (keyworker, co-keyworker or cover), each with
    `keyworker_since` for their week. One query."""
    return list(Client.objects.for_user(user).open().exclude(status=Client.Status.REFERRED)
                .filter(pk__in=Allocation.objects.current(today).filter(worker=user)
                        .values("client"))
                .annotate(keyworker_since=_keyworked_since(today))
                .order_by("last_name", "first_name", "pk"))


def cover_changes(clients, today):
    """The cover allocations of `clients` that start (from today), or end, within a week
    (COVER_AHEAD), with the cover worker: what the people holding the caseload are told.
    One query."""
    ahead = today + COVER_AHEAD
    return list(Allocation.objects.filter(kind=Allocation.Kind.COVER, client__in=clients)
                .filter(Q(start__gte=today, start__lte=ahead)
                        | Q(end__gt=today, end__lte=ahead + datetime.timedelta(days=1)))
                .select_related("worker").order_by("start", "pk"))


def caseload_short_this_week(user, today=None):
    """[(client, Week)] of the user's caseload (keyworker, co-keyworker or cover) whose
    week is short, for Today: the same flag as the caseload's "This week" column. Three
    queries."""
    today = today or timezone.localdate()
    clients = _caseload(user, today)
    weeks = _weeks([(c.pk, c.site_id, c.keyworker_since) for c in clients], today)
    return [(client, weeks[client.pk]) for client in clients if weeks[client.pk].is_short]


# Keywork over a span (a supervision's "since last time") ----------------------------------


@dataclass(frozen=True)
class SessionTally:
    """One client's keywork sessions that started in a span, against the site's cadence.

    `expected`: the site's sessions per week over the whole weeks of the span the client
    was due keywork: from the later of the span's start and the end of their first week of
    keywork (as Week counts it: no one is short in the first week) to the span's end,
    rounded to the nearest whole session. `not_logged`: booked sessions that have started
    and were never logged.
    """

    held: int
    missed: int
    cancelled: int
    not_logged: int
    expected: int

    @property
    def is_short(self):
        return self.held < self.expected


def expected_in(per_week, first_day, last_day):
    """Sessions a cadence of `per_week` asks for from `first_day` to `last_day` (both in)."""
    days = (last_day - first_day).days + 1
    if days <= 0:
        return 0
    return int(per_week * days / 7 + 0.5)


def sessions_between(clients, start, end):
    """{client id: SessionTally} for `clients` (objects with `pk` and `site_id`), counting
    the live sessions that started from `start` (an instant) up to `end`. Three queries
    whatever the number of clients: when keywork began for each, the sessions counted per
    client and outcome, and each client's cadence (expected_per_week)."""
    clients = list(clients)
    ids = [c.pk for c in clients]
    first_day, last_day = dates.local_day(start), dates.local_day(end)
    first = (Allocation.objects.primary().filter(client=OuterRef("pk"), start__lte=last_day)
             .order_by("start").values("start")[:1])
    began = dict(Client.objects.filter(pk__in=ids).annotate(began=Subquery(first))
                 .values_list("pk", "began"))
    now = timezone.now()
    rows = (Session.objects.counted().filter(client__in=ids, starts_at__gte=start,
                                             starts_at__lt=end)
            .values("client")
            .annotate(held=Count("pk", filter=Q(status=Session.Status.ATTENDED)),
                      missed=Count("pk", filter=Q(status=Session.Status.DID_NOT_ATTEND)),
                      cancelled=Count("pk", filter=Q(status=Session.Status.CANCELLED)),
                      not_logged=Count("pk", filter=not_yet_logged(now))))
    counts = {row.pop("client"): row for row in rows}
    cadence = expected_per_week(ids) if ids else {}
    tallies = {}
    for client in clients:
        row = counts.get(client.pk, {})
        since = began.get(client.pk)
        expected = 0
        if since is not None:
            expected = expected_in(cadence[client.pk].per_week,
                                   max(first_day, since + FIRST_WEEK), last_day)
        tallies[client.pk] = SessionTally(
            held=row.get("held", 0), missed=row.get("missed", 0),
            cancelled=row.get("cancelled", 0), not_logged=row.get("not_logged", 0),
            expected=expected)
    return tallies


@dataclass(frozen=True)
class RiskNews:
    """The team risks a client's sessions raised in a span, and those dealt with in it."""

    raised: list
    dealt_with: list


def risks_between(client_ids, start, end):
    """{client id: RiskNews} for the clients with a risk raised (in a session that started
    in the span) or dealt with in the span; sessions oldest first. One query."""
    sessions = (Session.objects.live().exclude(risks="")
                .filter(Q(starts_at__gte=start, starts_at__lt=end)
                        | Q(risk_dealt_with_at__gte=start, risk_dealt_with_at__lt=end),
                        client__in=client_ids)
                .only("client_id", "starts_at", "risks", "risk_dealt_with_at")
                .order_by("starts_at", "pk"))
    found = {}
    for session in sessions:
        news = found.setdefault(session.client_id, RiskNews([], []))
        if start <= session.starts_at < end:
            news.raised.append(session)
        if session.risk_dealt_with_at and start <= session.risk_dealt_with_at < end:
            news.dealt_with.append(session)
    return found


# What is due for one person -----------------------------------------------------------------

# The kinds of Due, in the order Today lists them when their dates are the same.
DUE_KINDS = ("check_in", "client_note", "unlogged", "session", "cancelled", "review",
             "manager_review", "first_plan", "initial", "reassessment", "promotion", "consent",
             "late_approval", "sent_back", "ban_review", "cover", "short")
# Cover arranged for a client of the caseload is named from a week before it starts or ends.
COVER_AHEAD = datetime.timedelta(days=7)
# How long a session cancelled for the client's move or ending stays on its worker's Today.
CANCELLED_SHOWN_FOR = datetime.timedelta(days=7)


@dataclass(frozen=True)
class Due:
    """One thing due today (or soon) or overdue for one person: what Today lists and the
    bell counts.

    `kind`: one of DUE_KINDS. `on`: the day it is due. `overdue`: its day or time has
    passed. `url`: where it is done. `session`: the session, for the diary's kinds.
    `detail`: the fact it comes from (a PlanReview, a PlanStatus, a LadderPosition, a Week,
    a Contact recorded late).
    """

    kind: str
    client: Client
    on: datetime.date
    overdue: bool
    url: str
    session: KeyworkSession | None = None
    detail: object = None


def due_for(user, today=None):
    """Everything due for `user` today and everything overdue, most pressing first: each
    fact read from its one selector, when asked (never a list made in the morning).

    - sessions they hold: booked today still to come, and those started but not logged;
      those still to come that staff cancelled in the last week because the client moved
      to another site or their stay ended (its `cancel_reason` says which);
      their sessions out of the building or alone not yet checked in from;
    - their caseload (keyworker, co-keyworker or cover): plan reviews due or overdue
      (plans.selectors.reviews), first plans due or late (first_plans), initial
      assessments due or late (stages.selectors.initial_assessments), re-assessments due or
      overdue (stages.selectors.reassessments), cover starting or ending within a week
      (`cover_changes`), clients short of sessions this week
      (Week.is_short);
    - for a manager, at their sites: the 4-13 week manager reviews due or overdue
      (PlanStatus.manager_review), promotions to confirm (LadderPosition.promotion_due),
      anyone overdue to check in, and keywork recorded late awaiting their approval;
    - the sessions and contacts they recorded late that a manager sent back (late_records).
    - consents to share of their caseload that expire within two weeks, or expired while a
      referral still relies on them (plans.selectors.consents_due);
    - what higher apps add for their caseload (diary.hooks.due_sources: the notes a
      client sent from their own page, and for a manager those of the clients at their
      sites with no keyworker, one query).

    A fixed number of queries whatever the caseload: twelve (and one a registered source),
    and at most nine more for a
    manager (four while no promotion is due).
    The reminders e-mail (supervision.reminders) sends this list, in the same words
    (templates/diary/includes/due_title.txt).
    """
    if not (user.is_keyworker or user.is_manager):
        return []
    # Imported here: diary.hooks reads diary.selectors (as_told) as it loads.
    from diary import hooks

    today = today or timezone.localdate()
    clients = _caseload(user, today)
    items = (_session_items(user, today) + _caseload_items(user, today, clients)
             + _late_items(user))
    for source in hooks.due_sources:
        items += source(user, today, clients)
    if user.is_manager:
        items += _manager_items(user, today)
    return sorted(items, key=lambda item: (not item.overdue, item.on,
                                           DUE_KINDS.index(item.kind), item.client.last_name,
                                           item.client.first_name, item.client.pk))


def _session_items(user, today):
    now = timezone.now()
    _start, end = dates.day_bounds(today)
    items = []
    # In the same query: the sessions still to come that staff cancelled lately because
    # the client moved away or their stay ended.
    # Not those they cancelled themselves (a series cancelled from one session on).
    cancelled = (Q(status=Session.Status.CANCELLED, starts_at__gte=now,
                   logged_at__gte=now - CANCELLED_SHOWN_FOR) & ~Q(cancel_reason="")
                 & ~Q(logged_by=user))
    for session in (Session.objects.live()
                    .filter(Q(status=Session.Status.BOOKED, starts_at__lt=end) | cancelled,
                            worker=user)
                    .select_related("client").order_by("starts_at")):
        day = dates.local_day(session.starts_at)
        if session.status == Session.Status.CANCELLED:
            # The client may be out of the worker's sight now (moved away): the week, not
            # the session's page.
            items.append(Due("cancelled", session.client, day, False,
                             f"{reverse('diary:week')}?week={dates.week_start(day).isoformat()}",
                             session))
            continue
        started = session.starts_at <= now
        items.append(Due(
            "unlogged" if started else "session", session.client, day, started,
            reverse("diary:log", args=[session.pk]) if started else session.get_absolute_url(),
            session))
    out = Q(worker=user)
    if user.is_manager:
        out |= Q(site__in=sites_of(user), expected_back_at__lt=now)
    for session in (Session.objects.awaiting_check_in(now).filter(out)
                    .select_related("client", "worker").order_by("expected_back_at")):
        back = session.expected_back_at or session.starts_at
        items.append(Due("check_in", session.client, dates.local_day(back), back < now,
                         session.get_absolute_url(), session))
    return items


def _caseload_items(user, today, clients):
    if not clients:
        return []
    by_pk = {client.pk: client for client in clients}
    items = []
    for pk, review in plans_selectors.reviews(clients, today).items():
        if review.state:
            items.append(Due("review", by_pk[pk], review.on, review.overdue,
                             reverse("plans:review", args=[review.plan.pk]), detail=review))
    for pk, state in plans_selectors.first_plans(clients, today).items():
        client = by_pk[pk]
        items.append(Due("first_plan", client,
                         plans_selectors.first_plan_due_on(client.admitted_on),
                         state == "late", reverse("plans:client", args=[pk]), detail=state))
    for pk, state in stages_selectors.initial_assessments(clients, today).items():
        if state in ("due", "late"):
            client = by_pk[pk]
            items.append(Due("initial", client,
                             stages_selectors.initial_assessment_due_on(client.admitted_on),
                             state == "late",
                             reverse("stages:assessment_create", args=[pk]), detail=state))
    for pk, found in stages_selectors.reassessments(clients, today).items():
        if found.state:
            items.append(Due("reassessment", by_pk[pk], found.on, found.overdue,
                             reverse("stages:assessment_create", args=[pk]), detail=found))
    for cover in cover_changes(clients, today):
        starting = cover.start >= today
        items.append(Due("cover", by_pk[cover.client_id], cover.start if starting
                         else cover.last_day, False,
                         reverse("clients:detail", args=[cover.client_id]), detail=cover))
    for pk, found in plans_selectors.consents_due(clients, today).items():
        items += [Due("consent", by_pk[pk], due.consent.expires_on, due.expired,
                      reverse("plans:consents", args=[pk]), detail=due.consent)
                  for due in found]
    weeks = _weeks([(c.pk, c.site_id, c.keyworker_since) for c in clients], today)
    sunday = dates.week_start(today) + datetime.timedelta(days=6)
    book = reverse("diary:book")
    for client in clients:
        if weeks[client.pk].is_short:
            items.append(Due("short", client, sunday, False, f"{book}?client={client.pk}",
                             detail=weeks[client.pk]))
    return items


def _manager_items(user, today):
    """What a manager does at their sites (the dashboard's figures of the same names):
    the manager's plan reviews, the promotions to confirm and the bans due for review.
    Each is picked out in the database, so the work grows with what is due, not with the
    thousands of clients of a large site (Today works this out after every change)."""
    site_ids = list(sites_of(user).values_list("pk", flat=True))
    at_sites = Client.objects.open().filter(site__in=site_ids)
    # A large site has over a thousand reviews due: each link is made from one reverse().
    review_url, plan_url = url_of("plans:manager_review"), url_of("plans:client")
    items = [Due("manager_review", client, status.manager_window[1],
                 status.manager_review == "overdue",
                 review_url(status.current_pk) if status.current_pk else plan_url(client.pk),
                 detail=status)
             for client, status in plans_selectors.manager_reviews(at_sites, today)]
    positions = stages_selectors.promotions(at_sites)
    clients = Client.objects.in_bulk(list(positions)) if positions else {}
    items += [Due("promotion", clients[pk], today, False,
                  reverse("stages:ladder", args=[pk]), detail=position)
              for pk, position in positions.items()]
    items += [Due("ban_review", ban.client, ban.review_on, ban.review_on < today,
                  reverse("safeguarding:ban_review", args=[ban.pk]), detail=ban)
              for ban in safeguarding_selectors.reviews_due(site_ids, today)]
    return items


def late_records(user):
    """The sessions and contacts recorded late that wait for `user`: those a manager of
    the site must approve (for a manager), and those a manager sent back to their author.
    Oldest recorded first. Two queries, whatever their number: what Today and the bell read.
    """
    Approval = Session.Approval
    mine = Q(approval=Approval.SENT_BACK)
    to_approve = Q(approval=Approval.AWAITING,
                   site__in=sites_of(user).values("pk"))
    of_sessions, of_contacts = mine & Q(logged_by=user), mine & Q(by=user)
    if user.is_manager:
        of_sessions, of_contacts = of_sessions | to_approve, of_contacts | to_approve
    sessions = Session.objects.live().filter(of_sessions)
    contacts = Contact.objects.filter(of_contacts, struck_at__isnull=True)
    return (list(sessions.select_related("client", "logged_by").order_by("logged_at", "pk")),
            list(contacts.select_related("client", "by").order_by("created_at", "pk")))


def _late_items(user):
    """Due items of late_records: approve (a manager) or put right (sent back)."""
    sessions, contacts = late_records(user)
    items = []
    for session in sessions:
        if session.is_sent_back:
            items.append(Due("sent_back", session.client, dates.local_day(session.logged_at),
                             False, session.get_absolute_url(), session))
        else:
            items.append(Due("late_approval", session.client,
                             dates.local_day(session.logged_at), False,
                             reverse("diary:session_approval", args=[session.pk]), session))
    for contact in contacts:
        if contact.is_sent_back:
            items.append(Due("sent_back", contact.client, dates.local_day(contact.created_at),
                             False, contact.client.get_absolute_url(), detail=contact))
        else:
            items.append(Due("late_approval", contact.client,
                             dates.local_day(contact.created_at), False,
                             reverse("diary:contact_approval", args=[contact.pk]),
                             detail=contact))
    return items


# Who is away (staff absence) ----------------------------------------------------------------


@dataclass(frozen=True)
class Away:
    """One absence and what it means for the absent worker's clients: `clients`, those
    they are keyworker of during it (at the sites asked about), and `covers`, the cover
    allocations of those clients that take in any of its days (worker and client loaded).
    """

    absence: object
    clients: tuple
    covers: tuple

    @property
    def worker(self):
        return self.absence.worker

    def away_on(self, day):
        return self.absence.takes_in(day)

    @property
    def away_today(self):
        return self.away_on(timezone.localdate())

    def covers_of(self, client_id):
        return [cover for cover in self.covers if cover.client_id == client_id]

    @property
    def cover_workers(self):
        """[(worker, number of clients they cover)], most first, then by name."""
        counts = {}
        for cover in self.covers:
            worker, clients = counts.setdefault(cover.worker_id, (cover.worker, set()))
            clients.add(cover.client_id)
        return sorted(((worker, len(clients)) for worker, clients in counts.values()),
                      key=lambda pair: (-pair[1], pair[0].first_name, pair[0].last_name))

    def uncovered_days(self, client_id, today=None):
        """The days of the absence still to come (from `today`) on which no cover of this
        client takes them in: a client covered for part of the absence is not covered."""
        return _days_without(self.absence, self.covers_of(client_id), today)

    @property
    def uncovered(self):
        """The clients left without cover on some day of the absence still to come."""
        today = timezone.localdate()
        return [client for client in self.clients if self.uncovered_days(client.pk, today)]


def _days_without(absence, covers, today=None):
    day = max(absence.first_day, today or timezone.localdate())
    days = []
    while day <= absence.last_day:
        if not any(cover.start <= day < cover.end for cover in covers):
            days.append(day)
        day += datetime.timedelta(days=1)
    return tuple(days)


def away(site_ids, first_day, last_day, *, client_ids=None):
    """[Away] for everyone who works at these sites and is away (an absence not
    cancelled) on any day from `first_day` to `last_day`, soonest first: the dashboard's
    "who is away", the client file's "keyworker away" (with `client_ids`, only absences of
    those clients' keyworkers) and the arrange-cover page read it. Three queries at most:
    the absences, the keyworker allocations of the absent workers over those days (open
    clients at these sites), and those clients' cover over the same days."""
    absences = list(StaffAbsence.objects.live().overlapping(first_day, last_day)
                    .at_sites(site_ids).select_related("worker")
                    .order_by("first_day", "worker__first_name", "worker__last_name", "pk"))
    return _away(absences, site_ids, first_day, last_day, client_ids=client_ids)


def _away(absences, site_ids, first_day, last_day, *, client_ids=None):
    if not absences:
        return []
    # The open clients at these sites by the join to the client (as caseload_sizes), not
    # `client__in` a subquery: SQLite listed every open client of the site (1,800) to find
    # the absent workers' 30, 3 ms of the dashboard's 15.
    allocations = (Allocation.objects.primary()
                   .filter(worker__in={a.worker_id for a in absences}, start__lte=last_day,
                           client__site_id__in=site_ids)
                   .exclude(client__status__in=Client.ENDED)
                   .filter(Q(end__isnull=True) | Q(end__gt=first_day))
                   .select_related("client").order_by("client__last_name",
                                                      "client__first_name", "client__pk"))
    if client_ids is not None:
        allocations = allocations.filter(client__in=client_ids)
    allocations = list(allocations)
    covers = list(Allocation.objects.filter(
        kind=Allocation.Kind.COVER, client__in={a.client_id for a in allocations},
        start__lte=last_day, end__gt=first_day,
    ).select_related("worker", "client").order_by("start", "pk")) if allocations else []
    found = []
    for absence in absences:
        after = absence.last_day + datetime.timedelta(days=1)
        clients = {a.client_id: a.client for a in allocations
                   if a.worker_id == absence.worker_id and a.start <= absence.last_day
                   and (a.end is None or a.end > absence.first_day)}
        if client_ids is not None and not clients:
            continue
        found.append(Away(
            absence=absence, clients=tuple(clients.values()),
            covers=tuple(c for c in covers if c.client_id in clients
                         and c.start < after and c.end > absence.first_day)))
    return found


def keyworker_away(client, today=None):
    """The client file's "keyworker away until …, cover: …": (Away, [cover allocations of
    this client]) when the client's keyworker is away today, else None. Read from `away`."""
    today = today or timezone.localdate()
    for found in away([client.site_id], today, today, client_ids=[client.pk]):
        return found, [c for c in found.covers_of(client.pk) if c.start <= today < c.end]
    return None


@dataclass(frozen=True)
class PlannedSession:
    """One booked session of the absent worker during the absence, and what the cover
    action does with it: it moves to `cover`'s worker (cover already arranged for its day),
    to the cover chosen on the page (`moves_to_chosen`), or it stays, `stays` saying why."""

    session: Session
    cover: object = None
    stays: str = ""

    @property
    def moves_to_chosen(self):
        return self.cover is None and not self.stays


@dataclass(frozen=True)
class CoverRow:
    """One client on the arrange-cover page: `kind` is the absent worker's part for them
    (Allocation.Kind; "" for none in those days), `sessions` [PlannedSession], `covers`
    the client's cover taking in any day of the absence, `uncovered_days` the days still to
    come with none (only a keyworker's clients are offered cover for them)."""

    client: Client
    kind: str
    sessions: tuple
    covers: tuple = ()
    uncovered_days: tuple = ()

    @property
    def needs_cover(self):
        return self.kind == Allocation.Kind.PRIMARY and bool(self.uncovered_days)

    @property
    def to_existing_cover(self):
        return [planned for planned in self.sessions if planned.cover is not None]


@dataclass(frozen=True)
class CoverPlan:
    """The arrange-cover page: `rows` the absent worker's clients (keyworker), `others` the
    clients they hold sessions with as co-keyworker, cover or nothing in those days (the
    sessions stay, listed with why), `elsewhere` how many of their sessions then are with
    clients at sites not asked about (their managers arrange those)."""

    rows: tuple
    others: tuple = ()
    elsewhere: int = 0

    @property
    def moves_to_existing_cover(self):
        return any(row.to_existing_cover for row in self.rows)


STAYS = {
    Allocation.Kind.CO: _lazy("Stays: the absent worker is this client's co-keyworker, and "
                              "cover is arranged for a keyworker's clients. Move or cancel "
                              "it in the diary."),
    Allocation.Kind.COVER: _lazy("Stays: the absent worker is covering this client for "
                                 "their keyworker. Move or cancel it in the diary."),
    "": _lazy("Stays: the absent worker is not this client's keyworker in those days. Move "
              "or cancel it in the diary."),
}


def cover_plan(absence, site_ids, now=None):
    """CoverPlan for the arrange-cover page: each client the absent worker is keyworker
    of during the absence at these sites (`away`), every booked session of the worker still
    to come in those days (`sessions_during`), each saying whether it moves to cover already
    arranged for its day, to the cover chosen, or stays and why; the days still without
    cover. Four queries at most."""
    today = timezone.localdate(now) if now else timezone.localdate()
    found = _away([absence], site_ids, absence.first_day, absence.last_day)
    clients = found[0].clients if found else ()
    keyworker_of = {client.pk for client in clients}
    sessions, others, elsewhere = {}, {}, 0
    for session in sessions_during(absence, now).select_related("client"):
        if session.client.site_id not in site_ids:
            elsewhere += 1
            continue
        group = sessions if session.client_id in keyworker_of else others
        group.setdefault(session.client_id, []).append(session)
    rows = []
    for client in clients:
        covers = tuple(found[0].covers_of(client.pk))
        planned = []
        for session in sessions.get(client.pk, ()):
            day = dates.local_day(session.starts_at)
            cover = next((c for c in covers if c.start <= day < c.end), None)
            planned.append(PlannedSession(session, cover=cover))
        rows.append(CoverRow(client=client, kind=Allocation.Kind.PRIMARY,
                             sessions=tuple(planned), covers=covers,
                             uncovered_days=_days_without(absence, covers, today)))
    kinds = {}
    if others:
        for allocation in (Allocation.objects
                           .filter(worker=absence.worker_id, client__in=list(others),
                                   start__lte=absence.last_day)
                           .filter(Q(end__isnull=True) | Q(end__gt=absence.first_day))
                           .exclude(kind=Allocation.Kind.PRIMARY).order_by("kind")):
            kinds.setdefault(allocation.client_id, allocation.kind)
    other_rows = [CoverRow(client=held[0].client, kind=kinds.get(pk, ""),
                           sessions=tuple(PlannedSession(s, stays=STAYS[kinds.get(pk, "")])
                                          for s in held))
                  for pk, held in others.items()]
    other_rows.sort(key=lambda row: (row.client.last_name, row.client.first_name,
                                     row.client.pk))
    return CoverPlan(rows=tuple(rows), others=tuple(other_rows), elsewhere=elsewhere)


def cover_candidates(absence, site_ids):
    """Who may cover the absent worker's clients at these sites: the active keyworkers
    there but the absent worker, by name, each with the sites they work at (a client's
    choices are those at the client's site). Two queries. Without their password hashes:
    the cover page keeps its candidates in the shared cache."""
    return read_site_ids(User.objects.filter(sites__in=site_ids, is_active=True,
                                             role=User.Role.KEYWORKER)
                         .exclude(pk=absence.worker_id).distinct().defer("password")
                         .order_by("first_name", "last_name"))


def absences_to_come(user, today=None):
    """The user's own absences not cancelled and not over, soonest first (their Today).
    One query."""
    today = today or timezone.localdate()
    return list(StaffAbsence.objects.live().filter(worker=user, last_day__gte=today)
                .order_by("first_day", "pk"))


def sessions_during(absence, now=None):
    """The absent worker's booked sessions still to come during the absence: what cover
    takes over (services.absence_cover_arrange moves them; the cover page lists them).
    Sessions already held or logged, struck through, or held by someone else are not in
    it."""
    since = max(now or timezone.now(), absence.starts_at)
    return (Session.objects.live()
            .filter(worker=absence.worker_id, status=Session.Status.BOOKED,
                    starts_at__gte=since, starts_at__lt=absence.ends_at)
            .order_by("starts_at", "pk"))
# Sessions that work the plan ------------------------------------------------------------------


def sessions_on_actions(client_id, keys):
    """{action key: [ActionProgress]}: the sessions that worked on a client's plan actions
    (by key, so every version of an action), oldest first, with the session and its
    worker; not those struck through as entered in error (what they set on the action was
    taken back). The plan page reads it through plans.hooks.action_sessions. One query."""
    found = {}
    for row in (ActionProgress.objects
                .filter(action__key__in=keys, action__goal__plan__client_id=client_id,
                        session__client_id=client_id, session__struck_at__isnull=True)
                .select_related("session__worker").annotate(key=F("action__key"))
                .order_by("session__starts_at", "pk")):
        found.setdefault(str(row.key), []).append(row)
    return found


# The site's day (diary:site_week) ------------------------------------------------------------

# What a duty manager filters the day's sessions by: (value, label, the sessions' filter).
DAY_FILTERS = {
    "to_log": (_lazy("Not yet logged"), not_yet_logged),
    "booked": (_lazy("Booked"), lambda now: Q(status=Session.Status.BOOKED)),
    "attended": (_lazy("Held"), lambda now: Q(status=Session.Status.ATTENDED)),
    "dna": (_lazy("Did not attend"), lambda now: Q(status=Session.Status.DID_NOT_ATTEND)),
    "cancelled": (_lazy("Cancelled"), lambda now: Q(status=Session.Status.CANCELLED)),
}


def sessions_seen(user, *, worker=None, site=None):
    """The sessions `user` may see (KeyworkSession.objects.for_user) of one worker or at
    one site: what a worker's week and the site's day are drawn from."""
    sessions = Session.objects.for_user(user)
    if worker is not None:
        sessions = sessions.filter(worker=worker)
    if site is not None:
        sessions = sessions.filter(site=site)
    return sessions


def day_sessions(sessions, day, *, worker=None, status=""):
    """The live sessions of `sessions` on `day`, of one worker and of one status of
    DAY_FILTERS when given, in the order the site's day lists them."""
    listed = sessions.live().between(*dates.day_bounds(day))
    if worker:
        listed = listed.filter(worker=worker)
    if status:
        listed = listed.filter(DAY_FILTERS[status][1](timezone.now()))
    return (listed.select_related("client", "worker")
            .order_by("starts_at", "worker__first_name", "pk"))


def week_day_counts(sessions, monday):
    """[(day, live sessions that day)] for the seven days from `monday`, in one query (each
    day's bounds from dates.day_bounds, so the days the clocks change count right)."""
    days = [monday + datetime.timedelta(days=n) for n in range(7)]
    counts = sessions.live().between(*dates.week_bounds(monday)).aggregate(**{
        f"d{n}": Count("pk", filter=Q(starts_at__gte=dates.day_bounds(day)[0],
                                      starts_at__lt=dates.day_bounds(day)[1]))
        for n, day in enumerate(days)})
    return [(day, counts[f"d{n}"]) for n, day in enumerate(days)]


@dataclass
class WorkerDay:
    """One keyworker's day at a site: how many sessions, held, still to log, first start."""

    worker: object
    total: int
    held: int
    to_log: int
    missed: int
    first: datetime.datetime
    last: datetime.datetime


def worker_days(sessions, day, now=None):
    """A WorkerDay per worker with a live session on `day`, by first name: two queries."""
    now = now or timezone.now()
    rows = (sessions.live().between(*dates.day_bounds(day)).order_by().values("worker")
            .annotate(total=Count("pk"),
                      held=Count("pk", filter=Q(status=Session.Status.ATTENDED)),
                      to_log=Count("pk", filter=DAY_FILTERS["to_log"][1](now)),
                      missed=Count("pk", filter=Q(status__in=[
                          Session.Status.DID_NOT_ATTEND, Session.Status.CANCELLED])),
                      first=Min("starts_at"), last=Max("starts_at")))
    rows = list(rows)
    # Only what the page shows: the rows are kept in the cache, and a password hash
    # has no business there.
    workers = User.objects.only("pk", "first_name", "last_name", "username").in_bulk(
        [row["worker"] for row in rows])
    days = [WorkerDay(worker=workers[row.pop("worker")], **row) for row in rows]
    return sorted(days, key=lambda d: (d.worker.first_name, d.worker.last_name, d.worker.pk))


# Calendars (diary.calendars) ----------------------------------------------------------------

# A worker's feed: a month back (what was held, for reference) and about six months ahead.
FEED_DAYS_BACK, FEED_DAYS_AHEAD = 30, 183
# Who keeps a diary, so who may have a feed: keyworkers and managers.
FEED_ROLES = (User.Role.KEYWORKER, User.Role.MANAGER)


def _for_calendar(sessions):
    """Sessions with what a calendar entry shows and nothing else of the record: the
    client's names and reference, the site's name, the worker's first name, and from the
    history the number of changes (SEQUENCE) and the last one (LAST-MODIFIED), in the same
    one query."""
    history = Session.history.model.objects.filter(id=OuterRef("pk")).order_by()
    return (sessions.select_related("client", "site", "worker")
            .only("pk", "starts_at", "ends_at", "status", "struck_at", "place", "where",
                  "booked_at", "client__first_name", "client__last_name",
                  "client__reference", "site__name", "worker__first_name")
            .annotate(changes=Subquery(history.values("id").annotate(n=Count("*"))
                                       .values("n")[:1]),
                      last_modified=Subquery(history.order_by("-history_date")
                                             .values("history_date")[:1])))


def feed_sessions(user, now=None):
    """The sessions in `user`'s calendar feed, in one query: those they hold, from
    FEED_DAYS_BACK days ago to FEED_DAYS_AHEAD days ahead, booked, held, missed or
    cancelled (a cancelled or struck one stays, marked cancelled, so that calendars take
    it off), of clients they may still see. A session that moves to another worker (the
    client's new keyworker, cover) leaves this feed and joins theirs."""
    now = now or timezone.now()
    sessions = Session.objects.filter(
        worker=user, starts_at__gte=now - datetime.timedelta(days=FEED_DAYS_BACK),
        starts_at__lt=now + datetime.timedelta(days=FEED_DAYS_AHEAD),
        client__in=Client.objects.for_user(user))
    return list(_for_calendar(sessions).order_by("starts_at", "pk"))


def calendar_session(pk):
    """One session as its client's calendar file shows it (diary.calendars.one_session),
    or None."""
    return _for_calendar(Session.objects.filter(pk=pk)).first()


# What a client is told of a session ---------------------------------------------------------


@dataclass(frozen=True)
class AsTold:
    """A session as its client is told of it (a reminder, a notice that it moved, its
    calendar file): when, with whom (the worker's first name) and where (the address of an
    external appointment, else the site). Two sessions told alike compare equal, so a
    change the client need not hear of (lone working, its length, a check-in) is none."""

    starts_at: datetime.datetime
    worker: str
    place: str


def as_told(session):
    """How the client of `session` is told of it: the one rule every message and the
    client's calendar file read."""
    worker = session.worker
    name = (worker.first_name.strip() if worker is not None else "") or str(
        _lazy("your keyworker"))
    if session.place == Session.Place.EXTERNAL and session.where.strip():
        place = session.where.strip()
    else:
        place = session.site.name
    return AsTold(starts_at=session.starts_at, worker=name, place=place)
