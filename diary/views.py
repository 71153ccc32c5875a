import contextlib
import datetime

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from clients.access import (
    Access,
    client_for,
    client_page,
    manager_site,
    not_a_client_page,
    require_client,
    require_manager,
)
from clients.models import Client
from diary import calendars, forms, selectors, services
from diary.models import Contact, DiarySettings, KeyworkSession
from keywork.lib import dates
from keywork.lib.cache import cached, cached_page, cached_render
from keywork.lib.forms import add_error
from keywork.lib.sites import remember_site, sites_of
from keywork.lib.stale import StaleEdit
from staff.models import User

# Model field -> the form field where its error belongs.
FIELD_FOR = {"starts_at": "start", "actual_start": "start", "expected_minutes": "end",
             "actual_minutes": "end", "expected_back_at": "back"}


# Permission helpers ---------------------------------------------------------------------------


def _staff_only(request):
    """Keyworkers and managers keep diaries; administrators manage staff and reference data."""
    if not (request.user.is_keyworker or request.user.is_manager):
        raise PermissionDenied


# What a session's page shows with it: its client and everyone named on it.
SESSION_RELATED = ("client", "client__site", "worker", "booked_by", "logged_by", "struck_by",
                   "checked_in_by", "risk_dealt_with_by", "approval_by", "series")


def _session_for(request, pk, need=Access.FULL, *, related=SESSION_RELATED):
    """The session `pk` if the user may see it at the level `need`, with `related` read
    in the same query.

    404 when its client is hidden from the user (another site, an administrator); 403 when
    they see the client's summary but may not read the session's notes. The client's access
    is asked once, of this one client (`require_client`, the rule `for_user` filters by):
    filtering by `for_user` as well asked it again, and SQLite listed every client at the
    user's sites to answer (2 ms of the page's 15 at 2,000 clients, more with more).
    """
    session = get_object_or_404(
        KeyworkSession.objects.select_related(*related),
        pk=pk,
    )
    require_client(request, session.client, need)
    return session


def _next(request, default):
    """Where to go after a POST: the page the user came from, if it is one of ours."""
    target = request.POST.get("next") or request.GET.get("next")
    # A path, never a bare word: redirect() would take "x" for the name of a URL pattern.
    if target and target.startswith("/") and url_has_allowed_host_and_scheme(
            target, {request.get_host()}, require_https=request.is_secure()):
        return target
    return default


# The weeks a diary can show: the links to the weeks either side must stay on the calendar.
FIRST_WEEK, LAST_WEEK = datetime.date(1900, 1, 1), datetime.date(9999, 12, 1)
# Sessions listed at once on a site's day, when a worker or a status is chosen.
DAY_PAGE = 25
# Today's tasks of a kind listed before "show all", and a page of them when shown.
TODAY_SHOWN, TODAY_PAGE = 10, 50
# Today's groups of tasks, by the kind of thing due (diary.selectors.DUE_KINDS).
DUE_GROUPS = {
    "check_in": _lazy("Check-ins"),
    "client_note": _lazy("From your clients' own pages"),
    "cancelled": _lazy("Sessions cancelled"),
    "review": _lazy("Plan reviews"),
    "manager_review": _lazy("Your 4–13 week plan reviews"),
    "first_plan": _lazy("First plans"),
    "initial": _lazy("Initial assessments"),
    "reassessment": _lazy("Re-assessments"),
    "promotion": _lazy("Promotions to confirm"),
    "consent": _lazy("Consents to renew"),
    "late_approval": _lazy("Keywork recorded late to approve"),
    "sent_back": _lazy("Late records sent back to you"),
    "ban_review": _lazy("Bans and exclusions to review"),
    "cover": _lazy("Cover starting or ending"),
}


def _week_param(request):
    try:
        day = datetime.date.fromisoformat(request.GET.get("week", ""))
    except ValueError:
        day = timezone.localdate()
    if not FIRST_WEEK <= day <= LAST_WEEK:
        day = timezone.localdate()
    return dates.week_start(day)


def _week_url(worker, starts_at, user):
    monday = dates.week_start(dates.local_day(starts_at))
    url = (reverse("diary:week") if worker.pk == user.pk
           else reverse("diary:worker_week", args=[worker.pk]))
    return f"{url}?week={monday.isoformat()}"


# The diary ------------------------------------------------------------------------------------


def today(request):
    """Everything due for the person today and everything overdue (the list the bell
    counts), with their sessions of the day. The tasks come in groups of a kind, most
    pressing first, each with its count and its first TODAY_SHOWN (a manager of a large site
    has over a thousand plan reviews due: listing them all was half a megabyte); "show all"
    opens one group a page at a time."""
    _staff_only(request)
    user = request.user
    context = services.today_for(user)
    shown = request.GET.get("show", "")
    if shown in DUE_GROUPS:  # one group in full: asked for, so worked out afresh
        context.update(_today_due(request, selectors.due_for(user), shown))
    else:
        context.update(_due_today(request))
    context["absences"] = selectors.absences_to_come(user)
    if user.is_manager:
        context["out_count"] = services.out_now(user).count()
    return render(request, "diary/today.html", context)


def _due_today(request):
    """Today's tasks as Today first shows them, with their count: one entry in the cache
    for Today and the bell, so that after a change the first of them works due_for out and
    the other (the menu asks the bell as Today loads) reads it. Kept as HTML: the items
    themselves (plan statuses, ladder positions) are slow to pickle by the thousand."""
    user = request.user
    return cached(("today_due", user.pk), lambda: _today_due(request, selectors.due_for(user)))


def _today_due(request, due, shown=""):
    """{due_count, due_html}: Today's tasks in groups of a kind and the clients short of
    sessions, with group `shown` in full a page at a time."""
    groups = {}
    for item in due:
        # The sessions are shown whole above, with their Log and check-in buttons.
        if item.kind not in ("session", "unlogged", "short"):
            groups.setdefault(item.kind, []).append(item)
    tasks = []
    for kind, items in groups.items():
        group = {"kind": kind, "name": DUE_GROUPS[kind], "count": len(items),
                 "items": items[:TODAY_SHOWN], "more": len(items) > TODAY_SHOWN}
        if kind == shown:
            page = Paginator(items, TODAY_PAGE).get_page(request.GET.get("page"))
            group |= {"items": page.object_list, "page": page,
                      "query_string": urlencode({"show": kind})}
        tasks.append(group)
    html = render_to_string("diary/includes/today_due.html", {
        "tasks": tasks, "task_count": sum(group["count"] for group in tasks),
        "short": [item for item in due if item.kind == "short"], "user": request.user})
    return {"due_count": len(due), "due_html": mark_safe(html)}  # noqa: S308 (our template)


def due_count(request):
    """The bell's number, fetched by the menu after the page has loaded (so no page pays
    for it): how many things Today lists, from the same selector, kept in the cache until
    something changes."""
    _staff_only(request)
    count = _due_today(request)["due_count"]
    return render(request, "diary/includes/due_count.html", {"count": count})


def week(request):
    _staff_only(request)
    return _worker_week(request, request.user)


@not_a_client_page
def worker_week(request, user_pk):
    _staff_only(request)
    worker = get_object_or_404(User.objects.for_user(request.user), pk=user_pk)
    return _worker_week(request, worker)


def _worker_week(request, worker):
    monday = _week_param(request)
    user = request.user

    def content():
        sessions = services.week_sessions(selectors.sessions_seen(user, worker=worker), monday)
        sites = sites_of(user)
        return {
            "week": services.week_grid(sessions, monday, user=user, worker=worker),
            "worker": worker, "today": timezone.localdate(), "sites": sites,
            "colleagues": User.objects.workers_at(sites).only("first_name", "last_name",
                                                               "username"),
        }

    # Kept until the data changes, as the site's day and Today are (a minute at most: the
    # free hours, "Log" and "overdue" move with the clock). The page around it is fresh.
    return render(request, "diary/week.html", {
        "worker": worker,
        "content": cached_render(request, ["week", worker.pk], "diary/includes/week_content.html",
                                 content),
    })


@not_a_client_page
def site_week(request, site_pk):
    """A site's diary one day at a time (the week's totals per day above): a row per worker
    with their day's figures; the sessions themselves only for the worker or status chosen
    (see the template's comment for why)."""
    _staff_only(request)
    site = get_object_or_404(request.user.sites.all(), pk=site_pk)
    remember_site(request, site)
    try:
        day = datetime.date.fromisoformat(request.GET.get("day", ""))
    except ValueError:
        day = None
    if day is None or not FIRST_WEEK <= day <= LAST_WEEK:
        monday = _week_param(request)
        today = timezone.localdate()
        day = today if dates.week_start(today) == monday else monday
    monday = dates.week_start(day)
    user = request.user

    def sessions():
        return selectors.sessions_seen(user, site=site)

    # The figures, the site's workers and who is out, kept until the data changes (a
    # minute at most: "not yet logged" and who is out move with the clock).
    figures = cached(("site_day", user.pk, site.pk, day.isoformat()), lambda: {
        "days": selectors.week_day_counts(sessions(), monday),
        "rows": selectors.worker_days(sessions(), day),
        "workers": list(User.objects.workers_at([site.pk])
                        .only("first_name", "last_name", "username")),
        "out_count": services.out_now(user).filter(site=site).count() if user.is_manager else 0,
    })
    chosen = {str(w.pk): w for w in figures["workers"]}.get(request.GET.get("worker", ""))
    status = request.GET.get("status", "")
    status = status if status in selectors.DAY_FILTERS else ""
    listed = page = None
    if chosen or status:
        page = Paginator(selectors.day_sessions(sessions(), day, worker=chosen, status=status),
                         DAY_PAGE).get_page(request.GET.get("page"))
        listed = services.decorate(page.object_list, user)
    sites = sites_of(user)
    return render(request, "diary/site_day.html", {
        "site": site, "day": day, "today": timezone.localdate(), "monday": monday,
        "previous": day - dates.DAY, "next": day + dates.DAY,
        "week_before": day - 7 * dates.DAY, "week_after": day + 7 * dates.DAY,
        **figures, "chosen": chosen, "status": status,
        "statuses": [(key, label) for key, (label, _q) in selectors.DAY_FILTERS.items()],
        "sessions": listed, "page": page, "sites": sites,
        "query_string": urlencode({"day": day.isoformat(), "worker": chosen.pk if chosen else "",
                                   "status": status}),
    })


def book(request):
    """Book a session; from a free slot of the week grid the day, hour and worker are set."""
    _staff_only(request)
    user = request.user
    clients = (Client.objects.in_full_for(user)
               .filter(status__in=[Client.Status.ADMITTED, Client.Status.ACTIVE])
               .select_related("site"))
    initial = {"worker": request.GET.get("worker") or user.pk,
               "client": request.GET.get("client")}
    if start := request.GET.get("start"):
        # Not a moment, an hour the clocks skip, or the last hour of the calendar: the form
        # starts empty.
        with contextlib.suppress(ValueError, OverflowError):
            moment = datetime.datetime.fromisoformat(start)
            starts_at = dates.at(moment.date(), moment.time(), dates.FIRST)
            initial |= {"day": moment.date(), "start": moment.time(),
                        "end": dates.local_time(dates.add_minutes(starts_at, 60))}
    form = forms.BookingForm(request.POST or None, clients=clients, picker=user.is_manager,
                             workers=User.objects.workers_at(user.sites.all()), initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        booking = {"client": data["client"], "worker": data["worker"],
                   "starts_at": data["starts_at"], "expected_minutes": data["minutes"],
                   "place": data["place"], "where": data["where"],
                   "lone_working": data["lone_working"],
                   "expected_back_at": data["expected_back_at"], "by": user}
        try:
            if data["repeat"]:
                series = services.series_book(**booking, interval_weeks=data["repeat"],
                                              until=data["until"], count=data["count"])
            else:
                session = services.session_book(**booking)
        except ValidationError as error:
            add_error(form, error, field_for=FIELD_FOR | {"interval_weeks": "repeat"})
        else:
            if data["repeat"]:
                sessions = list(series.sessions.order_by("starts_at"))
                messages.success(request, _(
                    "Booked %(n)s sessions: %(client)s with %(worker)s, %(interval)s from "
                    "%(first)s to %(last)s at %(time)s.") % {
                    "n": len(sessions), "client": series.client, "worker": series.worker,
                    "interval": series.get_interval_weeks_display().lower(),
                    "first": dates.format_day(sessions[0].starts_at),
                    "last": dates.format_day(sessions[-1].starts_at),
                    "time": dates.format_time(sessions[0].starts_at)})
                return redirect(_week_url(series.worker, sessions[0].starts_at, user))
            messages.success(request, _("Booked: %(client)s with %(worker)s on %(day)s at "
                                        "%(time)s.") % {
                "client": session.client, "worker": session.worker,
                "day": dates.format_day(session.starts_at),
                "time": dates.format_time(session.starts_at)})
            if session.starts_at <= timezone.now():
                return redirect("diary:log", session.pk)
            return redirect(_week_url(session.worker, session.starts_at, user))
    past = request.GET.get("past") == "1"
    return render(request, "diary/session_form.html", {
        "form": form, "past": past,
        "title": _("Log a past session") if past else _("Book a session")})


@client_page("diary.KeyworkSession")
def session_detail(request, pk):
    """A session's page, kept whole in the cache until the data changes (a minute at most:
    what may still be done to it moves on with the clock); who may open it is asked
    first, every time."""
    session = _session_for(request, pk)
    return cached_page(request, ["session_detail"], "diary/session_detail.html",
                       lambda: _session_context(request, session))


def _session_page(request, session, *, addendum_form=None):
    return render(request, "diary/session_detail.html",
                  _session_context(request, session, addendum_form=addendum_form))


def _session_context(request, session, *, addendum_form=None):
    window = DiarySettings.for_site(session.site_id).edit_window_days
    records = list(session.history.select_related("history_user").order_by("history_date"))
    changes = []
    for before, after in zip([None, *records], records, strict=False):
        fields = ([session._meta.get_field(c.field).verbose_name
                   for c in after.diff_against(before).changes] if before else [])
        changes.append((after, fields))
    user = request.user
    author = session.logged_by_id or session.booked_by_id
    return {
        "session": session,
        "client": session.client,
        "addenda": session.addenda.select_related("by"),
        "action_progress": list(session.action_progress.select_related("action__goal")),
        "cover_note": services.cover_notes([session]).get(session.pk),
        "changes": changes,
        "window": window,
        "correctable_until": session.correctable_until(window),
        "may_correct": session.may_correct(user, window),
        "may_strike": not session.is_struck and (user.pk == author or user.is_manager),
        "may_approve": session.is_awaiting_approval and user.manages(session.site_id),
        "may_check_in": (session.needs_check_in and not session.checked_in_at
                         and not session.is_struck
                         and (user.pk == session.worker_id or user.is_manager)),
        "addendum_form": addendum_form or forms.AddendumForm(),
        **_client_calendar(request, session),
    }


def _client_calendar(request, session):
    """The session page's "For the client's calendar": while the session is to come, its
    signed link (diary.calendars) and until when it works."""
    if session.status != session.Status.BOOKED or session.is_struck or session.has_started:
        return {}
    key = calendars.link_key(session)
    return {"client_link": request.build_absolute_uri(
                reverse("diary:session_calendar_link", args=[key])),
            "client_link_until": calendars.link_expires(session)}


@client_page("diary.KeyworkSession")
def session_edit(request, pk):
    """Move a booked session: another day, time, place or worker."""
    session = _session_for(request, pk)
    if session.is_logged or session.is_struck:
        messages.error(request, _("Only a booked session can be moved."))
        return redirect(session)
    in_series = session.series_id is not None
    form = forms.BookingForm(request.POST or None,
                             workers=User.objects.workers_at([session.site_id]),
                             version=session.version, initial=forms.booking_initial(session),
                             in_series=in_series)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        following = in_series and data.get("scope") == forms.FOLLOWING
        run = services.series_reschedule if following else services.session_reschedule
        try:
            moved = run(
                session=session, version=data["version"], by=request.user,
                worker=data["worker"], starts_at=data["starts_at"],
                expected_minutes=data["minutes"], place=data["place"], where=data["where"],
                lone_working=data["lone_working"], expected_back_at=data["expected_back_at"])
        except ValidationError as error:
            add_error(form, error, field_for=FIELD_FOR)
        else:
            session = moved[0] if following else moved
            messages.success(request, ngettext(
                "Booking changed.", "%(n)s bookings changed.", len(moved) if following else 1)
                % {"n": len(moved) if following else 1})
            return redirect(_week_url(session.worker, session.starts_at, request.user))
    return render(request, "diary/session_form.html", {
        "form": form, "session": session, "client": session.client,
        "title": _("Change the booking")})


@client_page("diary.KeyworkSession")
def session_cancel(request, pk):
    """Cancel a booked session, saying who cancelled and why; in a series, this one only
    or this and all following (held or logged sessions stay as they are)."""
    session = _session_for(request, pk)
    if session.is_logged or session.is_struck:
        messages.error(request, _("Only a booked session can be cancelled."))
        return redirect(session)
    in_series = session.series_id is not None
    form = forms.CancelForm(request.POST or None, in_series=in_series,
                            initial={"version": session.version})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            cancelled = services.session_cancel(
                session=session, version=data["version"], by=request.user,
                cancelled_by=data["cancelled_by"], reason=data["reason"],
                following=in_series and data.get("scope") == forms.FOLLOWING)
        except ValidationError as error:
            add_error(form, error, field_for=FIELD_FOR)
        else:
            messages.success(request, ngettext(
                "Session cancelled.", "%(n)s sessions cancelled.", len(cancelled))
                % {"n": len(cancelled)})
            return redirect(cancelled[0])
    return render(request, "diary/cancel_form.html", {
        "form": form, "session": session, "client": session.client,
        "title": _("Cancel the session")})


@client_page()
def cadence(request, pk):
    """How many sessions a week the client is expected to have: their site's number, or
    one set for them (a keyworker, co-keyworker, cover or manager: whoever opens the
    file)."""
    client = client_for(request, pk)
    if client.is_archived:
        messages.error(request, _("%(name)s has left the service.") % {"name": client})
        return redirect(client)
    expected = selectors.expected_per_week([client.pk])[client.pk]
    site_default = DiarySettings.for_site(client.site_id).sessions_per_week
    form = forms.CadenceForm(request.POST or None, site_default=site_default, initial={
        "sessions_per_week": "" if expected.from_site else expected.per_week})
    if request.method == "POST" and form.is_valid():
        try:
            services.cadence_set(client=client, by=request.user,
                                 sessions_per_week=form.cleaned_data["sessions_per_week"])
        except ValidationError as error:
            add_error(form, error)
        else:
            messages.success(request, _("Expected sessions saved."))
            return redirect(f"{client.get_absolute_url()}#timeline")
    return render(request, "diary/cadence_form.html", {
        "form": form, "client": client, "expected": expected, "site_default": site_default})


@client_page("diary.KeyworkSession")
def session_log(request, pk):
    """Log what happened at a booked session, or correct a logged one within the window."""
    # The form names only the client and who holds it: the others named on a session
    # (booked, checked in, struck through by...) are 130 more columns to read.
    session = _session_for(request, pk, related=("client", "client__site", "worker"))
    window = DiarySettings.for_site(session.site_id).edit_window_days
    if session.is_struck:
        messages.error(request, _("This session was marked as entered in error; it cannot be "
                                  "changed."))
        return redirect(session)
    if session.is_logged and not session.may_correct(request.user, window):
        messages.error(request, _("You can no longer change this session: add a note to it "
                                  "instead."))
        return redirect(session)
    correcting = session.is_logged
    form = forms.LogForm(request.POST or None, workers=User.objects.workers_at([session.site_id]),
                         session=session, actions=services.workable_actions(session))
    addendum_form = None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        run = services.session_correct if correcting else services.session_log
        try:
            session = run(
                session=session, version=data["version"], by=request.user,
                status=data["status"], worker=data["worker"],
                cancelled_by=data["cancelled_by"], actual_start=data.get("starts_at"),
                actual_minutes=data.get("minutes"), discussed=data["discussed"],
                next_steps=data["next_steps"], progress=data["progress"], risks=data["risks"],
                action_progress=form.action_progress(),
                **({"late_reason": data["late_reason"]} if "late_reason" in data else {}))
        except StaleEdit as error:
            add_error(form, error, field_for=FIELD_FOR)
            # Keep every word they typed, and offer it as an addendum in one click.
            addendum_form = forms.AddendumForm(initial={"text": _as_addendum(form, data)})
        except ValidationError as error:
            add_error(form, error, field_for=FIELD_FOR)
        else:
            messages.success(request, _("Change saved.") if correcting
                             else _("Session logged."))
            return redirect(_next(request, session.get_absolute_url()))
    previous = (KeyworkSession.objects.live().filter(
        client=session.client, status=KeyworkSession.Status.ATTENDED,
        starts_at__lt=session.starts_at).exclude(next_steps="").order_by("-starts_at").first())
    return render(request, "diary/session_form.html", {
        "form": form, "session": session, "client": session.client, "previous": previous,
        "cover_note": services.cover_notes([session]).get(session.pk),
        "addendum_form": addendum_form,
        "title": _("Change the log") if correcting else _("Log the session"),
    })


def _as_addendum(form, data):
    parts = [(form.fields[name].label, data.get(name, "").strip())
             for name in ("discussed", "next_steps", "progress", "risks")]
    return "\n\n".join(f"{label}: {text}" for label, text in parts if text)


@client_page("diary.KeyworkSession")
@require_POST
def addendum_add(request, pk):
    session = _session_for(request, pk)
    form = forms.AddendumForm(request.POST)
    if form.is_valid():
        try:
            services.addendum_add(session=session, by=request.user, text=form.cleaned_data["text"])
        except ValidationError as error:
            add_error(form, error, field_for=FIELD_FOR)
        else:
            messages.success(request, _("Note added."))
            return redirect(session)
    return _session_page(request, session, addendum_form=form)


@client_page("diary.KeyworkSession")
def session_strike(request, pk):
    session = _session_for(request, pk)
    author = session.logged_by_id or session.booked_by_id
    if request.user.pk != author and not request.user.is_manager:
        raise PermissionDenied
    if session.is_struck:
        messages.error(request, _("This session is already marked as entered in error."))
        return redirect(session)
    form = forms.StrikeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.session_strike(session=session, by=request.user,
                                    reason=form.cleaned_data["reason"])
        except ValidationError as error:
            add_error(form, error, field_for=FIELD_FOR)
        else:
            messages.success(request, _("The session is marked as entered in error. It stays "
                                        "in the record, crossed out, with your reason."))
            return redirect(session)
    return render(request, "diary/strike_form.html", {
        "form": form, "client": session.client, "entry": session,
        "title": _("Mark this session as entered in error")})


@client_page("diary.KeyworkSession")
@require_POST
def check_in(request, pk):
    session = _session_for(request, pk, need=Access.SUMMARY)
    try:
        services.session_check_in(session=session, by=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Checked in: %(name)s is back.") % {"name": session.worker})
    return redirect(_next(request, reverse("diary:today")))


@client_page("diary.KeyworkSession")
@require_POST
def risk_resolve(request, pk):
    session = _session_for(request, pk, need=Access.SUMMARY)
    require_manager(request, session.site_id)
    form = forms.RiskForm(request.POST)
    form.is_valid()
    try:
        services.risk_resolve(session=session, by=request.user,
                              note=form.cleaned_data.get("note", ""))
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Marked as dealt with: it no longer shows on %(name)s's "
                                    "summary.") % {"name": session.client.called})
    return redirect(_next(request, session.client.get_absolute_url()))


def out_now(request):
    """Managers: who is out with a client and not back yet, overdue first; open risks."""
    require_manager(request)
    return render(request, "diary/out_now.html", {
        "sessions": services.out_now(request.user),
        "risks": services.open_risks(KeyworkSession.objects.for_user(request.user,
                                                                     per_row=True)),
        "now": timezone.now(),
    })


# Catching up: a manager approves keywork recorded late ----------------------------------------


@client_page("diary.KeyworkSession")
def session_approval(request, pk):
    """A manager of the session's site approves a session logged late, or sends it back."""
    session = _session_for(request, pk)
    require_manager(request, session.site_id)
    return _approval_page(request, session, session.get_absolute_url())


@client_page("diary.Contact")
def contact_approval(request, pk):
    """A manager of the contact's site approves a contact recorded late, or sends it back."""
    contact = get_object_or_404(
        Contact.objects.for_user(request.user).select_related("client", "by"), pk=pk)
    require_manager(request, contact.site_id)
    return _approval_page(request, contact, contact.client.get_absolute_url())


def _approval_page(request, record, done_url):
    form = forms.ApprovalForm(request.POST or None)
    if request.method == "POST" and form.is_valid() and record.is_awaiting_approval:
        data = form.cleaned_data
        try:
            if data["action"] == forms.ApprovalForm.APPROVE:
                services.late_record_approve(record=record, by=request.user, note=data["note"])
                messages.success(request, _("Approved: it now counts in the figures."))
            else:
                services.late_record_send_back(record=record, by=request.user,
                                               note=data["note"])
                messages.success(request, _("Sent back to %(name)s with your note.")
                                 % {"name": record.recorded_by})
        except ValidationError as error:
            add_error(form, error, field_for=FIELD_FOR)
        else:
            return redirect(_next(request, done_url))
    return render(request, "diary/approval_form.html", {
        "form": form, "record": record, "client": record.client,
        "is_session": isinstance(record, KeyworkSession)})


def diary_settings(request):
    site, sites = manager_site(request)
    current = DiarySettings.for_site(site.pk)
    form = forms.DiarySettingsForm(request.POST or None, instance=current)
    if request.method == "POST" and form.is_valid():
        services.diary_settings_update(site=site, by=request.user, **form.cleaned_data)
        messages.success(request, _("Diary settings saved for %(site)s.") % {"site": site})
        return redirect(f"{reverse('diary:settings')}?site={site.pk}")
    return render(request, "site_settings_form.html", {
        "form": form, "site": site, "sites": sites, "title": _("Diary settings")})


# Contacts -------------------------------------------------------------------------------------


@client_page()
@require_POST
def contact_log(request, pk):
    """Log an informal contact from the client's summary or file; htmx swaps the form."""
    client = client_for(request, pk, need=Access.SUMMARY)
    form = forms.ContactForm(request.POST, client=client)
    contact = None
    if form.is_valid():
        data = form.cleaned_data
        try:
            contact = services.contact_log(
                client=client, by=request.user, kind=data["kind"], note=data["note"],
                at=data["at"], late_reason=data["late_reason"], with_whom=data["with_whom"],
                person_name=data["person_name"], relationship=data["relationship"],
                agency=data["agency"])
        except ValidationError as error:
            add_error(form, error, field_for=FIELD_FOR)
    if request.htmx:
        return render(request, "diary/includes/contact_form.html", {
            "client": client, "form": forms.ContactForm(client=client) if contact else form,
            "logged": contact})
    if contact and not contact.is_with_client:
        messages.success(request, _("%(kind)s with %(who)s logged at %(time)s.") % {
            "kind": contact.get_kind_display(), "who": contact.with_label,
            "time": dates.format_time(contact.at)})
    elif contact:
        messages.success(request, _("%(kind)s logged at %(time)s.") % {
            "kind": contact.get_kind_display(), "time": dates.format_time(contact.at)})
    else:
        messages.error(request, " ".join(e for errors in form.errors.values() for e in errors))
    return redirect(client)


@client_page("diary.Contact")
def contact_strike(request, pk):
    contact = get_object_or_404(Contact.objects.for_user(request.user).select_related("client"),
                                pk=pk)
    if request.user.pk != contact.by_id and not request.user.is_manager:
        raise PermissionDenied
    if contact.is_struck:
        messages.error(request, _("This contact is already marked as entered in error."))
        return redirect(contact.client)
    form = forms.StrikeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.contact_strike(contact=contact, by=request.user,
                                    reason=form.cleaned_data["reason"])
        except ValidationError as error:
            add_error(form, error, field_for=FIELD_FOR)
        else:
            messages.success(request, _("The contact is marked as entered in error. It stays "
                                        "in the record, crossed out, with your reason."))
            return redirect(contact.client)
    return render(request, "diary/strike_form.html", {
        "form": form, "client": contact.client, "entry": contact,
        "title": _("Mark this contact as entered in error")})

