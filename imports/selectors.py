"""What the import pages show."""

from django.db.models import Prefetch

from imports.models import ImportBatch, ImportFile


def batches_for(user):
    """The imports a user may open, newest first, with who ran them."""
    return (ImportBatch.objects.for_user(user)
            .select_related("created_by", "imported_by", "undone_by")
            .prefetch_related(Prefetch("files", ImportFile.objects.defer("content", "errors")),
                              "sites").order_by("-created_at", "-pk"))


def problems(batch):
    """Every row problem of the batch's files, file by file: [(file name, row, message)]."""
    found = []
    for upload in ImportFile.objects.filter(batch=batch).only("name", "errors"):
        found += [(upload.name, row, message) for row, message in upload.errors]
    return found
