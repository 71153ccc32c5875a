"""Every change to a client's lifecycle or allocations goes through here.

Each service is keyword-only, atomic, validates before it saves and raises
ValidationError with a message a person can act on.
"""

import datetime
from collections import defaultdict

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from clients import extensions, selectors
from clients.models import (
    Allocation,
    Client,
    Episode,
    InductionItem,
    InductionTick,
    SiteMove,
    StatusChange,
)
from keywork.lib import dates
from keywork.lib.stale import version_claim
from staff.models import Site, User


def _record_status(*, client, from_status, by, on, note=""):
    StatusChange.objects.create(client=client, from_status=from_status, to_status=client.status,
                                on=on, by=by, note=note)


def _next_number(site):
    """The site's next client number, its numbering locked so that two at once never get
    the same one. A number once given at a site is never given again there: not that of a
    client who moved away either (their reference, made from it, stays theirs)."""
    site.__class__.objects.select_for_update().get(pk=site.pk)
    return top_numbers([site.pk]).get(site.pk, 0) + 1


def top_numbers(site_ids):
    """{site id: the highest client number given there}, counting the clients who moved
    away (SiteMove.from_number): what _next_number and the import number on from, the
    sites' rows locked by the caller. Two queries."""
    tops = dict(Client.objects.filter(site_id__in=site_ids).values("site_id")
                .annotate(top=Max("number")).values_list("site_id", "top"))
    for site_id, top in (SiteMove.objects.filter(from_site_id__in=site_ids)
                         .values("from_site_id").annotate(top=Max("from_number"))
                         .values_list("from_site_id", "top")):
        tops[site_id] = max(tops.get(site_id, 0), top)
    return tops


@transaction.atomic
def client_refer(*, site, by, came_from=None, **fields):
    """Create a client record as a referral and give it the site's next reference number.
    `came_from(client=, by=)`, when given, hears of it in the same transaction (a visitor
    at the door whose visits follow the new client: clients.extensions.referral_sources)."""
    number = _next_number(site)
    client = Client(site=site, number=number, reference=f"{site.code}-{number:05d}",
                    status=Client.Status.REFERRED, **fields)
    client.full_clean()
    client.save()
    _record_status(client=client, from_status="", by=by, on=client.referred_on,
                   note=client.referral_reason)
    if came_from is not None:
        came_from(client=client, by=by)
    return client


@transaction.atomic
def client_update(*, client, version, by, **fields):
    """Save edits to a client's details, refusing them if someone saved in between."""
    if client.is_archived:
        raise ValidationError(_("This client's record is archived and can no longer be changed."))
    for name, value in fields.items():
        setattr(client, name, value)
    client.full_clean()
    client.version = version_claim(Client.objects, client.pk, version).version
    client.save()
    return client


@transaction.atomic
def client_admit(*, client, admitted_on, by, note=""):
    """Admit a referred client; on a site that uses the stages ladder they start on probation."""
    if client.status != Client.Status.REFERRED:
        raise ValidationError(_("Only a referred client can be admitted."))
    if admitted_on < client.referred_on:
        raise ValidationError({"admitted_on": _(
            "The admission date cannot be before the referral (%(date)s)."
        ) % {"date": dates.format_day(client.referred_on)}})
    client.status = Client.Status.ADMITTED
    client.admitted_on = admitted_on
    client.on_probation = client.site.uses_ladder
    client.full_clean()
    client.save()
    _record_status(client=client, from_status=Client.Status.REFERRED, by=by, on=admitted_on,
                   note=note)
    return client


@transaction.atomic
def client_activate(*, client, by, on=None, note=""):
    """Start keywork proper: the client moves from admitted to active."""
    if client.status != Client.Status.ADMITTED:
        raise ValidationError(_("Only an admitted client can be made active."))
    client.status = Client.Status.ACTIVE
    client.save()
    _record_status(client=client, from_status=Client.Status.ADMITTED, by=by,
                   on=on or timezone.localdate(), note=note)
    return client


def _cancel_sessions(*, client, on, reason, by):
    """Every client_leaving handler (the diary cancels the booked sessions from the day
    `on`, never those already past)."""
    since = max(timezone.now(), dates.start_of_day(on))
    for handler in extensions.client_leaving:
        handler(client=client, since=since, reason=reason, by=by)


@transaction.atomic
def client_end(*, client, status, ended_on, destination, reason, by, end_kind="",
               closing_summary=""):
    """Move a client on or discharge them: a planned or unplanned ending, with the
    destination and a closing summary written with the client. The record is archived,
    allocations close, and the booked sessions still to come are cancelled (their workers
    are told on Today)."""
    if status not in Client.LEFT:
        raise ValidationError(_("Choose moved on or discharged."))
    if client.is_archived:
        raise ValidationError(_("This client has already left."))
    if client.status == Client.Status.REFERRED:
        raise ValidationError(_("A referral that was not admitted cannot be moved on."))
    if end_kind not in Client.EndKind.values:
        raise ValidationError({"end_kind": _("Say whether the ending was planned or not.")})
    if end_kind == Client.EndKind.PLANNED and not closing_summary.strip():
        raise ValidationError({"closing_summary": _(
            "Write the closing summary with the client: a planned ending has one.")})
    if client.admitted_on and ended_on < client.admitted_on:
        raise ValidationError({"ended_on": _(
            "The date cannot be before the admission (%(date)s)."
        ) % {"date": dates.format_day(client.admitted_on)}})
    if ended_on > timezone.localdate():
        raise ValidationError({"ended_on": _("The date cannot be in the future.")})
    previous = client.status
    client.status = status
    client.ended_on = ended_on
    client.end_destination = destination
    client.end_reason = reason
    client.end_kind = end_kind
    client.closing_summary = closing_summary.strip()
    client.full_clean()
    client.save()
    _record_status(client=client, from_status=previous, by=by, on=ended_on, note=reason)
    end_day = ended_on + datetime.timedelta(days=1)
    for allocation in client.allocations.current(ended_on).select_for_update():
        _close(allocation, end=max(end_day, allocation.start), by=by,
               reason=_("Client left the service."))
    _cancel_sessions(client=client, on=ended_on, by=by, reason=_(
        "%(name)s's stay ended on %(date)s.") % {"name": client.called,
                                                 "date": dates.format_day(ended_on)})
    return client


def move_sites_for(user, client):
    """The sites a manager may move `client` to: every active site but the client's own.

    Only a manager of the client's current site moves them, and they may name any active
    site: the client's keywork is theirs to hand over, and the receiving site's managers
    take it up by allocating a keyworker (the client waits on their unallocated list with
    the handover note). Asking the receiving managers to agree first would leave the
    client between two sites, seen fully by neither, for as long as the answer takes.
    """
    if not user.manages(client.site_id):
        return Site.objects.none()
    return Site.objects.filter(is_active=True).exclude(pk=client.site_id).order_by("name")


@transaction.atomic
def client_move_site(*, client, to_site, on, handover_note, by):
    """Move a client to another site from the day `on` (today or earlier), with a
    handover note for the receiving site.

    The client's site changes, and access follows it from this moment (clients.access
    decides by the client's site): the old site's staff lose the file. The allocations
    at the old site end, so the receiving site's managers see the client as unallocated;
    the booked sessions still to come, all with the old site's staff, are cancelled with
    the reason "moved to <site>". The records (plans, sessions, assessments) hang off the
    client and travel with them; each session keeps its site, so the old site's reports
    still count the sessions it held.

    The client gets the receiving site's next number (numbers stay unique per site), and
    keeps their reference: it is printed on their signed documents and known to other
    agencies, and it stays unique because the old site never gives the number again.
    """
    _manager_of(client, by)
    # Locked and read afresh: two moves at once must not both go ahead.
    Client.objects.select_for_update().only("pk").get(pk=client.pk)
    client.refresh_from_db()
    if client.is_archived:
        raise ValidationError(_("This client has left; they cannot move to another site."))
    if not move_sites_for(by, client).filter(pk=to_site.pk).exists():
        raise ValidationError({"to_site": _("Choose an active site other than %(site)s.")
                               % {"site": client.site}})
    today = timezone.localdate()
    if on > today:
        raise ValidationError({"on": _(
            "The date cannot be in the future: the client moves when you save. Come back "
            "on the day of the move.")})
    earliest = max(filter(None, [client.referred_on, client.admitted_on,
                                 client.site_moves.aggregate(n=Max("on"))["n"]]))
    if on < earliest:
        raise ValidationError({"on": _("The date cannot be before %(date)s.")
                               % {"date": dates.format_day(earliest)}})
    if not handover_note.strip():
        raise ValidationError({"handover_note": _(
            "Write a handover note: what the receiving site needs to know to carry on.")})
    from_site = client.site
    move = SiteMove(client=client, from_site=from_site, to_site=to_site,
                    from_number=client.number, on=on, handover_note=handover_note.strip(),
                    by=by)
    move.full_clean()
    for allocation in _open_allocations([client], on)[client.pk]:
        _close(allocation, end=max(on, allocation.start), by=by,
               reason=_("Client moved to %(site)s.") % {"site": to_site})
    client.site = to_site
    client.number = _next_number(to_site)
    client.full_clean()
    client.save()
    move.save()
    _cancel_sessions(client=client, on=on, by=by,
                     reason=_("%(name)s moved to %(site)s.") % {"name": client.called,
                                                               "site": to_site})
    return move


@transaction.atomic
def client_reopen(*, client, by, referred_on, reason, referral_source="",
                  referral_reference=""):
    """Re-open an ended record as a new stay: a returning client keeps one record.

    The ended stay is kept as an Episode (its fields copied through Client.STAY_FIELDS);
    the client is Referred again from `referred_on`, and is admitted through the usual
    admit step. Only a manager of the client's site may do it.
    """
    _manager_of(client, by)
    Client.objects.select_for_update().get(pk=client.pk)  # one re-opening at a time
    client.refresh_from_db()
    if client.status not in Client.ENDED:
        raise ValidationError(_("Only a record whose stay has ended can be re-opened."))
    if not reason.strip():
        raise ValidationError({"reason": _("Say why the client is coming back.")})
    last_day = client.ended_on or client.referred_on
    if referred_on <= last_day:
        raise ValidationError({"referred_on": _(
            "The new referral must be after the last stay ended (%(date)s)."
        ) % {"date": dates.format_day(last_day)}})
    if referred_on > timezone.localdate():
        raise ValidationError({"referred_on": _("The referral date cannot be in the future.")})
    number = (client.episodes.aggregate(n=Max("number"))["n"] or 0) + 1
    episode = Episode(client=client, number=number, reopened_by=by, reopen_reason=reason,
                      **{name: getattr(client, name) for name in Client.STAY_FIELDS})
    episode.full_clean()
    episode.save()
    previous = client.status
    blank = Client(site=client.site)  # a new record's values: what a new stay starts from
    for name in Client.STAY_FIELDS:
        setattr(client, name, getattr(blank, name))
    client.status = Client.Status.REFERRED
    client.referred_on = referred_on
    client.referral_source = referral_source
    client.referral_reference = referral_reference
    client.referral_reason = reason
    client.full_clean()
    client.save()
    _record_status(client=client, from_status=previous, by=by, on=referred_on,
                   note=_("Re-opened as a new stay: %(reason)s") % {"reason": reason})
    return episode


@transaction.atomic
def client_close_referral(*, client, outcome, on, reason, by, note=""):
    """Close a referral that will not become an admission: declined by the service,
    withdrawn, or the person never arrived. The record is archived like a move-on (a
    return is a new stay), with the reason counted in the referral outcomes report.

    A manager of the client's site decides, as they decide an admission: a referral has no
    keyworker yet, so no keyworker holds its file.
    """
    _manager_of(client, by)
    if outcome not in Client.REFERRAL_CLOSED:
        raise ValidationError({"outcome": _("Choose declined, withdrawn or did not arrive.")})
    if client.status != Client.Status.REFERRED:
        raise ValidationError(_("Only a referral that is still waiting can be closed this way."))
    if reason not in Client.ReferralEndReason.values:
        raise ValidationError({"reason": _("Choose why the referral closed.")})
    if reason == Client.ReferralEndReason.OTHER and not note.strip():
        raise ValidationError({"note": _("Say what the other reason was.")})
    if on < client.referred_on:
        raise ValidationError({"on": _(
            "The date cannot be before the referral (%(date)s)."
        ) % {"date": dates.format_day(client.referred_on)}})
    if on > timezone.localdate():
        raise ValidationError({"on": _("The date cannot be in the future.")})
    client.status = outcome
    client.ended_on = on
    client.referral_end_reason = reason
    client.end_reason = note.strip()
    client.full_clean()
    client.save()
    label = Client.ReferralEndReason(reason).label
    _record_status(client=client, from_status=Client.Status.REFERRED, by=by, on=on,
                   note=f"{label}. {note.strip()}".strip() if note.strip() else str(label))
    # As a stay's end: sessions booked from then on are cancelled, their own page is off.
    _cancel_sessions(client=client, on=on, by=by, reason=_(
        "%(name)s's referral closed on %(date)s.") % {"name": client.called,
                                                      "date": dates.format_day(on)})
    return client


@transaction.atomic
def induction_tick(*, client, item, by, done_on=None):
    """Tick an induction item off for a client (once), with the date and who did it."""
    if client.is_archived:
        raise ValidationError(_("This client's record is archived."))
    if item.site_id != client.site_id or not item.is_active:
        raise ValidationError(_("That item is not on this site's induction checklist."))
    if client.status == Client.Status.REFERRED:
        raise ValidationError(_("Induction starts once the client is admitted."))
    Client.objects.select_for_update().get(pk=client.pk)  # once per item and stay
    tick = selectors.in_current_stay(client.induction_ticks.filter(item=item)).first()
    if tick is None:
        tick = InductionTick(client=client, item=item, done_on=done_on or timezone.localdate(),
                             done_by=by)
        tick.full_clean()
        tick.save()
    return tick


def induction_progress(client):
    """The site's active checklist items, each with its tick for this client in their
    current stay (or None)."""
    ticks = {t.item_id: t for t in selectors.in_current_stay(
        client.induction_ticks.select_related("done_by"))}
    items = InductionItem.objects.filter(site_id=client.site_id, is_active=True)
    return [(item, ticks.get(item.pk)) for item in items]


# Allocation -----------------------------------------------------------------------------


def keyworkers_at(site):
    """Active keyworkers of a site, the candidates to allocate (their caseloads are
    clients.selectors.caseload_sizes)."""
    return (User.objects.filter(sites=site, is_active=True, role=User.Role.KEYWORKER)
            .order_by("first_name", "last_name"))


def _check_worker(*, client, worker):
    if not worker.is_active:
        raise ValidationError({"worker": _("%(name)s is deactivated and cannot take clients.")
                               % {"name": worker}})
    if worker.role != User.Role.KEYWORKER and worker.role != User.Role.MANAGER:
        raise ValidationError({"worker": _("Only keyworkers and managers can be allocated.")})
    if not worker.works_at(client.site_id):
        raise ValidationError({"worker": _("%(name)s does not work at %(site)s.")
                               % {"name": worker, "site": client.site}})


def _check_open(client):
    if client.is_archived:
        raise ValidationError(_("This client has left; their allocations can no longer change."))
    if client.status == Client.Status.REFERRED:
        raise ValidationError(_("Admit the client before allocating a keyworker."))


def _over_limit(*, worker, over_limit_reason, extra=1):
    """The reason to keep when this allocation takes `worker` over their limit, else ""."""
    count = selectors.caseload_sizes([worker])[worker.pk].size
    if count + extra <= worker.caseload_limit:
        return ""
    if not over_limit_reason.strip():
        raise ValidationError({"over_limit_reason": _(
            "%(name)s already holds %(count)s of %(limit)s clients. Give a reason to go over "
            "the limit, or choose someone else."
        ) % {"name": worker, "count": count, "limit": worker.caseload_limit}})
    return over_limit_reason


def _close(allocation, *, end, by, reason):
    allocation.end = end
    allocation.ended_by = by
    allocation.end_reason = reason
    allocation.full_clean()
    allocation.save()


def _manager_of(client, user):
    if not user.manages(client.site_id):
        raise PermissionDenied


@transaction.atomic
def client_allocate(*, client, worker, by, reason="", over_limit_reason="", start=None):
    """Make `worker` the client's keyworker from `start` (today), closing the previous one.

    Re-allocation needs a reason; going over the worker's caseload limit needs one too.
    """
    _manager_of(client, by)
    _check_open(client)
    _check_worker(client=client, worker=worker)
    over_limit_reason = _over_limit(worker=worker, over_limit_reason=over_limit_reason)
    return _allocate(client=client, worker=worker, by=by, reason=reason,
                     over_limit_reason=over_limit_reason, start=start)


def _open_allocations(clients, start):
    """{client id: [allocations open on or after `start`, newest first]}, locked."""
    rows = defaultdict(list)
    for allocation in Allocation.objects.select_for_update(of=("self",)).select_related(
            "worker").filter(client__in=clients).filter(Q(end__isnull=True) | Q(end__gt=start)):
        rows[allocation.client_id].append(allocation)
    return rows


def _allocate(*, client, worker, by, reason, over_limit_reason, start=None, open_rows=None):
    """`open_rows`: the client's open allocations, already locked (a transfer locks every
    client's in one query); else they are read and locked here."""
    start = start or timezone.localdate()
    if open_rows is None:
        open_rows = _open_allocations([client], start)[client.pk]
    current = next((a for a in open_rows
                    if a.kind == Allocation.Kind.PRIMARY and a.end is None), None)
    if current and current.worker_id == worker.pk:
        raise ValidationError({"worker": _("%(name)s is already the keyworker.")
                               % {"name": worker}})
    if current and not reason.strip():
        raise ValidationError({"reason": _("Say why the keyworker is changing.")})
    if current:
        if start < current.start:
            raise ValidationError({"start": _("The change cannot start before the current "
                                              "keyworker's allocation began.")})
        _close(current, end=start, by=by, reason=reason)
        for handler in extensions.keyworker_changed:
            handler(client=client, from_worker=current.worker, to_worker=worker, start=start,
                    by=by)
    # The new keyworker no longer needs to be their co-keyworker or their cover.
    for other in [a for a in open_rows if a.worker_id == worker.pk
                  and a.kind in (Allocation.Kind.CO, Allocation.Kind.COVER)]:
        _close(other, end=max(start, other.start), by=by, reason=_("Became the keyworker."))
    allocation = Allocation(client=client, worker=worker, kind=Allocation.Kind.PRIMARY,
                            start=start, reason=reason, over_limit_reason=over_limit_reason,
                            created_by=by)
    allocation.full_clean()
    allocation.save()
    return allocation


@transaction.atomic
def co_keyworker_set(*, client, worker, by, reason=""):
    """Add a co-keyworker (one at a time): the second worker in a pair."""
    _manager_of(client, by)
    _check_open(client)
    _check_worker(client=client, worker=worker)
    open_allocations = client.allocations.filter(end__isnull=True)
    if open_allocations.filter(kind=Allocation.Kind.PRIMARY, worker=worker).exists():
        raise ValidationError({"worker": _("%(name)s is the keyworker already.")
                               % {"name": worker}})
    if open_allocations.filter(kind=Allocation.Kind.CO).exists():
        raise ValidationError({"worker": _("The client has a co-keyworker already; end that "
                                           "first.")})
    allocation = Allocation(client=client, worker=worker, kind=Allocation.Kind.CO,
                            start=timezone.localdate(), reason=reason, created_by=by)
    allocation.full_clean()
    allocation.save()
    return allocation


@transaction.atomic
def cover_arrange(*, client, worker, first_day, last_day, handover_note, by):
    """Temporary cover while the keyworker is away. It ends by itself after `last_day`.

    The keyworker arranges it before planned leave; a manager for unplanned absence.
    """
    _check_open(client)
    keyworker = client.allocations.current().primary().first()
    by_manager = by.manages(client.site_id)
    if not by_manager and not (keyworker and keyworker.worker_id == by.pk):
        raise PermissionDenied
    _check_worker(client=client, worker=worker)
    if keyworker and keyworker.worker_id == worker.pk:
        raise ValidationError({"worker": _("Cover must be someone other than the keyworker.")})
    if last_day < first_day:
        raise ValidationError({"last_day": _("Cover cannot end before it starts.")})
    if first_day < timezone.localdate():
        raise ValidationError({"first_day": _("Cover cannot start in the past.")})
    if not handover_note.strip():
        raise ValidationError({"handover_note": _(
            "Write a handover note: what the covering worker needs to know.")})
    end = last_day + datetime.timedelta(days=1)
    clash = client.allocations.filter(kind=Allocation.Kind.COVER, start__lt=end, end__gt=first_day)
    if clash.exists():
        raise ValidationError(_("The client already has cover on some of those days."))
    allocation = Allocation(
        client=client, worker=worker, kind=Allocation.Kind.COVER, start=first_day, end=end,
        handover_note=handover_note, created_by=by,
        arranged=Allocation.Arranged.UNPLANNED if by_manager and not (
            keyworker and keyworker.worker_id == by.pk) else Allocation.Arranged.PLANNED,
    )
    allocation.full_clean()
    allocation.save()
    return allocation


@transaction.atomic
def allocation_end(*, allocation, by, reason):
    """End a co-keyworker or cover allocation early. A keyworker is changed, not ended."""
    _manager_of(allocation.client, by)
    if allocation.kind == Allocation.Kind.PRIMARY:
        raise ValidationError(_("Choose a new keyworker instead of ending this allocation."))
    today = timezone.localdate()
    if not allocation.is_current(today) and allocation.start <= today:
        raise ValidationError(_("This allocation has already ended."))
    if not reason.strip():
        raise ValidationError({"reason": _("Say why it ends.")})
    _close(allocation, end=max(today, allocation.start), by=by, reason=reason)
    return allocation


@transaction.atomic
def caseload_transfer(*, from_worker, to_worker, clients, by, reason, over_limit_reason=""):
    """Move the chosen clients from one keyworker to another in one step (e.g. a leaver).

    All or nothing: if any client cannot move, none does.
    """
    if from_worker.pk == to_worker.pk:
        raise ValidationError({"to_worker": _("Choose a different keyworker to transfer to.")})
    if not clients:
        raise ValidationError({"clients": _("Choose at least one client to transfer.")})
    if not reason.strip():
        raise ValidationError({"reason": _("Say why the caseload is moving.")})
    over_limit_reason = _over_limit(worker=to_worker, over_limit_reason=over_limit_reason,
                                    extra=len(clients))
    moved = []
    # Every client's open allocations, locked in one query rather than one per client.
    open_rows = _open_allocations(clients, timezone.localdate())
    for client in clients:
        _manager_of(client, by)
        _check_open(client)
        _check_worker(client=client, worker=to_worker)
        current = next((a for a in open_rows[client.pk]
                        if a.kind == Allocation.Kind.PRIMARY and a.end is None), None)
        if not current or current.worker_id != from_worker.pk:
            raise ValidationError(_("%(client)s is not on %(name)s's caseload any more.")
                                  % {"client": client, "name": from_worker})
        moved.append(_allocate(client=client, worker=to_worker, by=by, reason=reason,
                               over_limit_reason=over_limit_reason,
                               open_rows=open_rows[client.pk]))
    return moved
