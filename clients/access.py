"""Who may open a client's records: the one place it is decided.

The rule. Administrators manage staff and reference data, never client files. Everyone
else sees the clients at their own sites: a manager there opens every file in full; a
keyworker opens in full the files of the clients they hold an allocation for on the day
(keyworker, co-keyworker or cover, by `AllocationQuerySet.current`), and the summary of
the others.

- `decide()` turns the two facts of the rule (at one of the user's sites; allocated to
  the user on the day) into a level: Access.FULL, Access.SUMMARY or None.
- `clients_for()` applies the rule to a queryset of clients, as a filter on the same two
  facts (`_at_users_site`, and `_allocations_of` as a list of clients); `Client.objects.
  for_user` and `.in_full_for` are this filter.
- `access_level()` answers it for one client in one query: the same two facts, compiled
  once from the same expressions and then sent as plain SQL (the ORM took about 3 ms to
  build and compile the question on every page of a client, more than the rest of a
  cached client file: 0.7 ms in all this way, measured in one process against
  `make bench`'s PostgreSQL database of 2,000 clients).
- The view helpers (`client_access`, `client_for`, `require_manager`, `require_open`)
  turn the answer into 404 (the user may not know the client exists), 403 (summary only)
  or a redirect, and `client_page` declares which client a page is about, for the
  access log (audit.access).
"""

import dataclasses
import datetime
import functools

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db import connections, models, router
from django.db.models import Exists, OuterRef
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from clients.models import Allocation, Client
from keywork.lib.sites import site_choice, sites_of
from staff.models import User


class Access(models.TextChoices):
    FULL = "full", gettext_lazy("Full file")
    SUMMARY = "summary", gettext_lazy("Summary only")


# The rule ---------------------------------------------------------------------------------


def _reads_client_files(user):
    return user.is_authenticated and not user.is_administrator


def decide(user, *, at_site, allocated):
    """The level at which `user` may open a client: at one of their sites (`at_site`), held
    by them on the day (`allocated`)."""
    if not _reads_client_files(user) or not at_site:
        return None
    if user.is_manager or allocated:
        return Access.FULL
    return Access.SUMMARY


def _at_users_site(user_id):
    """A client row is at one of the user's sites."""
    return Exists(User.sites.through.objects.filter(user_id=user_id,
                                                    site_id=OuterRef("site_id")))


def _allocations_of(user_id, on):
    """The user's allocations in force on the day."""
    return Allocation.objects.current(on).filter(worker_id=user_id)


def _allocated(user_id, on):
    """A client row has an allocation to the user in force on the day."""
    return Exists(_allocations_of(user_id, on).filter(client_id=OuterRef("pk")))


# Many clients: a queryset filter ----------------------------------------------------------


def clients_for(user, need=Access.SUMMARY, *, on=None, queryset=None):
    """The clients (of `queryset`, else all) that `user` may open at least at level `need`
    on the day `on` (today): decide() applied as a filter."""
    queryset = Client.objects.all() if queryset is None else queryset
    if not _reads_client_files(user):
        return queryset.none()
    visible = queryset.filter(_at_users_site(user.pk))
    if need == Access.SUMMARY or user.is_manager:
        return visible
    # `_allocated` as the list of the user's clients (IN), not asked of each client (EXISTS):
    # SQLite then starts from the user's few allocations instead of reading every client
    # of the site (a keyworker's booking form: 2 ms of SQL down to 0.2 on the bench's site).
    return visible.filter(
        pk__in=_allocations_of(user.pk, on or timezone.localdate()).values("client_id"))


# One client: the same two facts in one query --------------------------------------------

_USER, _CLIENT, _ON = -7_000_001, -7_000_002, datetime.date(1901, 2, 3)


@functools.cache
def _one_client_sql(alias):
    """(sql, its parameters) asking the two facts of decide() for one client: compiled
    once per database from `_at_users_site` and `_allocated`, with stand-in values that
    name the parameters to fill in ("user", "client", "on"); any other parameter is a
    constant of the query, kept as it is (as `(value,)`)."""
    connection = connections[alias]
    query = (Client.objects.using(alias).order_by().filter(pk=_CLIENT)
             .annotate(at_site=_at_users_site(_USER), allocated=_allocated(_USER, _ON))
             .values_list("at_site", "allocated").query)
    sql, params = query.get_compiler(using=alias).as_sql()
    stand_ins = {_USER: "user", _CLIENT: "client",
                 connection.ops.adapt_datefield_value(_ON): "on"}
    return sql, tuple(stand_ins.get(param, (param,)) for param in params)


def access_level(user, client, *, on=None):
    """The level at which `user` may open `client` (a Client or its pk) on the day `on`
    (today): Access.FULL, Access.SUMMARY, or None (no such client, or none of theirs).
    Every page of one client asks it before it reads anything of the client."""
    if not _reads_client_files(user):
        return None
    pk = getattr(client, "pk", client)
    alias = router.db_for_read(Client)
    connection = connections[alias]
    low, high = connection.ops.integer_field_range(Client._meta.pk.get_internal_type())
    if not low <= pk <= high:  # no such client (the ORM answers an empty result too)
        return None
    sql, params = _one_client_sql(alias)
    values = {"user": user.pk, "client": pk,
              "on": connection.ops.adapt_datefield_value(on or timezone.localdate())}
    with connection.cursor() as cursor:
        cursor.execute(sql, [param[0] if isinstance(param, tuple) else values[param]
                             for param in params])
        row = cursor.fetchone()
    if row is None:
        return None
    return decide(user, at_site=bool(row[0]), allocated=bool(row[1]))


# What views call --------------------------------------------------------------------------


def client_access(request, pk, need=Access.FULL):
    """The level at which the user may open client `pk`, if it is at least `need`.

    404 when the user may not know the client exists (another site, or an administrator);
    403 when they can see the summary but not the full file.
    """
    access = access_level(request.user, pk)
    if access is None:
        raise Http404
    if need == Access.FULL and access != Access.FULL:
        raise PermissionDenied
    return access


def client_for(request, pk, need=Access.FULL):
    """The client `pk` (with its site, and `.access` set) if the user may see it at the
    level `need`; see client_access."""
    return fetch(pk, client_access(request, pk, need))


def fetch(pk, access):
    """The client `pk` with its site, marked with the `access` already decided."""
    client = get_object_or_404(Client.objects.select_related("site"), pk=pk)
    client.access = access
    return client


def require_client(request, client, need=Access.FULL):
    """For a record reached by its own pk (a plan, a session): 404 unless the user may see
    its client, 403 unless at the level `need`."""
    return client_access(request, client.pk, need)


def require_manager(request, site=None):
    """403 unless the user is a manager; 404 unless of `site` (a Site or id), when given."""
    if not request.user.is_manager:
        raise PermissionDenied
    if site is not None and not request.user.manages(site):
        raise Http404


def manager_site(request):
    """(the site a manager is looking at, from the one site picker; all their active sites),
    for the pages a manager runs a site from."""
    require_manager(request)
    sites = sites_of(request.user)
    return site_choice(request, sites), sites


def require_open(request, client):
    """A redirect back to the file, with a message, when the client has left."""
    if client.is_archived:
        messages.error(request, _("This client has left; the record is archived and read-only."))
        return redirect(client)
    return None


# Which client a page is about -------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class ClientPage:
    """A page shows the records of the client that its URL's `kwarg` leads to: the client
    itself, or a record of `model` ("app_label.Model") that belongs to one client. A record
    about several clients (`several`: a safeguarding incident) names them from its view with
    `shows_clients()`, and the log records the page once for each."""

    model: str = "clients.Client"
    kwarg: str = "pk"
    logged: bool = True
    download: bool = False
    several: bool = False


def client_page(model="clients.Client", *, kwarg="pk", logged=True, download=False):
    """Declare, on a view, which client its page is about. The access log
    (audit.access) logs every page so declared, with its client; `logged=False` for a
    picture drawn inside a page already logged, `download=True` for a file.
    tests/security/test_access_log.py fails when a page naming a record is undeclared."""
    declaration = ClientPage(model, kwarg, logged, download)

    def declare(view):
        view.client_page = declaration
        return view

    return declare


def several_clients_page(model, *, kwarg="pk"):
    """Declare, on a view of a `model` record about several clients, that the page shows
    their records: the view names them with `shows_clients(request, ids)` once it has
    checked permission, and the access log records the page for each of them."""
    declaration = ClientPage(model, kwarg, several=True)

    def declare(view):
        view.client_page = declaration
        return view

    return declare


def shows_clients(request, client_ids):
    """The clients a `several_clients_page` view shows (read by the access log)."""
    request.clients_shown = list(client_ids)


def not_a_client_page(view):
    """Declare, on a view whose URL names a record, that the record is not a client's (a
    supervision, an agency): the access log leaves it alone."""
    view.client_page = None
    return view


class _Undeclared:
    def __repr__(self):
        return "UNDECLARED"


UNDECLARED = _Undeclared()


def declaration_of(view):
    """The ClientPage a view declares; None when it declares that it is about no client;
    UNDECLARED when it says nothing."""
    return getattr(view, "client_page", UNDECLARED)


def require_manager_or_administrator(request):
    """403 unless the user is a manager or an administrator: the pages that bring a site's
    records in as a whole (imports), which administrators run for any site."""
    if not (request.user.is_manager or request.user.is_administrator):
        raise PermissionDenied
