"""Keywork served as in production (gunicorn, DEBUG off) on a database of its own, first
SQLite then PostgreSQL, for the load and fault tests (`make test-load`; `make test` leaves
this folder out).

Each database is built fresh: migrate, then tests/load/build.py (20 keyworkers with a
client and a draft plan each, logged in). The test process reads the database with plain
SQL: its own Django settings are the unit tests', pointed elsewhere.
"""

import contextlib
import datetime
import json
import os
import secrets
import shutil
import sqlite3
import subprocess
import sys
import time
import types
from pathlib import Path

import pytest

from bench import run as bench

ROOT = Path(__file__).resolve().parents[2]
VAR = ROOT / "var" / "load"
PG_URL = os.environ.get("LOAD_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/keywork_load")
PORTS = {"sqlite": 8121, "postgres": 8122, "sqlite-full-disk": 8123}
RESULTS = {}


def server_env(db, **extra):
    """Production settings (bench.run.django_env) on the load database, without what the
    unit tests' pytest-env sets for this process (the N+1 guard, CONN_MAX_AGE=0, ...)."""
    cfg = types.SimpleNamespace(db=db, pg_url=PG_URL, sqlite_path=VAR / "keywork-load.sqlite3",
                                redis_url="")
    env = bench.django_env(cfg, **{
        "STATIC_MANIFEST": "false", "NPLUSONE_GUARD": "false",
        "CONN_MAX_AGE": "60", "CACHE_URL": f"filecache://{VAR / ('cache-' + db)}"} | extra)
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    return env


class Database:
    """Plain SQL on the database under test."""

    def __init__(self, kind, target):
        self.kind, self.target = kind, target

    def rows(self, sql, params=()):
        if self.kind == "sqlite":
            with contextlib.closing(sqlite3.connect(self.target, timeout=30)) as connection:
                return connection.execute(sql, params).fetchall()
        import psycopg

        with psycopg.connect(self.target, connect_timeout=10) as connection:
            return connection.execute(sql.replace("?", "%s"), params).fetchall()

    def execute(self, sql):
        if self.kind == "sqlite":
            with contextlib.closing(sqlite3.connect(self.target, timeout=30)) as connection:
                connection.executescript(sql)
            return
        import psycopg

        with psycopg.connect(self.target, connect_timeout=10, autocommit=True) as connection:
            connection.execute(sql)


class Deployment:
    """One gunicorn on one database, with the people the load logs in as."""

    def __init__(self, kind, env, server, people, database, build_seconds):
        self.kind, self.env, self.server, self.people = kind, env, server, people
        self.database, self.build_seconds = database, build_seconds

    @property
    def port(self):
        return self.server.port

    def log_size(self):
        self.server.log.flush()
        return Path(self.server.log.name).stat().st_size

    def log_since(self, offset):
        with open(self.server.log.name, "rb") as log:
            log.seek(offset)
            return log.read().decode("utf-8", "replace")


def postgres_reachable():
    import psycopg

    try:
        psycopg.connect(PG_URL.rsplit("/", 1)[0] + "/postgres", connect_timeout=5).close()
    except psycopg.OperationalError:
        return False
    return True


def build(kind, env):
    """A fresh database: migrate, then the load site (tests/load/build.py)."""
    if kind == "postgres":
        bench._pg_admin(types.SimpleNamespace(pg_url=PG_URL), recreate=True)
    else:
        for suffix in ("", "-wal", "-shm"):
            Path(f"{env['SQLITE_PATH']}{suffix}").unlink(missing_ok=True)
    shutil.rmtree(VAR / f"cache-{kind}", ignore_errors=True)
    out = VAR / f"people-{kind}.json"
    for command in (["manage.py", "migrate", "--no-input", "-v0"],
                    ["-m", "tests.load.build", str(out)]):
        subprocess.run([sys.executable, *command], cwd=ROOT, env=env, check=True,
                       stdout=subprocess.DEVNULL)
    return json.loads(out.read_text())


@pytest.fixture(scope="session", params=["sqlite", "postgres"])
def deployment(request):
    kind = request.param
    if kind == "postgres" and not postgres_reachable():
        pytest.fail(f"PostgreSQL is not reachable at {PG_URL}: start it (pg_ctlcluster 15 main "
                    "start); make test-load measures both databases")
    VAR.mkdir(parents=True, exist_ok=True)
    env = server_env(kind, SECRET_KEY=secrets.token_urlsafe(50))
    started = time.monotonic()
    people = build(kind, env)
    seconds = round(time.monotonic() - started)
    server = bench.Server(env, PORTS[kind], log_dir=VAR)
    database = Database(kind, env["DATABASE_URL"] if kind == "postgres" else env["SQLITE_PATH"])
    try:
        yield Deployment(kind, env, server, people, database, seconds)
    finally:
        server.stop()


@pytest.fixture
def results(deployment):
    """results(name, figures): kept for the summary printed at the end and var/load/."""

    def add(name, figures):
        RESULTS.setdefault(deployment.kind, {
            "server": "gunicorn keywork.wsgi --workers 2 (sync), DEBUG off",
            "built_in_seconds": deployment.build_seconds})
        RESULTS[deployment.kind][name] = figures

    return add


def pytest_terminal_summary(terminalreporter):
    if not RESULTS:
        return
    path = VAR / f"results-{datetime.date.today().isoformat()}.json"
    path.write_text(json.dumps(RESULTS, indent=2) + "\n")
    terminalreporter.section("load and faults: what was measured")
    for kind, sections in RESULTS.items():
        for name, figures in sections.items():
            terminalreporter.write_line(f"{kind} {name}: {json.dumps(figures)}")
    terminalreporter.write_line(f"(also in {path.relative_to(ROOT)})")
