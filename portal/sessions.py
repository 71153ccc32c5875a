"""Who is signed in to /me/: a client, never a member of staff. Not a Django login: the
request's session holds the client's PortalAccess id and the generation it signed in
under (turning the page off moves it on, ending every session), with when they signed in
and when they were last seen. A staff login in the same browser is a separate thing:
it gives no way in to /me/, and a client's sign-in gives none to the staff pages.

And which language /me/'s pages speak (`language`): the signed-in client's document
language; before sign-in, the one the page's language links chose (`?lang=`, kept in the
session under LANGUAGE, which no staff page reads), else British English."""

import functools
import time

from django.conf import settings
from django.contrib import messages
from django.shortcuts import redirect
from django.utils import translation
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _

from clients.models import Client, DocumentLanguage
from messaging.words import language_of, speaking
from portal.models import PortalAccess

KEY = "portal"
PENDING = "portal_pending"
LANGUAGE = "portal_language"
# The language links of a page before sign-in: each language in its own words.
LANGUAGE_NAMES = {DocumentLanguage.ENGLISH: "English", DocumentLanguage.WELSH: "Cymraeg",
                  DocumentLanguage.ARABIC: "العربية"}


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
    """The sign-in page it goes to speaks the language of the client who signed out."""
    _kept, access = _kept_access(request)
    request.session.pop(KEY, None)
    if access is not None:
        request.session[LANGUAGE] = language_of(access.client)
    request.session.cycle_key()


def _kept_access(request):
    """(what the session holds of a sign-in, or None; the PortalAccess it names, whether
    or not it is still on, with its client and site, or None)."""
    kept = request.session.get(KEY)
    if not isinstance(kept, dict) or not all(isinstance(kept.get(key), int) for key in
                                             ("access", "generation", "since", "seen")):
        return None, None
    return kept, (PortalAccess.objects.filter(pk=kept["access"])
                  .select_related("client__site").first())


def _ended(access, kept, now):
    """Why the sign-in `kept` is over at `now` ("" while it holds)."""
    if (access is None or not access.is_on or access.client.status in Client.ENDED
            or access.generation != kept["generation"]):
        return _("You are signed out. Sign in again to see your page.")
    if now - kept["since"] > settings.PORTAL_MAX_AGE:
        return _("You were signed out after %(hours)d hours. Sign in again.") % {
            "hours": settings.PORTAL_MAX_AGE // 3600}
    if now - kept["seen"] > settings.PORTAL_IDLE_TIMEOUT:
        return _("You were signed out after %(minutes)d minutes without using the page. "
                 "Sign in again.") % {"minutes": settings.PORTAL_IDLE_TIMEOUT // 60}
    return ""


def _current(request):
    """(PortalAccess with its client and site, or None; why a session ended or ""): the
    why in the language of the client whose session it was, which the sign-in page it
    goes to speaks too."""
    kept, access = _kept_access(request)
    if kept is None:
        return None, ""
    now = int(time.time())
    with speaking(language_of(access.client) if access else settings.LANGUAGE_CODE):
        why = _ended(access, kept, now)
    if why:
        if access is not None:
            request.session[LANGUAGE] = language_of(access.client)
        return None, why
    if now - kept["seen"] > 30:  # saved at most every half a minute
        request.session[KEY] = {**kept, "seen": now}
    return access, ""


def language(request):
    """The language /me/'s pages speak for this request: the signed-in client's
    (messaging.words.language_of, as their reminders); before sign-in, the one chosen by
    the language links (`choose_language`); else British English."""
    access = getattr(request, "portal_access", None)
    if access is not None:
        return language_of(access.client)
    chosen = request.session.get(LANGUAGE)
    return chosen if chosen in DocumentLanguage.values else settings.LANGUAGE_CODE


def choose_language(request):
    """`?lang=cy` or `?lang=ar` on a page before sign-in: its language from now on, for
    /me/'s pages only (settings.LANGUAGES stays English, so no staff page follows it);
    any other `lang` is English."""
    if "lang" in request.GET:
        chosen = request.GET["lang"]
        request.session[LANGUAGE] = (chosen if chosen in DocumentLanguage.values
                                     else settings.LANGUAGE_CODE)


def language_links():
    """[(code, name in its own words, right to left)] of the languages a page before
    sign-in offers: those it is not in."""
    current = translation.get_language()
    return [(code, name, translation.get_language_info(code)["bidi"])
            for code, name in LANGUAGE_NAMES.items() if code != current]


def _speaking(request, view, *args, **kwargs):
    """The view's words, and its page, in `language(request)`: as messaging's opt-out
    page and plans.documents, inside `translation.override`; the answer says which."""
    chosen = language(request)
    with speaking(chosen):
        response = view(request, *args, **kwargs)
    response["Content-Language"] = chosen
    return response


def before_sign_in(view):
    """A page before anyone is signed in (sign-in, code): in English, or in the language
    its links chose (`?lang=`, kept in the session for /me/'s pages)."""

    @functools.wraps(view)
    def wrapped(request, *args, **kwargs):
        choose_language(request)
        return _speaking(request, view, *args, **kwargs)

    return wrapped


def client_signed_in(view):
    """A /me/ view for a signed-in client: `request.portal_access` is theirs, and the page
    speaks their document language. Anyone else goes to the sign-in page. The answer is
    never kept by a browser or a proxy."""

    @functools.wraps(view)
    def wrapped(request, *args, **kwargs):
        access, why = _current(request)
        if access is None:
            if request.session.pop(KEY, None) is not None and why:
                messages.info(request, why)
            return redirect("portal:sign_in")
        request.portal_access = access
        response = _speaking(request, view, *args, **kwargs)
        add_never_cache_headers(response)
        return response

    return wrapped
