"""Losing the database server under load (README "Losing the database server"): a primary
and a streaming replica of Keywork's own (keywork/lib/pgcluster.py), gunicorn pointed at
both by a multi-host DATABASE_URL (target_session_attrs=read-write). Keyworkers save while
the primary is stopped as if its machine had gone and the operator runs `scripts/failover
promote`: the refusals are short, each is the 503 page with what was typed, and every
write confirmed to someone is on the new primary. Then `scripts/failover rejoin` brings
the old primary back as a replica, and it follows."""

import json
import secrets
import socket
import subprocess
import sys
import time

import psycopg
import pytest

from bench import run as bench
from keywork.lib.pgcluster import Cluster
from tests.load import stored
from tests.load.conftest import RESULTS, ROOT, VAR, Database, server_env
from tests.load.keyworkers import Load

# (bench/replica.py has 5451-5452 and 8141-8143.)
PRIMARY_PORT, REPLICA_PORT, GUNICORN_PORT = 5453, 5454, 8144
NAME = "keywork_failover"
SCRIPT = [sys.executable, str(ROOT / "scripts" / "failover")]


def url(port, dbname=NAME):
    return f"postgres://postgres@127.0.0.1:{port}/{dbname}"


# The app's one setting for both servers: libpq tries each and keeps the one taking writes.
APP_URL = (f"postgres://postgres@127.0.0.1:{PRIMARY_PORT},127.0.0.1:{REPLICA_PORT}/{NAME}"
           "?target_session_attrs=read-write&connect_timeout=3")


def execute(target, sql, params=()):
    with psycopg.connect(target, autocommit=True, connect_timeout=5) as conn:
        cursor = conn.execute(sql, params)
        return cursor.fetchall() if cursor.description else None


@pytest.fixture(scope="module")
def pair():
    """(primary, replica, people, server): the load site built on the primary, a
    synchronous streaming replica, gunicorn on both."""
    folder = VAR / "failover"
    primary = Cluster(folder / "primary", PRIMARY_PORT).init()
    replica = Cluster(folder / "replica", REPLICA_PORT)
    server = None
    try:
        primary.start()
        execute(primary.url(), f'CREATE DATABASE "{NAME}"')
        env = server_env("postgres", SECRET_KEY=secrets.token_urlsafe(50), DATABASE_URL=APP_URL,
                         CACHE_URL=f"filecache://{VAR / 'cache-failover'}")
        out = VAR / "people-failover.json"
        for command in (["manage.py", "migrate", "--no-input", "-v0"],
                        ["-m", "tests.load.build", str(out)]):
            subprocess.run([sys.executable, *command], cwd=ROOT, env=env, check=True,
                           stdout=subprocess.DEVNULL)
        replica.basebackup(primary, {"synchronous_standby_names": "''"}).start()
        # From now on a commit on the primary waits until the replica has it on disk.
        execute(primary.url(), "ALTER SYSTEM SET synchronous_standby_names = "
                + replica.synchronous_standby())
        execute(primary.url(), "SELECT pg_reload_conf()")
        # A checkpoint now, as the primary's own every few minutes would be in service:
        # pg_rewind starts from the last one both servers share, and needs its WAL.
        execute(primary.url(), "CHECKPOINT")
        # bench.Server waits for /healthz on the port: another server there would pass.
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", GUNICORN_PORT)) == 0:
                pytest.fail(f"port {GUNICORN_PORT} is taken by another server")
        server = bench.Server(env, GUNICORN_PORT, log_dir=VAR)
        yield primary, replica, json.loads(out.read_text()), server
    finally:
        if server is not None:
            server.stop()
        primary.destroy()
        replica.destroy()


def failed(request):
    return request.status is None or request.status >= 400


def test_losing_the_primary_under_load_refuses_briefly_and_loses_no_confirmed_write(pair):
    primary, replica, people, server = pair
    moments = {}

    def lose_the_primary(load):
        load.wait_until(6)
        moments["stopped"] = load.now()
        primary.stop("immediate")  # as if its machine had gone: no shutdown, no goodbye
        # The operator's step (README): here at once, as a monitor that promotes would.
        subprocess.run([*SCRIPT, "promote", replica.url(NAME)], check=True, timeout=120)
        moments["promoted"] = load.now()

    load = Load(server.port, people, tag="failover", seconds=30).drive(during=lose_the_primary)
    new_primary = Database("postgres", replica.url(NAME))
    problems, figures = stored.check(load, new_primary)
    refused = [r for r in load.requests if failed(r)]
    first = min((r.started for r in refused), default=moments["stopped"])
    last = max((r.started + r.seconds for r in refused), default=moments["stopped"])
    after = [r for r in load.requests if r.started > last]
    figures = load.summary() | figures | {
        "primary_stopped_at_s": round(moments["stopped"], 1),
        "promoted_after_s": round(moments["promoted"] - moments["stopped"], 1),
        "refused": len(refused),
        "refused_posts": sum(r.method == "POST" for r in refused),
        "refusals_lasted_s": round(last - first, 1),
        "requests_after_last_refusal": len(after),
        "confirmed_writes": len(load.confirmed()),
    }
    RESULTS.setdefault("postgres-failover", {})["primary lost, replica promoted"] = figures

    assert refused, "no request was refused: the primary was not lost under load"
    assert last - first < 30
    assert load.cut() == []
    for request in refused:
        assert request.status == 503, f"{request.method} {request.path}: {request.status}"
        assert "Traceback" not in request.body
        if request.method == "POST":
            # What the keyworker typed (their marker is in every form they send) is shown.
            assert "Keywork could not save this just now" in request.body
            assert f"{load.tag}-" in request.body
        else:
            assert "Keywork cannot reach its records just now" in request.body
    assert after and not any(failed(r) for r in after)
    # Every write confirmed to a keyworker is on the new primary, once; none half-written.
    assert problems == []
    assert figures["confirmed_found_once"] == len(load.confirmed()) > 0


def test_the_old_primary_rejoins_as_a_replica_and_follows(pair):
    primary, replica, people, server = pair
    if execute(replica.url(), "SELECT pg_is_in_recovery()")[0][0]:
        pytest.fail("runs after the failover test (the replica is not yet promoted)")
    started = time.monotonic()
    rejoined = subprocess.run([*SCRIPT, "rejoin", "--datadir", str(primary.datadir), "--port",
                               str(primary.port), "--primary", f"127.0.0.1:{replica.port}",
                               "--listen", "127.0.0.1"],
                              check=True, timeout=1800, capture_output=True, text=True).stdout
    rejoined_s = time.monotonic() - started
    assert execute(primary.url(), "SELECT pg_is_in_recovery()")[0][0] is True
    # The new primary waits for it by name, and for nothing else that streams from it.
    assert execute(replica.url(), "SELECT application_name, sync_state FROM "
                   "pg_stat_replication") == [(primary.standby_name, "sync")]
    # The app keeps writing to the new primary (libpq skips the rejoined replica, which
    # refuses writes); with synchronous replication each commit reached the old one too.
    load = Load(server.port, people, tag="rejoined", seconds=8).drive()
    deadline = time.monotonic() + 30
    while True:
        problems, figures = stored.check(load, Database("postgres", primary.url(NAME)))
        if not problems or time.monotonic() > deadline:
            break
        time.sleep(0.5)
    RESULTS.setdefault("postgres-failover", {})["old primary rejoined"] = {
        "rejoin_s": round(rejoined_s, 1), "how": rejoined.strip(),
        "writes_confirmed": len(load.confirmed()),
        "found_on_the_rejoined_replica": figures["confirmed_found_once"],
        "failed_requests": sum(failed(r) for r in load.requests)}
    assert not any(failed(r) for r in load.requests)
    assert problems == [] and figures["confirmed_found_once"] == len(load.confirmed()) > 0
