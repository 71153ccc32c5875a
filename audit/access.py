"""Which pages show a client's records, and whose.

A page says which client it is about where it is written: its view declares it with
`clients.access.client_page` (the client itself, or a record such as a plan or a session
that belongs to one client), or says with `not_a_client_page` that the record its URL
names is not a client's. The log follows that declaration: a record reached by its own
pk leads to its client inside the log's own INSERT, so logging costs one query whatever
the page. tests/security/test_access_log.py fails when a URL naming a record by id has no
declaration, so a new page cannot slip past the log.
"""

import functools

from django.apps import apps
from django.db import connections, router, transaction
from django.db.models import Subquery

from audit.models import AccessEvent
from audit.network import client_ip
from clients.access import UNDECLARED, declaration_of


def page_of(match):
    """The ClientPage the matched view declares, or None."""
    page = declaration_of(match.func)
    return None if page is UNDECLARED else page


def kind_of(match):
    page = page_of(match)
    if page is not None and page.download:
        return AccessEvent.Kind.DOWNLOAD
    if "export" in match.view_name:
        return AccessEvent.Kind.EXPORT
    if match.view_name.endswith("pdf"):
        return AccessEvent.Kind.PDF
    return AccessEvent.Kind.VIEW


# Apps whose tables never hold client records (logins, permissions, sessions).
NOT_CLIENT_DATA = {"admin", "auth", "contenttypes", "sessions", "axes", "otp_static",
                   "otp_totp", "two_factor", "django_otp", "zeal"}
MAX_DEPTH = 3  # foreign keys followed from a model towards its client


def client_paths(model):
    """Every ORM path from `model` to clients.Client ("client", "plan__client", ...)."""
    client_model = apps.get_model("clients", "Client")
    if model is client_model:
        return ["pk"]
    paths, frontier = [], [(model, "")]
    for _ in range(MAX_DEPTH):
        following = []
        for current, prefix in frontier:
            for field in current._meta.get_fields():
                if not (field.many_to_one or field.one_to_one) or not field.concrete:
                    continue
                target = field.related_model
                if target is client_model:
                    paths.append(prefix + field.name)
                elif target._meta.app_label not in NOT_CLIENT_DATA | {"staff"}:
                    following.append((target, prefix + field.name + "__"))
        frontier = following
    return paths


@functools.cache
def client_lookup(model):
    """The ORM path from `model` to its client ("client", "goal__plan__client"), or None:
    the nearest of client_paths(model)."""
    paths = client_paths(model)
    return paths[0] if paths else None


def client_of(match):
    """The client id (or a subquery giving it) for a page, or None."""
    page = page_of(match)
    if page is None or page.several or page.kwarg not in match.kwargs:
        return None
    model = apps.get_model(page.model)
    if model._meta.label == "clients.Client":
        return match.kwargs[page.kwarg]
    return Subquery(model.objects.filter(pk=match.kwargs[page.kwarg])
                    .values(client_lookup(model))[:1])


def is_logged(match):
    """Pages about a client are logged (pictures drawn inside one excepted), and exports."""
    page = page_of(match)
    if page is not None:
        return page.logged
    return "export" in match.view_name


def record(request, *, kind=None, client=None):
    """Write one access-log entry for this request (the middleware calls it for pages; the
    subject access export calls it directly)."""
    match = request.resolver_match
    url_name = match.view_name if match else ""
    if client is None and match:
        client = client_of(match)
    client_id = client.pk if hasattr(client, "pk") else client
    event = AccessEvent(
        user=request.user,
        client_id=client_id,
        kind=kind or (kind_of(match) if match else AccessEvent.Kind.VIEW),
        url_name=url_name[:80],
        path=request.get_full_path()[:500],
        ip_address=client_ip(request) or None,
        user_agent=request.META.get("HTTP_USER_AGENT", "")[:200],
    )
    connection = connections[router.db_for_write(AccessEvent)]
    if connection.vendor != "postgresql" or connection.in_atomic_block:
        event.save()
        return
    # On PostgreSQL the entry is committed without waiting for the disk to confirm it
    # (synchronous_commit off, for this one transaction, which holds nothing else). Waiting
    # took most of each client page's time under load: 156 requests/s with p95 101 ms
    # against 415 and 29 ms without it (`make bench BENCH_DB=postgres`, 2 cores). Should
    # the database server itself crash, entries of its last moment (at most about 0.6 s)
    # may be lost; records people enter are committed as usual. SQLite's WAL mode with
    # synchronous=NORMAL (keywork/settings.py) makes the same trade for every write.
    with transaction.atomic(using=connection.alias):
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL synchronous_commit TO OFF")
        event.save(using=connection.alias)
