"""Point-in-time recovery: `manage.py restore --to` returns the database to a minute.

A private PostgreSQL cluster (keywork.lib.pgcluster) archives its WAL as the README tells
an operator to; `manage.py backup` and `manage.py restore` run against it in
subprocesses, as from cron and by hand, through DATABASE_URL and WAL_ARCHIVE_DIR. None of
it touches the test database, so it runs in both passes of CI (SQLite and PostgreSQL) on
any machine with PostgreSQL's server programs.

The saves are rows of a table made here with SQL rather than Keywork's migrated tables:
`migrate` takes about two minutes on an empty database on this machine, and the restore
does not read the schema (it dumps and restores the whole database).
"""

import datetime
import json
import math
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psycopg
import pytest
from django.conf import settings
from django.core.management import CommandError, call_command

from audit import backups
from audit.management.commands import restore
from keywork.lib import dates
from keywork.lib.pgcluster import Cluster, hand_over

DBNAME = "keywork_pitr"


def free_port():
    # Not a fixed port: the suite runs on two workers, and beside other people's tests.
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Primary:
    """The live server: archiving into `archive`, backed up into `backups`."""

    def __init__(self, folder):
        self.folder = folder
        self.archive = folder / "archive"
        self.backups = folder / "backups"
        self.archive.mkdir()
        hand_over(self.archive)
        # As the README's postgresql.conf lines, but not waiting for the disk: nothing
        # here survives a crash of the machine (the base backup's checkpoint took seconds).
        self.cluster = Cluster(folder / "primary", free_port()).init({
            "archive_mode": "on",
            "archive_command": f"'test ! -f {self.archive}/%f && cp %p {self.archive}/%f'",
            "fsync": "off"})
        self.cluster.start()
        with psycopg.connect(self.cluster.url(), autocommit=True) as conn:
            conn.execute(f"CREATE DATABASE {DBNAME}")
        self.sql("CREATE TABLE saves (name text PRIMARY KEY)")

    def sql(self, statement):
        with psycopg.connect(self.cluster.url(DBNAME), autocommit=True) as conn:
            cursor = conn.execute(statement)
            return cursor.fetchall() if cursor.description else None

    def manage(self, *args):
        env = {key: value for key, value in os.environ.items()
               if key not in ("DATABASE_URL", "SQLITE_PATH")}
        env |= {"DATABASE_URL": self.cluster.url(DBNAME), "WAL_ARCHIVE_DIR": str(self.archive),
                "MEDIA_ROOT": str(self.folder / "media"),
                "PRIVATE_MEDIA_ROOT": str(self.folder / "private"),
                "PYTHONPATH": str(settings.BASE_DIR)}
        return subprocess.run([sys.executable, "manage.py", *args],  # noqa: S603
                              cwd=settings.BASE_DIR, env=env, capture_output=True, text=True,
                              timeout=300, check=False)


@pytest.fixture(scope="module")
def primary():
    folder = Path(tempfile.mkdtemp(prefix="keywork-pitr-test-"))
    made = None
    try:
        made = Primary(folder)
        done = made.manage("backup", "--dir", str(made.backups))
        assert done.returncode == 0, done.stderr
        yield made
    finally:
        if made:
            made.cluster.destroy()
        shutil.rmtree(folder, ignore_errors=True)


def test_restore_to_a_time_between_two_saves_finds_the_first_without_the_second(primary):
    primary.sql("INSERT INTO saves VALUES ('first')")
    # The next whole second after the first save committed (the restore takes seconds),
    # then the second save once that second has passed.
    between = datetime.datetime.fromtimestamp(math.floor(time.time()) + 1, datetime.UTC)
    time.sleep(max(0.0, between.timestamp() + 1 - time.time()))
    primary.sql("INSERT INTO saves VALUES ('second')")
    typed = dates.local(between).strftime("%Y-%m-%d %H:%M:%S")

    started = time.monotonic()
    done = primary.manage("restore", "--dir", str(primary.backups), "--to", typed, "--yes")
    seconds = time.monotonic() - started

    assert done.returncode == 0, done.stderr
    assert primary.sql("SELECT name FROM saves") == [("first",)]
    assert "Restored the database to" in done.stdout
    print(f"restore --to took {seconds:.1f} s")


def test_restore_to_a_time_after_the_last_save_keeps_every_save(primary):
    # PostgreSQL stops replaying at the first save after the time asked for; with none
    # after it (a quiet evening) it ends recovery with an error, and the restore then
    # replays the whole archive instead.
    primary.sql("INSERT INTO saves VALUES ('last of the day')")
    after = datetime.datetime.fromtimestamp(math.floor(time.time()) + 1, datetime.UTC)
    time.sleep(max(0.0, after.timestamp() + 0.5 - time.time()))

    done = primary.manage("restore", "--dir", str(primary.backups),
                          "--to", dates.local(after).strftime("%Y-%m-%d %H:%M:%S"), "--yes")

    assert done.returncode == 0, done.stderr
    assert ("last of the day",) in primary.sql("SELECT name FROM saves")


def test_a_time_before_the_first_base_backup_is_refused_with_what_can_be_reached(primary):
    primary.sql("INSERT INTO saves VALUES ('kept') ON CONFLICT DO NOTHING")
    done = primary.manage("restore", "--dir", str(primary.backups),
                          "--to", "2026-01-05 09:00", "--yes")

    assert done.returncode != 0
    assert "5 Jan 2026 09:00 is outside what the archive covers: any minute from" in done.stderr
    assert ("kept",) in primary.sql("SELECT name FROM saves")


def test_sqlite_is_refused_point_in_time_recovery(tmp_path):
    env = {key: value for key, value in os.environ.items() if key != "DATABASE_URL"}
    env |= {"SQLITE_PATH": str(tmp_path / "k.sqlite3"), "PYTHONPATH": str(settings.BASE_DIR)}
    done = subprocess.run([sys.executable, "manage.py", "restore",  # noqa: S603
                           "--to", "2026-12-04 10:31", "--yes"], cwd=settings.BASE_DIR,
                          env=env, capture_output=True, text=True, timeout=120, check=False)

    assert done.returncode != 0
    assert ("Point-in-time recovery needs PostgreSQL; restore a nightly backup instead"
            in done.stderr)


@pytest.mark.parametrize(("typed", "said"), [
    ("2026-03-29 01:30", "There is no 01:30 on 29 Mar 2026 in the UK"),
    ("2026-10-25 01:30", "01:30 happens twice on 25 Oct 2026 in the UK, as the clocks go "
                         "back: say which. Add --first"),
    ("yesterday 10:31", '"yesterday 10:31" is not a time'),
])
def test_a_time_that_names_no_single_instant_is_refused(typed, said):
    with pytest.raises(CommandError, match=said):
        call_command("restore", to=typed, yes=True)


def test_the_second_of_a_time_the_clocks_show_twice_is_asked_for_with_second():
    assert restore.moment("2026-10-25 01:30", dates.SECOND) == datetime.datetime(
        2026, 10, 25, 1, 30, tzinfo=datetime.UTC)
    assert restore.moment("2026-10-25 01:30", dates.FIRST) == datetime.datetime(
        2026, 10, 25, 0, 30, tzinfo=datetime.UTC)


def test_pruning_removes_only_the_wal_older_than_the_oldest_kept_base_backup(tmp_path):
    archive = tmp_path / "archive"
    archive.mkdir()
    names = ["000000010000000000000003", "000000010000000000000004",
             "000000010000000000000004.00000028.backup", "000000010000000000000005",
             "00000002.history", "000000020000000000000006"]
    for name in names:
        (archive / name).write_bytes(b"")
    for stamp, start in (("20261203-021500", "000000010000000000000004"),
                         ("20261204-021500", "000000020000000000000006")):
        folder = tmp_path / "backups" / f"{backups.PREFIX}{stamp}"
        folder.mkdir(parents=True)
        (folder / backups.BASE_INFO).write_text(json.dumps(
            {"start_wal": start, "finished": "2026-12-04T02:16:00+00:00"}))

    removed = backups.prune_archive(tmp_path / "backups", archive)

    assert removed == ["000000010000000000000003"]
    assert sorted(p.name for p in archive.iterdir()) == sorted(names[1:])


def archived(primary, segment):
    """Close WAL segment `segment` and wait until the server has archived it."""
    primary.sql("SELECT pg_switch_wal()")
    deadline = time.monotonic() + 30
    while not (primary.archive / segment).exists() and time.monotonic() < deadline:
        time.sleep(0.2)


def test_a_gap_in_the_archive_is_refused_and_nothing_is_restored(primary):
    # A lost or damaged segment also ends recovery early: restoring what comes before it
    # would put back an earlier state than the one asked for, without a word.
    primary.sql("INSERT INTO saves VALUES ('before the gap') ON CONFLICT DO NOTHING")
    primary.sql("SELECT pg_switch_wal()")
    primary.sql("INSERT INTO saves VALUES ('after the gap')")
    segment = primary.sql("SELECT pg_walfile_name(pg_current_wal_lsn())")[0][0]
    archived(primary, segment)
    (primary.archive / segment).unlink()
    after = datetime.datetime.fromtimestamp(math.floor(time.time()) + 1, datetime.UTC)
    time.sleep(max(0.0, after.timestamp() + 0.5 - time.time()))
    # A save after the time asked for, archived: the gap is in the middle of the archive.
    primary.sql("INSERT INTO saves VALUES ('later still')")
    later = primary.sql("SELECT pg_walfile_name(pg_current_wal_lsn())")[0][0]
    archived(primary, later)

    done = primary.manage("restore", "--dir", str(primary.backups),
                          "--to", dates.local(after).strftime("%Y-%m-%d %H:%M:%S"), "--yes")

    assert done.returncode != 0
    assert "The WAL archive has a gap" in done.stderr and "Nothing was restored" in done.stderr
    assert ("after the gap",) in primary.sql("SELECT name FROM saves")
