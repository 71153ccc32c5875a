"""Places where later apps add to the caseload and the client file, and hear of a change
of keyworker.

The clients app may not import the apps built on it (diary, plans, stages, ...), yet its
pages must show their data: the next session on the caseload, the plan on the file.
So each of those apps registers what it adds here, from its AppConfig.ready(), and the
clients views call every registered loader once per page, with all the rows at once,
so that a page's query count stays fixed whatever the data size.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class CaseloadColumn:
    """A column of "My caseload" (and the site's client list where `on_list`).

    `load(user, clients)` returns {client id: value}; `template` renders one cell with
    `value` and `client` in its context.
    """

    key: str
    heading: str
    template: str
    load: Callable[[Any, list], dict]
    order: int = 50
    on_list: bool = False


@dataclass(frozen=True)
class FileSection:
    """A section of the client file page.

    `load(request, client)` returns the context for `template` (or None to leave the
    section out). Sections with `summary=True` show on the summary that site staff
    without the full file see, so they must hold only what every site colleague may read;
    `full=False` keeps a section off the full file (where a fuller one stands instead).

    On a phone the file is a long scroll, so a section may name itself in the file's
    in-page navigation (`nav`, linking to its heading's id `anchor`) and put its main
    actions at the top of the file (`actions`: a template given the same `data`).
    """

    key: str
    template: str
    load: Callable[[Any, Any], dict | None]
    order: int = 50
    column: str = "main"  # "main" (wide, left) or "side" (narrow, right)
    summary: bool = False
    full: bool = True
    nav: str = ""
    anchor: str = ""
    actions: str = ""


@dataclass(frozen=True)
class ReferralSource:
    """A record a referral can be made from (a visitor at the door), named in the new
    referral's address as `?<param>=<id>`.

    `load(request, value)` returns the referral form's first values from the record
    (its name, date of birth, site), raising Http404 for one the user may not use;
    `referred(*, value, client, by)` is called inside the transaction that saves the
    referral, so the record can follow the new client (a ValidationError refuses both).
    """

    param: str
    load: Callable[[Any, str], dict]
    referred: Callable[..., None]


caseload_columns: list[CaseloadColumn] = []
file_sections: list[FileSection] = []
# Functions (client, spans) -> {episode number: [(text, url)]}: the records of each earlier
# stay that the client file's "Earlier stays" lists (plans lists its plans, stages its
# assessments). `spans`: [(episode, since, until)], the instants between which the stay's
# records were made (`since` None for the first stay). One query for all the spans.
stay_documents: list[Callable[[Any, list], dict]] = []
# Functions (*, client, from_worker, to_worker, start, by) called inside the transaction
# that makes `to_worker` the client's keyworker from `start` in place of `from_worker`
# (one re-allocation or each client of a caseload transfer): the diary moves the
# client's future booked sessions with them. A ValidationError refuses the change.
keyworker_changed: list[Callable[..., None]] = []
# Functions (*, client, since, reason, by) called inside the transaction that moves a
# client to another site or ends their stay: the diary cancels the client's booked
# sessions from the instant `since` on, giving `reason`, and tells whoever held them.
client_leaving: list[Callable[..., None]] = []
# Functions (request, client_id) called when an administrator opens a client in Django's
# admin (its change or history page): the audit app writes it to the access log, as it
# does for every page of the product about a client.
admin_viewed: list[Callable[[Any, int], None]] = []
# {query parameter: ReferralSource}: records a new referral can start from; the referral
# page reads the one named in its address (attendance: a visitor at the door).
referral_sources: dict[str, ReferralSource] = {}


def register_caseload_column(column: CaseloadColumn):
    if all(c.key != column.key for c in caseload_columns):
        caseload_columns.append(column)
        caseload_columns.sort(key=lambda c: c.order)


def register_file_section(section: FileSection):
    if all(s.key != section.key for s in file_sections):
        file_sections.append(section)
        file_sections.sort(key=lambda s: s.order)


def register_keyworker_changed(handler):
    if handler not in keyworker_changed:
        keyworker_changed.append(handler)


def register_admin_viewed(handler):
    if handler not in admin_viewed:
        admin_viewed.append(handler)


def register_client_leaving(handler):
    if handler not in client_leaving:
        client_leaving.append(handler)


def register_referral_source(source: ReferralSource):
    referral_sources[source.param] = source


def referral_source(request):
    """(ReferralSource, value) named in the request's address, or (None, None)."""
    for param, source in referral_sources.items():
        if value := request.GET.get(param):
            return source, value
    return None, None


def register_stay_documents(loader):
    if loader not in stay_documents:
        stay_documents.append(loader)


def caseload_cells(user, clients, *, on_list=False):
    """[(column, {client id: value})] for the registered columns, each loaded once."""
    columns = [c for c in caseload_columns if c.on_list or not on_list]
    return [(column, column.load(user, clients)) for column in columns]


def file_context(request, client, *, summary=False):
    """{"main": [(section, context)], "side": [...], "actions": [...]} for the client file
    or summary: "actions" holds the shown sections that have actions, in their order."""
    placed = {"main": [], "side": [], "actions": []}
    for section in file_sections:
        if (summary and not section.summary) or (not summary and not section.full):
            continue
        context = section.load(request, client)
        if context is not None:
            placed[section.column].append((section, context))
            if section.actions:
                placed["actions"].append((section, context))
    return placed
