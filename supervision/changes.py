"""What changed in clients' files since a moment, read from the audit history.

Every model with `HistoricalRecords()` whose rows lead to a client (directly, or through
one or two foreign keys: a rating through its assessment, a plan action through its
plan) is read, so a new app's records are listed without changing this module. Each model
costs two queries whatever the number of clients or changes.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime

from django.apps import apps
from django.db import models
from django.db.models import Max
from django.utils.translation import gettext as _

from clients.models import Client
from keywork.lib import dates

# Rows created in bulk with a parent (45 ratings with an assessment) are counted, not listed.
LIST_AT_MOST = 5
# signed_content and signed_digest: the frozen copy made at signing repeats what the change
# list already shows field by field.
HIDDEN_FIELDS = {"version", "id", "history_id", "history_date", "history_user",
                 "history_type", "history_change_reason", "created_at", "signed_content",
                 "signed_digest"}
# A supervision names a client by name and reference, never by date of birth: the date is
# no record's label here, and a change to it is listed without its values.
UNSHOWN_FIELDS = {"date_of_birth"}


@dataclass
class Change:
    when: datetime
    who: object
    what: str  # the model's name, e.g. "keywork session"
    label: str  # the record, e.g. "Session on 3 Nov 2026"
    kind: str  # "added", "changed", "removed" or "count"
    # [(field label, before, after)]; before and after None for a value not shown
    fields: list = field(default_factory=list)
    count: int = 0


def _client_path(model, depth=2):
    """The lookup from `model` to its client ("client", "assessment__client"), or None."""
    if model is Client:
        return "id"
    for f in model._meta.get_fields():
        if isinstance(f, models.ForeignKey) and f.related_model is Client:
            return f.name
    if depth > 1:
        for f in model._meta.get_fields():
            if isinstance(f, models.ForeignKey) and f.related_model not in (None, model):
                inner = _client_path(f.related_model, depth - 1)
                if inner and inner != "id":
                    return f"{f.name}__{inner}"
    return None


def tracked_models():
    """[(model, its historical model, the lookup to the client)] for every client record."""
    found = []
    for model in apps.get_models():
        manager_name = getattr(model._meta, "simple_history_manager_attribute", None)
        # Supervision's own notes are about the keyworker's work, not the client's file.
        if not manager_name or model._meta.app_label == "supervision":
            continue
        path = _client_path(model)
        if path:
            found.append((model, getattr(model, manager_name).model, path))
    return found


def _display(model, name, value):
    try:
        model_field = model._meta.get_field(name)
    except Exception:  # a field since removed from the model
        return str(value)
    if value in (None, ""):
        return "—"
    if model_field.choices:
        return str(dict(model_field.flatchoices).get(value, value))
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, date):
        return dates.format_day(value)
    text = str(value)
    return text if len(text) <= 120 else text[:117] + "…"


LABEL_FIELDS = ("title", "what", "name", "text", "task_text", "reference")


def _label(model, row):
    """A short name for the record from its own columns (no query: a page lists many)."""
    parts = []
    for name in LABEL_FIELDS:
        value = getattr(row, name, None)
        if isinstance(value, str) and value.strip():
            parts.append(value if len(value) <= 80 else value[:77] + "…")
            break
    for f in model._meta.concrete_fields:
        if f.name in UNSHOWN_FIELDS:
            continue
        if isinstance(f, models.DateField) and not isinstance(f, models.DateTimeField):
            value = getattr(row, f.attname, None)
            if value:
                parts.append(dates.format_day(value))
                break
    return ", ".join(parts)


def changes_since(client_ids, since, until=None):
    """{client id: [Change, newest first]} for changes made after `since`."""
    result = defaultdict(list)
    if not client_ids:
        return result
    for model, history, path in tracked_models():
        client_field = "id" if path == "id" else f"{path}_id" if "__" not in path else None
        rows = history.objects.filter(**{f"{path}__in": client_ids}, history_date__gt=since)
        if until:
            rows = rows.filter(history_date__lte=until)
        rows = list(rows.select_related("history_user").order_by("history_date", "history_id"))
        if not rows:
            continue
        if client_field is None:
            # Resolve the client through the path, in one query for all rows.
            owners = dict(history.objects.filter(history_id__in=[r.history_id for r in rows])
                          .values_list("history_id", path))
        else:
            owners = {r.history_id: getattr(r, client_field) for r in rows}
        before = {
            r.id: r for r in history.objects.filter(history_id__in=history.objects.filter(
                id__in={r.id for r in rows}, history_date__lte=since)
                .values("id").annotate(last=Max("history_id")).values("last"))
        }
        created = defaultdict(list)
        for row in rows:
            client_id = owners[row.history_id]
            previous = before.get(row.id)
            before[row.id] = row
            what = str(model._meta.verbose_name)
            if row.history_type == "+":
                created[client_id].append(row)
                continue
            kind = "removed" if row.history_type == "-" else "changed"
            diffs = []
            if previous is not None and kind == "changed":
                delta = row.diff_against(previous)
                diffs = [(str(model._meta.get_field(c.field).verbose_name),
                          *((None, None) if c.field in UNSHOWN_FIELDS else
                            (_display(model, c.field, c.old), _display(model, c.field, c.new))))
                         for c in delta.changes if c.field not in HIDDEN_FIELDS]
                if not diffs:
                    continue
            result[client_id].append(Change(row.history_date, row.history_user, what,
                                            _label(model, row), kind, diffs))
        for client_id, added in created.items():
            what = str(model._meta.verbose_name)
            if len(added) > LIST_AT_MOST:
                last = added[-1]
                result[client_id].append(Change(last.history_date, last.history_user,
                                                str(model._meta.verbose_name_plural), "",
                                                "count", count=len(added)))
                continue
            # One line per kind of record: "keywork session added: 3 Nov 2026; 10 Nov 2026".
            last = added[-1]
            labels = "; ".join(label for label in (_label(model, r) for r in added) if label)
            result[client_id].append(Change(last.history_date, last.history_user, what,
                                            labels, "added", count=len(added)))
    for changes in result.values():
        changes.sort(key=lambda c: c.when, reverse=True)
    return result
