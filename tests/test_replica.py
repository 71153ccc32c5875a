"""Reports on a replica (keywork/lib/replica.py): the setting and the router. With no
REPORTS_DATABASE_URL there is no "reports" database and every read goes to "default";
with it, the router sends reads inside `reading_reports` there and every write to
"default". tests/test_replica_reports.py runs the report pages against a "reports"
database."""

import json
import os
import subprocess
import sys

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections, router

from clients.models import Client
from keywork.lib.replica import REPORTS, ReportsRouter, reading_reports

ROOT = settings.BASE_DIR


def test_without_the_setting_there_is_no_reports_database_and_reports_read_default():
    assert REPORTS not in settings.DATABASES and REPORTS not in connections.settings
    assert settings.DATABASE_ROUTERS == ["keywork.lib.replica.ReportsRouter"]
    with reading_reports():
        assert router.db_for_read(Client) == DEFAULT_DB_ALIAS
    assert router.db_for_read(Client) == DEFAULT_DB_ALIAS


def _settings_with(**environ):
    """keywork.settings' DATABASES read by a fresh interpreter with `environ` set."""
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL",
                                                             "REPORTS_DATABASE_URL")}
    code = ("import json; from keywork import settings; "
            "print(json.dumps(settings.DATABASES, default=str))")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env | environ,
                         capture_output=True, text=True, check=True).stdout
    return json.loads(out)


def test_reports_database_url_adds_the_reports_database_and_the_primary_may_be_two_servers():
    databases = _settings_with(
        DATABASE_URL="postgres://kw@127.0.0.1:5451,127.0.0.1:5452/keywork"
                     "?target_session_attrs=read-write",
        REPORTS_DATABASE_URL="postgres://kw@127.0.0.1:5452/keywork")
    primary, reports = databases["default"], databases[REPORTS]
    # libpq's multi-host form, passed to psycopg as it is: it connects to whichever of
    # the two takes writes.
    assert (primary["HOST"], primary["PORT"]) == ("127.0.0.1,127.0.0.1", "5451,5452")
    assert primary["OPTIONS"] == {"target_session_attrs": "read-write"}
    assert (reports["HOST"], reports["PORT"], reports["NAME"]) == ("127.0.0.1", 5452,
                                                                   "keywork")
    assert reports["CONN_HEALTH_CHECKS"] is True
    assert reports["TEST"] == {"MIRROR": "default"}
    assert REPORTS not in _settings_with(DATABASE_URL="postgres://kw@127.0.0.1/keywork")


class _Saved:
    _state = type("State", (), {"db": REPORTS})()


def test_the_router_sends_every_write_and_migration_to_default():
    routing = ReportsRouter()
    with reading_reports():
        assert routing.db_for_write(Client) == DEFAULT_DB_ALIAS
        # Django would otherwise save an object where it was read from: the replica.
        assert routing.db_for_write(Client, instance=_Saved()) == DEFAULT_DB_ALIAS
    assert routing.allow_migrate(DEFAULT_DB_ALIAS, "clients")
    assert not routing.allow_migrate(REPORTS, "clients")
    assert routing.allow_relation(_Saved(), Client())
