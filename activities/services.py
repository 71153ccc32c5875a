"""Writes to activities, their sessions, members and registers."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from activities import hooks
from activities.models import Activity, GroupAttendance, Membership
from clients.models import Client
from keywork.lib.dates import local_day


def _may_change(activity, by):
    if not activity.may_change(by):
        raise PermissionDenied


def _works_at(site_id, by):
    if not ((by.is_keyworker or by.is_manager) and by.works_at(site_id)):
        raise PermissionDenied


def _check_facilitator(user, site_id, field="facilitator"):
    if user is not None and not (user.is_active and user.works_at(site_id)
                                 and (user.is_keyworker or user.is_manager)):
        raise ValidationError({field: _("The facilitator must be a member of staff at the "
                                        "site.")})


@transaction.atomic
def activity_save(*, activity, by):
    """Add (a manager of the site) or change (a manager, or the usual facilitator) an
    activity."""
    if activity.pk is None:
        if not by.manages(activity.site_id):
            raise PermissionDenied
    else:
        _may_change(Activity.objects.get(pk=activity.pk), by)
    _check_facilitator(activity.facilitator, activity.site_id)
    activity.full_clean()
    activity.save()
    return activity


@transaction.atomic
def session_save(*, session, by):
    """Add or change a session of an activity; a cancelled one says why."""
    activity = session.activity
    _may_change(activity, by)
    if activity.is_archived:
        raise ValidationError(_("This activity is archived; its sessions cannot change."))
    _check_facilitator(session.facilitator, activity.site_id)
    if not session.cancelled:
        session.cancelled_reason = ""
    elif not session.cancelled_reason.strip():
        raise ValidationError({"cancelled_reason": _("Say why the session was cancelled.")})
    session.full_clean()
    session.save()
    return session


def _check_client(activity, client):
    if client.site_id != activity.site_id:
        raise ValidationError(_("%(client)s is not a client of %(site)s.")
                              % {"client": client, "site": activity.site})


@transaction.atomic
def membership_add(*, activity, client, by, on=None):
    """A client joins an activity from `on` (today)."""
    _works_at(activity.site_id, by)
    if activity.is_archived:
        raise ValidationError(_("%(activity)s is archived; no one can join it.")
                              % {"activity": activity})
    _check_client(activity, client)
    if client.is_archived:
        raise ValidationError(_("%(client)s has left; they cannot join a group.")
                              % {"client": client})
    on = on or timezone.localdate()
    if activity.memberships.current().filter(client=client).exists():
        raise ValidationError(_("%(client)s is already a member.") % {"client": client})
    if activity.memberships.filter(client=client, left_on__gte=on).exists():
        raise ValidationError({"joined_on": _("They were a member until after that day; "
                                              "choose a later date.")})
    membership = Membership(activity=activity, client=client, joined_on=on, added_by=by)
    membership.full_clean()
    membership.save()
    return membership


@transaction.atomic
def membership_end(*, membership, by, on=None):
    """A client leaves an activity on `on` (today); the rate counts sessions until then."""
    _works_at(membership.activity.site_id, by)
    if membership.left_on is not None:
        raise ValidationError(_("They have already left."))
    on = on or timezone.localdate()
    if on < membership.joined_on:
        raise ValidationError(_("They cannot leave before they joined."))
    membership.left_on = on
    membership.full_clean()
    membership.save()
    return membership


@transaction.atomic
def register_mark(*, session, statuses, by):
    """Save a session's register: `statuses` is {client id: GroupAttendance.Status}.

    Any member of staff at the site may mark it, on the session's day or later, unless it
    was cancelled. A client of the site who is not a member joins the activity from the
    session's day. Returns the number who attended. Whoever builds on the register (the
    ladder) hears of it through hooks.register_marked.
    """
    activity = session.activity
    _works_at(activity.site_id, by)
    if session.cancelled:
        raise ValidationError(_("This session was cancelled; it has no register."))
    day = local_day(session.starts_at)
    if day > timezone.localdate():
        raise ValidationError(_("The register can be marked from the day of the session."))
    if any(status not in GroupAttendance.Status.values for status in statuses.values()):
        raise ValidationError(_("Choose whether each person came."))
    clients = Client.objects.in_bulk(list(statuses))
    if len(clients) != len(statuses):
        raise ValidationError(_("Someone on the register is not a client."))
    members = set(activity.memberships
                  .filter(joined_on__lte=day, client_id__in=list(clients))
                  .exclude(left_on__lt=day).values_list("client_id", flat=True))
    for client in clients.values():
        _check_client(activity, client)
        if client.pk not in members:
            if client.is_archived:
                raise ValidationError(_("%(client)s has left; they cannot join a group.")
                                      % {"client": client})
            if activity.memberships.filter(client=client, left_on__isnull=True).exists():
                raise ValidationError(_("%(client)s joined after this session.")
                                      % {"client": client})
            Membership.objects.create(activity=activity, client=client, joined_on=day,
                                      added_by=by)
    existing = {line.client_id: line for line in session.register.filter(
        client_id__in=list(clients))}
    now = timezone.now()
    changed = []
    for client_id, status in statuses.items():
        line = existing.get(client_id)
        if line is None:
            line = GroupAttendance(session=session, client_id=client_id, status=status,
                                   marked_by=by, marked_at=now)
        elif line.status == status:
            continue
        else:
            line.status, line.marked_by, line.marked_at = status, by, now
        line.full_clean()
        line.save()
        changed.append(client_id)
    if changed:
        hooks.marked(session, changed, by)
    return session.register.filter(status=GroupAttendance.Status.ATTENDED).count()
