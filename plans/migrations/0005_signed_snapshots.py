"""Give every version signed before snapshots existed the snapshot of what it prints.

Until now a signature covered the document's text with the client's name and reference
read live, and the PDF printed the site and the keyworker live. For each signed plan and
agreement this builds the snapshot `content()` now makes (the code is copied here, as a
migration must not call the models' methods, which will change):

- the client's name and reference as they were when it was signed, from the client's
  history; that this is exactly what was signed is checked against the version's digest
  (the live name is tried too, for records whose history starts later);
- the keyworker named is the primary keyworker on the day it was signed (allocations are
  kept, never deleted), and the site as it reads now (sites keep their name).

Where the check passes, the version's digest becomes the snapshot's and the signatures
that counted are moved onto it, so no signature is lost. Where nothing reproduces the
signed digest (the document changed after signing), the snapshot is what it prints now
and its signatures are left on the old digest: the version then shows them as no longer
counting rather than printing them over text nobody signed. Each changed row gets a
history row saying why. Reversing restores the old digests.
"""

import hashlib
import json

from django.db import migrations
from django.db.models import Q
from django.utils import timezone

CONTACT_KEYS = ("site", "site_phone", "keyworker", "keyworker_phone")
REASON = "Signed snapshot built by migration plans 0005"


def _digest(content):
    text = json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


def _iso(day):
    return day.isoformat() if day else ""


def _display_name(row):
    if row.preferred_name and row.preferred_name != row.first_name:
        return f"{row.first_name} “{row.preferred_name}” {row.last_name}"
    return f"{row.first_name} {row.last_name}"


def _names(apps, client, signed_at):
    """[(name, reference)] the client may have been signed under, the likeliest first."""
    history = apps.get_model("clients", "HistoricalClient").objects.filter(id=client.pk)
    rows = [history.filter(history_date__lte=signed_at).order_by("-history_date").first(),
            client, history.order_by("history_date").first()]
    names = []
    for row in rows:
        if row is not None and (_display_name(row), row.reference) not in names:
            names.append((_display_name(row), row.reference))
    return names


def _contacts(apps, client, signed_at):
    Allocation = apps.get_model("clients", "Allocation")
    day = timezone.localtime(signed_at).date()
    allocation = (Allocation.objects.filter(client_id=client.pk, kind="primary", start__lte=day)
                  .filter(Q(end__isnull=True) | Q(end__gt=day)).select_related("worker")
                  .order_by("-start").first())
    worker = allocation.worker if allocation else None
    name = ""
    if worker is not None:
        name = f"{worker.first_name} {worker.last_name}".strip() or worker.username
    return {"site": client.site.name, "site_phone": client.site.phone, "keyworker": name,
            "keyworker_phone": worker.phone if worker else ""}


def _plan_text(plan):
    goals = []
    for goal in plan.goals.order_by("order", "pk"):
        goals.append({
            "key": str(goal.key), "text": goal.text, "lead": goal.lead_details,
            "actions": [{"key": str(a.key), "what": a.what, "who": a.who,
                         "agency": a.agency_name, "due_on": _iso(a.due_on)}
                        for a in goal.actions.order_by("order", "pk")],
            "milestones": [{"key": str(m.key), "text": m.text, "target_on": _iso(m.target_on)}
                           for m in goal.milestones.order_by("target_on", "order", "pk")],
        })
    return {"document": "support plan", "version": plan.number,
            "starts_on": _iso(plan.starts_on), "review_on": _iso(plan.review_on),
            "vision": plan.vision, "strengths": plan.strengths,
            "constraints": plan.constraints, "goals": goals}


def _agreement_text(agreement):
    return {"document": "keywork agreement", "version": agreement.number,
            "sessions": agreement.sessions, "can_expect": agreement.can_expect,
            "expected_of_client": agreement.expected_of_client,
            "confidentiality": agreement.confidentiality}


def _record_history(apps, model_name, obj, now):
    historical = apps.get_model("plans", f"Historical{model_name}")
    names = {f.attname for f in historical._meta.concrete_fields}
    fields = {f.attname: getattr(obj, f.attname) for f in obj._meta.concrete_fields
              if f.attname in names}
    historical.objects.create(**fields, history_date=now, history_type="~",
                              history_change_reason=REASON)


def _signatures(apps, document, kind):
    return apps.get_model("plans", "Signature").objects.filter(**{f"{kind}_id": document.pk})


def _move_signatures(apps, document, kind, old, new, now):
    moved = 0
    for signature in _signatures(apps, document, kind).filter(content_digest=old):
        signature.content_digest = new
        signature.save(update_fields=["content_digest"])
        _record_history(apps, "Signature", signature, now)
        moved += 1
    return moved


def _seal(apps, model_name, text_of):
    model = apps.get_model("plans", model_name)
    kind = model_name.lower()
    now = timezone.now()
    documents = model.objects.filter(signed_at__isnull=False, signed_content__isnull=True)
    for document in documents.select_related("client", "client__site").iterator():
        text = text_of(document)
        names = _names(apps, document.client, document.signed_at)
        signed = next(((name, reference) for name, reference in names
                       if _digest({**text, "client": name, "reference": reference})
                       == document.signed_digest), None)
        name, reference = signed or (_display_name(document.client),
                                     document.client.reference)
        snapshot = {**text, "client": name, "reference": reference,
                    **_contacts(apps, document.client, document.signed_at)}
        old = document.signed_digest
        document.signed_content = snapshot
        document.signed_digest = _digest(snapshot)
        document.save(update_fields=["signed_content", "signed_digest"])
        _record_history(apps, model_name, document, now)
        if signed is not None:
            _move_signatures(apps, document, kind, old, document.signed_digest, now)


def forwards(apps, schema_editor):
    _seal(apps, "Plan", _plan_text)
    _seal(apps, "Agreement", _agreement_text)


def backwards(apps, schema_editor):
    now = timezone.now()
    for model_name in ("Plan", "Agreement"):
        model = apps.get_model("plans", model_name)
        for document in model.objects.filter(signed_content__isnull=False).iterator():
            old = {k: v for k, v in document.signed_content.items() if k not in CONTACT_KEYS}
            new, current = _digest(old), document.signed_digest
            kind = model_name.lower()
            if not _move_signatures(apps, document, kind, current, new, now):
                # Left on the digest they were given to: that digest is the one to restore.
                new = (_signatures(apps, document, kind).order_by("-signed_at", "-pk")
                       .values_list("content_digest", flat=True).first() or new)
            document.signed_content = None
            document.signed_digest = new
            document.save(update_fields=["signed_content", "signed_digest"])
            _record_history(apps, model_name, document, now)


class Migration(migrations.Migration):

    dependencies = [
        ("clients", "0001_initial"),
        ("plans", "0004_signed_content"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
