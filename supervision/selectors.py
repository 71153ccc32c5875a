"""Reads for the manager dashboard and supervision agendas.

Each dashboard figure is a function (site ids, today) -> {client id, ...} built from a
fixed number of aggregate queries; figures are then grouped by each client's keyworker.
The same function gives the number on the dashboard and the list behind it, so the two
always agree.
"""

import datetime
from collections import defaultdict
from dataclasses import dataclass

from django.db.models import Exists, OuterRef
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from clients.models import Allocation, Client
from stages.models import Assessment, ClientStage
from stages.services import INITIAL_WITHIN_DAYS, promotions_due


@dataclass(frozen=True)
class Figure:
    key: str
    label: str
    find: object  # (site ids, today) -> set of client ids
    urgent: bool = False


def _open_clients(site_ids):
    return Client.objects.open().filter(site_id__in=site_ids)


def _initial_missing(site_ids, today):
    late = today - datetime.timedelta(days=INITIAL_WITHIN_DAYS)
    return set(_open_clients(site_ids).filter(admitted_on__lt=late).exclude(
        Exists(Assessment.objects.filter(client=OuterRef("pk"), kind="initial")))
        .values_list("pk", flat=True))


def _promotions(site_ids, today):
    current = ClientStage.objects.current().filter(
        client__in=_open_clients(site_ids)).select_related("stage")
    return promotions_due(current)


def _cover_ending(site_ids, today):
    week_end = today + datetime.timedelta(days=7)
    return set(Allocation.objects.current(today).filter(
        kind=Allocation.Kind.COVER, client__in=_open_clients(site_ids),
        end__lte=week_end).values_list("client_id", flat=True))


FIGURES = [
    Figure("initial_missing", _("Initial assessments missing"), _initial_missing),
    Figure("promotions", _("Promotions awaiting confirmation"), _promotions),
    Figure("cover_ending", _("Cover ending this week"), _cover_ending),
]


def register_figure(figure, *, first=False):
    """Let apps whose data the dashboard shows add their figures (from AppConfig.ready)."""
    if all(f.key != figure.key for f in FIGURES):
        FIGURES.insert(0, figure) if first else FIGURES.append(figure)


def keyworker_of(client_ids, today):
    """{client id: worker id of the current primary keyworker}."""
    return dict(Allocation.objects.current(today).primary()
                .filter(client_id__in=client_ids).values_list("client_id", "worker_id"))


def dashboard(site_ids, keyworkers, today=None):
    """Rows per keyworker: caseload, limit and each figure's client ids; plus site totals."""
    today = today or timezone.localdate()
    found = {figure.key: figure.find(site_ids, today) for figure in FIGURES}
    every = set().union(*found.values()) if found else set()
    owner = keyworker_of(every, today)
    caseloads = defaultdict(int)
    for worker_id in Allocation.objects.current(today).primary().filter(
            client__in=_open_clients(site_ids)).values_list("worker_id", flat=True):
        caseloads[worker_id] += 1
    rows = []
    for worker in keyworkers:
        figures = {key: {c for c in ids if owner.get(c) == worker.pk}
                   for key, ids in found.items()}
        rows.append({"worker": worker, "caseload": caseloads.get(worker.pk, 0),
                     "figures": figures})
    unallocated = {key: {c for c in ids if c not in owner} for key, ids in found.items()}
    return {"rows": rows, "totals": found, "unallocated": unallocated, "figures": FIGURES}


def agenda_for(keyworker, today=None):
    """The dashboard figures for one keyworker, frozen into a supervision's agenda."""
    today = today or timezone.localdate()
    site_ids = list(keyworker.sites.values_list("pk", flat=True))
    data = dashboard(site_ids, [keyworker], today)
    row = data["rows"][0]
    return {"date": today.isoformat(), "caseload": row["caseload"],
            "limit": keyworker.caseload_limit,
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
    ids = figure.find(site_ids, today)
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


# Providers (site ids, worker or None) -> [UrgentItem]; apps add theirs from ready().
URGENT = []


def urgent_items(site_ids, worker=None):
    return [item for provider in URGENT for item in provider(site_ids, worker)]
