"""Supervision records: start, write, sign off, confirm, add to once locked."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from clients.models import Allocation, Client
from keywork.lib.stale import version_claim
from staff.models import User
from supervision.models import (
    Addendum,
    CaseAccountability,
    ClientDiscussion,
    Supervision,
    SupervisionAction,
)


def caseload_clients(keyworker, on=None):
    """The open clients a keyworker holds as keyworker, co-keyworker or cover."""
    return (Client.objects.open()
            .filter(pk__in=Allocation.objects.current(on).filter(worker=keyworker)
                    .values("client"))
            .order_by("last_name", "first_name"))


def _shared_site(manager, keyworker):
    return manager.sites.filter(pk__in=keyworker.sites.values("pk")).first()


@transaction.atomic
def supervision_start(*, manager, keyworker, held_on, agenda=None):
    """Open a supervision: its agenda, every caseload client, and the actions carried over."""
    if not manager.is_manager:
        raise PermissionDenied
    if keyworker.role != User.Role.KEYWORKER or not keyworker.is_active:
        raise ValidationError({"keyworker": _("Choose an active keyworker.")})
    site = _shared_site(manager, keyworker)
    if site is None:
        raise ValidationError({"keyworker": _("%(name)s does not work at any of your sites.")
                               % {"name": keyworker}})
    if held_on > timezone.localdate():
        raise ValidationError({"held_on": _("The meeting date cannot be in the future.")})
    previous = Supervision.objects.filter(keyworker=keyworker).first()
    supervision = Supervision(site=site, keyworker=keyworker, manager=manager, held_on=held_on,
                              previous=previous, agenda=agenda or {})
    supervision.full_clean()
    supervision.save()
    for client in caseload_clients(keyworker):
        ClientDiscussion.objects.create(supervision=supervision, client=client)
    if previous:
        for action in previous.actions.filter(done_on__isnull=True):
            SupervisionAction.objects.create(
                supervision=supervision, client=action.client, what=action.what,
                who=action.who, by_when=action.by_when, carried_from=action)
    return supervision


def _editable_by_manager(supervision, by):
    if by.pk != supervision.manager_id and not by.manages(supervision.site_id):
        raise PermissionDenied
    if supervision.status != Supervision.Status.DRAFT:
        raise ValidationError(_("This supervision has been signed off; add a note "
                                "instead."))


@transaction.atomic
def supervision_save(*, supervision, version, by, notes, discussions):
    """Save the manager's notes: {field: text} and {client id: discussion text}."""
    _editable_by_manager(supervision, by)
    supervision.version = version_claim(Supervision.objects, supervision.pk, version).version
    for name in ("workload", "wellbeing", "training", "boundaries"):
        setattr(supervision, name, notes.get(name, ""))
    supervision.full_clean()
    supervision.save()
    for discussion in supervision.discussions.all():
        text = discussions.get(discussion.client_id, discussion.notes)
        if text != discussion.notes:
            discussion.notes = text
            discussion.save()
    return supervision


@transaction.atomic
def action_add(*, supervision, by, what, who, by_when, client=None):
    """Agree an action in supervision."""
    _editable_by_manager(supervision, by)
    if client is not None and not supervision.discussions.filter(client=client).exists():
        raise ValidationError({"client": _("That client is not on this caseload.")})
    if by_when < supervision.held_on:
        raise ValidationError({"by_when": _("“By when” cannot be before the meeting.")})
    action = SupervisionAction(supervision=supervision, client=client, what=what, who=who,
                               by_when=by_when)
    action.full_clean()
    action.save()
    return action


@transaction.atomic
def action_done(*, action, by, on=None):
    """Mark an agreed action done (in the supervision it was carried to, or its own)."""
    _editable_by_manager(action.supervision, by)
    action.done_on = on or timezone.localdate()
    action.save()
    return action


@transaction.atomic
def supervision_sign(*, supervision, by):
    """The manager signs the record off and passes it to the keyworker to confirm."""
    _editable_by_manager(supervision, by)
    supervision.status = Supervision.Status.AWAITING_KEYWORKER
    supervision.manager_signed_at = timezone.now()
    supervision.save()
    return supervision


@transaction.atomic
def supervision_confirm(*, supervision, by, comment=""):
    """The keyworker confirms the record (with a comment if they wish); it is then locked."""
    if by.pk != supervision.keyworker_id:
        raise PermissionDenied
    if supervision.status != Supervision.Status.AWAITING_KEYWORKER:
        raise ValidationError(_("This supervision is not waiting for your confirmation."))
    supervision.keyworker_comment = comment
    supervision.keyworker_confirmed_at = timezone.now()
    supervision.status = Supervision.Status.LOCKED
    supervision.save()
    return supervision


@transaction.atomic
def addendum_add(*, supervision, by, text):
    """Add to a locked record: the record itself never changes once both have confirmed."""
    if supervision.status != Supervision.Status.LOCKED:
        raise ValidationError(_("Edit the record itself until it is confirmed."))
    if not (by.manages(supervision.site_id) or by.pk == supervision.keyworker_id):
        raise PermissionDenied
    if not text.strip():
        raise ValidationError({"text": _("Write the note.")})
    return Addendum.objects.create(supervision=supervision, by=by, text=text)


@transaction.atomic
def case_accountability_set(*, client, holder, by, manager=None):
    """Record who is case accountable for a client."""
    if not by.manages(client.site_id):
        raise PermissionDenied
    if holder == CaseAccountability.Holder.MANAGER:
        manager = manager or by
        if not manager.manages(client.site_id):
            raise ValidationError({"manager": _("Choose a manager of the client's site.")})
    else:
        manager = None
    record, _created = CaseAccountability.objects.update_or_create(
        client=client, defaults={"holder": holder, "manager": manager, "set_by": by})
    return record
