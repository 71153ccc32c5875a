"""Who is signed in to /me/: a client, never a member of staff. Not a Django login: the
request's session holds the client's PortalAccess id and the generation it signed in
under (turning the page off moves it on, ending every session), with when they signed in
and when they were last seen. A staff login in the same browser is a separate thing:
it gives no way in to /me/, and a client's sign-in gives none to the staff pages."""

import functools
import time

from django.conf import settings
from django.contrib import messages
from django.shortcuts import redirect
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _

from clients.models import Client
from portal.models import PortalAccess

KEY = "portal"
PENDING = "portal_pending"


def held(access, now=None):
    """What the session holds of a client signed in to `access` at `now` (seconds)."""
    now = int(now or time.time())
    return {"access": access.pk, "generation": access.generation, "since": now, "seen": now}


def sign_in(request, access):
    """A new session key (a session fixed before sign-in is useless), holding the client."""
    request.session.cycle_key()
    request.session.pop(PENDING, None)
    request.session[KEY] = held(access)


def sign_out(request):
    request.session.pop(KEY, None)
    request.session.cycle_key()


def _current(request):
    """(PortalAccess with its client and site, or None; why a session ended or "")."""
    kept = request.session.get(KEY)
    if not isinstance(kept, dict) or not all(isinstance(kept.get(key), int) for key in
                                             ("access", "generation", "since", "seen")):
        return None, ""
    now = int(time.time())
    access = (PortalAccess.objects.filter(pk=kept["access"], is_on=True)
              .exclude(client__status__in=Client.ENDED)
              .select_related("client__site").first())
    if access is None or access.generation != kept["generation"]:
        return None, _("You are signed out. Sign in again to see your page.")
    if now - kept["since"] > settings.PORTAL_MAX_AGE:
        return None, _("You were signed out after %(hours)d hours. Sign in again.") % {
            "hours": settings.PORTAL_MAX_AGE // 3600}
    if now - kept["seen"] > settings.PORTAL_IDLE_TIMEOUT:
        return None, _("You were signed out after %(minutes)d minutes without using the "
                       "page. Sign in again.") % {
            "minutes": settings.PORTAL_IDLE_TIMEOUT // 60}
    if now - kept["seen"] > 30:  # saved at most every half a minute
        request.session[KEY] = {**kept, "seen": now}
    return access, ""


def client_signed_in(view):
    """A /me/ view for a signed-in client: `request.portal_access` is theirs. Anyone else
    goes to the sign-in page. The answer is never kept by a browser or a proxy."""

    @functools.wraps(view)
    def wrapped(request, *args, **kwargs):
        access, why = _current(request)
        if access is None:
            if request.session.pop(KEY, None) is not None and why:
                messages.info(request, why)
            return redirect("portal:sign_in")
        request.portal_access = access
        response = view(request, *args, **kwargs)
        add_never_cache_headers(response)
        return response

    return wrapped
