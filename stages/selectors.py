"""The assessment and ladder facts that more than one page shows, each worked out once.

The caseload, the client file, the ladder page, the promote action, the manager dashboard,
supervision agendas and the reminders all read these functions, never a copy of their
rules. Each takes many clients at once (a queryset, Client rows or ids) and runs a fixed
number of queries whatever their number.
"""

import datetime
from collections import defaultdict
from dataclasses import dataclass

from django.db.models import Exists, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext, ngettext

from activities.selectors import NO_SESSIONS, rate_text, rates
from clients.models import Client
from clients.selectors import in_current_stay
from keywork.lib.cache import cached
from keywork.lib.dates import format_day
from stages.models import (
    Assessment,
    AssessmentSettings,
    ClientStage,
    Evidence,
    Ladder,
    LadderStage,
    LadderTask,
    RegisterTask,
)

# The procedure asks for the initial assessment and the first action plan "within the first
# week" of admission: the day of admission is its first day, so the seventh is its last.
FIRST_WEEK_LAST_DAY = datetime.timedelta(days=6)
# A re-assessment is "due" from a week before its date, as a plan review is.
REASSESSMENT_DUE_AHEAD = datetime.timedelta(days=7)


def client_ids(clients):
    """What `client_id__in=` takes, from a queryset of clients, Client rows or ids."""
    if isinstance(clients, QuerySet):
        return clients.values("pk")
    return [getattr(client, "pk", client) for client in clients]


# The initial assessment ------------------------------------------------------------------


def first_week_due_on(admitted_on):
    """The last day of a client's first week from admission: what the procedure asks for
    "within the first week" (the initial assessment, the first action plan) is due by it,
    and late the day after."""
    return admitted_on + FIRST_WEEK_LAST_DAY


def initial_assessment_due_on(admitted_on):
    return first_week_due_on(admitted_on)


def _initial_state(admitted_on, initial_on, today):
    if initial_on is not None:
        return "done"
    return "late" if today > initial_assessment_due_on(admitted_on) else "due"


def initial_assessment_state(client, initial_on, today=None):
    """The state of one client whose initial assessment date (or None) is already loaded:
    as `initial_assessments` says, without a query."""
    if client.admitted_on is None or client.is_archived:
        return None
    return _initial_state(client.admitted_on, initial_on, today or timezone.localdate())


def initial_assessments(clients, today=None):
    """{client id: "done", "due" or "late"} for admitted clients whose record is open.

    "due" until the last day of the first week from admission (`first_week_due_on`), "late"
    after it while no initial assessment is recorded. Clients not admitted, or whose record
    is archived, are left out. One query.
    """
    today = today or timezone.localdate()
    initial = in_current_stay(Assessment.objects.filter(client=OuterRef("pk"),
                                                        kind=Assessment.Kind.INITIAL))
    rows = (Client.objects.filter(pk__in=client_ids(clients)).open()
            .filter(admitted_on__isnull=False)
            .annotate(initial_on=Subquery(initial.values("assessed_on")[:1]))
            .values_list("pk", "admitted_on", "initial_on"))
    return {pk: _initial_state(admitted_on, initial_on, today)
            for pk, admitted_on, initial_on in rows}


def initial_assessments_late(clients, today=None):
    """The ids of `clients` whose initial assessment is late (the dashboard's figure)."""
    return {pk for pk, state in initial_assessments(clients, today).items() if state == "late"}


def current_stay_assessments(client):
    """The client's assessments made in their current stay, newest first: what the file
    and the distance travelled read (earlier stays' are listed under their stay)."""
    return in_current_stay(client.assessments.all())


def assessments_of_stays(client, spans):
    """{episode number: [(text, url)]}: the assessments made in each earlier stay of
    `spans` (clients.selectors.earlier_stays). One query."""
    found = defaultdict(list)
    assessments = list(client.assessments.order_by("assessed_on", "pk"))
    for episode, since, until in spans:
        for assessment in assessments:
            if (since is None or assessment.created_at >= since) and assessment.created_at < until:
                found[episode.number].append(
                    (gettext("%(kind)s, %(day)s") % {
                        "kind": assessment.get_kind_display(),
                        "day": format_day(assessment.assessed_on)},
                     reverse("stages:assessment_detail", args=[client.pk, assessment.pk])))
    return found


# The stages ladder -----------------------------------------------------------------------


@dataclass(frozen=True)
class LadderPosition:
    """Where a client stands on the ladder.

    `current`: their ClientStage (with its stage). `above`: the rung they would move up
    to, on the ladder now in use (a new ladder version takes over at promotion), or None
    at the top. `tasks_done`: every task of the current stage is evidenced or not
    applicable (and it has tasks), by evidence that counts (`Evidence.objects.counting()`:
    lapsed evidence does not). `unmet`: the texts of the current stage's tasks without
    such evidence, in the ladder's order.
    """

    current: ClientStage
    above: LadderStage | None
    tasks_done: bool
    unmet: tuple = ()

    @property
    def promotion_due(self):
        """A promotion a manager can confirm now: what is flagged can be done."""
        return self.tasks_done and self.above is not None


def ladder_positions(clients):
    """{client id: LadderPosition} for the clients on the ladder, in five queries."""
    return _positions(ClientStage.objects.current().filter(client_id__in=client_ids(clients)))


def _every_task_met():
    """On ClientStage rows: their stage has tasks and each has evidence of the client that
    counts, what LadderPosition.tasks_done says in SQL (a test holds them to the same
    answers). A stage's tasks are its own whatever ladder version is in use."""
    tasks = LadderTask.objects.filter(stage=OuterRef("stage"))
    unmet = tasks.exclude(Exists(Evidence.objects.counting().filter(
        client=OuterRef(OuterRef("client")), task=OuterRef("pk"))))
    return Q(Exists(tasks)) & ~Q(Exists(unmet))


def promotions(clients):
    """{client id: LadderPosition} of `clients` a manager can promote now
    (LadderPosition.promotion_due): Today's list. The database picks out the clients whose
    tasks are all met first, so a site of thousands loads the ladder of those alone. One
    query, five when any is found."""
    positions = _positions(ClientStage.objects.current()
                           .filter(_every_task_met(), client_id__in=client_ids(clients)))
    return {pk: position for pk, position in positions.items() if position.promotion_due}


def _positions(current):
    """{client id: LadderPosition} of the ClientStage rows `current`."""
    current = list(current.select_related("stage__ladder"))
    if not current:
        return {}
    in_use = Ladder.objects.current()
    ladder_ids = {in_use.pk} if in_use else {c.stage.ladder_id for c in current}
    rungs = defaultdict(list)
    for rung in LadderStage.objects.filter(ladder_id__in=ladder_ids).order_by("order"):
        rungs[rung.ladder_id].append(rung)
    tasks = defaultdict(list)
    for task_id, stage_id, text in (LadderTask.objects
                                    .filter(stage_id__in={c.stage_id for c in current})
                                    .order_by("order", "pk")
                                    .values_list("pk", "stage_id", "text")):
        tasks[stage_id].append((task_id, text))
    evidenced = defaultdict(set)
    for client_id, task_id in Evidence.objects.counting().filter(
            client_id__in=[c.client_id for c in current]).values_list("client_id", "task_id"):
        evidenced[client_id].add(task_id)

    def above(stage):
        ladder_id = in_use.pk if in_use else stage.ladder_id
        return next((r for r in rungs[ladder_id] if r.order > stage.order), None)

    def position(c):
        unmet = tuple(text for task_id, text in tasks[c.stage_id]
                      if task_id not in evidenced[c.client_id])
        return LadderPosition(current=c, above=above(c.stage),
                              tasks_done=bool(tasks[c.stage_id]) and not unmet, unmet=unmet)

    return {c.client_id: position(c) for c in current}


def ladder_position(client):
    """The client's LadderPosition, or None when they are not on the ladder."""
    return ladder_positions([client]).get(client.pk)


def ladder_position_shown(client):
    """ladder_position(client) for a page to show, kept in the cache until the data
    changes (keywork.lib.cache.cached): its five queries were a tenth of the ladder page's
    time. A service deciding a move reads ladder_position() itself."""
    # In a tuple, so that "not on the ladder" is kept too.
    return cached(("stages:ladder_position", client.pk), lambda: (ladder_position(client),))[0]


def stage_below(stage):
    """The rung below `stage` on its ladder, or None on the first."""
    return (LadderStage.objects.filter(ladder_id=stage.ladder_id, order__lt=stage.order)
            .order_by("-order").first())


def lapsable_evidence(current):
    """The evidence that can lapse when a client on `current` (a ClientStage) moves down:
    what counts for the tasks of their current stage and of the stage below, the lower
    stage first, in the ladder's order."""
    below = stage_below(current.stage)
    stage_ids = [current.stage_id] + ([below.pk] if below else [])
    return list(Evidence.objects.counting()
                .filter(client_id=current.client_id, task__stage_id__in=stage_ids)
                .select_related("task__stage")
                .order_by("task__stage__order", "task__order", "task_id"))


def promotions_due(clients):
    """The ids of `clients` a manager can promote now (the dashboard's figure)."""
    return set(promotions(clients))


# Re-assessment ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Reassessment:
    """When a client is next due a re-assessment: `every_weeks` (the site's interval) after
    their last assessment of `last_on`. `state`: "overdue" once `on` has passed, "due" in
    the week before it, else ""."""

    last_on: datetime.date
    on: datetime.date
    state: str
    every_weeks: int

    @property
    def overdue(self):
        return self.state == "overdue"


def reassessment_state(on, today):
    if on < today:
        return "overdue"
    return "due" if on <= today + REASSESSMENT_DUE_AHEAD else ""


def reassessments(clients, today=None):
    """{client id: Reassessment} for admitted clients, record open, who have had an
    assessment in their current stay (until the first, the initial assessment is what is
    due). One query."""
    today = today or timezone.localdate()
    default = AssessmentSettings._meta.get_field("reassess_every_weeks").default
    interval = AssessmentSettings.objects.filter(site=OuterRef("site_id"))
    # A returning client's assessments count from their current stay, as the initial's do.
    last = in_current_stay(Assessment.objects.filter(client=OuterRef("pk"))).order_by(
        "-assessed_on")
    rows = (Client.objects.filter(pk__in=client_ids(clients)).open()
            .filter(admitted_on__isnull=False)
            .annotate(last_on=Subquery(last.values("assessed_on")[:1]),
                      every=Coalesce(Subquery(interval.values("reassess_every_weeks")[:1]),
                                     default))
            .filter(last_on__isnull=False)
            .values_list("pk", "last_on", "every"))
    found = {}
    for pk, last_on, every in rows:
        on = last_on + datetime.timedelta(weeks=every)
        found[pk] = Reassessment(last_on, on, reassessment_state(on, today), every)
    return found


def reassessments_overdue(clients, today=None):
    """The ids of `clients` whose re-assessment is overdue (supervision's badge)."""
    return {pk for pk, found in reassessments(clients, today).items() if found.overdue}


# What changed in a span (a supervision's "since last time") -----------------------------


@dataclass(frozen=True)
class ScoreChange:
    """A client's overall assessment score before a span and after it.

    `before`: the overall score of the last assessment made before the span (None if the
    first one was made in it); `after`: of the last one made in it, on `on`.
    """

    before: object
    after: object
    on: datetime.date

    @property
    def change(self):
        if self.before is None or self.after is None:
            return None
        return self.after - self.before


def scores_between(clients, first_day, last_day):
    """{client id: ScoreChange} for the clients assessed from `first_day` to `last_day`
    (both in). One query."""
    rows = (Assessment.objects.filter(client_id__in=client_ids(clients),
                                      assessed_on__lte=last_day)
            .order_by("client_id", "assessed_on", "pk")
            .values_list("client_id", "assessed_on", "overall"))
    before, after = {}, {}
    for client_id, assessed_on, overall in rows:
        if assessed_on < first_day:
            before[client_id] = overall
        else:
            after[client_id] = (overall, assessed_on)
    return {pk: ScoreChange(before.get(pk), overall, on)
            for pk, (overall, on) in after.items()}


def stage_moves_between(clients, first_day, last_day):
    """{client id: [ClientStage, oldest first]}: the rungs reached (a start, a promotion or
    a move down) from `first_day` to `last_day` (both in), with their stage. One query."""
    moves = defaultdict(list)
    for row in (ClientStage.objects.filter(client_id__in=client_ids(clients),
                                           started_on__gte=first_day,
                                           started_on__lte=last_day)
                .select_related("stage").order_by("started_on", "pk")):
        moves[row.client_id].append(row)
    return dict(moves)


def register_tasks(client, tasks):
    """{task id: (RegisterTask, Rate)} for those of `tasks` that the client's site
    evidences from a group's register: the ladder shows the register's figures for them
    instead of a form. Two queries."""
    links = list(RegisterTask.objects.filter(site_id=client.site_id,
                                             task_id__in=[t.pk for t in tasks])
                 .select_related("activity"))
    found = rates([client.pk], {link.activity_id for link in links}) if links else {}
    return {link.task_id: (link, found.get((client.pk, link.activity_id), NO_SESSIONS))
            for link in links}


def register_tasks_shown(client, tasks):
    """register_tasks() for the ladder page to show, kept in the cache until the data
    changes, and for a minute at most since a session that starts moves the rates with
    the clock (keywork.lib.cache.cached): its queries were a tenth of the page's time.
    Whether typed evidence is refused is decided by register_tasks() itself."""
    return cached(("stages:register_tasks", client.pk, tuple(task.pk for task in tasks)),
                  lambda: register_tasks(client, tasks))


def register_figures(link, rate):
    """What the ladder and the evidence say of a register task: "attended 6 of 10 Action
    Training Workshop sessions, 60%; 50% of at least 4 sessions needed"."""
    return ngettext("%(figures)s; %(rate)s%% of at least %(sessions)s session needed",
                    "%(figures)s; %(rate)s%% of at least %(sessions)s sessions needed",
                    link.sessions_needed) % {
        "figures": rate_text(rate, link.activity.name), "rate": link.rate,
        "sessions": link.sessions_needed}
