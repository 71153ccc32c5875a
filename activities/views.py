"""Pages for groups and workshops: a site's activities, an activity, its sessions and
their registers, and the groups section of a client's file."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from activities import forms, selectors, services
from activities.models import Activity, GroupSession, Membership
from clients import extensions
from clients.access import client_page, not_a_client_page, require_manager
from keywork.lib import dates
from keywork.lib.cache import cached_render
from keywork.lib.forms import add_error
from keywork.lib.sites import site_choice, sites_of

PAGE_SIZE = 20


def _site_staff(request):
    """Keyworkers and managers run groups; administrators see no client names."""
    user = request.user
    if not (user.is_keyworker or user.is_manager):
        raise PermissionDenied
    return sites_of(user)


def _activity_for(request, pk):
    """An activity of one of the user's sites (404 otherwise), with its site and usual
    facilitator (the activity's page names both)."""
    _site_staff(request)
    return get_object_or_404(
        Activity.objects.for_user(request.user).select_related("site", "facilitator"), pk=pk)


def _may_change(request, activity):
    if not activity.may_change(request.user):
        raise PermissionDenied


def _session_for(request, pk):
    _site_staff(request)
    return get_object_or_404(GroupSession.objects.select_related("activity__site")
                             .filter(activity__in=Activity.objects.for_user(request.user)),
                             pk=pk)


def activity_list(request):
    sites = _site_staff(request)
    site = site_choice(request, sites)
    archived = request.GET.get("archived") == "1"
    return render(request, "activities/activity_list.html", {
        "site": site, "sites": sites, "archived": archived,
        "activities": selectors.activities_of(site, archived=archived),
        "is_manager": request.user.manages(site),
        "ladder_link": request.user.manages(site) and site.uses_ladder})


def activity_create(request):
    sites = _site_staff(request)
    site = site_choice(request, sites)
    require_manager(request, site)
    activity = Activity(site=site)
    form = forms.ActivityForm(request.POST or None, instance=activity, site=site)
    if request.method == "POST" and form.is_valid():
        try:
            services.activity_save(activity=form.instance, by=request.user)
        except ValidationError as error:
            add_error(form, error)
        else:
            messages.success(request, _("%(name)s added. Now add its sessions.")
                             % {"name": activity.name})
            return redirect(activity)
    return render(request, "activities/activity_form.html", {
        "form": form, "site": site, "title": _("New activity")})


@not_a_client_page
def activity_edit(request, pk):
    activity = _activity_for(request, pk)
    _may_change(request, activity)
    form = forms.ActivityForm(request.POST or None, instance=activity, site=activity.site)
    if request.method == "POST" and form.is_valid():
        try:
            services.activity_save(activity=form.instance, by=request.user)
        except ValidationError as error:
            add_error(form, error)
        else:
            messages.success(request, _("Changes saved."))
            return redirect(activity)
    return render(request, "activities/activity_form.html", {
        "form": form, "site": activity.site, "activity": activity, "title": activity.name})


@not_a_client_page
def activity_detail(request, pk):
    activity = _activity_for(request, pk)
    may_change = activity.may_change(request.user)
    # The sessions' column from the cache until something changes (a session starting
    # moves to the past within the fragment's minute): its three queries and rows were a
    # third of the page's time.
    sessions = cached_render(
        request, ["activity-sessions", activity.pk, may_change],
        "activities/includes/sessions.html", lambda: {
            "may_change": may_change,
            "upcoming": selectors.upcoming_sessions(activity)[:10],
            "past": Paginator(selectors.past_sessions(activity), PAGE_SIZE).get_page(
                request.GET.get("page"))})
    return render(request, "activities/activity_detail.html", {
        "activity": activity, "members": selectors.members_with_rates(activity),
        "sessions": sessions, "may_change": may_change,
        "member_form": None if activity.is_archived else forms.MemberForm(
            activity=activity, clients=selectors.joinable_clients(activity))})


@not_a_client_page
@require_POST
def member_add(request, pk):
    activity = _activity_for(request, pk)
    form = forms.MemberForm(request.POST, activity=activity,
                            clients=selectors.joinable_clients(activity))
    if form.is_valid():
        try:
            services.membership_add(activity=activity, client=form.cleaned_data["client"],
                                    by=request.user, on=form.cleaned_data["joined_on"])
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("%(client)s joined %(activity)s.") % {
                "client": form.cleaned_data["client"], "activity": activity})
    else:
        messages.error(request, _("Choose a client of the site, and a date if not today."))
    return redirect(activity)


@client_page("activities.Membership")
@require_POST
def member_leave(request, pk):
    _site_staff(request)
    membership = get_object_or_404(
        Membership.objects.select_related("activity", "client")
        .filter(activity__in=Activity.objects.for_user(request.user)), pk=pk)
    try:
        services.membership_end(membership=membership, by=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("%(client)s left %(activity)s.") % {
            "client": membership.client, "activity": membership.activity})
    return redirect(membership.activity)


def _session_page(request, activity, session):
    form = forms.SessionForm(request.POST or None, instance=session, activity=activity)
    if request.method == "POST" and form.is_valid():
        try:
            services.session_save(session=form.instance, by=request.user)
        except ValidationError as error:
            add_error(form, error)
        else:
            messages.success(request, _("Session saved."))
            return redirect(activity)
    return render(request, "activities/session_form.html", {
        "form": form, "activity": activity, "session": session})


@not_a_client_page
def session_create(request, pk):
    activity = _activity_for(request, pk)
    _may_change(request, activity)
    if activity.is_archived:
        messages.error(request, _("This activity is archived; it has no new sessions."))
        return redirect(activity)
    session = GroupSession(activity=activity, facilitator=activity.facilitator,
                           place=activity.place, capacity=activity.capacity)
    return _session_page(request, activity, session)


@not_a_client_page
def session_edit(request, pk):
    session = _session_for(request, pk)
    _may_change(request, session.activity)
    return _session_page(request, session.activity, session)


@not_a_client_page
def register(request, pk):
    """Any member of staff at the site marks who came; someone not yet a member joins."""
    session = _session_for(request, pk)
    activity = session.activity
    lines = selectors.register_lines(session)
    on_register = [client.pk for client, _status in lines]
    form = forms.RegisterForm(
        request.POST or None, lines=lines, site=activity.site,
        others=selectors.joinable_clients(activity).exclude(pk__in=on_register))
    can_mark = not session.cancelled and (
        timezone.localdate() >= dates.local_day(session.starts_at))
    if request.method == "POST":
        if not can_mark:
            messages.error(request, _("This register cannot be marked: the session was "
                                      "cancelled or has not happened yet."))
            return redirect(session)
        if form.is_valid():
            try:
                came = services.register_mark(session=session, statuses=form.statuses(),
                                              by=request.user)
            except ValidationError as error:
                add_error(form, error)
            else:
                messages.success(request, _("Register saved: %(count)s came.") % {"count": came})
                capacity = selectors.capacity_of(session)
                if capacity and came > capacity:
                    messages.warning(request, _("That is more than the capacity of %(capacity)s.")
                                     % {"capacity": capacity})
                return redirect(activity)
    return render(request, "activities/register.html", {
        "session": session, "activity": activity, "form": form, "can_mark": can_mark,
        "capacity": selectors.capacity_of(session),
        "may_change": activity.may_change(request.user)})


def _file_section(request, client):
    return {"memberships": selectors.groups_of(client), "site_id": client.site_id}


def register_extensions():
    extensions.register_file_section(extensions.FileSection(
        key="activities", template="activities/includes/file_section.html",
        load=_file_section, order=30, column="side", nav=gettext_lazy("Groups"),
        anchor="groups-heading"))

