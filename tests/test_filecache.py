"""The cache without Redis (keywork.lib.filecache): culled once in CULL_EVERY writes, the
files written longest ago first."""

import os
import subprocess
import sys
import time
from pathlib import Path

from keywork.lib.filecache import FileCache

ROOT = Path(__file__).resolve().parent.parent


def _cache(folder, **options):
    return FileCache(str(folder), {"OPTIONS": options})


def _files(folder):
    return sorted(path.name for path in folder.iterdir())


def test_the_folder_is_looked_at_once_in_cull_every_writes(tmp_path):
    cache = _cache(tmp_path, MAX_ENTRIES=10, CULL_EVERY=5)
    for n in range(14):
        cache.set(f"k{n}", n)
    # Culled at the 5th and 10th writes (when 4 and 9 files were there: under 10), not
    # since: 14 files, past MAX_ENTRIES until the 15th write looks.
    assert len(_files(tmp_path)) == 14
    cache.set("k14", 14)  # the 15th write: 14 files found, a third of them culled
    assert len(_files(tmp_path)) == 15 - 14 // 3


def test_a_cull_takes_the_files_written_longest_ago(tmp_path):
    cache = _cache(tmp_path, MAX_ENTRIES=6, CULL_EVERY=7, CULL_FREQUENCY=2)
    past = time.time() - 3600
    for n in range(6):
        cache.set(f"old{n}", n)
        os.utime(cache._key_to_file(f"old{n}"), (past + n, past + n))
    cache.set("new", "kept")  # the 7th write: 6 files found, the 3 oldest culled
    assert [cache.get(f"old{n}") for n in range(6)] == [None, None, None, 3, 4, 5]
    assert cache.get("new") == "kept"


def test_cull_frequency_nought_empties_the_folder(tmp_path):
    cache = _cache(tmp_path, MAX_ENTRIES=3, CULL_EVERY=4, CULL_FREQUENCY=0)
    for n in range(4):
        cache.set(f"k{n}", n)
    assert _files(tmp_path) == [cache._key_to_file("k3").rsplit("/", 1)[1]]


def test_without_redis_the_default_cache_is_this_one():
    env = {k: v for k, v in os.environ.items() if k not in {"REDIS_URL", "CACHE_URL"}}
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "-v0", "-c",
         "from django.conf import settings; c = settings.CACHES['default']; "
         "print(c['BACKEND'], c['LOCATION'], c['OPTIONS']['MAX_ENTRIES'])"],
        cwd=ROOT, env=env | {"DEBUG": "true"}, capture_output=True, text=True, check=True)
    assert result.stdout.split() == ["keywork.lib.filecache.FileCache",
                                     str(ROOT / "var" / "cache"), "5000"]
