import functools

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Prefetch, Q
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST, require_safe

from clients import extensions, forms, selectors, services, widgets
from clients.access import (
    Access,
    client_access,
    client_for,
    client_page,
    fetch,
    manager_site,
    not_a_client_page,
    require_manager,
    require_open,
)
from clients.models import Allocation, Client
from keywork.lib import dates
from keywork.lib.cache import cached_page
from keywork.lib.forms import add_error
from keywork.lib.sites import site_choice, sites_of
from staff.models import User

PAGE_SIZE = 25


def _with_current_team(queryset):
    """Prefetch each client's current allocations (keyworker, co-keyworker, cover)."""
    return queryset.prefetch_related(Prefetch(
        "allocations",
        queryset=Allocation.objects.current().select_related("worker").order_by("kind"),
        to_attr="current_team",
    ))


# Pages ------------------------------------------------------------------------------------


def caseload(request):
    user = request.user
    if not (user.is_keyworker or user.is_manager):
        raise PermissionDenied
    return cached_page(request, ["caseload"], "clients/caseload.html",
                       lambda: _caseload_context(user))


def _caseload_context(user):
    allocations = (
        Allocation.objects.current()
        .filter(worker=user, client__in=Client.objects.for_user(user).open())
        .select_related("client", "client__site")
        .prefetch_related(Prefetch(
            "client__allocations",
            queryset=Allocation.objects.current().primary().select_related("worker"),
            to_attr="current_primary",
        ))
        .order_by("client__last_name", "client__first_name")
    )
    cells = extensions.caseload_cells(user, [a.client for a in allocations])
    for allocation in allocations:
        allocation.extras = [(column, values.get(allocation.client_id))
                             for column, values in cells]
    return {
        "allocations": allocations,
        "columns": [column for column, _values in cells],
        "caseload": selectors.caseload_sizes([user])[user.pk],
    }


def client_list(request):
    user = request.user
    if not (user.is_manager or user.is_keyworker):
        raise PermissionDenied
    site = site_choice(request, sites_of(user, active_only=False), all_sites=True)
    return cached_page(request, ["client_list", site.pk if site else "all"],
                       "clients/client_list.html",
                       lambda: _client_list_context(request, site))


def _client_list_context(request, site):
    user = request.user
    sites = user.sites.all()
    keyworkers = selectors.keyworkers_at([site] if site else sites)
    data = request.GET.copy()
    if site and "site" not in data:
        data["site"] = site.pk
    form = forms.ClientFilterForm(data or None, sites=sites, keyworkers=keyworkers)
    clients = Client.objects.for_user(user).select_related("site")
    if form.is_valid():
        data = form.cleaned_data
        # "" means the current (not ended) clients; "all" includes the archived ones.
        if data["status"] == "":
            clients = clients.open()
        elif data["status"] != "all":
            clients = clients.filter(status=data["status"])
        if data["site"]:
            clients = clients.filter(site=data["site"])
        if data["keyworker"]:
            clients = clients.filter(
                pk__in=Allocation.objects.current().primary().filter(worker=data["keyworker"])
                .values("client"))
        if query := data["q"].strip():
            clients = clients.filter(
                Q(reference__iexact=query) | Q(reference__istartswith=query)
                | Q(first_name__icontains=query) | Q(last_name__icontains=query)
                | Q(preferred_name__icontains=query)
            )
    else:
        clients = clients.open()
    page = Paginator(_with_current_team(clients), PAGE_SIZE).get_page(request.GET.get("page"))
    cells = extensions.caseload_cells(user, list(page.object_list), on_list=True)
    for client in page.object_list:
        client.extras = [(column, values.get(client.pk)) for column, values in cells]
    query_string = request.GET.copy()
    query_string.pop("page", None)
    return {
        "form": form, "page": page, "query_string": query_string.urlencode(),
        "columns": [column for column, _values in cells],
        "full": set(Client.objects.in_full_for(user).filter(
            pk__in=[c.pk for c in page.object_list]).values_list("pk", flat=True)),
    }


@client_page()
def client_detail(request, pk):
    access = client_access(request, pk, need=Access.SUMMARY)
    if access == Access.SUMMARY:
        client = fetch(pk, access)
        return render(request, "clients/client_summary.html", {
            "client": client, "team": _current_team(client),
            "sections": extensions.file_context(request, client, summary=True)})
    # The whole file is served from the cache while nothing under it changed (the access
    # check above runs every time); the client is read only when the page is drawn.
    return cached_page(request, ["client_detail"], "clients/client_detail.html",
                       lambda: _client_detail_context(request, fetch(pk, access)))


def _current_team(client):
    return Allocation.objects.current().filter(client=client).select_related("worker")


def _client_detail_context(request, client):
    team = _current_team(client)
    history = client.allocations.select_related("worker", "created_by", "ended_by")
    induction = services.induction_progress(client) if client.admitted_on else []
    return {
        "client": client,
        "team": team,
        "allocations": history,
        "status_changes": client.status_changes.select_related("by"),
        "site_moves": client.site_moves.select_related("from_site", "to_site", "by"),
        "induction": induction,
        "induction_done": bool(induction) and all(tick for _item, tick in induction),
        "sections": extensions.file_context(request, client),
        "earlier_stays": selectors.earlier_stays(client),
        "is_manager": request.user.is_manager,
        "is_keyworker": any(a.kind == Allocation.Kind.PRIMARY and a.worker_id == request.user.pk
                            for a in team),
    }


@client_page(download=True)
def client_photo(request, pk):
    client = client_for(request, pk, need=Access.SUMMARY)
    if not client.photo:
        raise Http404
    response = FileResponse(client.photo.open("rb"))
    response["Cache-Control"] = "private, no-store"
    return response


def client_create(request):
    require_manager(request)
    sites = sites_of(request.user)
    # A referral made from another record (a visitor at the door) starts from its details.
    source, value = extensions.referral_source(request)
    initial = source.load(request, value) if source else None
    form = forms.ReferralForm(request.POST or None, request.FILES or None, sites=sites,
                              initial=initial)
    matches = None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        fields = {k: v for k, v in data.items() if k != "site"}
        # Never a second record silently: a likely match is shown first, and the referral
        # is created only once the manager says it is a different person.
        if request.POST.get("different") != "yes":
            matches = selectors.likely_same(
                request.user, first_name=data["first_name"], last_name=data["last_name"],
                date_of_birth=data["date_of_birth"],
                referral_reference=data["referral_reference"])
    if request.method == "POST" and form.is_valid() and not matches:
        try:
            came_from = source and functools.partial(source.referred, value=value)
            client = services.client_refer(site=form.cleaned_data["site"], by=request.user,
                                           came_from=came_from, **fields)
        except ValidationError as error:
            add_error(form, error)
        else:
            messages.success(request, _("Referral saved: %(name)s is %(ref)s.")
                             % {"name": client, "ref": client.reference})
            return redirect(client)
    return render(request, "clients/client_form.html", {
        "form": form, "title": _("New referral"), "matches": matches})


@client_page()
def client_edit(request, pk):
    client = client_for(request, pk)
    if response := require_open(request, client):
        return response
    form = forms.ClientDetailsForm(request.POST or None, request.FILES or None, instance=client)
    if request.method == "POST" and form.is_valid():
        fields = {name: form.cleaned_data[name] for name in forms.DETAIL_FIELDS}
        # The form already applied the values to the instance; reload to compare versions.
        fresh = Client.objects.get(pk=client.pk)
        try:
            services.client_update(client=fresh, version=form.cleaned_data["version"],
                                   by=request.user, **fields)
        except ValidationError as error:
            add_error(form, error)
        else:
            messages.success(request, _("Changes saved."))
            return redirect(fresh)
    return render(request, "clients/client_form.html", {
        "form": form, "client": client, "title": _("Edit details")})


def _lifecycle_step(request, pk, *, form_class, template, run, allowed, done=None):
    """`done`: the message once the step is taken (client -> text); else "X is now ..."."""
    client = client_for(request, pk)
    require_manager(request, client.site_id)
    if response := require_open(request, client):
        return response
    if client.status not in allowed:
        messages.error(request, _("This step does not apply to a client who is %(status)s.")
                       % {"status": client.get_status_display().lower()})
        return redirect(client)
    form = form_class(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            run(client, form.cleaned_data)
        except ValidationError as error:
            add_error(form, error)
        else:
            messages.success(request, done(client) if done else _("%(name)s is now %(status)s.")
                             % {"name": client, "status": client.get_status_display().lower()})
            return redirect(client)
    return render(request, template, {"client": client, "form": form})


@client_page()
def client_admit(request, pk):
    return _lifecycle_step(
        request, pk, form_class=forms.AdmitForm, template="clients/client_admit.html",
        allowed=[Client.Status.REFERRED],
        run=lambda client, data: services.client_admit(
            client=client, admitted_on=data["admitted_on"], note=data["note"], by=request.user),
    )


@client_page()
def client_activate(request, pk):
    return _lifecycle_step(
        request, pk, form_class=forms.ActivateForm, template="clients/client_activate.html",
        allowed=[Client.Status.ADMITTED],
        run=lambda client, data: services.client_activate(client=client, note=data["note"],
                                                          by=request.user),
    )


@client_page()
def client_end(request, pk):
    return _lifecycle_step(
        request, pk, form_class=forms.EndForm, template="clients/client_end.html",
        allowed=[Client.Status.ADMITTED, Client.Status.ACTIVE],
        run=lambda client, data: services.client_end(
            client=client, status=data["status"], ended_on=data["ended_on"],
            destination=data["destination"], reason=data["reason"],
            end_kind=data["end_kind"], closing_summary=data["closing_summary"],
            by=request.user),
    )


@client_page()
def client_move(request, pk):
    """A manager of the client's site moves them to another site (services.client_move_site
    says who may, and what follows)."""
    client = client_for(request, pk)
    require_manager(request, client.site_id)
    if response := require_open(request, client):
        return response
    form = forms.MoveForm(request.POST or None,
                          sites=services.move_sites_for(request.user, client))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            move = services.client_move_site(client=client, to_site=data["to_site"],
                                             on=data["on"],
                                             handover_note=data["handover_note"],
                                             by=request.user)
        except ValidationError as error:
            add_error(form, error)
        else:
            messages.success(request, _(
                "%(name)s has moved to %(site)s. Their managers there allocate a keyworker; "
                "the file is now that site's.") % {"name": client, "site": move.to_site})
            if request.user.manages(move.to_site_id):
                return redirect(client)
            return redirect("clients:list")
    return render(request, "clients/client_move.html", {"client": client, "form": form})


@client_page()
def client_reopen(request, pk):
    client = client_for(request, pk)
    require_manager(request, client.site_id)
    if not client.is_archived:
        messages.error(request, _("Only a record whose stay has ended can be re-opened."))
        return redirect(client)
    form = forms.ReopenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.client_reopen(client=client, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            add_error(form, error)
        else:
            messages.success(request, _("%(name)s is referred again for a new stay. Admit "
                                        "them when they arrive.") % {"name": client})
            return redirect(client)
    return render(request, "clients/client_reopen.html", {"client": client, "form": form})


@client_page()
def client_close_referral(request, pk):
    return _lifecycle_step(
        request, pk, form_class=forms.CloseReferralForm,
        template="clients/client_close_referral.html", allowed=[Client.Status.REFERRED],
        run=lambda client, data: services.client_close_referral(
            client=client, outcome=data["outcome"], on=data["on"], reason=data["reason"],
            note=data["note"], by=request.user),
        done=lambda client: _("The referral of %(name)s is closed: %(outcome)s.") % {
            "name": client, "outcome": client.get_status_display().lower()},
    )


@client_page()
@require_POST
def induction_tick(request, pk, item_pk):
    client = client_for(request, pk)
    item = get_object_or_404(client.site.induction_items.all(), pk=item_pk)
    try:
        services.induction_tick(client=client, item=item, by=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    if request.htmx:
        return render(request, "clients/includes/induction.html", {
            "client": client, "induction": services.induction_progress(client)})
    return redirect(client)


# Allocation -------------------------------------------------------------------------------


def _candidates(client, user):
    """The workers who may be chosen (the form validates against them) and how each
    matches the client, best first (clients.selectors.keyworker_matches; staff's gender
    for a manager only)."""
    workers = services.keyworkers_at(client.site)
    return workers, selectors.matches_for(client, workers, with_gender=user.is_manager)


def _allocation_page(request, client, form, title, intro, matches=None):
    return render(request, "clients/allocation_form.html", {
        "client": client, "form": form, "title": title, "intro": intro, "matches": matches,
        "team": Allocation.objects.current().filter(client=client).select_related("worker"),
    })


@client_page()
def client_allocate(request, pk):
    client = client_for(request, pk)
    require_manager(request, client.site_id)
    if response := require_open(request, client):
        return response
    candidates, matches = _candidates(client, request.user)
    current = client.allocations.current().primary().select_related("worker").first()
    form = forms.AllocateForm(request.POST or None, candidates=candidates, matches=matches,
                              has_keyworker=current is not None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.client_allocate(client=client, worker=data["worker"], by=request.user,
                                     reason=data["reason"],
                                     over_limit_reason=data["over_limit_reason"])
        except ValidationError as error:
            add_error(form, error)
        else:
            messages.success(request, _("%(worker)s is now %(client)s's keyworker.")
                             % {"worker": data["worker"], "client": client})
            return redirect(client)
    title = _("Change keyworker") if current else _("Allocate a keyworker")
    return _allocation_page(request, client, form, title, intro=None, matches=matches)


@client_page()
def client_co_keyworker(request, pk):
    client = client_for(request, pk)
    require_manager(request, client.site_id)
    if response := require_open(request, client):
        return response
    candidates, matches = _candidates(client, request.user)
    form = forms.CoKeyworkerForm(request.POST or None, candidates=candidates, matches=matches)
    if request.method == "POST" and form.is_valid():
        try:
            services.co_keyworker_set(client=client, worker=form.cleaned_data["worker"],
                                      reason=form.cleaned_data["reason"], by=request.user)
        except ValidationError as error:
            add_error(form, error)
        else:
            messages.success(request, _("Co-keyworker added."))
            return redirect(client)
    return _allocation_page(request, client, form, _("Add a co-keyworker"), intro=None,
                            matches=matches)


@client_page()
def client_cover(request, pk):
    client = client_for(request, pk)
    if response := require_open(request, client):
        return response
    is_keyworker = client.allocations.current().primary().filter(worker=request.user).exists()
    if not (request.user.is_manager or is_keyworker):
        raise PermissionDenied
    candidates, matches = _candidates(client, request.user)
    form = forms.CoverForm(request.POST or None, candidates=candidates, matches=matches)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.cover_arrange(client=client, worker=data["worker"],
                                   first_day=data["first_day"], last_day=data["last_day"],
                                   handover_note=data["handover_note"], by=request.user)
        except ValidationError as error:
            add_error(form, error)
        else:
            messages.success(request, _("Cover arranged with %(worker)s until %(day)s.") % {
                "worker": data["worker"], "day": dates.format_day(data["last_day"])})
            return redirect(client)
    intro = _("The covering worker sees this client in their caseload and can log sessions "
              "until the last day; then the access goes by itself.")
    return _allocation_page(request, client, form, _("Arrange cover"), intro=intro,
                            matches=matches)


@client_page()
def allocation_end(request, pk, allocation_pk):
    client = client_for(request, pk)
    require_manager(request, client.site_id)
    allocation = get_object_or_404(client.allocations.exclude(kind=Allocation.Kind.PRIMARY),
                                   pk=allocation_pk)
    form = forms.AllocationEndForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.allocation_end(allocation=allocation, by=request.user,
                                    reason=form.cleaned_data["reason"])
        except ValidationError as error:
            add_error(form, error)
        else:
            messages.success(request, _("%(kind)s ended.") % {
                "kind": allocation.get_kind_display()})
            return redirect(client)
    title = _("End %(kind)s: %(worker)s") % {"kind": allocation.get_kind_display().lower(),
                                              "worker": allocation.worker}
    return _allocation_page(request, client, form, title, intro=None)


def _to_keyworkers(site):
    return redirect(f"{reverse('clients:keyworkers')}?site={site.pk}")


def keyworker_list(request):
    site, sites = manager_site(request)
    return render(request, "clients/keyworker_list.html", {
        "site": site, "sites": sites,
        "rows": [(w, caseload, forms.CaseloadLimitForm(instance=w, prefix=f"w{w.pk}"))
                 for w, caseload in selectors.keyworker_caseloads([site.pk])],
    })


@not_a_client_page
@require_POST
def keyworker_limit(request, user_pk):
    site, _sites = manager_site(request)
    worker = get_object_or_404(User.objects.filter(sites=site, role=User.Role.KEYWORKER),
                               pk=user_pk)
    form = forms.CaseloadLimitForm(request.POST, instance=worker, prefix=f"w{worker.pk}")
    if form.is_valid():
        form.save()
        messages.success(request, _("%(name)s's caseload limit is now %(limit)s.")
                         % {"name": worker, "limit": worker.caseload_limit})
    else:
        messages.error(request, _("The limit must be a whole number from 0 to 200."))
    return _to_keyworkers(site)


@not_a_client_page
def caseload_transfer(request, user_pk):
    site, _sites = manager_site(request)
    from_worker = get_object_or_404(User.objects.filter(sites=site), pk=user_pk)
    clients = (Client.objects.for_user(request.user).open().filter(
        site=site,
        pk__in=Allocation.objects.current().primary().filter(worker=from_worker)
        .values("client")))
    listed = list(clients)
    candidates = services.keyworkers_at(site)
    # The sizes the keyworkers page shows (kept in the cache), so both pages agree.
    counts = {worker.pk: caseload.size
              for worker, caseload in selectors.keyworker_caseloads([site.pk])}
    form = forms.TransferForm(request.POST or None, from_worker=from_worker, clients=clients,
                              listed=listed, candidates=candidates, counts=counts)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            moved = services.caseload_transfer(
                from_worker=from_worker, to_worker=data["to_worker"],
                clients=list(data["clients"]), by=request.user, reason=data["reason"],
                over_limit_reason=data["over_limit_reason"])
        except ValidationError as error:
            add_error(form, error)
        else:
            messages.success(request, ngettext(
                "%(count)s client moved from %(from)s to %(to)s.",
                "%(count)s clients moved from %(from)s to %(to)s.", len(moved)) % {
                "count": len(moved), "from": from_worker, "to": data["to_worker"]})
            return _to_keyworkers(site)
    return render(request, "clients/caseload_transfer.html", {
        "form": form, "from_worker": from_worker, "site": site, "has_clients": bool(listed)})


@not_a_client_page
@require_safe
def pick(request):
    """The client picker's matches (clients.widgets): the clients the person may see who
    match what they typed, of one site when the form is about one; options for a select,
    or boxes to tick where several may be chosen."""
    query = selectors.tidy_query(request.GET.get("find", ""))[:100]
    site = request.GET.get("site", "")
    found = selectors.pickable(
        request.user, query,
        site_id=int(site) if site.isascii() and site.isdigit() and len(site) < 12 else None,
        admitted_only=request.GET.get("admitted") == "1")
    for client in found:
        client.label = widgets.label(client)
    name = request.GET.get("name", "client")
    if not name.replace("_", "").replace("-", "").isalnum():
        name = "client"
    return render(request, "clients/widgets/client_picker_found.html", {
        "found": found, "query": query, "name": name[:50],
        "multiple": request.GET.get("multiple") == "1"})
