"""The plan facts that more than one page shows, each worked out once.

The plan's review date and whether it is due or overdue, the first plan due within the
first week of admission, the manager's 4-13 week review, and what the client still has to
do: the caseload, the client file, the plan pages, the "My keywork" sheet, the manager's
list, the dashboard, supervision agendas and the reminders all read these, never a copy
of their rules. The batch functions take many clients at once (a queryset, Client rows or
ids) and run a fixed number of queries whatever their number.
"""

import datetime
from collections import defaultdict
from dataclasses import dataclass

from django.db.models import Case, Exists, Max, OuterRef, Q, Subquery, When
from django.utils import timezone
from django.utils.translation import gettext

from clients.models import Allocation, Client
from clients.selectors import in_current_stay
from keywork.lib.cache import cached
from keywork.lib.dates import local_day
from plans.models import (
    MANAGER_REVIEW_FROM,
    MANAGER_REVIEW_UNTIL,
    Action,
    Agency,
    Consent,
    Goal,
    ManagerReview,
    Plan,
    Referral,
    Review,
)
from stages.selectors import client_ids, first_week_due_on

# A review is "due" from a week before its date (the reminders name it then).
REVIEW_DUE_AHEAD = datetime.timedelta(days=7)
# A plan's long fields, which lists of plans by their dates need not read.
PLAN_WORDS = ("signed_content", "vision", "strengths", "constraints")


# The agencies directory -----------------------------------------------------------------


def agencies_for(client):
    """The agencies one may name for `client` (a plan's lead, a referral, a consent, a
    contact with a professional): those of the client's site still in use, by name."""
    return Agency.objects.filter(site_id=client.site_id).active()


# Consent to share ------------------------------------------------------------------------

# A consent is named among what is due from two weeks before it expires.
CONSENT_DUE_AHEAD = datetime.timedelta(days=14)


def consent_for(client, agency, on=None):
    """The client's consent in force on the day `on` (today) to share with `agency`, by
    name or by its kind: the one that lasts longest, or None. A referral asks it before
    it is sent; the consents page marks with it what is in force."""
    on = on or timezone.localdate()
    return (Consent.objects.filter(client=client).in_force(on).covering(agency)
            .select_related("agency").order_by("-expires_on", "-pk").first())


def consents_of(client):
    """The client's consents, newest first, for the consents page and the referral form."""
    return (Consent.objects.filter(client=client)
            .select_related("agency", "recorded_by", "withdrawn_by")
            .order_by("-given_on", "-pk"))


def consents_in_force(client, on=None):
    """The client's consents in force on the day `on` (today), soonest to expire first."""
    on = on or timezone.localdate()
    return (Consent.objects.filter(client=client).in_force(on).select_related("agency")
            .order_by("expires_on", "pk"))


@dataclass(frozen=True)
class ConsentDue:
    """A consent to renew: `expired` when its last day has passed while a referral made
    under it is still open, else it expires within CONSENT_DUE_AHEAD."""

    consent: Consent
    expired: bool


def consents_due(clients, today=None):
    """{client id: [ConsentDue]} for the clients (a queryset, rows or ids): consents that
    expire within two weeks, and expired ones a referral still waiting or accepted relies
    on; none that another consent for the same agency (or kind) already renews, and none
    withdrawn. One query."""
    today = today or timezone.localdate()
    same_target = Q(agency_id=OuterRef("agency_id")) | (
        Q(agency__isnull=True, agency_kind=OuterRef("agency_kind")) & ~Q(agency_kind=""))
    renewed = Consent.objects.filter(same_target, client=OuterRef("client"),
                                     expires_on__gt=OuterRef("expires_on")).in_force(today)
    relied_on = Referral.objects.filter(
        consent=OuterRef("pk"),
        outcome__in=[Referral.Outcome.WAITING, Referral.Outcome.ACCEPTED])
    rows = (Consent.objects.filter(client__in=client_ids(clients), withdrawn_on__isnull=True,
                                   given_on__lte=today)
            .filter(Q(expires_on__gte=today, expires_on__lte=today + CONSENT_DUE_AHEAD)
                    | Q(Exists(relied_on), expires_on__lt=today))
            .exclude(Exists(renewed))
            .select_related("agency").order_by("expires_on", "pk"))
    found = defaultdict(list)
    for consent in rows:
        found[consent.client_id].append(ConsentDue(consent, consent.expires_on < today))
    return dict(found)


# The plan's review date ------------------------------------------------------------------


def review_date(plan):
    """The one review date of a plan version.

    A draft proposes its agreed review date; signing makes it the review date, and each
    review held moves it on (`next_review_on`). Pages show this date and no other.
    """
    return plan.next_review_on or plan.review_on


def review_state(on, today=None):
    """"overdue" once the review date has passed, "due" in the week before it, else ""."""
    today = today or timezone.localdate()
    if on < today:
        return "overdue"
    return "due" if on <= today + REVIEW_DUE_AHEAD else ""


@dataclass(frozen=True)
class PlanDates:
    """The fields review_date() reads, for a plan known only from a list's annotations."""

    client_id: int
    next_review_on: datetime.date | None
    review_on: datetime.date | None


@dataclass(frozen=True)
class PlanReview:
    """When the plan in force is next reviewed, and whether that is due or overdue."""

    plan: Plan
    on: datetime.date
    state: str

    @property
    def overdue(self):
        return self.state == "overdue"

    @property
    def due(self):
        return self.state == "due"


def plan_review(plan, today=None):
    """The PlanReview of one version: its date, and its state while it is the plan in force
    (a draft or a replaced version is not due for review)."""
    on = review_date(plan)
    return PlanReview(plan, on, review_state(on, today) if plan.is_current else "")


def reviews(clients, today=None):
    """{client id: PlanReview} for the clients with a plan in force, in one query. Without
    what was signed and the plan's words: the dashboard asks this of a whole site, whose
    1,300 plans' signed copies took 24 MB to read (5 Dec 2026), which each worker then kept."""
    plans = in_current_stay(Plan.objects.current().filter(client_id__in=client_ids(clients))
                            .defer(*PLAN_WORDS).select_related("client"))
    return {plan.client_id: plan_review(plan, today) for plan in plans}


def reviews_overdue(clients, today=None):
    """The ids of `clients` whose plan review date has passed (the dashboard's figure)."""
    return {pk for pk, review in reviews(clients, today).items() if review.overdue}


# The first plan --------------------------------------------------------------------------


def first_plan_state(admitted_on, has_signed_plan, today=None):
    """"due" within the first week of admission, "late" after it, while no plan is signed;
    "" once one is (or before admission). The first week is the initial assessment's
    (stages.selectors.first_week_due_on): the procedure asks for both within it."""
    if has_signed_plan or admitted_on is None:
        return ""
    today = today or timezone.localdate()
    return "late" if today > first_plan_due_on(admitted_on) else "due"


def first_plan_due_on(admitted_on):
    return first_week_due_on(admitted_on)


def first_plans(clients, today=None):
    """{client id: "due" or "late"} for admitted clients, record open, with no signed plan
    yet in their current stay (a draft is not yet the client's plan). One query."""
    signed = in_current_stay(Plan.objects.filter(client=OuterRef("pk"), signed_at__isnull=False))
    rows = (Client.objects.filter(pk__in=client_ids(clients)).open()
            .filter(admitted_on__isnull=False).exclude(Exists(signed))
            .values_list("pk", "admitted_on"))
    states = {pk: first_plan_state(admitted_on, False, today) for pk, admitted_on in rows}
    return {pk: state for pk, state in states.items() if state}


def first_plans_late(clients, today=None):
    return {pk for pk, state in first_plans(clients, today).items() if state == "late"}


def current_stay_plans(client):
    """Every version of the client's plan made in their current stay, newest first: the
    plan pages and the file show these as the client's plan; earlier stays' plans are
    listed under the stay they belong to (plans_of_stays)."""
    return in_current_stay(Plan.objects.filter(client=client).select_related("created_by")
                           .order_by("-number"))


def plan_of_stay(client):
    """The plan of the client's current (or just ended) stay, whole: the version signed
    last, else its draft; None without one. What the ending letter prints."""
    from plans.services import with_content

    stay = current_stay_plans(client)
    return (with_content(stay.filter(signed_at__isnull=False)).first()
            or with_content(stay).first())


def plans_of_stays(client, spans):
    """{episode number: [(text, url)]}: the plan versions made in each earlier stay of
    `spans` (clients.selectors.earlier_stays), oldest first. One query."""
    found = defaultdict(list)
    plans = list(Plan.objects.filter(client=client).order_by("number"))
    for episode, since, until in spans:
        for plan in plans:
            if (since is None or plan.created_at >= since) and plan.created_at < until:
                found[episode.number].append(
                    (gettext("Plan version %(n)s") % {"n": plan.number},
                     plan.get_absolute_url()))
    return found


def plan_in_force(client):
    """The client's plan in force: the signed version of their current stay not yet
    replaced, or None. One query."""
    return in_current_stay(Plan.objects.current().filter(client=client)).first()


def plan_actions(client):
    """Every action of the client's plan in force, each numbered 1, 2, 3... across the plan
    as the plan page numbers them, with its goal; [] without a plan in force. One query:
    the plan in force (as plan_in_force finds it) is a subquery of it."""
    in_force = in_current_stay(Plan.objects.current().filter(client=client)).values("pk")[:1]
    found = list(Action.objects.filter(goal__plan__in=in_force).select_related("goal")
                 .order_by("goal__order", "goal__pk", "order", "pk"))
    for number, action in enumerate(found, start=1):
        action.number = number
    return found


def open_actions(client):
    """The open actions of the client's plan in force: what a keywork session can work on
    (plan_actions, without those done, not done or changed)."""
    return [action for action in plan_actions(client) if action.outcome == Action.Outcome.OPEN]


# The manager's 4-13 week review ----------------------------------------------------------


def manager_window(started_on):
    """(opens, closes): 4 to 13 weeks after the client's first signed plan started."""
    if started_on is None:
        return None
    return started_on + MANAGER_REVIEW_FROM, started_on + MANAGER_REVIEW_UNTIL


def manager_review_state(started_on, reviewed, today=None):
    """"due" in the 4-13 week window, "overdue" after it, "" before it or once signed off."""
    window = manager_window(started_on)
    if reviewed or window is None:
        return ""
    today = today or timezone.localdate()
    if today > window[1]:
        return "overdue"
    return "due" if today >= window[0] else ""


def first_signed_start(versions):
    """The start of the client's first signed version, from their loaded versions."""
    first = min((v for v in versions if v.signed_at), key=lambda v: v.number, default=None)
    return first.starts_on if first else None


def manager_review_window(client, versions=None):
    """(opens, closes) of a client's manager review, or None before a signed plan.

    `versions`: the client's plan versions if already loaded (saves a query)."""
    if versions is None:
        versions = client.plans.filter(signed_at__isnull=False).order_by("number")[:1]
    return manager_window(first_signed_start(versions))


@dataclass(frozen=True)
class VersionManagerReview:
    """The manager's review as one plan version shows it: the review, if it was of this
    version; otherwise the version it was of (or None), and whether this version is the
    one a manager would sign off now."""

    review: ManagerReview | None
    of_version: int | None
    window: tuple | None
    state: str


def manager_review_of(client_id):
    """The manager's 4-13 week review of a client (one a client), with who signed it off
    and the version it reviewed; None while there is none."""
    return (ManagerReview.objects.filter(client_id=client_id)
            .select_related("by", "plan").first())


def version_manager_review(plan, versions, today=None):
    """What `plan`'s page says about the manager's review. A review belongs to the version
    it reviewed: a later version does not show it as its own."""
    review = manager_review_of(plan.client_id)
    started_on = first_signed_start(versions)
    if review is not None and review.plan_id == plan.pk:
        return VersionManagerReview(review, None, manager_window(started_on), "")
    return VersionManagerReview(
        None, review.plan.number if review else None, manager_window(started_on),
        manager_review_state(started_on, review is not None, today) if plan.is_current else "")


# Where each client's plan stands, for lists -----------------------------------------------


@dataclass(frozen=True)
class PlanStatus:
    """Where a client's plan stands, from `with_plan_status` annotations."""

    current_pk: int | None
    draft_pk: int | None
    draft_number: int | None
    review_on: datetime.date | None  # review_date() of the plan in force
    started_on: datetime.date | None
    manager_reviewed: bool
    admitted_on: datetime.date | None
    today: datetime.date

    @classmethod
    def of(cls, client, today=None):
        review_on = review_date(PlanDates(client.pk, client.plan_next_review,
                                          client.plan_review_on)) if client.plan_current else None
        return cls(client.plan_current, client.plan_draft, client.plan_draft_number,
                   review_on, client.plan_started, client.plan_manager_reviewed,
                   client.admitted_on if not client.is_archived else None,
                   today or timezone.localdate())

    @classmethod
    def of_versions(cls, client, versions, manager_reviewed, today=None):
        """The status of one client whose plan versions are already loaded (no query)."""
        current = next((v for v in versions if v.is_current), None)
        draft = next((v for v in versions if v.is_draft), None)
        return cls(current.pk if current else None, draft.pk if draft else None,
                   draft.number if draft else None,
                   review_date(current) if current else None, first_signed_start(versions),
                   manager_reviewed, client.admitted_on if not client.is_archived else None,
                   today or timezone.localdate())

    @property
    def has_plan(self):
        return self.current_pk is not None

    @property
    def review(self):
        return review_state(self.review_on, self.today) if self.review_on else ""

    @property
    def review_overdue(self):
        return self.review == "overdue"

    @property
    def first_plan(self):
        return first_plan_state(self.admitted_on, self.started_on is not None, self.today)

    @property
    def first_plan_due_on(self):
        return first_plan_due_on(self.admitted_on) if self.admitted_on else None

    @property
    def manager_window(self):
        return manager_window(self.started_on)

    @property
    def manager_review(self):
        return manager_review_state(self.started_on, self.manager_reviewed, self.today)


def with_plan_status(clients):
    """Clients annotated with what their plan needs, for lists: one query for any number."""
    plans = in_current_stay(Plan.objects.filter(client=OuterRef("pk")).order_by())
    return clients.annotate(
        plan_current=Subquery(plans.current().values("pk")[:1]),
        plan_next_review=Subquery(plans.current().values("next_review_on")[:1]),
        plan_review_on=Subquery(plans.current().values("review_on")[:1]),
        plan_draft=Subquery(plans.drafts().values("pk")[:1]),
        plan_draft_number=Subquery(plans.drafts().values("number")[:1]),
        plan_started=Subquery(plans.filter(signed_at__isnull=False).order_by("number")
                              .values("starts_on")[:1]),
        plan_manager_reviewed=Exists(ManagerReview.objects.filter(client=OuterRef("pk"))),
    )


def plan_statuses(clients, today=None):
    """{client id: PlanStatus} for a list of clients, in one query."""
    rows = with_plan_status(Client.objects.filter(pk__in=client_ids(clients)))
    return {client.pk: PlanStatus.of(client, today) for client in rows}


def manager_review_due_q(today):
    """`manager_review_state` in SQL, on `with_plan_status` annotations: the manager's review
    is due or overdue (a first signed plan started 4 weeks ago or more, no review signed
    off). The lists that filter or count in the database ask this; a test holds it to the
    same answers as PlanStatus.manager_review."""
    return Q(plan_started__lte=today - MANAGER_REVIEW_FROM, plan_manager_reviewed=False)


def manager_reviews(clients, today=None):
    """[(client, PlanStatus)] of `clients` whose manager's 4-13 week review is due or
    overdue (PlanStatus.manager_review): Today's list. The database picks them out first
    (`manager_review_due_q`), so a site of thousands of clients loads only those. One
    query."""
    today = today or timezone.localdate()
    rows = with_plan_status(Client.objects.filter(pk__in=client_ids(clients))).filter(
        manager_review_due_q(today))
    statuses = ((client, PlanStatus.of(client, today)) for client in rows)
    return [(client, status) for client, status in statuses if status.manager_review]


def needing_attention(clients, show="all", today=None):
    """Open clients whose plan needs something: unsigned, review overdue, the manager's
    4-13 week review due or overdue, or no plan at all; the most urgent first. `show`
    narrows to one of these.

    The conditions are the SQL form of `review_state` and `manager_review_state`, so that
    the list filters and pages in the database; a test holds them to the same answers.
    """
    today = today or timezone.localdate()
    annotated = with_plan_status(clients.open().exclude(status=Client.Status.REFERRED))
    conditions = {
        "unsigned": Q(plan_draft__isnull=False),
        "overdue": Q(plan_next_review__lt=today) | Q(
            plan_current__isnull=False, plan_next_review__isnull=True, plan_review_on__lt=today),
        "manager": manager_review_due_q(today),
        "none": Q(plan_current__isnull=True, plan_draft__isnull=True),
    }
    urgency = Case(
        When(conditions["overdue"], then=0),
        When(plan_started__lt=today - MANAGER_REVIEW_UNTIL, plan_manager_reviewed=False,
             then=1),
        When(conditions["unsigned"], then=2),
        When(conditions["manager"], then=3),
        default=4,
    )
    annotated = annotated.annotate(urgency=urgency).order_by("urgency", "last_name",
                                                             "first_name", "pk")
    if show in conditions:
        return annotated.filter(conditions[show])
    condition = Q()
    for part in conditions.values():
        condition |= part
    return annotated.filter(condition)


def needing_attention_ids(site, show="all", today=None):
    """The ids of the site's clients `needing_attention`, most urgent first, kept while the
    data stays the same (`keywork.lib.cache.cached`): at a large site the list takes the
    database a tenth of a second to work out, and the manager's list reads it on every
    page of it. The ids are of the site, not of a person: the page that shows them checks
    that its reader manages the site first."""
    today = today or timezone.localdate()
    return cached(("plans-needing-attention", site.pk, show, today), lambda: list(
        needing_attention(Client.objects.filter(site=site), show, today)
        .values_list("pk", flat=True)))


def attention_rows(ids, today=None):
    """The clients of `ids` in that order, each with its `plan_status` (PlanStatus, built
    from the versions of the current stay as the client file builds it) and its primary
    `keyworkers` (the workers of the current allocations): a page of the manager's list.
    Kept while the data stays the same, as the ids are; the rows hold only the fields the
    list shows (the workers' names, never more of their records)."""
    today = today or timezone.localdate()
    return cached(("plans-attention-rows", tuple(ids), today),
                  lambda: _attention_rows(ids, today))


def _attention_rows(ids, today):
    # Three queries, each far simpler for the database and for Django than
    # `with_plan_status`.
    versions = defaultdict(list)
    for plan in in_current_stay(Plan.objects.filter(client_id__in=ids).order_by()).only(
            "pk", "client_id", "number", "signed_at", "superseded_at", "starts_on",
            "review_on", "next_review_on"):
        versions[plan.client_id].append(plan)
    keyworkers = defaultdict(list)
    for allocation in (Allocation.objects.current().primary().filter(client_id__in=ids)
                       .select_related("worker").order_by("start", "pk")
                       .only("client_id", "worker__username", "worker__first_name",
                             "worker__last_name")):
        keyworkers[allocation.client_id].append(allocation.worker)
    rows = {client.pk: client for client in Client.objects.filter(pk__in=ids).only(
        "pk", "reference", "first_name", "last_name", "preferred_name", "admitted_on",
        "status").annotate(
            plan_manager_reviewed=Exists(ManagerReview.objects.filter(client=OuterRef("pk"))))}
    for client in rows.values():
        client.keyworkers = keyworkers[client.pk]
        client.plan_status = PlanStatus.of_versions(client, versions[client.pk],
                                                    client.plan_manager_reviewed, today)
    return [rows[pk] for pk in ids if pk in rows]


def manager_reviews_due(clients, today=None):
    """The ids of `clients` whose manager's review is due or overdue (the dashboard's
    figure), in one query."""
    return {client.pk for client, _status in manager_reviews(
        Client.objects.filter(pk__in=client_ids(clients)).open(), today)}


# What the client still has to do ---------------------------------------------------------


@dataclass(frozen=True)
class GoalToDo:
    goal: object
    open_actions: list


@dataclass(frozen=True)
class PlanToDo:
    """A plan's goals with their open actions, and how the others went.

    `all_done` only when every action of the plan is done: an action not done or changed
    is not done, and the client is not told otherwise.
    """

    goals: list
    done: int
    not_done: int

    @property
    def open_count(self):
        return sum(len(g.open_actions) for g in self.goals)

    @property
    def all_done(self):
        return self.done > 0 and self.open_count == 0 and self.not_done == 0


def plan_to_do(plan):
    """The PlanToDo of a plan whose goals and actions are prefetched (no query)."""
    goals, done, not_done = [], 0, 0
    for goal in plan.goals.all():
        actions = list(goal.actions.all())
        done += sum(a.outcome == Action.Outcome.DONE for a in actions)
        not_done += sum(a.outcome in (Action.Outcome.NOT_DONE, Action.Outcome.CHANGED)
                        for a in actions)
        goals.append(GoalToDo(goal, [a for a in actions if a.outcome == Action.Outcome.OPEN]))
    return PlanToDo(goals, done, not_done)


# What changed in a span (a supervision's "since last time") -----------------------------


@dataclass(frozen=True)
class PlanNews:
    """What happened to a client's plan over a span.

    `signed`: the versions signed in it, oldest first. `goals_added` / `goals_dropped`: the
    goals (their text) a version signed in the span has that the version it replaced did
    not, and the other way round (a goal whose every action was done is not dropped).
    `goals_achieved`: goals of a version in force during the span whose every action is
    done, the last of them in the span. `actions_done`: actions marked done in the span
    (an action copied into a new version counts once). `reviews`: the reviews held in it,
    and `manager_reviews` the manager's 4-13 week reviews signed off in it.
    """

    signed: list
    reviews: list
    manager_reviews: list
    goals_added: list
    goals_achieved: list
    goals_dropped: list
    actions_done: int

    def __bool__(self):
        return bool(self.signed or self.reviews or self.manager_reviews or self.goals_added
                    or self.goals_achieved or self.goals_dropped or self.actions_done)


def plan_news_between(clients, start, end):
    """{client id: PlanNews} for the clients whose plan changed from `start` to `end`
    (instants; a date-only record counts from the day of `start` to the day of `end`,
    both in). Five queries whatever the number of clients."""
    ids = client_ids(clients)
    first_day, last_day = local_day(start), local_day(end)
    versions = list(Plan.objects.filter(client_id__in=ids, signed_at__isnull=False,
                                        signed_at__lt=end)
                    .order_by("client_id", "number").only(
                        "pk", "client_id", "number", "signed_at", "superseded_at"))
    signed_in = [v for v in versions if v.signed_at >= start]
    replaced = {}
    for earlier, later in zip(versions, versions[1:], strict=False):
        if earlier.client_id == later.client_id:
            replaced[later.pk] = earlier
    in_force = [v for v in versions if v.superseded_at is None or v.superseded_at >= start]
    wanted = {v.pk for v in signed_in + in_force} | {
        replaced[v.pk].pk for v in signed_in if v.pk in replaced}
    goals = defaultdict(dict)  # plan id: {goal key: text}
    for plan_id, key, text in Goal.objects.filter(plan_id__in=wanted).values_list(
            "plan_id", "key", "text"):
        goals[plan_id][key] = text
    actions = defaultdict(list)  # (plan id, goal key): [(action key, outcome, outcome_on)]
    for row in Action.objects.filter(goal__plan__in=[v.pk for v in in_force]).values_list(
            "goal__plan_id", "goal__key", "key", "outcome", "outcome_on"):
        actions[row[0], row[1]].append(row[2:])

    def within(day):
        return day is not None and first_day <= day <= last_day

    found = defaultdict(lambda: {"signed": [], "reviews": [], "manager_reviews": [],
                                 "added": {}, "achieved": {}, "dropped": {}, "done": set()})
    complete = defaultdict(set)  # plan id: the keys of its goals with every action done
    for version in in_force:
        news = found[version.client_id]
        for key, text in goals[version.pk].items():
            steps = actions[version.pk, key]
            news["done"] |= {a for a, outcome, on in steps
                             if outcome == Action.Outcome.DONE and within(on)}
            if steps and all(outcome == Action.Outcome.DONE for _a, outcome, _on in steps):
                complete[version.pk].add(key)
                if within(max((on for _a, _o, on in steps if on), default=None)):
                    news["achieved"][key] = text
    for version in signed_in:
        news = found[version.client_id]
        news["signed"].append(version)
        earlier = replaced.get(version.pk)
        before, finished = (goals[earlier.pk], complete[earlier.pk]) if earlier else ({}, set())
        now = goals[version.pk]
        news["added"].update({k: t for k, t in now.items() if k not in before})
        # A goal achieved (even before the span) and left out of the new version is done
        # with, not dropped.
        news["dropped"].update({k: t for k, t in before.items()
                                if k not in now and k not in finished})
    for review in (Review.objects.filter(plan__client_id__in=ids, held_on__gte=first_day,
                                         held_on__lte=last_day)
                   .select_related("plan").order_by("held_on", "pk")):
        found[review.plan.client_id]["reviews"].append(review)
    for review in (ManagerReview.objects.filter(client_id__in=ids, signed_at__gte=start,
                                                signed_at__lt=end).order_by("signed_at")):
        found[review.client_id]["manager_reviews"].append(review)
    result = {}
    for client_id, news in found.items():
        plan_news = PlanNews(
            signed=news["signed"], reviews=news["reviews"],
            manager_reviews=news["manager_reviews"],
            goals_added=list(news["added"].values()),
            goals_achieved=list(news["achieved"].values()),
            goals_dropped=list(news["dropped"].values()),
            actions_done=len(news["done"]))
        if plan_news:
            result[client_id] = plan_news
    return result


@dataclass(frozen=True)
class ReferralNews:
    """A referral made in a span, or whose outcome changed in it: `outcome_before` is the
    outcome's label when the span began ("" for a referral made in it), `outcome` when it
    ended."""

    referral: Referral
    is_new: bool
    outcome_before: str
    outcome: str


def referrals_between(clients, start, end):
    """{client id: [ReferralNews, oldest first]} for the referrals made from the day of
    `start` to the day of `end`, or whose outcome changed between the two instants (read
    from the referral's history). Two queries."""
    ids = client_ids(clients)
    history = Referral.history.model
    changed = history.objects.filter(client_id__in=ids, history_date__gte=start,
                                     history_date__lt=end).values("id")
    referrals = list(Referral.objects.filter(client_id__in=ids).filter(
        Q(made_on__gte=local_day(start), made_on__lte=local_day(end)) | Q(pk__in=changed))
        .select_related("agency").order_by("made_on", "pk"))
    if not referrals:
        return {}

    def last_before(moment):
        return (history.objects.filter(id__in=[r.pk for r in referrals],
                                       history_date__lt=moment)
                .values("id").annotate(last=Max("history_id")).values("last"))

    before, after = {}, {}
    for pk, when, outcome in (history.objects.filter(
            Q(history_id__in=last_before(start)) | Q(history_id__in=last_before(end)))
            .order_by("history_date", "history_id").values_list("id", "history_date",
                                                                "outcome")):
        if when < start:
            before[pk] = outcome
        after[pk] = outcome
    labels = dict(Referral.Outcome.choices)
    found = defaultdict(list)
    for referral in referrals:
        old, new = before.get(referral.pk), after.get(referral.pk, referral.outcome)
        is_new = old is None
        if is_new or old != new:
            found[referral.client_id].append(ReferralNews(
                referral, is_new, "" if is_new else str(labels.get(old, old)),
                str(labels.get(new, new))))
    return dict(found)
