"""Reports read from a replica: the "reports" database, when REPORTS_DATABASE_URL is set.

The outcome report and the exports read a quarter of every site's records. On a large
installation they read from a PostgreSQL streaming replica, so that a year's report never
slows the keyworkers' pages on the primary. A view opts in with `@reads_from_reports`;
while it runs, the ReportsRouter sends its reads to "reports". Everything else, and every
write at any time (the access log written while a report is read, the export's log, the
session), goes to "default": a replica refuses writes.

A replica lags the primary by a little (usually well under a second), so only reports and
exports belong there, never a page that shows what someone has just saved.

With REPORTS_DATABASE_URL unset there is no "reports" alias and nothing changes.
"""

import contextlib
import contextvars
import functools

from django.db import DEFAULT_DB_ALIAS, connections

REPORTS = "reports"

_reading_reports = contextvars.ContextVar("reading_reports", default=False)


def reports_alias():
    """The alias the reports read from: "reports" when it is configured, else "default"."""
    return REPORTS if REPORTS in connections.settings else DEFAULT_DB_ALIAS


@contextlib.contextmanager
def reading_reports():
    """Reads inside the block go to the reports database (writes still go to default)."""
    token = _reading_reports.set(True)
    try:
        yield
    finally:
        _reading_reports.reset(token)


def reads_from_reports(view):
    """A view whose reads go to the reports database (writes still go to default)."""

    @functools.wraps(view)
    def wrapper(*args, **kwargs):
        with reading_reports():
            return view(*args, **kwargs)

    return wrapper


class ReportsRouter:
    """Reads inside `@reads_from_reports` go to "reports" (when it exists); every other read
    and every write to "default". Django falls back to the instance's own database when
    a router says nothing, so this one always names one: an object read from the replica
    and then saved is saved on the primary."""

    def db_for_read(self, model, **hints):
        return reports_alias() if _reading_reports.get() else DEFAULT_DB_ALIAS

    def db_for_write(self, model, **hints):
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1, obj2, **hints):
        # The replica holds the primary's rows: a row read from either is the same row.
        return True

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        # The replica follows the primary's schema by replication; it is never migrated.
        return db == DEFAULT_DB_ALIAS
