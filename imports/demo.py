"""Demo imports for `manage.py seed_demo`: one run (five clients of Riverside, their past
sessions and plans, ready to undo) and one preview with a row to correct, so that the
import pages have something to show."""

from django.core.files.uploadedfile import SimpleUploadedFile

from imports import sample, services
from imports.models import ImportBatch


def _uploads(rows, prefix):
    for row in rows["clients"]:
        row["old_reference"] = row["old_reference"].replace("OLD", prefix)
    for kind in ("sessions", "plans"):
        for row in rows[kind]:
            row["client_reference"] = row["client_reference"].replace("OLD", prefix)
    return {kind: SimpleUploadedFile(f"{kind}.csv", sample.as_csv(kind, kind_rows))
            for kind, kind_rows in rows.items()}


def seed(ctx):
    manager = ctx["staff"].get("manager")
    if manager is None or ImportBatch.objects.exists():
        return
    # All to Kim (keyworker): Sam's caseload stays full, 4 of 4, as the other demos need it.
    rows = sample.generate(clients=5, sessions=20, sites=("DC1",), seed=7,
                           workers={"DC1": ["keyworker", "manager"]})
    batch = services.batch_preview(uploads=_uploads(rows, "DEMO"), by=manager)
    services.batch_import(batch=batch, by=manager)
    rows = sample.generate(clients=3, sessions=0, sites=("DC1",), seed=8)
    rows["clients"][1]["date_of_birth"] = "31/02/1980"
    services.batch_preview(uploads={"clients": _uploads(rows, "NEW")["clients"]}, by=manager)
