"""The assessment and ladder facts that more than one page shows, each worked out once.

The caseload, the client file, the ladder page, the promote action, the manager dashboard,
supervision agendas and the reminders all read these functions, never a copy of their
rules. Each takes many clients at once (a queryset, Client rows or ids) and runs a fixed
number of queries whatever their number.
"""

import datetime
from collections import defaultdict
from dataclasses import dataclass

from django.db.models import OuterRef, QuerySet, Subquery
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext

from clients.models import Client
from clients.selectors import in_current_stay
from keywork.lib.dates import format_day
from stages.models import Assessment, ClientStage, Evidence, Ladder, LadderStage, LadderTask

# The procedure asks for the initial assessment within the first week of admission.
INITIAL_WITHIN_DAYS = 7


def client_ids(clients):
    """What `client_id__in=` takes, from a queryset of clients, Client rows or ids."""
    if isinstance(clients, QuerySet):
        return clients.values("pk")
    return [getattr(client, "pk", client) for client in clients]


# The initial assessment ------------------------------------------------------------------


def initial_assessment_due_on(admitted_on):
    return admitted_on + datetime.timedelta(days=INITIAL_WITHIN_DAYS)


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

    "due" until the seventh day after admission, "late" after it while no initial
    assessment is recorded. Clients not admitted, or whose record is archived, are left out.
    One query.
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
    applicable (and it has tasks).
    """

    current: ClientStage
    above: LadderStage | None
    tasks_done: bool

    @property
    def promotion_due(self):
        """A promotion a manager can confirm now: what is flagged can be done."""
        return self.tasks_done and self.above is not None


def ladder_positions(clients):
    """{client id: LadderPosition} for the clients on the ladder, in five queries."""
    current = list(ClientStage.objects.current().filter(client_id__in=client_ids(clients))
                   .select_related("stage__ladder"))
    if not current:
        return {}
    in_use = Ladder.objects.current()
    ladder_ids = {in_use.pk} if in_use else {c.stage.ladder_id for c in current}
    rungs = defaultdict(list)
    for rung in LadderStage.objects.filter(ladder_id__in=ladder_ids).order_by("order"):
        rungs[rung.ladder_id].append(rung)
    tasks = defaultdict(set)
    for task_id, stage_id in LadderTask.objects.filter(
            stage_id__in={c.stage_id for c in current}).values_list("pk", "stage_id"):
        tasks[stage_id].add(task_id)
    evidenced = defaultdict(set)
    for client_id, task_id in Evidence.objects.filter(
            client_id__in=[c.client_id for c in current]).values_list("client_id", "task_id"):
        evidenced[client_id].add(task_id)

    def above(stage):
        ladder_id = in_use.pk if in_use else stage.ladder_id
        return next((r for r in rungs[ladder_id] if r.order > stage.order), None)

    return {c.client_id: LadderPosition(
        current=c, above=above(c.stage),
        tasks_done=bool(tasks[c.stage_id]) and tasks[c.stage_id] <= evidenced[c.client_id])
        for c in current}


def ladder_position(client):
    """The client's LadderPosition, or None when they are not on the ladder."""
    return ladder_positions([client]).get(client.pk)


def promotions_due(clients):
    """The ids of `clients` a manager can promote now (the dashboard's figure)."""
    return {pk for pk, position in ladder_positions(clients).items()
            if position.promotion_due}


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
