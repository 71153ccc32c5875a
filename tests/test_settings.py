"""Settings fail safe: a missing secret stops the process with the variable's name."""

import os
import subprocess
import sys
from pathlib import Path

from django.conf import settings

ROOT = Path(__file__).resolve().parent.parent


def _check(**env):
    clean = {k: v for k, v in os.environ.items() if k not in {"SECRET_KEY", "DEBUG"}}
    return subprocess.run([sys.executable, "manage.py", "check"], cwd=ROOT, env=clean | env,
                          capture_output=True, text=True)


def test_missing_secret_key_with_debug_off_stops_with_the_variables_name():
    result = _check(DEBUG="false")
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


def test_debug_on_runs_without_a_secret_key():
    assert _check(DEBUG="true").returncode == 0


def test_debug_is_off_by_default_in_tests():
    assert settings.DEBUG is False


def test_database_is_postgresql_when_asked_else_sqlite_that_waits_for_writers():
    database = settings.DATABASES["default"]
    if os.environ.get("DATABASE_URL"):
        assert database["ENGINE"] == "django.db.backends.postgresql"
        return
    assert database["ENGINE"] == "django.db.backends.sqlite3"
    options = database["OPTIONS"]
    assert options["transaction_mode"] == "IMMEDIATE"
    assert options["timeout"] >= 5
    assert "journal_mode=WAL" in options["init_command"]


def test_time_zone_and_language():
    assert settings.TIME_ZONE == "Europe/London"
    assert settings.LANGUAGE_CODE == "en-gb"
