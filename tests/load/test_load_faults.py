"""Faults under load: a gunicorn worker killed mid-request, PostgreSQL restarted mid-run,
and the database refusing a write part-way (a full disk). Keywork recovers by itself,
never leaves a record half-written, and tells the person what happened to their text."""

import contextlib
import os
import shutil
import signal
import sqlite3
import subprocess
import time
import types

import pytest

from bench import run as bench
from tests.load import stored
from tests.load.conftest import PORTS, VAR, Database, server_env
from tests.load.keyworkers import Keyworker, Load, form_with

# pg_ctlcluster's version and name of the cluster behind 127.0.0.1:5432 (Debian's).
PG_CLUSTER = os.environ.get("LOAD_PG_CLUSTER", "15 main").split()


def test_a_worker_killed_mid_request_is_replaced_and_leaves_nothing_half_written(
        deployment, results):
    kills = []

    def kill_workers(load):
        for moment in (3, 6, 9):
            load.wait_until(moment)
            workers = deployment.server.workers()
            victim = workers[len(kills) % len(workers)]
            os.kill(victim, signal.SIGKILL)
            kills.append((load.now(), victim))

    load = Load(deployment.port, deployment.people, tag=f"kill-{deployment.kind}",
                seconds=16).drive(during=kill_workers)
    problems, figures = stored.check(load, deployment.database)
    last_kill = kills[-1][0]
    failed_after = [r for r in load.requests if r.started > last_kill
                    and (r.status is None or r.status >= 400)]
    results("worker killed", load.summary() | figures | {
        "kills_at_seconds": [round(moment, 1) for moment, _pid in kills],
        "requests_cut": [f"{r.method} {r.path}" for r in load.cut()],
        "failed_after_last_kill": len(failed_after)})

    # Each kill cut a request short (it was mid-request), and only those.
    assert load.cut(), "no request was in flight when the workers were killed"
    assert all(any(0 <= r.started + r.seconds - moment < 2 for moment, _pid in kills)
               for r in load.cut())
    assert load.server_errors() == []
    assert failed_after == []
    # The master replaced each worker killed.
    workers = deployment.server.workers()
    assert len(workers) == 2 and not {pid for _moment, pid in kills} & set(workers)
    assert problems == []


def pg_ready():
    return subprocess.run(["pg_isready", "-q", "-h", "127.0.0.1"], check=False).returncode == 0


def restart_postgresql(load):
    """(when the restart began, when PostgreSQL answered again), in the load's seconds."""
    began = load.now()
    try:
        subprocess.run(["pg_ctlcluster", *PG_CLUSTER, "restart"], check=True, timeout=120)
    finally:
        deadline = time.monotonic() + 60
        while not pg_ready() and time.monotonic() < deadline:
            time.sleep(0.2)
    return began, load.now()


def test_postgresql_restarted_mid_run_is_recovered_from_without_restarting_gunicorn(
        deployment, results):
    if deployment.kind != "postgres":
        pytest.skip("restarts PostgreSQL: in the PostgreSQL run only")
    if not shutil.which("pg_ctlcluster"):
        pytest.fail("restarting PostgreSQL needs Debian's pg_ctlcluster (postgresql-common)")
    workers = deployment.server.workers()
    restarts = {}

    def restart_twice(load):
        # While every keyworker is busy: requests meanwhile fail.
        load.wait_until(4)
        restarts["busy"] = restart_postgresql(load)
        # While the workers sit idle, each holding a connection (CONN_MAX_AGE) that the
        # restart has closed: the health check (CONN_HEALTH_CHECKS) must find it dead
        # and open another before the next request uses it.
        load.wait_until(restarts["busy"][1] + 4)
        load.pause()
        restarts["idle"] = restart_postgresql(load)
        load.resume()

    try:
        load = Load(deployment.port, deployment.people, tag="restart-postgres",
                    seconds=26).drive(during=restart_twice)
    finally:
        if not pg_ready():
            subprocess.run(["pg_ctlcluster", *PG_CLUSTER, "start"], check=False, timeout=120)
    problems, figures = stored.check(load, deployment.database)
    began, up = restarts["busy"]
    failed = [r for r in load.requests if r.status is None or r.status >= 400]
    after = [r for r in load.requests if r.started >= up]
    after_idle = [r for r in load.requests if r.started >= restarts["idle"][1]]
    results("postgresql restarted", load.summary() | figures | {
        "restart_began_at_s": round(began, 1),
        "pg_ctlcluster_restart_took_s": round(up - began, 1),
        "failed_during_restart": len(failed),
        # From the restart command to the end of the last request that failed: how long
        # people saw the 503 page.
        "errors_for_s": round(max((r.started + r.seconds for r in failed), default=began)
                              - began, 1),
        "requests_after_restart": len(after),
        "failed_after_restart": sum(r.status is None or r.status >= 400 for r in after),
        "idle_restart_at_s": round(restarts["idle"][0], 1),
        "requests_after_idle_restart": len(after_idle),
        "failed_after_idle_restart": sum(r.status is None or r.status >= 400
                                         for r in after_idle)})

    assert up - began < 10, "PostgreSQL took more than 10 s to restart"
    # Requests during the restart may fail, each with the 503 page that says so.
    for error in load.server_errors():
        assert error.status == 503, f"{error.method} {error.path}: {error.status}"
        assert "Keywork c" in error.body and "Traceback" not in error.body
    assert load.cut() == []
    # Once PostgreSQL is back, everything works again, with the same gunicorn workers,
    # and nothing fails after the restart done while they were idle.
    assert after_idle and after and [f"{r.method} {r.path}: {r.status}" for r in after
                                     if r.status is None or r.status >= 400] == []
    assert deployment.server.workers() == workers
    assert problems == []


def fill(disk):
    """Write to `disk` until it has no space left."""
    with open(disk / "ballast", "wb") as ballast, contextlib.suppress(OSError):
        while True:
            ballast.write(b"\0" * 2**16)
            ballast.flush()


@contextlib.contextmanager
def sqlite_on_a_small_disk(deployment):
    """A second gunicorn on a copy of the SQLite database, on a disk of its own (a tmpfs)
    that refuse() fills and reopen() empties again."""
    disk = VAR / "small-disk"
    disk.mkdir(exist_ok=True)
    size = os.path.getsize(deployment.database.target) + 16 * 2**20
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(disk)],
                             check=False, capture_output=True, text=True)
    if mounted.returncode != 0:
        pytest.fail(f"a small disk to fill needs mount (run make test-load as root): "
                    f"{mounted.stderr.strip()}")
    path = disk / "keywork.sqlite3"
    try:
        with contextlib.closing(sqlite3.connect(deployment.database.target)) as source, \
                contextlib.closing(sqlite3.connect(path)) as copy:
            source.backup(copy)
        # Held open throughout, so that no connection closing last deletes the write-ahead
        # log and its index (they could not be made again on a full disk).
        keeper = sqlite3.connect(path)
        keeper.execute("SELECT COUNT(*) FROM plans_goal").fetchall()
        env = server_env("sqlite", SECRET_KEY=deployment.env["SECRET_KEY"],
                         SQLITE_PATH=str(path), CACHE_URL=f"filecache://{VAR / 'cache-disk'}")
        server = bench.Server(env, PORTS["sqlite-full-disk"], log_dir=VAR)

        def refuse():
            # The write-ahead log emptied first, so that the next commit needs new space.
            keeper.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchall()
            fill(disk)

        try:
            yield types.SimpleNamespace(port=server.port, database=Database("sqlite", str(path)),
                                        refuse=refuse, reopen=(disk / "ballast").unlink,
                                        how="the disk under the database full (a tmpfs)")
        finally:
            server.stop()
            keeper.close()
    finally:
        subprocess.run(["umount", str(disk)], check=False)


@contextlib.contextmanager
def postgresql_failing_part_way(deployment):
    """refuse() makes PostgreSQL fail the milestone, the last row a goal writes, as a full
    disk would (SQLSTATE 53100); reopen() puts it right."""
    database = deployment.database

    def refuse():
        database.execute("""
            CREATE FUNCTION load_disk_full() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                RAISE EXCEPTION 'could not extend file: No space left on device'
                    USING ERRCODE = 'disk_full';
            END $$;
            CREATE TRIGGER load_disk_full BEFORE INSERT ON plans_milestone
                FOR EACH ROW EXECUTE FUNCTION load_disk_full();
        """)

    def reopen():
        database.execute("DROP TRIGGER IF EXISTS load_disk_full ON plans_milestone;"
                         "DROP FUNCTION IF EXISTS load_disk_full();")

    try:
        yield types.SimpleNamespace(port=deployment.port, database=database, refuse=refuse,
                                    reopen=reopen, how="the milestone INSERT fails with "
                                    "SQLSTATE 53100 (disk full), after the goal and actions")
    finally:
        reopen()


def test_a_write_the_database_refuses_part_way_keeps_the_text_and_saves_nothing(
        deployment, results):
    person = deployment.people[0]
    goal = f"refused-{deployment.kind} Move into <my own> flat & settle"
    path = f"/plans/{person['plan']}/goals/new/"
    faulty = (sqlite_on_a_small_disk if deployment.kind == "sqlite"
              else postgresql_failing_part_way)
    with faulty(deployment) as fault:
        keyworker = Keyworker(Load(fault.port, [person], tag="refused", seconds=0), person)
        form = form_with(keyworker.page(path), "text")
        form |= {"text": goal, "actions-0-what": f"{goal}: action", "actions-0-who": "client",
                 "actions-0-due_on": "2099-01-01", "milestones-0-text": f"{goal}: milestone",
                 "milestones-0-target_on": "2099-02-01"}
        fault.refuse()
        refused = keyworker.send("POST", path, form)
        stored_while_refused = fault.database.rows(
            "SELECT (SELECT COUNT(*) FROM plans_goal WHERE text LIKE ?)"
            " + (SELECT COUNT(*) FROM plans_action WHERE what LIKE ?)", [goal + "%"] * 2)[0][0]
        fault.reopen()
        # The person goes back to the form in a minute and saves again: it works, once.
        again = keyworker.send("POST", path, form)
        stored_after = fault.database.rows("SELECT COUNT(*) FROM plans_goal WHERE text = ?",
                                           [goal])[0][0]
    results("write refused part-way", {
        "how": fault.how, "status": refused.status,
        "goals_and_actions_stored_while_refused": stored_while_refused,
        "status_of_the_same_form_sent_again": again.status, "goals_stored_after": stored_after})

    assert refused.status == 503
    assert "Keywork could not save this just now" in refused.body
    assert "Nothing was saved" in refused.body
    assert "Move into &lt;my own&gt; flat &amp; settle" in refused.body  # the text, escaped
    assert "Traceback" not in refused.body and "No space" not in refused.body
    assert stored_while_refused == 0
    assert again.status == 302 and stored_after == 1
