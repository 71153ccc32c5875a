"""Calendars that sync (issue 19, item 2): a worker's private feed of their sessions and
its page, and one session as a calendar file for its client, downloaded by staff or opened
by the client through a signed link. The files are drawn by diary.calendars.

The feed and the client's link need no login: the secret in the address is the key. A
wrong, revoked or expired one answers 404 and says nothing more.

Neither is written to the access log (audit.access): the log records which signed-in
person opened a client's records, and a feed is the worker's own diary, as `diary:week`
(not logged either) shows it, with less in it: initials and a reference. The feed row
keeps when a calendar last read it, shown to its owner. The client's link names no client.
A member of staff downloading one session's file is logged, as a download.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse, HttpResponseNotFound
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from clients.access import client_page
from diary import calendars, selectors, services
from diary.models import CalendarFeed
from diary.views import _session_for, _staff_only

# The new feed's token, kept in the person's session from the POST that made it to the
# page that shows it, once.
SHOWN_ONCE = "diary.calendar_feed.shown_once"


def _live_feed(user):
    return CalendarFeed.objects.filter(user=user, revoked_at__isnull=True).first()


def _not_found():
    """A wrong, revoked or expired key: "not found", and not a word more (not the site's
    page either, which would name the service to whoever tries addresses)."""
    return HttpResponseNotFound(_("Not found."), content_type="text/plain; charset=utf-8")


def _calendar_response(content, *, attachment=None):
    response = HttpResponse(content, content_type=calendars.CONTENT_TYPE)
    if attachment:
        response["Content-Disposition"] = f'attachment; filename="{attachment}"'
    # A calendar asks again each time; nothing on the way may keep a copy.
    response["Cache-Control"] = "private, no-store"
    response["X-Robots-Tag"] = "noindex"
    return response


# The feed's page ------------------------------------------------------------------------------


def calendar(request):
    """Your calendar feed: on or off, its address once when it is made, how to add it."""
    _staff_only(request)
    feed = _live_feed(request.user)
    token = request.session.pop(SHOWN_ONCE, None)
    address = None
    if feed is not None and token and CalendarFeed.hash_of(token) == feed.token_hash:
        address = request.build_absolute_uri(reverse("diary:calendar_feed", args=[token]))
    return render(request, "diary/calendar_feed.html", {
        "feed": feed, "address": address,
        "webcal": address and "webcal://" + address.split("://", 1)[1],
        "days_back": selectors.FEED_DAYS_BACK, "days_ahead": selectors.FEED_DAYS_AHEAD,
    })


@require_POST
def calendar_on(request):
    _staff_only(request)
    try:
        _feed, token = services.calendar_feed_create(user=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        request.session[SHOWN_ONCE] = token
        messages.success(request, _("Your calendar feed is on. Copy its address below now: "
                                    "it is shown only once."))
    return redirect("diary:calendar")


def calendar_replace(request):
    """Confirm, then give the feed a new address: the old one stops working."""
    _staff_only(request)
    if _live_feed(request.user) is None:
        messages.info(request, _("Your calendar feed is off: there is no address to replace."))
        return redirect("diary:calendar")
    if request.method == "POST":
        _feed, token = services.calendar_feed_create(user=request.user, replace=True)
        request.session[SHOWN_ONCE] = token
        messages.success(request, _("Your calendar feed has a new address. Copy it below "
                                    "now, and change it in your calendar: the old address "
                                    "no longer works."))
        return redirect("diary:calendar")
    return render(request, "diary/calendar_feed_confirm.html", {"replace": True})


def calendar_off(request):
    """Confirm, then turn the feed off: its address stops working."""
    _staff_only(request)
    if _live_feed(request.user) is None:
        messages.info(request, _("Your calendar feed is already off."))
        return redirect("diary:calendar")
    if request.method == "POST":
        try:
            services.calendar_feed_revoke(user=request.user)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("Your calendar feed is off. Calendars that subscribed "
                                        "to it keep what they last read: remove the "
                                        "subscription from them too."))
        return redirect("diary:calendar")
    return render(request, "diary/calendar_feed_confirm.html", {"replace": False})


# Without a login: the address is the key ------------------------------------------------------


@login_not_required
@require_safe
def calendar_feed(request, token):
    feed = (CalendarFeed.objects.live().select_related("user")
            .filter(token_hash=CalendarFeed.hash_of(token)).first())
    if feed is None or feed.user.role not in selectors.FEED_ROLES:
        return _not_found()
    sessions = selectors.feed_sessions(feed.user)
    services.calendar_feed_read(feed)
    content = calendars.feed(
        sessions, host=request.get_host(), name=_("Keywork: my sessions"),
        url_of=lambda session: request.build_absolute_uri(
            reverse("diary:session", args=[session.pk])))
    return _calendar_response(content)


@login_not_required
@require_safe
def session_calendar_link(request, key):
    """One session's calendar file for its client, through the signed link staff gave
    them: until a week after the session, whatever has become of it since (moved: the new
    time; cancelled: marked so)."""
    pk = calendars.session_of_link(key)
    session = selectors.calendar_session(pk) if pk is not None else None
    if session is None:
        return _not_found()
    return _calendar_response(calendars.one_session(session, host=request.get_host()),
                              attachment=calendars.filename(session))


# Staff: one session's file, to give its client ------------------------------------------------


@client_page("diary.KeyworkSession", download=True)
@require_safe
def session_ics(request, pk):
    """The client's calendar file of one session, for whoever may open the session."""
    _session_for(request, pk, related=("client",))
    session = selectors.calendar_session(pk)
    return _calendar_response(calendars.one_session(session, host=request.get_host()),
                              attachment=calendars.filename(session))
