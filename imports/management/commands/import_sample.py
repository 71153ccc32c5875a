"""Write the sample import files, or time importing and undoing them.

    manage.py import_sample --write docs/import    # the committed files (fixed seed)
    manage.py import_sample --time docs/import     # preview, import, undo; row counts

--time makes the demo's sites and staff if they are missing (staff/demo.py), imports as
the demo administrator, and fails unless every table has as many rows after the undo as
before the import (the batch's own log rows aside).
"""

import time
from pathlib import Path

from django.apps import apps
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management.base import BaseCommand, CommandError

from imports import sample, services
from imports.models import ImportBatch, ImportFile
from staff import demo
from staff.models import User


def row_counts():
    """{table: rows} of every table but the import log's own."""
    return {model._meta.db_table: model._base_manager.count() for model in apps.get_models()
            if model not in (ImportBatch, ImportFile, ImportBatch.sites.through)}


class Command(BaseCommand):
    help = "Write the sample import files (--write DIR) or time importing them (--time DIR)."

    def add_arguments(self, parser):
        parser.add_argument("--write", metavar="DIR")
        parser.add_argument("--time", metavar="DIR")
        parser.add_argument("--clients", type=int, default=500)
        parser.add_argument("--sessions", type=int, default=20_000)

    def handle(self, *args, **options):
        if options["write"]:
            folder = Path(options["write"])
            rows = sample.generate(clients=options["clients"], sessions=options["sessions"])
            for kind, kind_rows in rows.items():
                path = folder / f"{kind}.csv"
                path.write_bytes(sample.as_csv(kind, kind_rows))
                self.stdout.write(f"{path}: {len(kind_rows)} rows, "
                                  f"{path.stat().st_size / 1024:.0f} KB")
        elif options["time"]:
            self._time(Path(options["time"]))
        else:
            raise CommandError("Give --write DIR or --time DIR.")

    def _time(self, folder):
        demo.seed({})
        admin = User.objects.get(username="admin")
        uploads = {kind: SimpleUploadedFile(f"{kind}.csv", (folder / f"{kind}.csv").read_bytes())
                   for kind in ("clients", "sessions", "plans")}
        before = row_counts()
        started = time.monotonic()
        batch = services.batch_preview(uploads=uploads, by=admin)
        previewed = time.monotonic()
        if batch.error_count:
            raise CommandError(f"The preview found {batch.error_count} problems, the first: "
                               f"{batch.files.exclude(error_count=0).first().errors[:3]}")
        services.batch_import(batch=batch, by=admin)
        imported = time.monotonic()
        after_import = row_counts()
        services.batch_undo(batch=batch, by=admin)
        undone = time.monotonic()
        after = row_counts()
        batch.refresh_from_db()
        self.stdout.write(f"rows: {batch.counts}")
        self.stdout.write(f"preview {previewed - started:.1f} s, import {imported - previewed:.1f}"
                          f" s (preview + import {imported - started:.1f} s), "
                          f"undo {undone - imported:.1f} s")
        added = sum(after_import.values()) - sum(before.values())
        self.stdout.write(f"rows written by the import (with history): {added}")
        different = {t: (before[t], after[t]) for t in before if before[t] != after[t]}
        if different:
            raise CommandError(f"Row counts differ after the undo: {different}")
        self.stdout.write("Row counts after the undo equal those before the import.")
