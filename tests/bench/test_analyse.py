"""The bench analyses the tables a run grows, as autovacuum would between two pages
(bench.run.analyse_grown_tables): the servers here run with autovacuum off, and a
newly built database's access log was planned as 34 lines when it held 28,318."""

import pytest
from django.db import connection

from audit.models import AccessEvent
from bench.run import analyse_grown_tables

pytestmark = pytest.mark.django_db(transaction=True)


def changed_since_analysed(table):
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_stat_force_next_flush()")  # this backend's counts, now
        cursor.execute("SELECT n_mod_since_analyze FROM pg_stat_user_tables"
                       " WHERE relname = %s", [table])
        return cursor.fetchone()[0]


def test_a_table_grown_past_autovacuums_threshold_is_analysed_once(keyworker,
                                                                   client_record):
    if connection.vendor == "postgresql":
        analyse_grown_tables()  # whatever the tests before left grown
    AccessEvent.objects.bulk_create([  # autovacuum's threshold: 50 + 10 % of the table
        AccessEvent(user=keyworker, client=client_record, kind=AccessEvent.Kind.VIEW,
                    url_name="clients:detail", path=f"/clients/{n}/") for n in range(80)])
    if connection.vendor != "postgresql":
        assert analyse_grown_tables() == []  # SQLite's planner keeps no such counts
        return
    assert changed_since_analysed("audit_accessevent") >= 80
    assert "audit_accessevent" in analyse_grown_tables()
    assert changed_since_analysed("audit_accessevent") == 0
    assert "audit_accessevent" not in analyse_grown_tables()
