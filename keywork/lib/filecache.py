"""The cache without Redis: Django's file cache, culled now and then instead of at every
write.

Django's FileBasedCache lists its whole folder at every `set()` to see whether it is full.
Full is its usual state here: every write to the data moves the page fragments'
generation on (keywork.lib.cache), which leaves the last generation's files behind until
they are culled, so the folder is soon at MAX_ENTRIES. At 5,000 files the listing took
5 ms and a `set()` 8 ms (5 Dec 2026), and a door check-in makes three (the visit, its
history row, the commit): its p95 at 10 connections was 102 ms with the folder full
against 59 ms empty.

This backend looks at the folder once in CULL_EVERY sets (default 100) of each cache
object (Django makes one a thread: one a process under gunicorn's sync workers), so the
folder may pass MAX_ENTRIES by that many a worker before it is culled. It culls the
files written longest ago rather than Django's random ones: old generations' fragments go
first, and the generation itself, written at every change, stays.
"""

import contextlib
import os

from django.core.cache.backends.filebased import FileBasedCache


class FileCache(FileBasedCache):
    def __init__(self, dir, params):
        super().__init__(dir, params)
        self._cull_every = max(1, int(params.get("OPTIONS", {}).get("CULL_EVERY", 100)))
        self._sets = 0

    def _cull(self):
        self._sets += 1
        if self._sets % self._cull_every:
            return
        written = []
        try:
            with os.scandir(self._dir) as entries:
                for entry in entries:
                    if entry.name.endswith(self.cache_suffix):
                        # Culled by another worker meanwhile: gone already.
                        with contextlib.suppress(FileNotFoundError):
                            written.append((entry.stat().st_mtime, entry.path))
        except FileNotFoundError:
            return
        if len(written) < self._max_entries:
            return
        if self._cull_frequency == 0:
            return self.clear()
        written.sort()
        for _mtime, path in written[:len(written) // self._cull_frequency]:
            self._delete(path)
