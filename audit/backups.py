"""Backups of the database and the uploaded files, and restoring them.

One backup is a folder var/backups/keywork-YYYYmmdd-HHMMSS/ holding database.sqlite3
(SQLite's online backup API: a consistent copy while people keep working) or
database.dump (pg_dump's custom format), and files.tar.gz (photos and evidence).

Point-in-time recovery (PostgreSQL, WAL_ARCHIVE_DIR set): the server copies every WAL
segment into the archive folder (its archive_command), and each backup also holds base/,
a base backup (pg_basebackup, tar format) with base.json saying which WAL it starts from
and when it finished. `restore_to(moment)` unpacks the newest base backup finished before
the moment into a temporary cluster of its own (keywork.lib.pgcluster), replays the
archived WAL up to the moment, dumps the database from it and restores that into the live
database as `restore()` does. The uploaded files are left as they are.
"""

import contextlib
import datetime
import json
import os
import re
import shlex
import shutil
import socket
import sqlite3
import subprocess
import tarfile
import tempfile
import time
from pathlib import Path

from django.conf import settings
from django.db import DatabaseError, connection, connections
from django.utils.translation import gettext as _

from keywork.lib import dates
from keywork.lib.pgcluster import Cluster

PREFIX = "keywork-"


def backup_root():
    return Path(os.environ.get("BACKUP_DIR", settings.BASE_DIR / "var" / "backups"))


def _media_roots():
    return {"media": Path(settings.MEDIA_ROOT), "private": Path(settings.PRIVATE_MEDIA_ROOT)}


def _pg_env(db):
    env = dict(os.environ)
    if db.get("PASSWORD"):
        env["PGPASSWORD"] = db["PASSWORD"]
    return env


def _pg_args(db):
    args = []
    for flag, key in (("--host", "HOST"), ("--port", "PORT"), ("--username", "USER")):
        if db.get(key):
            args += [flag, str(db[key])]
    return args


def make(root=None, *, keep=14):
    """Back up now; keep the newest `keep` backups. Returns the new backup's folder."""
    root = Path(root or backup_root())
    stamp = datetime.datetime.now(datetime.UTC).strftime("%Y%m%d-%H%M%S-%f")
    folder = root / f"{PREFIX}{stamp}"
    # Every client's records are in it: readable by the account that runs Keywork only.
    root.mkdir(mode=0o700, parents=True, exist_ok=True)
    folder.mkdir(mode=0o700)
    folder.chmod(0o700)
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        connection.ensure_connection()
        target = sqlite3.connect(folder / "database.sqlite3")
        with target:
            connection.connection.backup(target)
        target.close()
    else:
        subprocess.run(["pg_dump", "--format=custom", "--no-owner",  # noqa: S603, S607
                        "--file", str(folder / "database.dump"), *_pg_args(db), db["NAME"]],
                       check=True, env=_pg_env(db), capture_output=True)
        if wal_archive():
            _base_backup(folder, db)
    with tarfile.open(folder / "files.tar.gz", "w:gz") as archive:
        for name, path in _media_roots().items():
            if path.exists():
                archive.add(path, arcname=name)
    rotate(root, keep=keep)
    if connection.vendor == "postgresql" and wal_archive():
        prune_archive(root, wal_archive())
    return folder


def backups(root=None):
    root = Path(root or backup_root())
    if not root.exists():
        return []
    return sorted(p for p in root.iterdir() if p.is_dir() and p.name.startswith(PREFIX))


def rotate(root=None, *, keep=14):
    for old in backups(root)[:-keep]:
        shutil.rmtree(old)


def restore(folder):
    """Put the database and files back as they were in backup `folder`."""
    folder = Path(folder)
    if connection.vendor == "sqlite":
        connection.ensure_connection()
        source = sqlite3.connect(folder / "database.sqlite3")
        source.backup(connection.connection)
        source.close()
    else:
        _pg_restore(folder / "database.dump")
    files = folder / "files.tar.gz"
    if files.exists():
        with tarfile.open(files) as archive:
            for name, path in _media_roots().items():
                members = [m for m in archive.getmembers()
                           if m.name == name or m.name.startswith(name + "/")]
                if not members:
                    continue
                if path.exists():
                    shutil.rmtree(path)
                path.parent.mkdir(parents=True, exist_ok=True)
                archive.extractall(path.parent / ".restore", members=members, filter="data")
                (path.parent / ".restore" / name).rename(path)
                shutil.rmtree(path.parent / ".restore")


def _pg_restore(dump):
    """Replace the live PostgreSQL database with `dump` (pg_dump's custom format), in one
    transaction: a failure leaves it as it was."""
    db = connection.settings_dict
    connections.close_all()
    subprocess.run(["pg_restore", "--clean", "--if-exists", "--no-owner",  # noqa: S603, S607
                    "--single-transaction", "--dbname", db["NAME"], *_pg_args(db), str(dump)],
                   check=True, env=_pg_env(db), capture_output=True)


# Point-in-time recovery.

BASE = "base"  # the base backup's folder inside a backup: base.tar.gz, pg_wal.tar.gz
BASE_INFO = "base.json"  # {"start_wal": "000000010000000000000002", "finished": ISO UTC}
_WAL_NAME = re.compile(r"[0-9A-F]{24}")
_START_WAL = re.compile(r"^START WAL LOCATION: .* \(file ([0-9A-F]{24})\)$", re.MULTILINE)
_TARGET_NOT_REACHED = "recovery ended before configured recovery target was reached"
_LAST_SAVE = re.compile(r"last completed transaction was at log time (.+)$", re.MULTILINE)


class PointInTimeError(Exception):
    """A point-in-time restore refused or failed, with a message for the operator."""


def wal_archive():
    """The WAL archive folder (settings.WAL_ARCHIVE_DIR), or None when it is not set."""
    return Path(settings.WAL_ARCHIVE_DIR) if settings.WAL_ARCHIVE_DIR else None


def _base_backup(folder, db):
    """A base backup into folder/base/ (tar, gzipped, with the WAL it needs to be
    consistent), and base.json: the WAL segment replay starts from (read from its
    backup_label) and when it finished, the earliest moment it can be restored to."""
    subprocess.run(["pg_basebackup", "--format=tar", "--gzip",  # noqa: S603, S607
                    "--wal-method=stream", "--checkpoint=fast", "--no-password",
                    "--pgdata", str(folder / BASE), *_pg_args(db)],
                   check=True, env=_pg_env(db), capture_output=True)
    finished = datetime.datetime.now(datetime.UTC)
    with tarfile.open(folder / BASE / "base.tar.gz", "r|gz") as archive:
        label = next(archive.extractfile(member).read().decode()
                     for member in archive if member.name == "backup_label")
    start_wal = _START_WAL.search(label).group(1)
    (folder / BASE_INFO).write_text(json.dumps(
        {"start_wal": start_wal, "finished": finished.isoformat()}))


def _base_info(folder):
    path = Path(folder) / BASE_INFO
    if not path.exists():
        return None
    info = json.loads(path.read_text())
    info["finished"] = datetime.datetime.fromisoformat(info["finished"])
    return info


def base_backups(root=None):
    """[(folder, info)] of the backups holding a base backup, oldest first."""
    found = ((folder, _base_info(folder)) for folder in backups(root))
    return [(folder, info) for folder, info in found if info]


def _segments(archive):
    return [path for path in Path(archive).iterdir() if _WAL_NAME.fullmatch(path.name)]


def prune_archive(root=None, archive=None):
    """Remove the archived WAL older than the oldest kept base backup starts from: no
    restore can use it. Segment names order by position after the timeline (the first 8
    digits), as pg_archivecleanup compares them; timeline history files stay. Returns
    the names removed."""
    archive = Path(archive or wal_archive())
    kept = base_backups(root)
    if not kept or not archive.exists():
        return []
    oldest = kept[0][1]["start_wal"]
    removed = []
    for path in sorted(archive.iterdir()):
        name = path.name
        if _WAL_NAME.fullmatch(name[:24]) and name[8:24] < oldest[8:24]:
            path.unlink()
            removed.append(name)
    return removed


def recovery_window(root=None, archive=None):
    """(earliest, latest): the instants a point-in-time restore can reach. From the oldest
    base backup's finish to when the newest WAL segment was archived (a segment is copied
    once it is complete, so it holds every save before then)."""
    archive = Path(archive or wal_archive())
    kept = base_backups(root)
    if not kept:
        raise PointInTimeError(_(
            "There is no base backup to start from: run manage.py backup with "
            "WAL_ARCHIVE_DIR set (the nightly job does)."))
    earliest = kept[0][1]["finished"]
    segments = _segments(archive) if archive.exists() else []
    if not segments:
        raise PointInTimeError(_("The WAL archive %(folder)s holds no WAL: is the server's "
                                 "archive_command copying into it?") % {"folder": archive})
    latest = datetime.datetime.fromtimestamp(max(p.stat().st_mtime for p in segments),
                                             datetime.UTC)
    return earliest, latest


def _switch_wal(archive, wait=30):
    """Ask the live server to archive the WAL it is writing, so that the archive reaches
    now and not only the last full (or archive_timeout's) segment, and wait for it to
    land. Needs a superuser (or EXECUTE on pg_switch_wal); without it, the archive ends
    where the server's archive_timeout left it."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_walfile_name(pg_switch_wal())")
            name = cursor.fetchone()[0]
    except DatabaseError:
        return
    deadline = time.monotonic() + wait
    while not (Path(archive) / name).exists() and time.monotonic() < deadline:
        time.sleep(0.2)


def _free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _conf_string(value):
    return "'" + value.replace("'", "''") + "'"


def _replay(cluster, base, settings, timeout):
    """Unpack base backup `base` into `cluster` with `settings` and start it in recovery.
    Returns (whether it ended recovery and takes writes, its log)."""
    cluster.unpack(base / "base.tar.gz", base / "pg_wal.tar.gz", settings)
    with contextlib.suppress(subprocess.CalledProcessError):
        cluster.start()  # fails while still replaying after start()'s wait: asked below
    deadline = time.monotonic() + timeout
    promoted = False
    while time.monotonic() < deadline:
        answer = cluster.query("SELECT pg_is_in_recovery()")
        if answer == "f":
            promoted = True
            break
        if answer is None and not cluster.running():
            break
        time.sleep(0.5)
    return promoted, (cluster.log.read_text() if cluster.log.exists() else "")


def _recover(cluster, folder, archive, moment, *, timeout):
    """Unpack `folder`'s base backup into `cluster` and replay the archive to `moment`.
    Returns the time of the last save replayed (from the server's log), or None.

    PostgreSQL ends recovery with an error when the archive holds no save after the
    target (a quiet evening): every save it holds is then before the moment, so it
    replays them all instead."""
    # The temporary cluster is thrown away after one dump: nothing it writes needs to
    # survive a crash, so it does not wait for the disk (its end-of-recovery checkpoint
    # took seconds with fsync on) and archives nothing (its WAL would join the live
    # server's archive).
    recovery = {"restore_command": _conf_string(f"cp {shlex.quote(str(archive))}/%f %p"),
                "archive_mode": "off", "lc_messages": "'C'", "hot_standby": "on",
                "fsync": "off", "synchronous_commit": "off", "full_page_writes": "off"}
    target = {"recovery_target_time": _conf_string(moment.isoformat()),
              "recovery_target_action": "'promote'"}
    promoted, log = _replay(cluster, folder / BASE, recovery | target, timeout)
    if not promoted and _TARGET_NOT_REACHED in log:
        promoted, log = _replay(cluster, folder / BASE, recovery, timeout)
        # A gap in the archive (a segment lost or damaged) ends recovery the same way,
        # but short of the saves after it: then refuse rather than restore an earlier
        # state than the one asked for. Every segment to the newest must have been replayed.
        if promoted:
            _replayed_to_the_end(log, archive)
    if not promoted:
        tail = "\n".join(log.splitlines()[-15:])
        raise PointInTimeError(_("The archived WAL could not be replayed. The server's "
                                 "log ended:\n%(log)s") % {"log": tail})
    found = _LAST_SAVE.findall(log)
    return datetime.datetime.fromisoformat(found[-1]) if found else None


_RESTORED = re.compile(r'restored log file "([0-9A-F]{24})" from archive')
_SEGMENT = re.compile(r"[0-9A-F]{24}")


def _replayed_to_the_end(log, archive):
    """Refuse (PointInTimeError) unless the replay went through the archive's newest
    WAL segment."""
    restored = _RESTORED.findall(log)
    segments = sorted(path.name for path in Path(archive).iterdir()
                      if _SEGMENT.fullmatch(path.name))
    if segments and (not restored or restored[-1] != segments[-1]):
        raise PointInTimeError(_(
            "The WAL archive has a gap: the replay stopped at %(stopped)s, before the "
            "newest segment %(newest)s, so it could not reach the time asked for. Nothing "
            "was restored.") % {"stopped": restored[-1] if restored else "the base backup",
                                "newest": segments[-1]})


def restore_to(moment, *, root=None, archive=None, port=None, workdir=None,
               timeout=4 * 3600):
    """Put the live PostgreSQL database back as it was at `moment` (an aware datetime),
    from the newest base backup finished before it and the WAL archive. Returns
    (the base backup folder used, the time of the last save kept or None)."""
    if connection.vendor != "postgresql":
        raise PointInTimeError(_("Point-in-time recovery needs PostgreSQL; restore a "
                                 "nightly backup instead (manage.py restore)."))
    archive = archive or wal_archive()
    if not archive:
        raise PointInTimeError(_("WAL_ARCHIVE_DIR is not set, so there is no WAL archive "
                                 "to replay; restore a nightly backup instead."))
    archive = Path(archive).resolve()
    _switch_wal(archive)
    earliest, latest = recovery_window(root, archive)
    if not earliest <= moment <= latest:
        # The first whole minute inside, as a person types minutes.
        first_minute = earliest + dates.MINUTE - datetime.timedelta(
            seconds=earliest.second, microseconds=earliest.microsecond)
        raise PointInTimeError(_(
            "%(moment)s is outside what the archive covers: any minute from %(earliest)s "
            "to %(latest)s.") % {"moment": dates.format_day_time(moment),
                                  "earliest": dates.format_day_time(first_minute),
                                  "latest": dates.format_day_time(latest)})
    folder = [folder for folder, info in base_backups(root) if info["finished"] <= moment][-1]
    work = Path(tempfile.mkdtemp(prefix="keywork-pitr-", dir=workdir))
    cluster = Cluster(work / "data", port or _free_port())
    try:
        last_save = _recover(cluster, folder, archive, moment, timeout=timeout)
        dump = work / "database.dump"
        subprocess.run(["pg_dump", "--format=custom", "--no-owner",  # noqa: S603, S607
                        "--file", str(dump), "--host", str(cluster.sockets),
                        "--port", str(cluster.port), "--username", "postgres",
                        connection.settings_dict["NAME"]], check=True, capture_output=True)
        _pg_restore(dump)
    finally:
        cluster.destroy()
        shutil.rmtree(work, ignore_errors=True)
    return folder, last_save
