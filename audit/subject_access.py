"""Subject access: everything Keywork holds about one client, as a ZIP.

The records are found by introspection, not by a list: every model with a path of
foreign keys to the client (every path, so that a signature on a plan and one on an
agreement are both found) is exported with every field, with its history and the
access log. tests/security/test_subject_access.py checks that no model is missed.
"""

import base64
import datetime
import io
import json
import zipfile

from django.apps import apps
from django.core.serializers.json import DjangoJSONEncoder
from django.db.models import BinaryField, FileField, Q
from django.utils import timezone

from audit.access import NOT_CLIENT_DATA, client_paths
from audit.models import AccessEvent
from keywork.lib.pdf import render_pdf


def _is_history(model):
    return hasattr(model, "instance_type") and model.__name__.startswith("Historical")


def client_models():
    """[(model, paths)] for every model holding a client's records (not their history)."""
    found = []
    for model in apps.get_models():
        if model._meta.app_label in NOT_CLIENT_DATA or _is_history(model):
            continue
        if model is AccessEvent:
            continue  # exported as the access log
        paths = client_paths(model)
        if paths:
            found.append((model, paths))
    return found


def _rows(queryset, model):
    rows = []
    for obj in queryset:
        row = {}
        for field in model._meta.concrete_fields:
            value = getattr(obj, field.attname)
            if isinstance(field, FileField):
                value = value.name if value else ""
            elif isinstance(field, BinaryField):
                value = base64.b64encode(bytes(value or b"")).decode() if value else ""
            row[field.attname] = value
        rows.append(row)
    return rows


def _matching(model, paths, client):
    condition = Q()
    for path in paths:
        condition |= Q(**{path: client.pk})
    return model._default_manager.filter(condition).distinct().order_by("pk")


def collect(client):
    """{"records": {label: rows}, "history": {label: rows}, "access_log": rows, "files": [...]}"""
    records, history, files = {}, {}, []
    for model, paths in client_models():
        label = model._meta.label
        objects = list(_matching(model, paths, client))
        records[label] = _rows(objects, model)
        for obj in objects:
            for field in model._meta.concrete_fields:
                if isinstance(field, FileField) and getattr(obj, field.attname):
                    files.append((label, obj.pk, getattr(obj, field.name)))
        manager_name = getattr(model._meta, "simple_history_manager_attribute", None)
        if manager_name:
            historical = getattr(model, manager_name).model
            history[label] = _rows(
                historical.objects.filter(id__in=[obj.pk for obj in objects])
                .order_by("history_date"), historical)
    access_log = _rows(AccessEvent.objects.filter(client=client).order_by("at"), AccessEvent)
    return {"records": records, "history": history, "access_log": access_log,
            "files": files}


def export_zip(client, *, by):
    """The ZIP's bytes: summary.pdf, records.json and files/ (photos, evidence)."""
    data = collect(client)
    made_at = timezone.now()
    document = {
        "client": {"id": client.pk, "reference": client.reference,
                   "name": client.display_name},
        "made_at": made_at,
        "made_by": str(by),
        "records": data["records"],
        "history": data["history"],
        "access_log": data["access_log"],
        "files": [f"files/{label}/{pk}/{file.name.rsplit('/', 1)[-1]}"
                  for label, pk, file in data["files"]],
    }
    summary = render_pdf("audit/subject_access_pdf.html", {
        "client": client, "made_at": made_at, "by": by,
        "counts": [(apps.get_model(label)._meta.verbose_name_plural, len(rows),
                    len(data["history"].get(label, [])))
                   for label, rows in data["records"].items() if rows],
        "access_count": len(data["access_log"]), "file_count": len(data["files"]),
    })
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("summary.pdf", summary)
        archive.writestr("records.json", json.dumps(document, cls=DjangoJSONEncoder, indent=2,
                                                    ensure_ascii=False))
        for (_label, _pk, file), name in zip(data["files"], document["files"], strict=True):
            try:
                with file.open("rb") as handle:
                    archive.writestr(name, handle.read())
            except FileNotFoundError:
                archive.writestr(name + ".missing.txt", "The file was not found in storage.")
    return buffer.getvalue()


def filename(client):
    return f"subject-access-{client.reference}-{datetime.date.today():%Y%m%d}.zip"
