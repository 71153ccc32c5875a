"""Who may read a safeguarding concern or incident: the one place it is decided.

A safeguarding record is restricted: a colleague who may open a client's file does not
read the incidents that client was involved in. It is read only by
- the person who raised it;
- managers of its site;
- the keyworkers of a client involved in it, as held on the day (keyworker, co-keyworker
  or cover: `AllocationQuerySet.current`, as clients.access asks);
- the colleagues a manager names on it (`Incident.shared_with`);
Never administrators: they run the system and do not read client records (clients/access.py).

`incidents_for()` is the filter (`Incident.objects.for_user`); `may_manage()` is whether a
user reviews, closes and shares it (a manager of its site). The client file shows the
others only that a restricted record exists.
"""

from django.core.exceptions import PermissionDenied
from django.db.models import Exists, OuterRef, Q
from django.shortcuts import get_object_or_404
from django.utils import timezone

from clients.models import Allocation


def incidents_for(user, queryset, *, on=None):
    """The incidents of `queryset` that `user` may read on the day `on` (today)."""
    from safeguarding.models import Incident, Involvement

    if not user.is_authenticated or user.is_administrator:
        return queryset.none()
    on = on or timezone.localdate()
    held = Allocation.objects.current(on).filter(worker_id=user.pk)
    keyworker_of_one = Exists(Involvement.objects.filter(
        incident_id=OuterRef("pk"), client_id__in=held.values("client_id")))
    named = Exists(Incident.shared_with.through.objects.filter(
        incident_id=OuterRef("pk"), user_id=user.pk))
    rule = Q(raised_by_id=user.pk) | keyworker_of_one | named
    if user.is_manager:
        rule |= Q(site_id__in=list(user.site_ids))
    return queryset.filter(rule)


def may_manage(user, incident):
    """Whether `user` reviews, closes and names readers of `incident`: a manager of its
    site."""
    return user.manages(incident.site_id)


def incident_for(request, pk):
    """The incident `pk` if the user may read it; 404 otherwise (they may not know it
    exists)."""
    from safeguarding.models import Incident

    return get_object_or_404(Incident.objects.for_user(request.user).select_related(
        "site", "raised_by", "reviewed_by", "closed_by"), pk=pk)


def require_manages(request, incident):
    """403 unless the user is a manager of the incident's site."""
    if not may_manage(request.user, incident):
        raise PermissionDenied


def ban_for(request, pk):
    """A ban at one of the user's sites for a manager there: 404 for another site's, 403
    for someone who is not a manager."""
    from safeguarding.models import Ban

    if not request.user.is_manager:
        raise PermissionDenied
    return get_object_or_404(Ban.objects.select_related("client", "site", "decided_by")
                             .filter(site_id__in=list(request.user.site_ids)), pk=pk)
