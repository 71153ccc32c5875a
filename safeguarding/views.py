from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from clients.access import (
    Access,
    client_for,
    client_page,
    manager_site,
    require_open,
    several_clients_page,
    shows_clients,
)
from clients.models import Client
from keywork.lib import dates
from keywork.lib.cache import cached_page
from keywork.lib.forms import add_error
from keywork.lib.sites import sites_of
from safeguarding import access, forms, selectors, services
from safeguarding.models import Incident
from staff.models import User

PAGE_SIZE = 20


def _reads_safeguarding(user):
    if not (user.is_manager or user.is_keyworker):
        raise PermissionDenied


def incident_list(request):
    """The concerns and incidents the user may read; only those."""
    _reads_safeguarding(request.user)
    page = Paginator(selectors.incidents_seen_by(request.user), PAGE_SIZE).get_page(
        request.GET.get("page"))
    return render(request, "safeguarding/incident_list.html", {
        "page": page, "may_raise": not request.user.is_administrator})


def incident_raise(request):
    user = request.user
    if user.is_administrator or not (user.is_manager or user.is_keyworker):
        raise PermissionDenied
    sites = sites_of(user)
    clients = Client.objects.for_user(user).open()
    initial = {}
    about = request.GET.get("client", "")
    if about.isdecimal():
        chosen = clients.filter(pk=int(about)).first()
        if chosen:
            initial = {"clients": [chosen.pk], "site": chosen.site_id}
    form = forms.IncidentForm(request.POST or None, initial=initial, sites=sites,
                              clients=clients, staff=User.objects.workers_at(sites))
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        try:
            incident = services.incident_raise(
                by=user, site=data.pop("site"), clients=data.pop("clients"),
                staff_present=data.pop("staff_present"), **data)
        except ValidationError as error:
            add_error(form, error)
        else:
            messages.success(request, _("Recorded. The managers of the site can read it and "
                                        "will review it."))
            return redirect(incident)
    return render(request, "safeguarding/incident_form.html", {"form": form})


def _manager_forms(request, incident, data=None, which=None):
    """The review and close forms for a manager of the site, bound when posted."""
    if not (access.may_manage(request.user, incident) and incident.is_open):
        return None, None
    staff = User.objects.workers_at([incident.site_id])
    review = forms.ReviewForm(
        data if which == "review" else None, staff=staff,
        initial={"review_note": incident.review_note, "follow_up": incident.follow_up,
                 "shared_with": list(incident.shared_with.all()),
                 "reported_to_la": incident.reported_to_la,
                 "la_reported_on": incident.la_reported_on,
                 "la_reference": incident.la_reference})
    review.helper.form_action = reverse("safeguarding:review", args=[incident.pk])
    close = (forms.CloseForm(data if which == "close" else None)
             if incident.reviewed_at else None)
    if close is not None:
        close.helper.form_action = reverse("safeguarding:close", args=[incident.pk])
    return review, close


def _involved(request, incident):
    """Who the record involves, each read into the access log (on every request, before
    any cache is asked)."""
    involved = list(incident.involved.select_related("client").order_by(
        "client__last_name", "client__first_name"))
    shows_clients(request, [i.client_id for i in involved])  # the access log, for each
    return involved


def _context(request, incident, involved, review=None, close=None):
    if review is None and close is None:
        review, close = _manager_forms(request, incident)
    readable = set(Client.objects.for_user(request.user).filter(
        pk__in=[i.client_id for i in involved]).values_list("pk", flat=True))
    return {
        "incident": incident, "involved": [(i.client, i.client_id in readable)
                                           for i in involved],
        "staff_present": list(incident.staff_present.all()),
        "shared_with": list(incident.shared_with.all()),
        "bans": list(incident.bans.select_related("client")),
        "review_form": review, "close_form": close,
        "manages": access.may_manage(request.user, incident)}


def _detail(request, incident, review=None, close=None):
    involved = _involved(request, incident)
    return render(request, "safeguarding/incident_detail.html",
                  _context(request, incident, involved, review, close))


@several_clients_page("safeguarding.Incident")
def incident_detail(request, pk):
    incident = access.incident_for(request, pk)
    if request.method == "POST":
        raise PermissionDenied
    involved = _involved(request, incident)
    # Opened, the record is kept in the cache until the data changes; a form sent back
    # with its errors is drawn afresh (_detail).
    return cached_page(request, ["incident_detail"], "safeguarding/incident_detail.html",
                       lambda: _context(request, incident, involved))


@several_clients_page("safeguarding.Incident")
@require_POST
def incident_review(request, pk):
    incident = access.incident_for(request, pk)
    access.require_manages(request, incident)
    review, close = _manager_forms(request, incident, request.POST, "review")
    if review is None:
        messages.error(request, _("This record is closed."))
        return redirect(incident)
    if review.is_valid():
        try:
            services.incident_review(incident=incident, by=request.user, **review.cleaned_data)
        except ValidationError as error:
            add_error(review, error)
        else:
            messages.success(request, _("Review saved."))
            return redirect(incident)
    incident.refresh_from_db()
    return _detail(request, incident, review, close)


@several_clients_page("safeguarding.Incident")
@require_POST
def incident_close(request, pk):
    incident = access.incident_for(request, pk)
    access.require_manages(request, incident)
    review, close = _manager_forms(request, incident, request.POST, "close")
    if close is None:
        messages.error(request, _("Review the record before you close it.")
                       if incident.is_open else _("This record is already closed."))
        return redirect(incident)
    if close.is_valid():
        try:
            services.incident_close(incident=incident, by=request.user, **close.cleaned_data)
        except ValidationError as error:
            add_error(close, error)
        else:
            messages.success(request, _("Closed. The record is kept."))
            return redirect(incident)
    incident.refresh_from_db()
    return _detail(request, incident, review, close)


def ban_list(request):
    """A site's bans: review soon, in force, to start, ended (a manager of the site)."""
    site, sites = manager_site(request)

    def context():
        found = selectors.site_bans(site)
        ended = Paginator(found["ended"], PAGE_SIZE).get_page(request.GET.get("page"))
        return {"site": site, "sites": sites, "soon": found["soon"],
                "in_force": found["in_force"], "upcoming": list(found["upcoming"]),
                "page": ended, "today": timezone.localdate()}

    # Kept until a ban (or anything else) changes: a site's bans in force are many rows.
    return cached_page(request, ["ban_list", site.pk], "safeguarding/ban_list.html", context)


@client_page()
def ban_add(request, pk):
    client = client_for(request, pk, Access.SUMMARY)
    if not request.user.manages(client.site_id):
        raise PermissionDenied
    if closed := require_open(request, client):
        return closed
    managers = User.objects.filter(sites=client.site_id, role=User.Role.MANAGER,
                                   is_active=True)
    incidents = Incident.objects.for_user(request.user).filter(involved__client=client)
    form = forms.BanForm(request.POST or None, managers=managers, incidents=incidents,
                         initial={"decided_by": request.user})
    if request.method == "POST" and form.is_valid():
        try:
            services.ban_record(client=client, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            add_error(form, error)
        else:
            messages.success(request, _("Ban recorded. The door register warns of it at "
                                        "check-in."))
            return redirect(client)
    return render(request, "safeguarding/ban_form.html", {"client": client, "form": form})


@client_page("safeguarding.Ban")
def ban_review(request, pk):
    """A manager reviews a ban that is due: keeps it until a next review, or lifts it."""
    ban = access.ban_for(request, pk)
    if not request.user.manages(ban.site_id):
        raise PermissionDenied
    form = forms.BanReviewForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.ban_review(ban=ban, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            add_error(form, error)
        else:
            messages.success(request, _("Ban kept; next review by %(day)s.")
                             % {"day": dates.format_day(ban.review_on)})
            return redirect(reverse("safeguarding:bans") + f"?site={ban.site_id}")
    return render(request, "safeguarding/ban_review.html", {"ban": ban, "form": form})


@client_page("safeguarding.Ban")
def ban_lift(request, pk):
    ban = access.ban_for(request, pk)
    if not request.user.manages(ban.site_id):
        raise PermissionDenied
    if ban.lifted_at is not None:
        messages.info(request, _("This ban has already been lifted."))
        return redirect("safeguarding:bans")
    form = forms.LiftForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.ban_lift(ban=ban, by=request.user, reason=form.cleaned_data["reason"])
        except ValidationError as error:
            add_error(form, error, field_for={"lifted_reason": "reason"})
        else:
            messages.success(request, _("Ban lifted."))
            return redirect("safeguarding:bans")
    return render(request, "safeguarding/ban_lift.html", {"ban": ban, "form": form})
