"""The bench analyses the tables a run grows, as autovacuum would between two pages
(bench.run.analyse_grown_tables): the servers here run with autovacuum off, and a
newly built database's access log was planned as 34 lines when it held 28,318."""

import pytest
from django.db import connection

from audit.models import AccessEvent
from bench.run import analyse_grown_tables

pytestmark = pytest.mark.django_db(transaction=True)  # autocommit: the counts flush
on_postgresql = pytest.mark.skipif(connection.vendor != "postgresql",
                                   reason="PostgreSQL's statistics; SQLite's test is below")


def log_lines(keyworker, client_record, count):
    AccessEvent.objects.bulk_create([
        AccessEvent(user=keyworker, client=client_record, kind=AccessEvent.Kind.VIEW,
                    url_name="clients:detail", path=f"/clients/{n}/") for n in range(count)])
    if connection.vendor == "postgresql":  # counted now, not a second after the last flush
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_stat_force_next_flush()")


def counts(table):
    """(rows changed since the table was last analysed, autovacuum's threshold for it)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_stat_force_next_flush()")  # this backend's counts, now
        cursor.execute(
            "SELECT s.n_mod_since_analyze,"
            " current_setting('autovacuum_analyze_threshold')::float8"
            " + current_setting('autovacuum_analyze_scale_factor')::float8"
            " * greatest(c.reltuples, 0)"
            " FROM pg_stat_user_tables s JOIN pg_class c ON c.oid = s.relid"
            " WHERE s.relname = %s", [table])
        return cursor.fetchone()


@on_postgresql
def test_a_table_changed_less_than_the_threshold_is_left_alone(keyworker, client_record):
    analyse_grown_tables()  # whatever the tests before left grown
    changed, threshold = counts("audit_accessevent")
    log_lines(keyworker, client_record, int(threshold) - changed - 5)
    assert "audit_accessevent" not in analyse_grown_tables()
    assert counts("audit_accessevent")[0] > 0  # not analysed: still counted


@on_postgresql
def test_a_table_grown_past_the_threshold_is_analysed_once(keyworker, client_record):
    analyse_grown_tables()
    changed, threshold = counts("audit_accessevent")
    log_lines(keyworker, client_record, int(threshold) - changed + 1)
    assert "audit_accessevent" in analyse_grown_tables()
    changed, threshold = counts("audit_accessevent")
    assert changed < threshold  # another backend's counts may arrive late, never 50 rows
    assert "audit_accessevent" not in analyse_grown_tables()


@pytest.mark.skipif(connection.vendor == "postgresql", reason="SQLite's; PostgreSQL's above")
def test_nothing_is_analysed_on_sqlite(keyworker, client_record):
    log_lines(keyworker, client_record, 80)
    assert analyse_grown_tables() == []
