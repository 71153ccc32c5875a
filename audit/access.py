"""Which pages show a client's records, and whose.

Every URL under clients/<pk>/ is about client `pk`. Other pages name another record by
`pk` (a plan, a session, ...): URL_OBJECTS says which model, and the client is found
through it inside the log's own INSERT, so logging costs one query whatever the page.
tests/security/test_access_log.py fails when a URL with a `pk` is in neither list, so a
new page cannot slip past the log.
"""

import functools

from django.apps import apps
from django.db import connections, router, transaction
from django.db.models import Subquery

from audit.models import AccessEvent
from audit.network import client_ip

CLIENT_ROUTE = "clients/<int:pk>/"

# url name: "app_label.Model" that `pk` names; the model leads to exactly one client.
URL_OBJECTS = {
    "plans:detail": "plans.Plan",
    "plans:edit": "plans.Plan",
    "plans:goal_add": "plans.Plan",
    "plans:goal_edit": "plans.Plan",
    "plans:goal_delete": "plans.Plan",
    "plans:sign": "plans.Plan",
    "plans:revise": "plans.Plan",
    "plans:compare": "plans.Plan",
    "plans:review": "plans.Plan",
    "plans:manager_review": "plans.Plan",
    "plans:pdf": "plans.Plan",
    "plans:action_progress": "plans.Action",
    "plans:milestone_reached": "plans.Milestone",
    "plans:agreement_detail": "plans.Agreement",
    "plans:agreement_edit": "plans.Agreement",
    "plans:agreement_sign": "plans.Agreement",
    "plans:agreement_revise": "plans.Agreement",
    "plans:agreement_pdf": "plans.Agreement",
    "plans:referral_edit": "plans.Referral",
    "diary:session": "diary.KeyworkSession",
    "diary:edit": "diary.KeyworkSession",
    "diary:log": "diary.KeyworkSession",
    "diary:addendum": "diary.KeyworkSession",
    "diary:strike": "diary.KeyworkSession",
    "diary:check_in": "diary.KeyworkSession",
    "diary:risk_resolve": "diary.KeyworkSession",
    "diary:contact_strike": "diary.Contact",
}

# Pages with a `pk` that is not about one client: staff, sites, agencies, supervision.
NOT_ABOUT_A_CLIENT = {
    "plans:agency_edit",
    "supervision:detail",
    "supervision:action_add",
    "supervision:action_done",
    "supervision:sign",
    "supervision:confirm",
    "supervision:addendum",
}

# Pictures drawn for a page already logged: logging them again says nothing new.
NOT_LOGGED = {"stages:chart_radar", "stages:chart_line"}

DOWNLOADS = {"clients:photo", "stages:evidence_file", "stages:portfolio_file"}


def kind_of(url_name):
    if url_name in DOWNLOADS:
        return AccessEvent.Kind.DOWNLOAD
    if "export" in url_name:
        return AccessEvent.Kind.EXPORT
    if url_name.endswith("pdf"):
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


def client_of(url_name, route, kwargs):
    """The client id (or a subquery giving it) for a page, or None."""
    if "pk" not in kwargs:
        return None
    if route.startswith(CLIENT_ROUTE):
        return kwargs["pk"]
    label = URL_OBJECTS.get(url_name)
    if label is None:
        return None
    model = apps.get_model(label)
    return Subquery(model.objects.filter(pk=kwargs["pk"]).values(client_lookup(model))[:1])


def is_logged(url_name, route, kwargs):
    if url_name in NOT_LOGGED:
        return False
    if "export" in url_name:
        return True
    return "pk" in kwargs and (route.startswith(CLIENT_ROUTE) or url_name in URL_OBJECTS)


def record(request, *, kind=None, client=None):
    """Write one access-log entry for this request (the middleware calls it for pages; the
    subject access export calls it directly)."""
    match = request.resolver_match
    url_name = match.view_name if match else ""
    if client is None and match:
        client = client_of(url_name, match.route, match.kwargs)
    client_id = client.pk if hasattr(client, "pk") else client
    event = AccessEvent(
        user=request.user,
        client_id=client_id,
        kind=kind or kind_of(url_name),
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
