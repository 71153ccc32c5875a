"""Backups of the database and the uploaded files, and restoring them.

One backup is a folder var/backups/keywork-YYYYmmdd-HHMMSS/ holding database.sqlite3
(SQLite's online backup API: a consistent copy while people keep working) or
database.dump (pg_dump's custom format), and files.tar.gz (photos and evidence).
"""

import datetime
import os
import shutil
import sqlite3
import subprocess
import tarfile
from pathlib import Path

from django.conf import settings
from django.db import connection, connections

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
    folder.mkdir(parents=True)
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
    with tarfile.open(folder / "files.tar.gz", "w:gz") as archive:
        for name, path in _media_roots().items():
            if path.exists():
                archive.add(path, arcname=name)
    rotate(root, keep=keep)
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
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        connection.ensure_connection()
        source = sqlite3.connect(folder / "database.sqlite3")
        source.backup(connection.connection)
        source.close()
    else:
        connections.close_all()
        subprocess.run(["pg_restore", "--clean", "--if-exists", "--no-owner",  # noqa: S603, S607
                        "--single-transaction", "--dbname", db["NAME"], *_pg_args(db),
                        str(folder / "database.dump")],
                       check=True, env=_pg_env(db), capture_output=True)
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
