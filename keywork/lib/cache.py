"""Parts of pages kept in the cache until the data under them changes.

Every write to a table that pages show moves the *data generation* on, however the write
is made (`save()`, `update()`, `bulk_create()`, raw SQL): a wrapper on every database
connection sees each INSERT, UPDATE and DELETE (a COPY, below Django's cursor, tells it
with `wrote()`). A fragment is cached under the generation
read before its data, so once anything changes it is never served again. Writes move the
generation at once (so a page read after a save in the same request or test shows it) and
again when their transaction commits (so nothing read before the commit survives it).

The generation lives in the default cache. That cache must be shared by every process
that serves pages, or a worker would never hear of another's writes: Redis with
REDIS_URL, else files under var/cache on a single machine (keywork/settings.py).

A fragment also expires after `timeout` seconds, since some of what pages show moves with
the clock rather than the data ("next session", "overdue"). Page fragments' keys name the
user, so no fragment is ever shown to anyone but the person it was made for; permission
checks run on every request, before the cache is asked. Facts kept per site (the
dashboard's client ids, `supervision.selectors.figure_ids`) are never shown as they are:
each page filters them by what the reader may see.
"""

import contextlib
import hashlib
import re
import threading
import uuid

from django.contrib import messages
from django.core.cache import cache
from django.db import transaction
from django.db.backends.signals import connection_created
from django.http import HttpResponse
from django.middleware.csrf import get_token
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import get_language

GENERATION_KEY = "keywork:data-generation"
TIMEOUT = 60

# Tables written while people only read: sessions, login attempts and second factors,
# access logs, when a calendar last read a feed, a client's sign-in codes and links
# (portal's SignIn: asked for by anyone at /me/sign-in/, which would otherwise empty every
# staff page's cache at each ask). Nothing cached shows them, so writing them must not
# throw the cache away. (The plan page lists its last prints, plans_documentaccess: it reads
# them on every request and keys the page by them, plans.views.plan_detail.)
UNWATCHED = ("django_session", "axes_", "otp_", "two_factor_", "audit_", "django_admin_log",
             "plans_documentaccess", "supervision_exportlog", "diary_calendarfeed",
             "portal_signin")
# One-column writes of a table that is otherwise watched, made as a client signs in: when
# they last signed in, and the lock after too many wrong codes (portal.services). Only the
# client file shows them, and it is not cached.
UNWATCHED_UPDATES = ('UPDATE "portal_portalaccess" SET "last_signed_in_at" = %s WHERE',
                     'UPDATE "portal_portalaccess" SET "codes_locked_until" = %s WHERE')

_WRITE = re.compile(r'\s*(?:INSERT\s+INTO|UPDATE|DELETE\s+FROM)\s+"?([\w.]+)', re.IGNORECASE)

# Rendered where {% csrf_token %} would put the request's token, and replaced with the
# current request's own token each time a cached fragment is served (by any process, so
# it is a constant).
CSRF_PLACEHOLDER = "keywork-csrf-token-placeholder"


def watched(sql):
    """Whether `sql` writes a table that cached fragments may show."""
    match = _WRITE.match(sql)
    return (bool(match) and not match.group(1).startswith(UNWATCHED)
            and not sql.lstrip().startswith(UNWATCHED_UPDATES))


def generation():
    value = cache.get(GENERATION_KEY)
    if value is None:
        cache.add(GENERATION_KEY, uuid.uuid4().hex, None)
        value = cache.get(GENERATION_KEY)
    return value


def data_changed():
    cache.set(GENERATION_KEY, uuid.uuid4().hex, None)


def _after_write(connection):
    data_changed()
    if connection.in_atomic_block and not any(
            callback is data_changed for _ids, callback, _robust in connection.run_on_commit):
        transaction.on_commit(data_changed, using=connection.alias)


_bulk_load = threading.local()


@contextlib.contextmanager
def bulk_load():
    """Writes inside this block (in this thread) do not move the generation one by one;
    it moves once at the end. For loading data in bulk (seed_demo), where moving it at
    each of a hundred thousand writes would cost minutes."""
    _bulk_load.active = True
    try:
        yield
    finally:
        _bulk_load.active = False
        data_changed()


def wrote(connection):
    """Tell the cache of a write made below Django's cursor (keywork.lib.bulk's COPY),
    which the watch on Django's cursors cannot see."""
    if not getattr(_bulk_load, "active", False):
        _after_write(connection)


def _watch(execute, sql, params, many, context):
    result = execute(sql, params, many, context)
    if watched(sql) and not getattr(_bulk_load, "active", False):
        _after_write(context["connection"])
    return result


def _install(sender, connection, **kwargs):
    if _watch not in connection.execute_wrappers:
        connection.execute_wrappers.append(_watch)


def watch_writes():
    """Watch every database connection opened from now on (StaffConfig.ready calls this,
    so web workers, management commands and tests all move the generation)."""
    connection_created.connect(_install, dispatch_uid="keywork.lib.cache.watch_writes")


def cached(key, compute, timeout=TIMEOUT):
    """compute(), kept in the cache while the data generation stays the same, for at
    most `timeout` seconds, and never past the day it was made on (timezone.now(), so a
    test moving the clock by days moves past it too)."""
    current = generation()
    # The language too: what is kept is often text, in the reader's language.
    digest = hashlib.sha256(repr((timezone.localdate(), get_language(), key)).encode()
                            ).hexdigest()
    full_key = f"keywork:fragment:{current}:{digest}"
    value = cache.get(full_key)
    if value is None:
        value = compute()
        cache.set(full_key, value, timeout)
    return value


def cached_page(request, key, template_name, context, timeout=TIMEOUT):
    """The response of `template_name` for this request, from the cache when nothing
    changed: the whole page, its frame (menu, bell) included.

    `context` is a function returning the template's context, so its queries run only
    when the page is rendered. `key` must name everything else the page depends on; the
    user and the full path are always part of it. A page with a message waiting to be
    shown is rendered afresh, since the message belongs to this response alone.
    """
    if len(messages.get_messages(request)):
        return render(request, template_name, context())

    def render_page():
        return render_to_string(template_name, {**context(), "csrf_token": CSRF_PLACEHOLDER},
                                request=request)

    html = cached((template_name, request.user.pk, request.get_full_path(), *key), render_page,
                  timeout)
    return HttpResponse(html.replace(CSRF_PLACEHOLDER, get_token(request)))


def cached_render(request, key, template_name, context, timeout=TIMEOUT):
    """Like cached_page, for a part of a page: `template_name` rendered as a fragment
    (without the context processors) for a page whose other parts must be fresh."""
    def render():
        # The page around the fragment runs the context processors; the fragment gets
        # only the request and the user, so its queries are its own.
        return render_to_string(template_name, {
            **context(), "request": request, "user": request.user,
            "csrf_token": CSRF_PLACEHOLDER})

    html = cached((template_name, request.user.pk, request.get_full_path(), *key), render,
                  timeout)
    # The fragment is our own template's output, escaped when it was rendered; only the
    # placeholder is swapped for this request's token.
    return mark_safe(html.replace(CSRF_PLACEHOLDER, get_token(request)))  # noqa: S308
