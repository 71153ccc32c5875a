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
import re
import zipfile

from django.apps import apps
from django.core.serializers.json import DjangoJSONEncoder
from django.db.models import (
    BinaryField,
    BooleanField,
    DateField,
    DateTimeField,
    FileField,
    JSONField,
    Q,
)
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from audit.access import NOT_CLIENT_DATA, client_paths
from audit.models import AccessEvent
from keywork.lib import dates
from keywork.lib.pdf import render_pdf
from safeguarding.models import Incident
from safeguarding.selectors import incidents_involving


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
    records["safeguarding.Incident"], history["safeguarding.Incident"] = _incidents(client)
    access_log = _rows(AccessEvent.objects.filter(client=client).order_by("at"), AccessEvent)
    return {"records": records, "history": history, "access_log": access_log,
            "files": files}


OTHER_PERSON = "[another person]"


def _redacted(rows, others):
    """`rows` with each other client's names replaced in every text by OTHER_PERSON."""
    names = sorted({name for person in others for name in (
        person.display_name, f"{person.first_name} {person.last_name}", person.preferred_name,
        person.first_name, person.last_name, person.reference) if name and len(name) > 1},
        key=len, reverse=True)
    if not names:
        return rows
    pattern = re.compile(r"\b(" + "|".join(re.escape(name) for name in names) + r")\b",
                         re.IGNORECASE)
    return [{key: pattern.sub(OTHER_PERSON, value) if isinstance(value, str) else value
             for key, value in row.items()} for row in rows]


def _incidents(client):
    """(rows, history rows) of the safeguarding concerns and incidents the client was
    involved in. An incident belongs to several clients (safeguarding.Involvement, one row
    each, exported above): each person's export holds the incident with every field, but
    only their own involvement, and the names and references of the other clients
    involved are replaced in its texts (and their history) by OTHER_PERSON."""
    rows, history = [], []
    historical = Incident.history.model
    for incident, others in incidents_involving(client):
        rows += _redacted(_rows([incident], Incident), others)
        history += _redacted(_rows(historical.objects.filter(id=incident.pk)
                                   .order_by("history_date"), historical), others)
    return rows, history


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
        "client": client, "site": client.site, "made_at": dates.format_day_time(made_at), "by": by,
        "counts": [(_kind_name(label), len(rows), len(data["history"].get(label, [])))
                   for label, rows in data["records"].items() if rows],
        "access_count": len(data["access_log"]), "file_count": len(data["files"]),
        "sections": readable(data),
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


# The readable summary ----------------------------------------------------------------------
#
# The PDF shows the very rows records.json holds (collect()), field by field, in words: a
# choice by its label, a date as 24 Nov 2026 (Europe/London), another record by its name.
# A kind of record listed here gets its own section, in the order a person reads their
# file; a kind shown in a table has one row a record with these columns (short records,
# often many), any other kind one block per record with every field that holds something.
# A kind not listed (a model added later) still gets a section of blocks, at the end.

SECTIONS = {
    "clients.Client": (_("Personal details"), None),
    "clients.StatusChange": (_("Changes of status"), ["on", "from_status", "to_status",
                                                      "by_id", "note"]),
    "clients.InductionTick": (_("Induction"), ["item_id", "done_on", "done_by_id"]),
    "clients.Allocation": (_("Keyworkers"), ["kind", "worker_id", "start", "end", "reason",
                                              "handover_note", "end_reason"]),
    "plans.Agreement": (_("Keywork agreements"), None),
    "plans.Plan": (_("Support plans, with their goals and actions"), None),
    "plans.Review": (_("Reviews of the support plan"), None),
    "plans.ManagerReview": (_("A manager's reviews of the plan"), None),
    "plans.Signature": (_("Signatures"), ["signed_at", "plan_id", "agreement_id", "role",
                                          "method", "name", "agreed_in_person",
                                          "declined_reason"]),
    "diary.KeyworkSession": (_("Keywork sessions and their notes"), None),
    "diary.Contact": (_("Contacts between sessions"), ["at", "kind", "with_whom", "person_name",
                                                       "relationship", "agency_id", "note",
                                                       "by_id"]),
    "diary.SessionSeries": (_("Repeating sessions booked"), ["created_at", "interval_weeks",
                                                            "until", "count", "worker_id",
                                                            "created_by_id"]),
    "diary.ClientCadence": (_("Keywork sessions expected each week"),
                            ["sessions_per_week", "set_at", "set_by_id"]),
    "stages.Assessment": (_("Assessments and their ratings"), None),
    "stages.ClientStage": (_("Stages ladder: the stages reached"), ["stage_id", "started_on",
                                                                    "ended_on", "move",
                                                                    "note", "at_discretion",
                                                                    "unmet_tasks", "by_id"]),
    "stages.Evidence": (_("Stages ladder: evidence for the tasks"), ["on", "task_text",
                                                                     "status", "what",
                                                                     "file", "by_id",
                                                                     "lapsed_at",
                                                                     "lapsed_reason"]),
    "stages.PortfolioItem": (_("Achievement portfolio"), ["on", "kind", "title", "text",
                                                          "file"]),
    "activities.Membership": (_("Groups and workshops joined"), ["activity_id", "joined_on",
                                                                  "left_on", "added_by_id"]),
    "activities.GroupAttendance": (_("Registers of groups and workshops"),
                                   ["session_id", "status", "marked_by_id", "marked_at"]),
    "plans.Referral": (_("Referrals to other agencies"), ["made_on", "agency_id", "reason",
                                                          "outcome", "outcome_note",
                                                          "follow_up_on", "made_by_id"]),
    "supervision.ClientDiscussion": (_("Talked about in staff supervision"),
                                     ["supervision_id", "notes"]),
    "supervision.SupervisionAction": (_("Actions agreed in staff supervision"),
                                      ["supervision_id", "what", "who", "by_when",
                                       "done_on"]),
    "supervision.CaseAccountability": (_("Who is responsible for the case"),
                                       ["set_at", "holder", "manager_id", "set_by_id"]),
    "attendance.Visit": (_("Visits to the centre (the door register)"),
                         ["day", "checked_in_at", "checked_out_at", "site_id", "visitor_id",
                          "ban_overridden_id", "checked_in_by_id", "checked_out_by_id"]),
    "attendance.Visitor": (_("At the door before the referral"),
                           ["name", "description", "date_of_birth", "site_id", "created_at",
                            "created_by_id"]),
    "plans.DocumentAccess": (_("Documents printed"), ["at", "document", "plan_id",
                                                      "agreement_id", "by_id"]),
    "messaging.ReminderConsent": (_("Consent to reminders"),
                                  ["consents", "channel", "phone", "email", "recorded_at",
                                   "recorded_by_id", "withdrawn_at", "withdrawn_how"]),
    "messaging.ClientMessage": (_("Reminders and notices sent to you"),
                                ["created_at", "kind", "channel", "to", "text", "sent_at",
                                 "status", "error"]),
    "portal.PortalAccess": (_("Your own page"),
                            ["is_on", "phone", "email", "turned_on_at", "turned_on_by_id",
                             "withdrawn_at", "withdrawn_by_id", "last_signed_in_at"]),
    "portal.SignIn": (_("Sign-in codes and links sent to you"),
                      ["created_at", "kind", "channel", "to", "expires_at", "used_at",
                       "void_at", "sent_by_id", "error"]),
    "portal.ClientNote": (_("What you sent from your own page"),
                          ["created_at", "kind", "session_id", "text", "read_at",
                           "read_by_id"]),
}

# Kinds shown inside the record they belong to, not in a section of their own:
# {kind: (the field naming the record it belongs to, its title, its columns or None)}.
CHILDREN = {
    "plans.Goal": ("plan_id", _("Goals"), None),
    "plans.Action": ("goal_id", _("Actions"), ["what", "who", "agency_id", "agency_name",
                                                "due_on", "need_id", "outcome", "learnt",
                                                "outcome_on"]),
    "plans.Milestone": ("goal_id", _("Milestones"), ["text", "target_on", "reached_on"]),
    "plans.ReviewItem": ("review_id", _("What the review found"),
                         ["action_id", "milestone_id", "outcome", "learnt", "reached_on"]),
    "stages.NeedRating": ("assessment_id", _("Ratings"), ["need_id", "rating", "note"]),
    "diary.SessionAddendum": ("session_id", _("Added later"), ["at", "by_id", "text"]),
    "diary.ActionProgress": ("session_id", _("Progress on the plan's actions"),
                             ["action_id", "progress", "note"]),
}

ACCESS_LOG_COLUMNS = ["at", "user_id", "kind", "path"]

# Columns whose field's own name is a word the summary does not use (issue 15, item 7).
HEADINGS = {("diary.SessionAddendum", "text"): _("Note")}

# Bookkeeping, not information about the person: kept in records.json only. What was
# signed is the plan or agreement itself, shown above it; its digest is a check code.
HIDDEN = {"id", "client_id", "version", "lock_version", "key", "order", "signed_content",
          "signed_digest", "content_digest", "image", "struck_at", "struck_by_id",
          "struck_reason"}


def _kind_name(label):
    """What a kind of record is called in the summary's list of what is held."""
    if label in CHILDREN:
        return CHILDREN[label][1]
    return capfirst(apps.get_model(label)._meta.verbose_name_plural)


def _names():
    """{kind: row -> its name}, for a record named by another (an action's review item)."""
    return {
        "plans.Plan": lambda row: _("Support plan, version %(n)s") % {"n": row["number"]},
        "plans.Agreement": lambda row: _("Keywork agreement, version %(n)s") % {
            "n": row["number"]},
        "plans.Goal": lambda row: row["text"],
        "plans.Action": lambda row: row["what"],
        "plans.Milestone": lambda row: row["text"],
        "plans.Review": lambda row: _("Review on %(day)s") % {
            "day": dates.format_day(row["held_on"])},
        "stages.Assessment": lambda row: _("%(kind)s on %(day)s") % {
            "kind": _shown(_field("stages.Assessment", "kind"), row["kind"], {}),
            "day": dates.format_day(row["assessed_on"])},
        "diary.KeyworkSession": lambda row: _("Session on %(when)s") % {
            "when": dates.format_day_time(row["starts_at"])},
        "supervision.SupervisionAction": lambda row: row["what"],
    }


def _field(label, attname):
    return next(f for f in apps.get_model(label)._meta.concrete_fields if f.attname == attname)


def _labels(data):
    """{(kind, id): name} for every record a shown row points to: the client's own records
    by their rows here, anything else (staff, needs, agencies) by one query per kind."""
    names = _names()
    labels = {}
    for label, rows in data["records"].items():
        if label in names:
            labels.update(((label, row["id"]), names[label](row)) for row in rows)
    wanted = {}
    kinds = [*data["records"].items(), (AccessEvent._meta.label, data["access_log"])]
    for label, rows in kinds:
        for field in apps.get_model(label)._meta.concrete_fields:
            target = field.related_model._meta.label if field.is_relation else None
            if target and target not in names:
                wanted.setdefault(field.related_model, set()).update(
                    row[field.attname] for row in rows if row[field.attname] is not None)
    area_model = apps.get_model("stages", "NeedArea")
    for row in data["records"].get("stages.Assessment", []):
        wanted.setdefault(area_model, set()).update(int(key) for key in row["area_scores"])
    for model, ids in wanted.items():
        for pk, obj in model._default_manager.select_related().in_bulk(ids).items():
            labels[(model._meta.label, pk)] = str(obj)
    return labels


def _shown(field, value, labels):
    """A field's value in words, or "" for nothing."""
    if value is None or value == "" or value == {}:
        return ""
    if field.is_relation:
        return labels.get((field.related_model._meta.label, value), str(value))
    if field.choices:
        return str(dict(field.flatchoices).get(value, value))
    if isinstance(field, BooleanField):
        return _("yes") if value else _("no")
    if isinstance(field, DateTimeField):
        return dates.format_day_time(value)
    if isinstance(field, DateField):
        return dates.format_day(value)
    if isinstance(field, FileField):
        return _("%(name)s (in the files folder)") % {"name": value.rsplit("/", 1)[-1]}
    if isinstance(field, BinaryField):
        return _("a picture (in records.json)")
    if field.attname == "area_scores":
        area = apps.get_model("stages", "NeedArea")._meta.label
        return "; ".join(
            f"{labels.get((area, int(key)), key)}: "
            + (f"{score} %" if score is not None else str(_("not applicable")))
            for key, score in value.items())
    if isinstance(field, JSONField):
        return json.dumps(value, cls=DjangoJSONEncoder, ensure_ascii=False)
    return str(value)


def _struck(label, row, labels):
    """Why a record struck through is wrong, in words, or ""."""
    if not row.get("struck_at"):
        return ""
    model = apps.get_model(label)
    return _("Marked on %(day)s by %(who)s: %(why)s") % {
        "day": dates.format_day_time(row["struck_at"]),
        "who": _shown(model._meta.get_field("struck_by"), row["struck_by_id"], labels),
        "why": row["struck_reason"]}


def _table(label, rows, columns, labels):
    fields = [_field(label, name) for name in columns]
    used = [f for f in fields if any(row[f.attname] not in (None, "") for row in rows)]
    return {
        "columns": [HEADINGS.get((label, f.attname), capfirst(f.verbose_name)) for f in used],
        "rows": [{"cells": [_shown(f, row[f.attname], labels) for f in used],
                  "struck": _struck(label, row, labels)} for row in rows],
    }


def _blocks(label, rows, data, labels, *, parent=None):
    model = apps.get_model(label)
    names = _names()
    children = [(kind, link, title, columns) for kind, (link, title, columns)
                in CHILDREN.items() if _field(kind, link).related_model is model]
    blocks = []
    for row in rows:
        fields = [(capfirst(f.verbose_name), _shown(f, row[f.attname], labels))
                  for f in model._meta.concrete_fields
                  if f.attname not in HIDDEN and f.attname != parent]
        inside = []
        for kind, link, title, columns in children:
            mine = [r for r in data["records"].get(kind, []) if r[link] == row["id"]]
            if mine:
                inside.append({**_part(kind, mine, columns, data, labels, parent=link),
                               "title": title})
        heading = names[label](row) if label in names else ""
        blocks.append({
            "heading": heading,
            "fields": [(name, value) for name, value in fields if value and value != heading],
            "struck": _struck(label, row, labels),
            "children": inside,
        })
    return {"blocks": blocks}


def _part(label, rows, columns, data, labels, *, parent=None):
    if columns:
        return _table(label, rows, columns, labels)
    return _blocks(label, rows, data, labels, parent=parent)


def readable(data):
    """The sections of the summary PDF, from collect()'s rows: [{title, count, versions,
    and a table {columns, rows} or blocks [{heading, fields, struck, children}]}]."""
    labels = _labels(data)
    order = [*SECTIONS, *(label for label in data["records"]
                          if label not in SECTIONS and label not in CHILDREN)]
    sections = []
    for label in order:
        rows = data["records"].get(label)
        if not rows:
            continue
        title, columns = SECTIONS.get(
            label, (capfirst(apps.get_model(label)._meta.verbose_name_plural), None))
        section = _part(label, rows, columns, data, labels)
        section.update(title=title, count=len(rows),
                       versions=len(data["history"].get(label, [])))
        sections.append(section)
        if label == "clients.Client":
            sections.append(_risks(data, labels))
    if data["access_log"]:
        section = _table(AccessEvent._meta.label, data["access_log"], ACCESS_LOG_COLUMNS,
                         labels)
        section.update(title=_("Who opened the records (the access log)"),
                       count=len(data["access_log"]), versions=0)
        sections.append(section)
    return sections


def _risks(data, labels):
    """Alerts on the file and the risks noted at sessions, together in one table."""
    session = "diary.KeyworkSession"
    rows = [{"cells": ["", _("Alert on the file"), alert, ""], "struck": ""}
            for alert in (row["alerts"] for row in data["records"]["clients.Client"])
            if alert]
    rows += [{"cells": [dates.format_day_time(row["starts_at"]), _("Noted at a session"),
                        row["risks"],
                        " ".join(filter(None, [
                            _shown(_field(session, "risk_dealt_with_at"),
                                   row["risk_dealt_with_at"], labels),
                            _shown(_field(session, "risk_dealt_with_by_id"),
                                   row["risk_dealt_with_by_id"], labels),
                            row["risk_dealt_with_note"]]))],
              "struck": _struck(session, row, labels)}
             for row in data["records"].get(session, []) if row["risks"]]
    return {"title": _("Risks and alerts"), "count": len(rows), "versions": 0,
            "columns": [_("When"), _("Where it is written"), _("What"), _("Dealt with")],
            "rows": rows,
            "empty": _("No alert or risk is written on the file.")}


def filename(client):
    return f"subject-access-{client.reference}-{datetime.date.today():%Y%m%d}.zip"
