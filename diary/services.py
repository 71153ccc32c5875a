"""Every write to the diary, and the reads its pages share.

Each write is keyword-only, atomic, validates before it saves and raises ValidationError
with a message a person can act on. The acting user is passed in and recorded in the
history, so that an entry changed outside a request still says who changed it.
"""

import datetime
import secrets
from dataclasses import dataclass, field
from typing import NamedTuple

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import CharField, F, Prefetch, Q, Value
from django.utils import timezone
from django.utils.translation import gettext as _

from clients.access import Access, access_level
from clients.models import Allocation, Client
from diary import hooks
from diary.models import (
    LATE_AFTER_DAYS,
    MAX_SERIES,
    ActionProgress,
    CalendarFeed,
    ClientCadence,
    Contact,
    DiarySettings,
    KeyworkSession,
    LateRecord,
    SessionAddendum,
    SessionSeries,
    StaffAbsence,
    days_late,
)
from keywork.lib import dates
from keywork.lib.dates import format_day, format_time
from keywork.lib.stale import StaleEdit, version_claim
from plans import selectors as plan_selectors
from plans import services as plan_services
from plans.models import Action
from staff.models import User

Session = KeyworkSession
DAY = datetime.timedelta(days=1)
# The hours a week grid always shows; sessions outside them widen it.
FIRST_HOUR, LAST_HOUR = 8, 19


def _by(instance, user):
    # simple-history records this user even when no request is around (demo data, jobs).
    instance._history_user = user
    return instance


# Permission rules the services enforce whatever view calls them -------------------------


def _require_full(client, user):
    """The user may open the client's file (keyworker, co-keyworker, cover, manager)."""
    if access_level(user, client) != Access.FULL:
        raise PermissionDenied


def _check_client(client):
    if client.is_archived:
        raise ValidationError({"client": _(
            "%(name)s has left the service; no more sessions can be booked.")
            % {"name": client}})
    if client.status == Client.Status.REFERRED:
        raise ValidationError({"client": _(
            "%(name)s is still a referral: admit them before booking keywork sessions.")
            % {"name": client}})


def _check_worker(*, client, worker):
    if not worker.is_active or worker.role not in (User.Role.KEYWORKER, User.Role.MANAGER):
        raise ValidationError({"worker": _("%(name)s cannot hold keywork sessions.")
                               % {"name": worker}})
    if not worker.works_at(client.site_id):
        raise ValidationError({"worker": _("%(name)s does not work at %(site)s.")
                               % {"name": worker, "site": client.site}})


def _lock(client, worker):
    """Serialise bookings for this client and worker, so two at once cannot both pass the
    clash check. Always client first, then worker, so that no two bookings deadlock."""
    list(Client.objects.select_for_update().filter(pk=client.pk).values_list("pk"))
    list(User.objects.select_for_update().filter(pk=worker.pk).values_list("pk"))


def clashes(*, worker, client, starts_at, ends_at, exclude=None):
    """Live, not cancelled sessions of the same worker or the same client that overlap."""
    found = (
        Session.objects.live().exclude(status=Session.Status.CANCELLED)
        .filter(Q(worker=worker) | Q(client=client), starts_at__lt=ends_at, ends_at__gt=starts_at)
        .select_related("client", "worker")
    )
    if exclude is not None:
        found = found.exclude(pk=exclude.pk)
    return found


def _check_clash(session, exclude=None, moving=()):
    """Refuse a clash; `moving`: ids of sessions moved together with it (a series'), none
    of which is in its way."""
    clash = clashes(worker=session.worker, client=session.client, starts_at=session.starts_at,
                    ends_at=session.ends_at, exclude=exclude).exclude(pk__in=moving).first()
    if clash is None:
        return
    values = {"worker": clash.worker, "client": clash.client, "day": format_day(clash.starts_at),
              "start": format_time(clash.starts_at), "end": format_time(clash.ends_at)}
    if clash.worker_id == session.worker_id:
        message = _("%(worker)s already has a session with %(client)s on %(day)s from "
                    "%(start)s to %(end)s. Choose another time.") % values
    else:
        message = _("%(client)s already has a session with %(worker)s on %(day)s from "
                    "%(start)s to %(end)s. Choose another time.") % values
    raise ValidationError({"starts_at": message})


def _late_window_refusal(settings, field):
    return ValidationError({field: _(
        "That is more than %(days)s days ago: keywork older than that cannot be recorded at "
        "this site. A manager of the site can change how far back in the diary settings.")
        % {"days": settings.late_window_days}})


def _check_not_too_old(starts_at, site_id):
    """A session may be booked (to log it) as far back as the site records keywork."""
    settings = DiarySettings.for_site(site_id)
    if days_late(starts_at, timezone.now()) > settings.late_window_days:
        raise _late_window_refusal(settings, "starts_at")


def _late_approval(*, site_id, happened_at, late_reason, by, field):
    """The approval a record of keywork that happened at `happened_at`, recorded now,
    starts with; the one rule of catching up.

    Within the site's window it may be recorded; more than LATE_AFTER_DAYS after, it is
    recorded late and says why; past the approval limit it waits for a manager of the site
    (one recorded by such a manager is approved by them as they record it).
    """
    settings = DiarySettings.for_site(site_id)
    late = days_late(happened_at, timezone.now())
    if late > settings.late_window_days:
        raise _late_window_refusal(settings, field)
    if late <= LATE_AFTER_DAYS:
        return LateRecord.Approval.NOT_NEEDED
    if not late_reason.strip():
        raise ValidationError({"late_reason": _(
            "This happened %(days)s days ago, so it is recorded late: say why (for example, "
            "back from leave, or typing up paper notes).") % {"days": late}})
    if late <= settings.late_approval_days:
        return LateRecord.Approval.NOT_NEEDED
    if by.manages(site_id):
        return LateRecord.Approval.APPROVED
    return LateRecord.Approval.AWAITING


def _set_late(record, *, approval, late_reason, by):
    record.late_reason = late_reason.strip() if record.recorded_late else ""
    record.approval = approval
    if approval == LateRecord.Approval.APPROVED:
        record.approval_by, record.approval_at = by, timezone.now()


def _locked(session):
    """The session as stored now, locked until this transaction ends, so that a quick
    change (a check-in) never writes back fields someone else has just logged."""
    return (Session.objects.select_for_update(of=("self",))
            .select_related("client", "logged_by").get(pk=session.pk))


def _fresh(session, version):
    """The session as stored now, locked until the change is saved, if nobody else changed
    it since the form was opened at `version`; else StaleEdit, which says who logged it
    when that is what happened (what is missing then goes in an addendum)."""
    try:
        return version_claim(
            Session.objects.select_related("client", "logged_by"), session.pk, version)
    except StaleEdit as error:
        fresh = error.current
        if fresh.logged_by and fresh.is_logged:
            raise StaleEdit(_(
                "%(name)s logged this session at %(time)s while you were writing. What you "
                "wrote is still in the form below: add what is missing as a note."
            ) % {"name": fresh.logged_by, "time": format_time(fresh.logged_at)},
                current=fresh) from None
        raise


# Booking -----------------------------------------------------------------------------------


def _booking_fields(session, *, worker, starts_at, expected_minutes, place, where,
                    lone_working, expected_back_at):
    session.worker = worker
    session.starts_at = starts_at
    session.expected_minutes = expected_minutes
    session.place = place
    session.where = where.strip()
    session.lone_working = lone_working
    session.expected_back_at = expected_back_at if session.needs_check_in else None


@transaction.atomic
def session_book(*, client, worker, starts_at, expected_minutes, by,
                 place=Session.Place.SITE_ROOM, where="", lone_working=False,
                 expected_back_at=None):
    """Book (diarise) a session with a client, held by `worker`.

    Refused if the worker or the client already has a session at that time. A session
    held without a booking can be added afterwards to be logged, as far back as the site
    records keywork (DiarySettings.late_window_days).
    """
    _require_full(client, by)
    _check_client(client)
    _check_worker(client=client, worker=worker)
    _check_not_too_old(starts_at, client.site_id)
    _lock(client, worker)
    session = _by(Session(client=client, site_id=client.site_id, booked_by=by), by)
    _booking_fields(session, worker=worker, starts_at=starts_at,
                    expected_minutes=expected_minutes, place=place, where=where,
                    lone_working=lone_working, expected_back_at=expected_back_at)
    session.full_clean()
    _check_clash(session)
    session.save()
    return session


@transaction.atomic
def session_reschedule(*, session, version, by, worker, starts_at, expected_minutes, place,
                       where="", lone_working=False, expected_back_at=None):
    """Move a booked session to another time, place or worker (clashes refused)."""
    _require_full(session.client, by)
    session = _fresh(session, version)
    if session.is_logged or session.is_struck:
        raise ValidationError(_("Only a booked session can be moved; this one is %(status)s.")
                              % {"status": session.get_status_display().lower()})
    _check_worker(client=session.client, worker=worker)
    _check_not_too_old(starts_at, session.site_id)
    _lock(session.client, worker)
    before = hooks.told_before([session])
    _booking_fields(session, worker=worker, starts_at=starts_at,
                    expected_minutes=expected_minutes, place=place, where=where,
                    lone_working=lone_working, expected_back_at=expected_back_at)
    session.full_clean()
    _check_clash(session, exclude=session)
    _by(session, by).save()
    # Told only when its time, place or worker changed (not its length or lone working).
    hooks.sessions_changed([session], change="moved", by=by, before=before)
    return session


def sessions_follow_keyworker(*, client, from_worker, to_worker, start, by):
    """The client's booked sessions with their old keyworker from the change onwards go
    to the new one (registered in clients.extensions.keyworker_changed from
    DiaryConfig.ready(), so it runs inside the allocation's transaction).

    A session that would clash with one the new keyworker already has refuses the change:
    nothing moves until one of the two is moved by hand.
    """
    since = max(timezone.now(), dates.start_of_day(start))
    sessions = list(Session.objects.live().select_for_update(of=("self",))
                    .filter(client=client, worker=from_worker, status=Session.Status.BOOKED,
                            starts_at__gte=since).select_related("client", "site", "worker")
                    .order_by("starts_at"))
    before = hooks.told_before(sessions)
    for session in sessions:
        session.worker = to_worker
        session.version += 1
        session.full_clean()
        clash = clashes(worker=to_worker, client=client, starts_at=session.starts_at,
                        ends_at=session.ends_at, exclude=session).first()
        if clash is not None:
            raise ValidationError(_(
                "%(client)s's session on %(day)s at %(start)s cannot move to %(worker)s, who "
                "has a session with %(other)s then. Move one of the two in the diary, then "
                "try again.") % {"client": client, "day": format_day(session.starts_at),
                                 "start": format_time(session.starts_at), "worker": to_worker,
                                 "other": clash.client})
        _by(session, by).save()
    # The client is told whom they will see now.
    hooks.sessions_changed(sessions, change="moved", by=by, before=before)


def sessions_cancel_for_leaving(*, client, since, reason, by):
    """Cancel the client's booked sessions from the instant `since` on, by staff, giving
    `reason` (registered in clients.extensions.client_leaving from DiaryConfig.ready(), so
    it runs inside the transaction that moves the client to another site or ends their
    stay). Whoever held each one sees it on Today (selectors.due_for, "cancelled")."""
    now = timezone.now()
    sessions = list(Session.objects.live().select_for_update(of=("self",))
                    .filter(client=client, status=Session.Status.BOOKED, starts_at__gte=since)
                    .order_by("starts_at"))
    for session in sessions:
        session.status = Session.Status.CANCELLED
        session.cancelled_by = Session.CancelledBy.STAFF
        session.cancel_reason = reason[:300]
        session.logged_by = by
        session.logged_at = now
        session.version += 1
        session.full_clean()
        _by(session, by).save()
    # Told of by nobody: the client has left (or moved to another site, which books anew).
    hooks.sessions_changed(sessions, change="cancelled", by=by, cause="leaving")


# Logging and correcting --------------------------------------------------------------------


def _set_outcome(session, *, status, worker, cancelled_by, actual_start, actual_minutes,
                 discussed, next_steps, progress, risks):
    worker = worker or session.worker
    if worker.pk != session.worker_id:
        _check_worker(client=session.client, worker=worker)
    session.status = status
    session.worker = worker
    session.cancelled_by = cancelled_by if status == Session.Status.CANCELLED else ""
    attended = status == Session.Status.ATTENDED
    session.actual_start = actual_start if attended else None
    session.actual_minutes = actual_minutes if attended else None
    session.discussed = discussed.strip()
    session.next_steps = next_steps.strip()
    session.progress = progress.strip()
    if risks.strip() != session.risks:
        # A changed risk is a new one: it shows to the team until dealt with again.
        session.risk_dealt_with_at = session.risk_dealt_with_by = None
        session.risk_dealt_with_note = ""
    session.risks = risks.strip()


@transaction.atomic
def session_log(*, session, version, by, status, worker=None, cancelled_by="",
                actual_start=None, actual_minutes=None, discussed="", next_steps="",
                progress="", risks="", late_reason="", action_progress=None):
    """Record what happened at a booked session: attended, did not attend or cancelled.

    `action_progress` is {action id: (ActionProgress.Progress, note)} for the open actions
    of the client's plan in force the session worked on (_record_action_progress).

    If someone else logged it meanwhile, StaleEdit says who; nothing is overwritten. Logged
    days after it happened, it is recorded late with `late_reason`, and past the site's
    limit it waits for a manager's approval (_late_approval).
    """
    _require_full(session.client, by)
    session = _fresh(session, version)
    if session.is_struck:
        raise ValidationError(_("This session was marked as entered in error; it cannot be "
                                "logged."))
    if session.is_logged:
        raise ValidationError(_("This session is already logged; change the log instead."))
    if status == Session.Status.BOOKED:
        raise ValidationError({"status": _("Choose what happened: attended, did not attend "
                                           "or cancelled.")})
    _set_outcome(session, status=status, worker=worker, cancelled_by=cancelled_by,
                 actual_start=actual_start, actual_minutes=actual_minutes, discussed=discussed,
                 next_steps=next_steps, progress=progress, risks=risks)
    approval = _late_approval(site_id=session.site_id, happened_at=session.happened_at,
                              late_reason=late_reason, by=by, field="starts_at")
    session.logged_by = by
    session.logged_at = timezone.now()
    _set_late(session, approval=approval, late_reason=late_reason, by=by)
    session.full_clean()
    _by(session, by).save()
    _record_action_progress(session, action_progress, by)
    return session


@transaction.atomic
def session_correct(*, session, version, by, status, worker=None, cancelled_by="",
                    actual_start=None, actual_minutes=None, discussed="", next_steps="",
                    progress="", risks="", late_reason=None, action_progress=None):
    """Correct a logged session: its author or a manager, within the site's window.

    Its progress on the plan's actions is corrected with it (`action_progress` as for
    session_log; None leaves it as it is).

    The history keeps every earlier version; after the window only addenda can be added.
    A late record sent back by a manager goes back to them for approval once corrected.
    """
    _require_full(session.client, by)
    session = _fresh(session, version)
    if not session.is_logged:
        raise ValidationError(_("This session has not been logged yet."))
    if session.is_struck:
        raise ValidationError(_("This session was marked as entered in error; it cannot be "
                                "changed."))
    window = DiarySettings.for_site(session.site_id).edit_window_days
    if timezone.now() > session.correctable_until(window) and not session.is_sent_back:
        raise ValidationError(_(
            "The log could be changed until %(day)s (%(days)s days after it was logged). Add "
            "a note instead.") % {"day": format_day(session.correctable_until(window)),
                                   "days": window})
    if not session.may_correct(by, window):
        raise ValidationError(_(
            "Only %(name)s, who logged it, or a manager can change this session. Add a "
            "note instead.") % {"name": session.logged_by})
    if status == Session.Status.BOOKED:
        raise ValidationError({"status": _("A logged session cannot go back to booked.")})
    _set_outcome(session, status=status, worker=worker, cancelled_by=cancelled_by,
                 actual_start=actual_start, actual_minutes=actual_minutes, discussed=discussed,
                 next_steps=next_steps, progress=progress, risks=risks)
    if late_reason is not None and session.recorded_late:
        if not late_reason.strip():
            raise ValidationError({"late_reason": _("Say why this was recorded late.")})
        session.late_reason = late_reason.strip()
    if session.is_sent_back:
        session.approval = LateRecord.Approval.AWAITING
    session.full_clean()
    _by(session, by).save()
    _record_action_progress(session, action_progress, by)
    return session


def workable_actions(session):
    """The plan actions a session's log form lists: the open actions of the client's plan
    in force (plans.selectors.open_actions), then any other this session already recorded
    progress on (an action it marked done), each with `recorded` (its ActionProgress or
    None). Three queries."""
    recorded = {row.action_id: row for row in ActionProgress.objects.filter(session=session)
                .select_related("action__goal")} if session.is_logged else {}
    actions = [action for action in plan_selectors.plan_actions(session.client)
               if action.outcome == Action.Outcome.OPEN or action.pk in recorded]
    listed = {action.pk for action in actions}
    for pk, row in recorded.items():
        if pk not in listed:  # an action of a version since replaced
            row.action.number = None
            actions.append(row.action)
    for action in actions:
        action.recorded = recorded.get(action.pk)
    return actions


def _record_action_progress(session, entries, by):
    """Keep the session's progress on plan actions as `entries` says ({action id:
    (progress, note)}; None: leave it). Only an attended session works on the plan: for
    any other, what it recorded is taken back. A changed or dropped row first takes back
    what it set on the action (plans.services.actions_work_undo), then the new progress is
    recorded on it (actions_worked_on). A dropped row is deleted (its history stays)."""
    if entries is None:
        return
    if session.status != Session.Status.ATTENDED:
        entries = {}
    rows = {row.action_id: row for row in ActionProgress.objects.filter(session=session)}
    if not entries and not rows:
        return
    allowed = {action.pk for action in plan_selectors.open_actions(session.client)} | set(rows)
    wanted = {}
    for action_id, (progress, note) in entries.items():
        if action_id not in allowed:
            raise ValidationError(_("One of the actions is no longer open in the client's "
                                    "plan in force. Open the log again to see the plan as "
                                    "it is now."))
        if progress not in ActionProgress.Progress.values:
            raise ValidationError(_("Choose done, partly or not yet for each action you "
                                    "worked on."))
        wanted[action_id] = (progress, (note or "").strip())
    changed = {pk: row for pk, row in rows.items()
               if wanted.get(pk) != (row.progress, row.note)}
    plan_services.actions_work_undo(
        work={pk: (row.is_done, row.note, (row.was_outcome, row.was_learnt))
              for pk, row in changed.items()}, by=by)
    for pk, row in changed.items():
        if pk not in wanted:
            _by(row, by).delete()
    new = {pk: entry for pk, entry in wanted.items() if pk not in rows or pk in changed}
    before = plan_services.actions_worked_on(
        work={pk: (progress == ActionProgress.Progress.DONE, note)
              for pk, (progress, note) in new.items()},
        on=dates.local_day(session.happened_at), by=by)
    for pk, (progress, note) in new.items():
        row = rows.get(pk) or ActionProgress(session=session, action_id=pk)
        row.progress, row.note = progress, note
        row.was_outcome, row.was_learnt = before[pk]
        row.full_clean()
        _by(row, by).save()


@transaction.atomic
def addendum_add(*, session, by, text):
    """Add a note to a logged session; it is signed, dated and never changed."""
    _require_full(session.client, by)
    if not session.is_logged:
        raise ValidationError(_("Log the session first; a note is added to a logged session."))
    if session.is_struck:
        raise ValidationError(_("This session was marked as entered in error; add nothing to it."))
    if not text.strip():
        raise ValidationError({"text": _("Write the note.")})
    addendum = _by(SessionAddendum(session=session, by=by, text=text.strip()), by)
    addendum.full_clean()
    addendum.save()
    return addendum


@transaction.atomic
def session_strike(*, session, by, reason):
    """Strike a wrong entry through: it stays, marked, with the reason; it counts no more."""
    _require_full(session.client, by)
    session = _locked(session)
    if session.is_struck:
        raise ValidationError(_("This session is already marked as entered in error."))
    author = session.logged_by_id or session.booked_by_id
    if by.pk != author and not by.manages(session.site_id):
        raise PermissionDenied
    if not reason.strip():
        raise ValidationError({"reason": _("Say why the entry is wrong.")})
    session.struck_at = timezone.now()
    session.struck_by = by
    session.struck_reason = reason.strip()
    session.version += 1
    _by(session, by).save()
    # What a wrong entry set on the plan's actions is taken back; its rows stay, struck
    # with it, and the plan no longer lists it.
    plan_services.actions_work_undo(
        work={row.action_id: (row.is_done, row.note, (row.was_outcome, row.was_learnt))
              for row in ActionProgress.objects.filter(session=session)}, by=by)
    return session


# Lone working and risks --------------------------------------------------------------------


@transaction.atomic
def session_check_in(*, session, by):
    """The worker is back from an external appointment or lone working (or a manager
    confirms they are)."""
    if by.pk != session.worker_id and not by.manages(session.site_id):
        raise PermissionDenied
    session = _locked(session)
    if not session.needs_check_in:
        raise ValidationError(_("This session needs no check-in."))
    if session.checked_in_at:
        raise ValidationError(_("Already checked in at %(time)s.")
                              % {"time": format_time(session.checked_in_at)})
    session.checked_in_at = timezone.now()
    session.checked_in_by = by
    _by(session, by).save()
    return session


@transaction.atomic
def risk_resolve(*, session, by, note=""):
    """A manager marks a session's risk as dealt with: it leaves the client's summary."""
    if not by.manages(session.site_id):
        raise PermissionDenied
    session = _locked(session)
    if not session.has_open_risk:
        raise ValidationError(_("This risk is already dealt with."))
    session.risk_dealt_with_at = timezone.now()
    session.risk_dealt_with_by = by
    session.risk_dealt_with_note = note.strip()
    _by(session, by).save()
    return session


# Contacts ----------------------------------------------------------------------------------


@transaction.atomic
def contact_log(*, client, by, kind, note, at=None, late_reason="",
                with_whom=Contact.With.CLIENT, person_name="", relationship="", agency=None):
    """Log an informal contact. Any colleague at the client's site may, file access or not.

    With the client (the default) or with someone else about them: a relative, a friend or
    someone else by name and relationship, a professional by agency (of the client's site,
    from the directory) and name (Contact._clean_with_whom). On an earlier day too, as a
    session is logged late (_late_approval).
    """
    if not Client.objects.for_user(by).filter(pk=client.pk).exists():
        raise PermissionDenied
    if client.is_archived:
        raise ValidationError(_("%(name)s has left the service.") % {"name": client})
    contact = _by(Contact(client=client, site_id=client.site_id, by=by, kind=kind,
                          note=note.strip(), at=at or timezone.now(),
                          with_whom=with_whom or Contact.With.CLIENT,
                          person_name=person_name.strip(), relationship=relationship.strip(),
                          agency=agency, created_at=timezone.now()), by)
    approval = _late_approval(site_id=client.site_id, happened_at=contact.at,
                              late_reason=late_reason, by=by, field="at")
    _set_late(contact, approval=approval, late_reason=late_reason, by=by)
    contact.full_clean()
    contact.save()
    return contact


@transaction.atomic
def contact_strike(*, contact, by, reason):
    """Strike a wrong contact entry through, with the reason. Its author or a manager."""
    if by.pk != contact.by_id and not by.manages(contact.site_id):
        raise PermissionDenied
    if contact.is_struck:
        raise ValidationError(_("This contact is already marked as entered in error."))
    if not reason.strip():
        raise ValidationError({"reason": _("Say why the entry is wrong.")})
    contact.struck_at = timezone.now()
    contact.struck_by = by
    contact.struck_reason = reason.strip()
    _by(contact, by).save()
    return contact


# Catching up: a manager's approval of keywork recorded late -------------------------------


def _locked_record(record):
    return (type(record).objects.select_for_update(of=("self",))
            .select_related("client").get(pk=record.pk))


@transaction.atomic
def late_record_approve(*, record, by, note=""):
    """A manager of the site approves a session or contact recorded past the approval
    limit: from now on it counts in the figures."""
    if not by.manages(record.site_id):
        raise PermissionDenied
    record = _locked_record(record)
    if not record.is_awaiting_approval:
        raise ValidationError(_("This record is not awaiting approval (it is %(state)s).")
                              % {"state": record.get_approval_display().lower()})
    record.approval = LateRecord.Approval.APPROVED
    record.approval_by, record.approval_at = by, timezone.now()
    record.approval_note = note.strip()
    _by(record, by).save()
    return record


@transaction.atomic
def late_record_send_back(*, record, by, note):
    """A manager sends a late record back to who wrote it, saying why: it stays in the
    record, not counted, until corrected (a session) or marked as entered in error."""
    if not by.manages(record.site_id):
        raise PermissionDenied
    record = _locked_record(record)
    if not record.is_awaiting_approval:
        raise ValidationError(_("This record is not awaiting approval (it is %(state)s).")
                              % {"state": record.get_approval_display().lower()})
    if not note.strip():
        raise ValidationError({"note": _("Say what is wrong, so that it can be put right.")})
    record.approval = LateRecord.Approval.SENT_BACK
    record.approval_by, record.approval_at = by, timezone.now()
    record.approval_note = note.strip()
    _by(record, by).save()
    return record


@transaction.atomic
def diary_settings_update(*, site, by, sessions_per_week, edit_window_days,
                          late_window_days=None, late_approval_days=None):
    """A manager sets their site's expected cadence, correction window and how far back
    keywork may be recorded (and after how long it needs approval)."""
    if not by.manages(site):
        raise PermissionDenied
    row = DiarySettings.objects.select_for_update().filter(site=site).first()
    row = _by(row or DiarySettings(site=site), by)
    row.sessions_per_week = sessions_per_week
    row.edit_window_days = edit_window_days
    if late_window_days is not None:
        row.late_window_days = late_window_days
    if late_approval_days is not None:
        row.late_approval_days = late_approval_days
    row.full_clean()
    row.save()
    return row


# Reads the pages share ---------------------------------------------------------------------


def cover_notes(sessions):
    """{session id: handover note} for sessions held by a worker covering the client that day.

    One query for the whole list, whatever its length.
    """
    sessions = list(sessions)
    if not sessions:
        return {}
    days = [dates.local_day(s.starts_at) for s in sessions]
    covers = {}
    for client_id, worker_id, start, end, note in Allocation.objects.filter(
            kind=Allocation.Kind.COVER, client__in={s.client_id for s in sessions},
            worker__in={s.worker_id for s in sessions}, start__lte=max(days), end__gt=min(days),
    ).values_list("client", "worker", "start", "end", "handover_note"):
        covers.setdefault((client_id, worker_id), []).append((start, end, note))
    return {
        session.pk: note
        for session, day in zip(sessions, days, strict=True)
        for start, end, note in covers.get((session.client_id, session.worker_id), [])
        if start <= day < end
    }


def decorate(sessions, user):
    """Mark each session with `cover_note` and `full` (may the user open its notes)."""
    sessions = list(sessions)
    notes = cover_notes(sessions)
    full = set(Client.objects.in_full_for(user).filter(
        pk__in={s.client_id for s in sessions}).values_list("pk", flat=True)) if sessions else set()
    for session in sessions:
        session.cover_note = notes.get(session.pk)
        session.full = session.client_id in full
    return sessions


@dataclass
class Slot:
    day: datetime.date
    # The hour's instant, worked out only where it may be booked (free, not on a past day).
    starts_at: datetime.datetime | None = None
    sessions: list = field(default_factory=list)
    free: bool = True
    bookable: bool = False


@dataclass
class Week:
    """A Monday-to-Sunday grid: `rows` of (hour, [Slot per day]) for a screen or paper, and
    `agenda` of (day, [sessions]) for a phone."""

    monday: datetime.date
    days: list
    rows: list
    agenda: list

    @property
    def previous(self):
        return self.monday - 7 * DAY

    @property
    def next(self):
        return self.monday + 7 * DAY

    @property
    def sunday(self):
        return self.monday + 6 * DAY

    @property
    def count(self):
        return sum(len(sessions) for _day, sessions in self.agenda)


# What the week shows of a session (diary_tags draws it; decorate and week_grid read the
# rest), not its notes: a worker's week is dozens of rows, a site's hundreds.
WEEK_FIELDS = ("client", "worker", "starts_at", "ends_at", "status", "cancelled_by", "place",
               "where", "lone_working", "expected_back_at", "checked_in_at", "struck_at",
               "client__first_name", "client__last_name", "client__preferred_name")


def week_sessions(queryset, monday):
    """The live sessions of a queryset in the week from `monday`, in time order."""
    return (queryset.live().between(*dates.week_bounds(monday))
            .select_related("client").only(*WEEK_FIELDS)
            .order_by("starts_at", "worker__first_name"))


def week_grid(sessions, monday, *, user, worker=None):
    """Lay a week's sessions out by day and hour.

    With `worker`, a slot is free when none of that worker's sessions overlap the hour;
    a slot can be booked from when it is free (or the grid is a whole site's) and not past.
    """
    sessions = decorate(sessions, user)
    days = [monday + n * DAY for n in range(7)]
    # Each session's local start, and the local hour its last minute falls in on its own
    # day (None when it ends on a later day): read once, the grid asks them many times.
    placed = []
    for session in sessions:
        local = dates.local(session.starts_at)
        last_minute = dates.local(dates.add_minutes(session.ends_at, -1))
        placed.append((session, local.date(), local.hour,
                       last_minute.hour if last_minute.date() == local.date() else None))
    first = min([FIRST_HOUR, *(hour for _s, _d, hour, _e in placed)])
    last = max([LAST_HOUR, *(hour for _s, _d, hour, _e in placed),
                *(end for _s, _d, _h, end in placed if end is not None)])
    now = timezone.now()
    this_hour = now.replace(minute=0, second=0, microsecond=0)
    today = dates.local_day(now)
    slots = {}
    rows = []
    for hour in range(first, last + 1):
        row = []
        for day in days:
            slot = Slot(day=day)
            slots[(day, hour)] = slot
            row.append(slot)
        rows.append((hour, row))
    agenda = {day: [] for day in days}
    for session, day, hour, end_hour in placed:
        slots[(day, hour)].sessions.append(session)
        agenda[day].append(session)
        if worker is not None and session.status != Session.Status.CANCELLED:
            # Every hour the session touches on its day is taken.
            for taken in range(hour, (last if end_hour is None else end_hour) + 1):
                slots[(day, taken)].free = False
    for (day, hour), slot in slots.items():
        # A past day's hour is never booked: its instant is not worked out.
        if not slot.free or day < today:
            continue
        try:
            slot.starts_at = dates.at(day, datetime.time(hour), dates.FIRST)
        except dates.NonexistentTime:  # the hour the clocks skip: nothing to book
            continue
        slot.bookable = slot.starts_at >= this_hour
    return Week(monday=monday, days=days, rows=rows, agenda=list(agenda.items()))


def today_for(user):
    """The user's sessions today, and their earlier booked sessions still to log."""
    start, end = dates.day_bounds(timezone.localdate())
    sessions = decorate(
        Session.objects.live().filter(worker=user)
        .filter(Q(starts_at__gte=start, starts_at__lt=end)
                | Q(status=Session.Status.BOOKED, starts_at__lt=start))
        .select_related("client").order_by("starts_at"), user)
    return {"today": [s for s in sessions if s.starts_at >= start],
            "to_log": [s for s in sessions if s.starts_at < start]}


def out_now(user):
    """Sessions at the user's sites where a worker is out with a client and not back yet."""
    # Two steps, so that neither database can choose another way: the few sessions out at
    # the user's sites read from the partial index session_awaiting_check_in, then those
    # the user may see. Asked as one query, PostgreSQL misjudged how few are out (the
    # index's conditions are far rarer together than each alone) and went through every
    # client of the site first (34 ms at 2,000 clients, against under 1 ms).
    out = list(Session.objects.filter(site__staff=user).awaiting_check_in()
               .values_list("pk", flat=True))
    return (Session.objects.filter(pk__in=out).for_user(user, per_row=True)
            .select_related("client", "worker").order_by("expected_back_at", "starts_at"))


def open_risks(queryset):
    """The sessions of `queryset` whose risk the team must still know, newest first."""
    return (queryset.open_risks().select_related("client", "worker", "logged_by")
            .order_by("-starts_at"))


# The client's timeline ------------------------------------------------------------------------

TIMELINE_PAGE = 10


def timeline(client, page_number):
    """One page of the client's sessions and contacts together, newest first.

    A fixed number of queries: the page's keys from both tables at once, then its rows.
    """
    sessions = (Session.objects.filter(client=client)
                .annotate(entry=Value("session", output_field=CharField()), when=F("starts_at"))
                .values_list("entry", "pk", "when").order_by())
    contacts = (Contact.objects.filter(client=client)
                .annotate(entry=Value("contact", output_field=CharField()), when=F("at"))
                .values_list("entry", "pk", "when").order_by())
    keys = sessions.union(contacts, all=True).order_by("-when", "-pk")
    page = Paginator(keys, TIMELINE_PAGE).get_page(page_number)
    wanted = {"session": [], "contact": []}
    for entry, pk, _when in page.object_list:
        wanted[entry].append(pk)
    found = {
        ("session", s.pk): s for s in Session.objects.filter(pk__in=wanted["session"])
        .select_related("worker", "logged_by", "struck_by", "risk_dealt_with_by", "approval_by")
        .prefetch_related(Prefetch("addenda", queryset=SessionAddendum.objects
                                   .select_related("by")))
    } | {
        ("contact", c.pk): c for c in Contact.objects.filter(pk__in=wanted["contact"])
        .select_related("by", "struck_by", "approval_by", "agency")
    }
    page.entries = [(entry, found[(entry, pk)]) for entry, pk, _when in page.object_list]
    return page


# Staff absence and its cover -----------------------------------------------------------------

# An absence is recorded for at most a year at a time, from at most a year back and up to
# two years ahead.
ABSENCE_MAX_DAYS = 366


def _manages_worker(user, worker):
    """A manager at any site the worker works at."""
    return user.is_manager and bool(user.site_ids & worker.site_ids)


def may_record_absence(user, worker, kind=None):
    """A manager of the worker's site records any absence; a keyworker their own leave or
    training (planned time away). The one rule the record and cancel pages ask."""
    if _manages_worker(user, worker):
        return True
    return (user.pk == worker.pk and user.is_keyworker
            and (kind is None or kind in StaffAbsence.OWN_KINDS))


@transaction.atomic
def absence_record(*, worker, kind, first_day, last_day, by, note=""):
    """Record that `worker` is away from `first_day` to `last_day`. Refused when it
    overlaps another absence of theirs that is not cancelled."""
    if not may_record_absence(by, worker, kind):
        raise PermissionDenied
    if not worker.is_active or worker.role not in (User.Role.KEYWORKER, User.Role.MANAGER):
        raise ValidationError({"worker": _("Absences are recorded for keyworkers and "
                                           "managers only.")})
    absence = StaffAbsence(worker=worker, kind=kind, first_day=first_day, last_day=last_day,
                           note=note.strip(), recorded_by=by)
    absence.full_clean()
    today = timezone.localdate()
    if first_day < today - datetime.timedelta(days=ABSENCE_MAX_DAYS):
        raise ValidationError({"first_day": _("An absence can be recorded from at most a "
                                              "year back.")})
    if last_day > today + datetime.timedelta(days=2 * ABSENCE_MAX_DAYS):
        raise ValidationError({"last_day": _("An absence can be recorded up to two years "
                                             "ahead.")})
    if absence.days > ABSENCE_MAX_DAYS:
        raise ValidationError({"last_day": _("An absence can last at most a year: record "
                                             "a longer one again when it runs out.")})
    # One at a time per worker, so that two overlapping absences cannot both pass.
    list(User.objects.select_for_update().filter(pk=worker.pk).values_list("pk"))
    clash = (StaffAbsence.objects.live().filter(worker=worker)
             .overlapping(first_day, last_day).first())
    if clash is not None:
        raise ValidationError(_(
            "%(worker)s is already recorded as away (%(kind)s) from %(first)s to %(last)s. "
            "Change the dates, or cancel that absence first.") % {
                "worker": worker, "kind": clash.get_kind_display().lower(),
                "first": format_day(clash.first_day), "last": format_day(clash.last_day)})
    _by(absence, by).save()
    return absence


@transaction.atomic
def absence_cancel(*, absence, by, reason):
    """Cancel an absence that has not ended (kept, struck through). Cover already arranged
    stays until its last day or until a manager ends it on the client's file."""
    if not may_record_absence(by, absence.worker, absence.kind):
        raise PermissionDenied
    absence = StaffAbsence.objects.select_for_update().get(pk=absence.pk)
    if absence.is_cancelled:
        raise ValidationError(_("This absence was already cancelled."))
    if absence.last_day < timezone.localdate():
        raise ValidationError(_("This absence is over: it stays on record as it was."))
    if not reason.strip():
        raise ValidationError({"cancel_reason": _("Say why it is cancelled.")})
    absence.cancelled_at, absence.cancelled_by = timezone.now(), by
    absence.cancel_reason = reason.strip()[:300]
    absence.full_clean()
    _by(absence, by).save()
    return absence


class Left(NamedTuple):
    """A session the cover action could not move: `worker` the cover it would have gone to
    (None: no cover that day), `clash` their session then (None: they are away then)."""

    session: Session
    worker: object
    clash: object


@dataclass
class CoverResult:
    """What absence_cover_arrange did for one client: `worker` the cover chosen on the page
    and `allocations` the cover it was given (one per run of days without cover; none when
    the client already had cover and only their sessions moved), `moved` the sessions moved
    (each to its new worker), `left` [Left]."""

    client: Client
    worker: object = None
    allocations: list = field(default_factory=list)
    moved: list = field(default_factory=list)
    left: list = field(default_factory=list)

    @property
    def diary_day(self):
        """The day the cover's diary opens on from the page that says what was done: their
        first session moved to them, else the first day of their cover."""
        theirs = [s.starts_at for s in self.moved if self.worker and s.worker_id == self.worker.pk]
        if theirs:
            return dates.local_day(min(theirs))
        return self.allocations[0].start if self.allocations else None


def _change_reason(absence):
    return (_("Cover for %(worker)s's absence %(first)s to %(last)s (#%(pk)s)") % {
        "worker": absence.worker, "first": format_day(absence.first_day),
        "last": format_day(absence.last_day), "pk": absence.pk})[:100]


def _runs(days):
    """[(first, last)]: the consecutive days in `days` (sorted) as spans."""
    runs = []
    for day in days:
        if runs and runs[-1][1] + datetime.timedelta(days=1) == day:
            runs[-1] = (runs[-1][0], day)
        else:
            runs.append((day, day))
    return runs


@transaction.atomic
def absence_cover_arrange(*, absence, choices, handover_note, by, now=None):
    """Arrange cover for an absence in one action. For each (client, cover worker) in
    `choices`, cover through clients.services.cover_arrange for the days still to come
    that no cover of the client takes in (`selectors.cover_plan`; one allocation per run of
    such days; it ends by itself after the last). Then every booked session of the client
    with the absent worker in those days moves: to the cover already arranged for its day,
    or to the cover just chosen, its history naming the absence. So a client already
    covered for some days has those sessions moved to that cover even with no choice made.
    The client keeps their keyworker. Sessions with clients the absent worker is not
    keyworker of stay (the page lists them with why).

    A session its cover cannot take (they have another then, or are away that day) stays
    where it is and is listed in `left`. All or nothing otherwise: a client that cannot
    have that cover refuses the whole action with a message naming them. [CoverResult]."""
    from diary import selectors

    if not _manages_worker(by, absence.worker):
        raise PermissionDenied
    absence = (StaffAbsence.objects.select_for_update(of=("self",)).select_related("worker")
               .prefetch_related("worker__sites").get(pk=absence.pk))
    today = timezone.localdate()
    if absence.is_cancelled:
        raise ValidationError(_("This absence was cancelled: there is nothing to cover."))
    if absence.last_day < today:
        raise ValidationError(_("This absence is over: cover can no longer be arranged."))
    sites = [pk for pk in absence.worker.site_ids if by.manages(pk)]
    plan = selectors.cover_plan(absence, sites, now)
    if not choices and not plan.moves_to_existing_cover:
        raise ValidationError(_("Choose a cover worker for at least one client."))
    if choices and not handover_note.strip():
        raise ValidationError({"handover_note": _(
            "Write a handover note: what the covering workers need to know.")})
    first = max(absence.first_day, today)
    workers = {w.pk for w in choices.values()} | {
        c.worker_id for row in plan.rows for c in row.covers}
    away = {}
    for other in (StaffAbsence.objects.live().overlapping(first, absence.last_day)
                  .filter(worker__in=workers)):
        away.setdefault(other.worker_id, []).append(other)
    reason = _change_reason(absence)
    with _each_client_written():
        return _cover_each(absence, choices, plan, away, reason, handover_note, by, now)


def _each_client_written():
    """The cover is written client by client through the clients app's one cover rule
    (its checks read each client's allocations): a write bounded by one caseload, which
    the test suite's N+1 guard (django-zeal) would otherwise take for a list's N+1."""
    try:
        from zeal import zeal_ignore
    except ImportError:
        import contextlib

        return contextlib.nullcontext()
    return zeal_ignore()


def _cover_each(absence, choices, plan, away, reason, handover_note, by, now):
    from clients.services import cover_arrange  # the clients app's one cover rule
    from diary import selectors

    rows = {row.client.pk: row for row in plan.rows}
    chosen = {}
    for client, worker in choices.items():
        row = rows.get(client.pk)
        if row is None:
            raise ValidationError(_("%(client)s is not one of %(worker)s's clients at your "
                                    "sites.") % {"client": client, "worker": absence.worker})
        if not row.uncovered_days:
            raise ValidationError(_("%(client)s already has cover on every day of the "
                                    "absence still to come.") % {"client": client})
        if worker.pk == absence.worker_id or any(
                other.takes_in(day) for other in away.get(worker.pk, ())
                for day in row.uncovered_days):
            raise ValidationError(_("%(client)s: %(cover)s is away on some of those days "
                                    "too. Choose someone else.")
                                  % {"client": client, "cover": worker})
        chosen[client.pk] = worker
    results = []
    for row in plan.rows:
        client, worker = row.client, chosen.get(row.client.pk)
        if worker is None and not row.to_existing_cover:
            continue
        result = CoverResult(client=client, worker=worker)
        if worker is not None:
            for first_day, last_day in _runs(row.uncovered_days):
                try:
                    result.allocations.append(cover_arrange(
                        client=client, worker=worker, first_day=first_day,
                        last_day=last_day, handover_note=handover_note, by=by))
                except ValidationError as error:
                    raise ValidationError(_("%(client)s: %(problem)s") % {
                        "client": client, "problem": " ".join(error.messages)}) from None
        covers = list(row.covers) + result.allocations
        sessions = list(selectors.sessions_during(absence, now).filter(client=client)
                        .select_for_update(of=("self",))
                        .select_related("client", "site", "worker"))
        before = hooks.told_before(sessions)
        for session in sessions:
            day = dates.local_day(session.starts_at)
            cover = next((c for c in covers if c.start <= day < c.end), None)
            target = cover.worker if cover is not None else None
            if target is None or any(other.takes_in(day)
                                     for other in away.get(target.pk, ())):
                result.left.append(Left(session, target, None))
                continue
            clash = clashes(worker=target, client=client, starts_at=session.starts_at,
                            ends_at=session.ends_at, exclude=session).first()
            if clash is not None:
                result.left.append(Left(session, target, clash))
                continue
            session.worker = target
            session.version += 1
            session.full_clean()
            session._change_reason = reason
            _by(session, by).save()
            result.moved.append(session)
        # The client is told whom they will see while their keyworker is away.
        hooks.sessions_changed(result.moved, change="moved", by=by, before=before)
        results.append(result)
    return results


# Repeating sessions ---------------------------------------------------------------------------


def series_days(*, first_day, interval_weeks, until=None, count=None):
    """The local days a series books: from `first_day`, every `interval_weeks` weeks, up
    to `until` (included) or `count` of them; at most MAX_SERIES, refused beyond."""
    step = datetime.timedelta(weeks=interval_weeks)
    if count is not None:
        if not 1 <= count <= MAX_SERIES:
            raise ValidationError({"count": _(
                "Book between 1 and %(max)s sessions at once.") % {"max": MAX_SERIES}})
        return [first_day + n * step for n in range(count)]
    if until is None:
        raise ValidationError({"until": _("Give the last day, or a number of sessions.")})
    if until < first_day:
        raise ValidationError({"until": _("The last day is before the first session.")})
    days = []
    day = first_day
    while day <= until:
        days.append(day)
        day += step
    if len(days) > MAX_SERIES:
        raise ValidationError({"until": _(
            "That is %(n)s sessions: a series books at most %(max)s at once. Choose an "
            "earlier last day.") % {"n": len(days), "max": MAX_SERIES}})
    return days


def _same_time(moment, day, field="starts_at"):
    try:
        return dates.same_time_on(moment, day)
    except dates.NonexistentTime as error:
        raise ValidationError({field: error.message}) from None


@transaction.atomic
def series_book(*, client, worker, starts_at, expected_minutes, by, interval_weeks,
                until=None, count=None, place=Session.Place.SITE_ROOM, where="",
                lone_working=False, expected_back_at=None):
    """Book a series: a session on each of `series_days`, at the same local time as the
    first (the clocks may change between two of them), each checked as `session_book`
    checks one. A clash with any session of the worker or the client refuses the whole
    series, naming it: nothing is booked until it is moved or the series is changed."""
    _require_full(client, by)
    _check_client(client)
    _check_worker(client=client, worker=worker)
    if starts_at <= timezone.now():
        raise ValidationError({"starts_at": _(
            "A series is booked ahead: choose a first session still to come.")})
    if interval_weeks not in SessionSeries.Interval.values:
        raise ValidationError({"interval_weeks": _("Choose weekly or fortnightly.")})
    days = series_days(first_day=dates.local_day(starts_at), interval_weeks=interval_weeks,
                       until=None if count else until, count=count)
    _lock(client, worker)
    series = _by(SessionSeries(client=client, worker=worker, interval_weeks=interval_weeks,
                               until=None if count else until, count=count or None,
                               created_by=by), by)
    series.full_clean()
    series.save()
    back_after = (dates.minutes_between(starts_at, expected_back_at)
                  if expected_back_at else None)
    for day in days:
        start = _same_time(starts_at, day)
        session = _by(Session(client=client, site_id=client.site_id, booked_by=by,
                              series=series), by)
        _booking_fields(session, worker=worker, starts_at=start,
                        expected_minutes=expected_minutes, place=place, where=where,
                        lone_working=lone_working,
                        expected_back_at=dates.add_minutes(start, back_after)
                        if back_after is not None else None)
        session.full_clean()
        _check_clash(session)
        session.save()
    return series


def _following(session):
    """The session and its series' sessions after it still booked, locked: what "this and
    all following" changes. Held, missed, cancelled or struck ones are left alone."""
    return list(Session.objects.live().select_for_update(of=("self",))
                .select_related("client", "site", "worker")
                .filter(series_id=session.series_id, status=Session.Status.BOOKED,
                        starts_at__gte=session.starts_at).order_by("starts_at", "pk"))


def _check_booked(session):
    if session.is_logged or session.is_struck:
        raise ValidationError(_("Only a booked session can be changed; this one is "
                                "%(status)s.") % {"status": session.get_status_display().lower()})


@transaction.atomic
def series_reschedule(*, session, version, by, worker, starts_at, expected_minutes, place,
                      where="", lone_working=False, expected_back_at=None):
    """Move a booked session of a series and all its booked sessions after it: each moves
    by as many days as this one, to the new local time on its day (the same wall clock
    across a clock change), with the new length, place and worker. A clash of any refuses
    them all. Returns the sessions moved."""
    _require_full(session.client, by)
    session = _fresh(session, version)
    _check_booked(session)
    if session.series_id is None:
        raise ValidationError(_("This session is not part of a series."))
    _check_worker(client=session.client, worker=worker)
    _check_not_too_old(starts_at, session.site_id)
    _lock(session.client, worker)
    moved = _following(session)
    before = hooks.told_before(moved)
    ids = [s.pk for s in moved]
    shift = dates.local_day(starts_at) - dates.local_day(session.starts_at)
    back_after = (dates.minutes_between(starts_at, expected_back_at)
                  if expected_back_at else None)
    for each in moved:
        start = _same_time(starts_at, dates.local_day(each.starts_at) + shift)
        _booking_fields(each, worker=worker, starts_at=start,
                        expected_minutes=expected_minutes, place=place, where=where,
                        lone_working=lone_working,
                        expected_back_at=dates.add_minutes(start, back_after)
                        if back_after is not None else None)
        each.full_clean()
        _check_clash(each, moving=ids)
        if each.pk != session.pk:  # its version was claimed by _fresh
            each.version += 1
    for each in moved:
        _by(each, by).save()
    hooks.sessions_changed(moved, change="moved", by=by, before=before)
    series = SessionSeries.objects.select_for_update().get(pk=session.series_id)
    if series.worker_id != worker.pk:
        series.worker = worker
        _by(series, by).save()
    return moved


@transaction.atomic
def session_cancel(*, session, version, by, cancelled_by, reason, following=False):
    """Cancel a booked session (the client or staff cancelled it, saying why), or with
    `following` it and its series' booked sessions after it. Held or logged sessions are
    never touched. Returns the sessions cancelled."""
    _require_full(session.client, by)
    session = _fresh(session, version)
    _check_booked(session)
    if session.has_started:
        # Past keywork is recorded through the log (did not attend, or cancelled), where a
        # late record says why and, past the site's limit, waits for a manager.
        raise ValidationError(_("This session's time has come: record what happened with "
                                "\"Log the session\" instead (cancelled or did not attend)."))
    if cancelled_by not in Session.CancelledBy.values:
        raise ValidationError({"cancelled_by": _("Say who cancelled: the client or staff.")})
    if not reason.strip():
        raise ValidationError({"reason": _("Say why it is cancelled.")})
    if following and session.series_id is None:
        raise ValidationError(_("This session is not part of a series."))
    sessions = _following(session) if following else [session]
    now = timezone.now()
    for each in sessions:
        each.status = Session.Status.CANCELLED
        each.cancelled_by = cancelled_by
        each.cancel_reason = reason.strip()[:300]
        each.logged_by, each.logged_at = by, now
        if each.pk != session.pk:
            each.version += 1
        each.full_clean()
        _by(each, by).save()
    hooks.sessions_changed(sessions, change="cancelled", by=by)
    return sessions


# Each client's expected frequency -------------------------------------------------------------


@transaction.atomic
def cadence_set(*, client, by, sessions_per_week):
    """Set how many sessions a week `client` is expected to have (None: their site's
    number again). A keyworker, co-keyworker or cover of theirs, or a manager: whoever
    may open their file."""
    _require_full(client, by)
    if client.is_archived:
        raise ValidationError(_("%(name)s has left the service.") % {"name": client})
    row = ClientCadence.objects.select_for_update().filter(client=client).first()
    row = _by(row or ClientCadence(client=client, set_by=by), by)
    row.sessions_per_week = sessions_per_week
    row.set_by, row.set_at = by, timezone.now()
    row.full_clean()
    row.save()
    return row


# Calendar feeds (diary.calendars) -----------------------------------------------------------


def _may_have_feed(user):
    if not user.is_active or user.role not in (User.Role.KEYWORKER, User.Role.MANAGER):
        raise PermissionDenied


@transaction.atomic
def calendar_feed_create(*, user, replace=False):
    """Turn on `user`'s calendar feed, or with `replace` give it a new secret address (the
    old one stops at once). Returns the feed and its token: shown to the person once, never
    stored (only its hash is)."""
    _may_have_feed(user)
    live = CalendarFeed.objects.select_for_update().filter(user=user, revoked_at__isnull=True)
    if live.exists() and not replace:
        raise ValidationError(_("Your calendar feed is already on. To get a new address, "
                                "replace it."))
    now = timezone.now()
    for old in live:
        old.revoked_at = now
        old.save(update_fields=["revoked_at"])
    token = secrets.token_urlsafe(32)
    feed = CalendarFeed(user=user, token_hash=CalendarFeed.hash_of(token), created_at=now)
    feed.full_clean()
    feed.save()
    return feed, token


@transaction.atomic
def calendar_feed_revoke(*, user):
    """Turn `user`'s calendar feed off: its address answers "not found" from now on, and
    calendars subscribed to it stop updating. The row is kept, marked when."""
    feed = CalendarFeed.objects.select_for_update().filter(
        user=user, revoked_at__isnull=True).first()
    if feed is None:
        raise ValidationError(_("Your calendar feed is already off."))
    feed.revoked_at = timezone.now()
    feed.save(update_fields=["revoked_at"])
    return feed


def calendar_feed_read(feed):
    """Note when a calendar last read the feed (shown to its owner: a read they do not
    expect means the address has leaked). One UPDATE, nothing else."""
    CalendarFeed.objects.filter(pk=feed.pk).update(last_fetched_at=timezone.now())


def calendar_feeds_of_leaver_revoke(sender, instance, **kwargs):
    """A deactivated account's live feed is revoked (a post_save receiver on User): were
    the account made active again, the old address stays dead. One UPDATE; nothing for an
    active account."""
    if not instance.is_active:
        CalendarFeed.objects.filter(user=instance, revoked_at__isnull=True).update(
            revoked_at=timezone.now())
