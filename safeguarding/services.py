"""Writes of safeguarding records: raise, review, close an incident; record and lift a ban."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from keywork.lib import dates
from safeguarding.access import may_manage
from safeguarding.models import Ban, Incident, Involvement
from staff.models import User


def _site_staff(site):
    return User.objects.filter(sites=site, is_active=True).exclude(
        role=User.Role.ADMINISTRATOR)


@transaction.atomic
def incident_raise(*, by, site, clients, staff_present=(), **fields):
    """Record a concern or incident at `site` by `by`, who works there; `clients` are the
    clients of the site involved (at least one, or others named in `others_involved`)."""
    if by.is_administrator or not by.works_at(site):
        raise PermissionDenied
    clients = list(clients)
    if any(client.site_id != site.pk for client in clients):
        raise ValidationError({"clients": _("Choose clients of this site.")})
    if not clients and not fields.get("others_involved", "").strip():
        raise ValidationError({"clients": _("Name at least one client involved, or describe "
                                            "the others involved.")})
    present = list(staff_present)
    staff = set(_site_staff(site).values_list("pk", flat=True))
    if any(person.pk not in staff for person in present):
        raise ValidationError({"staff_present": _("Choose staff of this site.")})
    incident = Incident(site=site, raised_by=by, **fields)
    if not incident.reported_to_la:
        incident.la_reported_on, incident.la_reference = None, ""
    incident.full_clean()
    incident.save()
    incident.staff_present.set(present)
    for client in clients:
        involvement = Involvement(incident=incident, client=client)
        involvement.full_clean()
        involvement.save()
    return incident


def _managed(incident, by):
    if not may_manage(by, incident):
        raise PermissionDenied


@transaction.atomic
def incident_review(*, incident, by, review_note, follow_up="", shared_with=(),
                    reported_to_la=None, la_reported_on=None, la_reference=""):
    """A manager of the site reviews the record: their note, the follow-up, who else must
    read it, and (when it is told later) the report to the local authority."""
    _managed(incident, by)
    if not incident.is_open:
        raise ValidationError(_("This record is closed."))
    if not review_note.strip():
        raise ValidationError({"review_note": _("Write what you found in the review.")})
    shared = list(shared_with)
    staff = set(_site_staff(incident.site_id).values_list("pk", flat=True))
    if any(person.pk not in staff for person in shared):
        raise ValidationError({"shared_with": _("Choose staff of this site.")})
    incident.review_note, incident.follow_up = review_note, follow_up
    if reported_to_la is not None:
        incident.reported_to_la = reported_to_la
        incident.la_reported_on = la_reported_on if reported_to_la else None
        incident.la_reference = la_reference if reported_to_la else ""
    incident.reviewed_by, incident.reviewed_at = by, timezone.now()
    incident.full_clean()
    incident.save()
    incident.shared_with.set(shared)
    return incident


@transaction.atomic
def incident_close(*, incident, by, outcome):
    """A manager of the site closes a reviewed record with its outcome; it stays, read-only."""
    _managed(incident, by)
    if not incident.is_open:
        raise ValidationError(_("This record is already closed."))
    if incident.reviewed_at is None:
        raise ValidationError(_("Review the record before you close it."))
    if not outcome.strip():
        raise ValidationError({"outcome": _("Write the outcome.")})
    incident.outcome, incident.closed_by, incident.closed_at = outcome, by, timezone.now()
    incident.full_clean()
    incident.save()
    return incident


@transaction.atomic
def ban_record(*, client, by, kind, reason, starts_on, review_on, ends_on=None,
               decided_by=None, incident=None):
    """A manager of the client's site bans or excludes them from its centre."""
    if not by.manages(client.site_id):
        raise PermissionDenied
    if client.is_archived:
        raise ValidationError(_("This client has left; the record is archived and "
                                "read-only."))
    decided_by = decided_by or by
    if not decided_by.manages(client.site_id) or not decided_by.is_active:
        raise ValidationError({"decided_by": _("Choose a manager of this site.")})
    if incident is not None and not incident.involved.filter(client=client).exists():
        raise ValidationError({"incident": _("Choose a record this client was involved in.")})
    errors = {}
    if ends_on and ends_on < starts_on:
        errors["ends_on"] = _("The end cannot be before the start.")
    if review_on < starts_on:
        errors["review_on"] = _("The review cannot be before the start.")
    if ends_on and review_on > ends_on:
        errors["review_on"] = _("Review it by its end at the latest.")
    if errors:
        raise ValidationError(errors)
    ban = Ban(client=client, site_id=client.site_id, kind=kind, reason=reason,
              starts_on=starts_on, ends_on=ends_on, review_on=review_on,
              decided_by=decided_by, incident=incident)
    ban.full_clean()
    ban.save()
    return ban


@transaction.atomic
def ban_review(*, ban, by, review_on, note):
    """A manager of the ban's site reviews a ban in force and keeps it, saying why, until
    the next review (a day to come); the note is the history's reason for the change."""
    if not by.manages(ban.site_id):
        raise PermissionDenied
    today = timezone.localdate()
    if ban not in Ban.objects.in_force(today):
        raise ValidationError(_("This ban is no longer in force: there is nothing to review."))
    if not note.strip():
        raise ValidationError({"note": _("Say why the ban stays.")})
    if review_on is None or review_on <= today:
        raise ValidationError({"review_on": _("The next review is a day to come.")})
    if ban.ends_on and review_on > ban.ends_on:
        raise ValidationError({"review_on": _("The ban ends on %(day)s: review it by then.")
                               % {"day": dates.format_day(ban.ends_on)}})
    ban.review_on = review_on
    ban._change_reason = _("Reviewed: %(note)s") % {"note": note.strip()[:80]}
    ban.full_clean()
    ban.save()
    return ban


@transaction.atomic
def ban_lift(*, ban, by, reason):
    """A manager of the ban's site lifts it early, saying why; it is kept."""
    if not by.manages(ban.site_id):
        raise PermissionDenied
    if ban.lifted_at is not None:
        raise ValidationError(_("This ban has already been lifted."))
    if not reason.strip():
        raise ValidationError({"lifted_reason": _("Say why the ban is lifted.")})
    ban.lifted_at, ban.lifted_by, ban.lifted_reason = timezone.now(), by, reason
    ban.full_clean()
    ban.save()
    return ban

