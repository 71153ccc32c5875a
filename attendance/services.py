"""Writes to the door register: checking in and out, a visitor at the door, a visitor
who became a client."""

import datetime

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from attendance import selectors
from attendance.models import Visit, Visitor
from keywork.lib import dates

ALREADY_IN = _("They are already checked in today: check them out first.")


class Banned(ValidationError):
    """A check-in refused because a ban is in force; `bans` says which."""

    def __init__(self, bans):
        self.bans = bans
        super().__init__(_("%(name)s is banned from this centre today. Check them in only "
                           "if you have decided to let them in despite the ban.")
                         % {"name": bans[0].client})


# The records a visit names come from querysets the caller has already checked (the user's
# site, clients and visitors): checking each exists again cost a query apiece on the door's
# busiest request. The constraints are the database's (one open visit per person a day),
# turned into the same message below.
_CHECKED = ["site", "client", "visitor", "checked_in_by", "checked_out_by", "ban_overridden"]


def _save(visit):
    visit.full_clean(exclude=_CHECKED, validate_constraints=False)
    try:
        with transaction.atomic():
            visit.save()
    except IntegrityError:  # checked in by a colleague at the same moment
        raise ValidationError(ALREADY_IN) from None
    return visit


@transaction.atomic
def visit_check_in(*, site, by, client=None, visitor=None, at=None, despite_ban=False):
    """Check `client` (or `visitor`) in at `site`. A client banned there today is refused
    (Banned) unless `despite_ban`, which records the ban on the visit as a decision."""
    if (client is None) == (visitor is None):
        raise ValidationError(_("Choose one person to check in."))
    at = at or timezone.now()
    day = dates.local_day(at)
    person = client or visitor
    if person.site_id != site.pk:
        raise ValidationError(_("%(name)s is not at this site.") % {"name": person})
    overridden = None
    if client is not None:
        if client.is_archived:
            raise ValidationError(_("%(name)s has left; their record is archived.")
                                  % {"name": client})
        bans = selectors.bans_at_door(site, [client.pk], day).get(client.pk)
        if bans and not despite_ban:
            raise Banned(bans)
        overridden = bans[0] if bans else None
    elif visitor.client_id:
        raise ValidationError(_("%(name)s has been referred: check in the client record.")
                              % {"name": visitor})
    return _save(Visit(site=site, day=day, client=client, visitor=visitor, checked_in_at=at,
                       checked_in_by=by, ban_overridden=overridden))


@transaction.atomic
def visit_check_out(*, visit, by, at=None):
    """Check the person of `visit` out. A visit left open on an earlier day is closed at the
    end of that day (the last minute before midnight), never days later."""
    visit = Visit.objects.select_for_update().get(pk=visit.pk)
    if visit.checked_out_at is not None:
        raise ValidationError(_("They were already checked out at %(time)s.")
                              % {"time": dates.format_time(visit.checked_out_at)})
    day_end = dates.day_bounds(visit.day)[1] - datetime.timedelta(minutes=1)
    visit.checked_out_at = max(min(at or timezone.now(), day_end), visit.checked_in_at)
    visit.checked_out_by = by
    visit.full_clean()
    visit.save()
    return visit


@transaction.atomic
def visitor_check_in(*, site, by, name, description="", date_of_birth=None, at=None):
    """Someone new at the door: a Visitor record and their check-in, in one step."""
    visitor = Visitor(site=site, name=name.strip(), description=description.strip(),
                      date_of_birth=date_of_birth, created_by=by)
    visitor.full_clean()
    visitor.save()
    visit = visit_check_in(site=site, by=by, visitor=visitor, at=at)
    return visitor, visit


@transaction.atomic
def visitor_referred(*, visitor, client, by):
    """A visitor became `client` (a referral made from their record): their visits are the
    client's from now on, and the visitor names the client they became."""
    visitor = Visitor.objects.select_for_update().get(pk=visitor.pk)
    if visitor.client_id:
        raise ValidationError(_("%(name)s has already been referred.") % {"name": visitor})
    if visitor.site_id != client.site_id:
        raise ValidationError(_("%(name)s came to %(site)s: refer them there.")
                              % {"name": visitor, "site": visitor.site})
    visitor.client = client
    visitor.save()
    for visit in Visit.objects.filter(visitor=visitor):
        visit.client = client
        visit.full_clean()
        visit.save()
    return visitor
