"""Reads for the manager dashboard and supervision agendas.

Each dashboard figure is a function (site ids, today) -> {client id, ...} built from a
fixed number of aggregate queries; figures are then grouped by each client's keyworker.
The same function gives the number on the dashboard and the list behind it, so the two
always agree.
"""

import datetime
from dataclasses import dataclass

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from clients import selectors as client_selectors
from clients.models import Allocation, Client
from diary import selectors as diary_selectors
from diary.models import KeyworkSession
from keywork.lib import dates
from keywork.lib.cache import cached
from plans import selectors as plans_selectors
from plans.models import Plan
from stages import selectors as stages_selectors


@dataclass(frozen=True)
class Figure:
    key: str
    label: str
    find: object  # (site ids, today) -> set of client ids
    urgent: bool = False


def _open_clients(site_ids):
    return Client.objects.open().filter(site_id__in=site_ids)


def _initial_missing(site_ids, today):
    return stages_selectors.initial_assessments_late(_open_clients(site_ids), today)


def _promotions(site_ids, today):
    return stages_selectors.promotions_due(_open_clients(site_ids))


def _cover_ending(site_ids, today):
    week_end = today + datetime.timedelta(days=7)
    return set(Allocation.objects.current(today).filter(
        kind=Allocation.Kind.COVER, client__in=_open_clients(site_ids),
        end__lte=week_end).values_list("client_id", flat=True))


def _not_logged(site_ids, today):
    return set(KeyworkSession.objects.not_logged().filter(
        client__in=_open_clients(site_ids)).values_list("client_id", flat=True))


def _reviews_overdue(site_ids, today):
    return plans_selectors.reviews_overdue(_open_clients(site_ids), today)


def _manager_reviews_due(site_ids, today):
    return plans_selectors.manager_reviews_due(_open_clients(site_ids), today)


def _first_plans_late(site_ids, today):
    return plans_selectors.first_plans_late(_open_clients(site_ids), today)


def _unsigned_plans(site_ids, today):
    return set(Plan.objects.drafts().filter(client__in=_open_clients(site_ids))
               .values_list("client_id", flat=True))


def _open_risks(site_ids, today):
    return set(KeyworkSession.objects.open_risks().filter(client__in=_open_clients(site_ids))
               .values_list("client_id", flat=True))


FIGURES = [
    # diary.selectors.Week.is_short: the caseload's red "This week" cells, the same clients.
    Figure("no_session", _("Short of sessions this week"), diary_selectors.short_this_week),
    Figure("not_logged", _("Sessions booked but not logged"), _not_logged),
    Figure("reviews_overdue", _("Monthly reviews overdue"), _reviews_overdue),
    Figure("manager_reviews", _("4–13 week manager reviews due"), _manager_reviews_due),
    Figure("unsigned_plans", _("Unsigned plans"), _unsigned_plans),
    Figure("first_plans_late", _("First plans late (first week)"), _first_plans_late),
    Figure("initial_missing", _("Initial assessments missing"), _initial_missing),
    Figure("promotions", _("Promotions awaiting confirmation"), _promotions),
    Figure("open_risks", _("Open team risks"), _open_risks, urgent=True),
    Figure("cover_ending", _("Cover ending in the next 7 days"), _cover_ending),
]


def figure_ids(figure, site_ids, today):
    """A figure's client ids at the sites, kept while the data stays the same
    (`keywork.lib.cache.cached`): the dashboard and the list behind each of its numbers
    both read them, and some take a large site a tenth of a second or more. The ids are
    of the sites, not of a person: every page filters them by what its reader may see."""
    site_ids = sorted(site_ids)
    return cached(("dashboard-figure", figure.key, site_ids, today),
                  lambda: figure.find(site_ids, today))


def keyworker_of(client_ids, today):
    """{client id: worker id of the current primary keyworker}."""
    return dict(Allocation.objects.current(today).primary()
                .filter(client_id__in=client_ids).values_list("client_id", "worker_id"))


def dashboard(site_ids, keyworkers, today=None):
    """Rows per keyworker: their caseload against their limit and each figure's client
    ids; the site totals; and the admitted clients with no keyworker."""
    today = today or timezone.localdate()
    found = {figure.key: figure_ids(figure, site_ids, today) for figure in FIGURES}
    every = set().union(*found.values()) if found else set()
    owner = keyworker_of(every, today)
    keyworkers = list(keyworkers)
    caseloads = client_selectors.caseload_sizes(keyworkers, today)
    rows = []
    for worker in keyworkers:
        figures = {key: {c for c in ids if owner.get(c) == worker.pk}
                   for key, ids in found.items()}
        rows.append({"worker": worker, "caseload": caseloads[worker.pk], "figures": figures})
    return {"rows": rows, "totals": found, "figures": FIGURES,
            "unallocated": len(client_selectors.unallocated(site_ids, today))}


def agenda_for(keyworker, today=None):
    """The dashboard figures for one keyworker, frozen into a supervision's agenda."""
    today = today or timezone.localdate()
    site_ids = list(keyworker.sites.values_list("pk", flat=True))
    data = dashboard(site_ids, [keyworker], today)
    row = data["rows"][0]
    return {"date": today.isoformat(), "caseload": row["caseload"].size,
            "limit": row["caseload"].limit,
            "figures": {key: len(ids) for key, ids in row["figures"].items()}}


def agenda_rows(agenda):
    """[(label, number)] of a stored agenda, in the dashboard's order."""
    labels = {figure.key: figure.label for figure in FIGURES}
    return [(labels.get(key, key), number)
            for key, number in agenda.get("figures", {}).items()]


def figure_clients(site_ids, key, today=None, worker=None):
    """The clients behind one dashboard number, for the list it links to."""
    today = today or timezone.localdate()
    figure = next((f for f in FIGURES if f.key == key), None)
    if figure is None:
        return None, Client.objects.none()
    ids = figure_ids(figure, site_ids, today)
    if worker is not None:
        owner = keyworker_of(ids, today)
        ids = {c for c in ids if owner.get(c) == worker.pk}
    return figure, Client.objects.filter(pk__in=ids)



@dataclass(frozen=True)
class UrgentItem:
    """Something that must be seen first, in red: e.g. a lone worker overdue to check in."""

    text: str
    worker: object
    url: str = ""


def urgent_items(site_ids, worker=None):
    """Lone workers and external appointments overdue to check in, oldest first."""
    sessions = (KeyworkSession.objects.awaiting_check_in()
                .filter(site_id__in=site_ids, expected_back_at__lt=timezone.now())
                .select_related("worker", "client").order_by("expected_back_at"))
    if worker is not None:
        sessions = sessions.filter(worker=worker)
    return [UrgentItem(
        _("%(client)s: expected back %(time)s, not checked in") % {
            "client": s.client.called,
            "time": dates.format_weekday_time(s.expected_back_at)},
        s.worker, s.get_absolute_url()) for s in sessions]


# A supervision's caseload at a glance ----------------------------------------------------

# A keyworker's first supervision looks back this far.
FIRST_LOOK_BACK = datetime.timedelta(days=28)


def period_of(supervision):
    """(since, until): the instants a supervision looks back over. From the keyworker's
    previous supervision (or four weeks before this one, for the first) to its sign-off,
    or to now while it is still being written."""
    since = (supervision.previous.created_at if supervision.previous
             else supervision.created_at - FIRST_LOOK_BACK)
    return since, supervision.manager_signed_at or timezone.now()


# What is overdue or waiting on a client today, each read from the selector that owns it.
OVERDUE = [
    ("short", _("Short of sessions this week")),
    ("review", _("Plan review overdue")),
    ("first_plan", _("First plan late")),
    ("initial", _("Initial assessment late")),
    ("reassessment", _("Re-assessment overdue")),
    ("promotion", _("Promotion awaiting confirmation")),
]


def overdue_now(clients, today=None):
    """{client id: [label, ...]} of what is overdue for each of `clients` (objects with
    `pk` and `site_id`) today, in the order of OVERDUE. A fixed number of queries."""
    today = today or timezone.localdate()
    clients = list(clients)
    ids = [c.pk for c in clients]
    found = {
        "short": diary_selectors.short_this_week({c.site_id for c in clients}, today),
        "review": plans_selectors.reviews_overdue(ids, today),
        "first_plan": plans_selectors.first_plans_late(ids, today),
        "initial": stages_selectors.initial_assessments_late(ids, today),
        "reassessment": stages_selectors.reassessments_overdue(ids, today),
        "promotion": stages_selectors.promotions_due(ids),
    }
    return {pk: [label for key, label in OVERDUE if pk in found[key]] for pk in ids}


@dataclass(frozen=True)
class Glance:
    """What matters about one client since the last supervision, each part read from the
    selector of the app that owns it; None (or empty) where nothing happened."""

    sessions: object  # diary.selectors.SessionTally
    plan: object  # plans.selectors.PlanNews
    score: object  # stages.selectors.ScoreChange
    stage_moves: list  # [stages.models.ClientStage]
    risks: object  # diary.selectors.RiskNews
    alerts: object  # clients.selectors.AlertNews
    referrals: list  # [plans.selectors.ReferralNews]
    overdue: list  # [label]


def caseload_glance(clients, since, until, today=None):
    """{client id: Glance} for `clients` (objects with `pk` and `site_id`) from `since` to
    `until`, with what is overdue `today`. A fixed number of queries whatever the number
    of clients or of their records."""
    clients = list(clients)
    if not clients:
        return {}
    ids = [c.pk for c in clients]
    first_day, last_day = dates.local_day(since), dates.local_day(until)
    sessions = diary_selectors.sessions_between(clients, since, until)
    risks = diary_selectors.risks_between(ids, since, until)
    alerts = client_selectors.alerts_between(ids, since, until)
    plans = plans_selectors.plan_news_between(ids, since, until)
    referrals = plans_selectors.referrals_between(ids, since, until)
    scores = stages_selectors.scores_between(ids, first_day, last_day)
    moves = stages_selectors.stage_moves_between(ids, first_day, last_day)
    overdue = overdue_now(clients, today)
    return {pk: Glance(sessions=sessions[pk], plan=plans.get(pk), score=scores.get(pk),
                       stage_moves=moves.get(pk, []), risks=risks.get(pk),
                       alerts=alerts.get(pk), referrals=referrals.get(pk, []),
                       overdue=overdue[pk])
            for pk in ids}
