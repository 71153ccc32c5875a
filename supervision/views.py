import datetime

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from clients import selectors as client_selectors
from clients.access import client_for, client_page, not_a_client_page, require_manager
from clients.models import Client
from diary import selectors as diary_selectors
from keywork.lib import dates, export
from keywork.lib.cache import cached_render
from keywork.lib.forms import add_error
from keywork.lib.replica import reads_from_reports
from keywork.lib.sites import site_choice, sites_of
from safeguarding import selectors as safeguarding_selectors
from staff.models import User
from supervision import changes, forms, reports, selectors, services
from supervision.models import ExportLog, Supervision


def supervision_for(request, pk):
    """A supervision the user may see: the keyworker's own, or at a manager's site; else 404."""
    return get_object_or_404(
        Supervision.objects.for_user(request.user).select_related(
            "keyworker", "manager", "site", "previous"), pk=pk)


def supervision_list(request):
    user = request.user
    if not (user.is_manager or user.is_keyworker):
        raise PermissionDenied
    records = Supervision.objects.for_user(user).select_related("keyworker", "manager")
    form = None
    if user.is_manager:
        keyworkers = User.objects.filter(sites__in=user.sites.all(), role=User.Role.KEYWORKER,
                                         is_active=True).distinct()
        form = forms.StartForm(request.POST or None, keyworkers=keyworkers)
        if request.method == "POST" and form.is_valid():
            keyworker = form.cleaned_data["keyworker"]
            try:
                supervision = services.supervision_start(
                    manager=user, keyworker=keyworker, held_on=form.cleaned_data["held_on"],
                    agenda=selectors.agenda_for(keyworker))
            except ValidationError as error:
                add_error(form, error)
            else:
                messages.success(request, _("Supervision started. The agenda and the changes "
                                            "since last time are below."))
                return redirect(supervision)
    elif request.method == "POST":
        raise PermissionDenied
    page = Paginator(records, 20).get_page(request.GET.get("page"))
    return render(request, "supervision/supervision_list.html", {"page": page, "form": form})


@not_a_client_page
def supervision_detail(request, pk):
    supervision = supervision_for(request, pk)
    user = request.user
    # Whom supervision.services lets edit a draft: its manager, or a manager of its site.
    can_edit = (supervision.status == Supervision.Status.DRAFT
                and (user.pk == supervision.manager_id or user.manages(supervision.site_id)))
    discussions = list(supervision.discussions.select_related("client").order_by(
        "client__last_name", "client__first_name"))
    notes_form = None
    if can_edit:
        notes_form = forms.NotesForm(
            request.POST or None, discussions=discussions,
            initial={"version": supervision.version, "workload": supervision.workload,
                     "wellbeing": supervision.wellbeing, "training": supervision.training,
                     "boundaries": supervision.boundaries})
        if request.method == "POST" and notes_form.is_valid():
            try:
                services.supervision_save(
                    supervision=supervision, version=notes_form.cleaned_data["version"],
                    by=user, notes=notes_form.cleaned_data,
                    discussions=notes_form.discussion_texts())
            except ValidationError as error:
                add_error(notes_form, error)
            else:
                messages.success(request, _("Notes saved."))
                return redirect(supervision)
    elif request.method == "POST":
        raise PermissionDenied
    since, until = selectors.period_of(supervision)
    glance = selectors.caseload_glance([d.client for d in discussions], since, until)
    changed = changes.changes_since([d.client_id for d in discussions], since, until)
    clients = [(d, glance[d.client_id], changed.get(d.client_id, []),
                notes_form[f"c{d.client_id}"] if notes_form else None) for d in discussions]
    return render(request, "supervision/supervision_detail.html", {
        "supervision": supervision, "clients": clients, "notes_form": notes_form,
        "since": since, "until": until, "today": timezone.localdate(), "can_edit": can_edit,
        "actions": supervision.actions.select_related("client", "carried_from__supervision"),
        "action_form": forms.ActionForm(clients=_caseload(supervision)) if can_edit else None,
        "confirm_form": forms.ConfirmForm() if (
            user.pk == supervision.keyworker_id
            and supervision.status == Supervision.Status.AWAITING_KEYWORKER) else None,
        "addendum_form": forms.AddendumForm() if supervision.is_locked else None,
        "addenda": supervision.addenda.select_related("by"),
        "agenda": selectors.agenda_rows(supervision.agenda),
    })


def _caseload(supervision):
    return Client.objects.filter(pk__in=supervision.discussions.values("client"))


@not_a_client_page
@require_POST
def action_add(request, pk):
    supervision = supervision_for(request, pk)
    require_manager(request)
    form = forms.ActionForm(request.POST, clients=_caseload(supervision))
    if form.is_valid():
        try:
            services.action_add(supervision=supervision, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("Action added."))
    else:
        messages.error(request, _("The action needs what, who and by when: %(errors)s") % {
            "errors": " ".join(str(e) for errors in form.errors.values() for e in errors)})
    return redirect(supervision)


@not_a_client_page
@require_POST
def action_done(request, pk, action_pk):
    supervision = supervision_for(request, pk)
    require_manager(request)
    action = get_object_or_404(supervision.actions, pk=action_pk)
    try:
        services.action_done(action=action, by=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    return redirect(supervision)


@not_a_client_page
@require_POST
def supervision_sign(request, pk):
    supervision = supervision_for(request, pk)
    try:
        services.supervision_sign(supervision=supervision, by=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Signed off. %(name)s will now read and confirm it.")
                         % {"name": supervision.keyworker})
    return redirect(supervision)


@not_a_client_page
@require_POST
def supervision_confirm(request, pk):
    supervision = supervision_for(request, pk)
    form = forms.ConfirmForm(request.POST)
    if form.is_valid():
        try:
            services.supervision_confirm(supervision=supervision, by=request.user,
                                         comment=form.cleaned_data["comment"])
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("Confirmed. The record is now locked."))
    return redirect(supervision)


@not_a_client_page
@require_POST
def addendum_add(request, pk):
    supervision = supervision_for(request, pk)
    form = forms.AddendumForm(request.POST)
    if form.is_valid():
        try:
            services.addendum_add(supervision=supervision, by=request.user,
                                  text=form.cleaned_data["text"])
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("Note added."))
    else:
        messages.error(request, _("Write the note."))
    return redirect(supervision)


@client_page()
def case_accountability(request, pk):
    client = client_for(request, pk)
    require_manager(request, client.site_id)
    record = getattr(client, "case_accountability", None)
    managers = User.objects.filter(sites=client.site, role=User.Role.MANAGER, is_active=True)
    form = forms.AccountabilityForm(request.POST or None, instance=record, managers=managers)
    if request.method == "POST" and form.is_valid():
        try:
            services.case_accountability_set(client=client, by=request.user,
                                             holder=form.cleaned_data["holder"],
                                             manager=form.cleaned_data["manager"])
        except ValidationError as error:
            add_error(form, error)
        else:
            messages.success(request, _("Saved: who is responsible for the case."))
            return redirect(client)
    return render(request, "supervision/case_accountability.html", {
        "client": client, "form": form})


def _dashboard_sites(request):
    """The sites a dashboard covers: the one chosen with the site picker, else all of the
    manager's; and all of them."""
    sites = sites_of(request.user)
    site = site_choice(request, sites, all_sites=True)
    return ([site] if site else list(sites)), sites


# The dashboard counts the safeguarding records raised in the last 30 days.
SAFEGUARDING_DAYS = datetime.timedelta(days=30)


def dashboard(request):
    """The manager's view of every caseload's health; a keyworker sees their own row."""
    user = request.user
    if not (user.is_manager or user.is_keyworker):
        raise PermissionDenied
    chosen, sites = _dashboard_sites(request)
    site_ids = [s.pk for s in chosen]
    site_query = str(site_ids[0]) if len(site_ids) == 1 else ""
    # The figures come from the cache until something changes; who is overdue to check in
    # is read afresh every time. The sites are in the key: the address alone does not say
    # which, when the picker remembered them.
    table = cached_render(request, ["dashboard", *site_ids],
                          "supervision/includes/dashboard_table.html",
                          lambda: _dashboard_figures(request, site_ids, site_query))
    return render(request, "supervision/dashboard.html", {
        "table": table, "sites": sites, "chosen": chosen, "site_query": site_query,
        "urgent": selectors.urgent_items(site_ids, None if user.is_manager else user),
        # Who is away this week, from the cache too (a moment's absence or cover recorded
        # moves it on): their clients and cover took a large site 6 ms of the page's 15.
        "away": cached_render(request, ["dashboard-away", *site_ids],
                              "diary/includes/away_this_week.html",
                              lambda: {"away": _away_this_week(site_ids)})
        if user.is_manager else None,
        "safeguarding": safeguarding_selectors.count_rows(safeguarding_selectors.counts(
            site_ids, timezone.localdate() - SAFEGUARDING_DAYS, timezone.localdate()))
        if user.is_manager else None,
    })


def _away_this_week(site_ids):
    """Who is away from today to Sunday, with their cover (diary.selectors.away)."""
    today = timezone.localdate()
    return diary_selectors.away(site_ids, today, dates.week_start(today)
                                + datetime.timedelta(days=6))


def _dashboard_figures(request, site_ids, site_query):
    user = request.user
    keyworkers = client_selectors.keyworkers_shown(site_ids) if user.is_manager else [user]
    data = selectors.dashboard(site_ids, keyworkers)
    for row in data["rows"]:
        row["cells"] = [(figure, len(row["figures"][figure.key])) for figure in data["figures"]]
    return {**data, "site_query": site_query}


def dashboard_list(request, key):
    """The clients behind one dashboard number."""
    user = request.user
    if not (user.is_manager or user.is_keyworker):
        raise PermissionDenied
    chosen, _sites = _dashboard_sites(request)
    worker = user if user.is_keyworker else None
    worker_id = request.GET.get("keyworker", "")
    if worker_id and any(user.manages(site) for site in chosen):
        if not worker_id.isdecimal():
            raise Http404
        worker = get_object_or_404(User.objects.filter(sites__in=chosen).distinct(),
                                   pk=worker_id)
    figure, clients = selectors.figure_clients([s.pk for s in chosen], key, worker=worker)
    if figure is None:
        raise Http404
    clients = clients.filter(pk__in=Client.objects.for_user(user).values("pk"))
    page = Paginator(clients.select_related("site").order_by("last_name", "first_name"),
                     25).get_page(request.GET.get("page"))
    return render(request, "supervision/dashboard_list.html", {
        "figure": figure, "page": page, "worker": worker, "chosen": chosen})


def unallocated(request):
    """The admitted clients with no keyworker, each with a link to allocate one."""
    if not request.user.is_manager:
        raise PermissionDenied
    chosen, _sites = _dashboard_sites(request)
    clients = client_selectors.unallocated([s.pk for s in chosen])
    page = Paginator(clients, 25).get_page(request.GET.get("page"))
    page.object_list = list(page.object_list)
    arrivals = client_selectors.arrivals(page.object_list)
    for client in page.object_list:
        client.arrival = arrivals.get(client.pk)
    site_query = request.GET.get("site", "")
    return render(request, "supervision/unallocated_list.html", {
        "page": page, "chosen": chosen, "site_query": site_query,
        "query_string": urlencode({"site": site_query}) if site_query else ""})


def _report_request(request):
    """(form, sections, period, what) for the report page and its exports."""
    user = request.user
    if not user.is_manager:
        raise PermissionDenied
    sites = sites_of(user)
    site = site_choice(request, sites, all_sites=True)
    keyworkers = client_selectors.keyworkers_at([site] if site else sites)
    data = request.GET.copy()
    if data and "site" not in data:
        data["site"] = site.pk if site else ""
    form = forms.ReportForm(data or None, sites=sites, keyworkers=keyworkers,
                            initial={"site": site})
    if not form.is_valid():
        return form, None, None, ""
    data = form.cleaned_data
    try:
        period = reports.period_for(data["period"], start=data["start"], end=data["end"])
    except ValidationError as error:
        form.add_error(None, error)
        return form, None, None, ""
    chosen = [data["site"]] if data["site"] else list(sites)
    sections = reports.outcome_report(user, [s.pk for s in chosen], period,
                                      worker=data["keyworker"])
    what = ", ".join(s.name for s in chosen) + f" · {period.label}"
    if data["keyworker"]:
        what += f" · {data['keyworker']}"
    return form, sections, period, what


@reads_from_reports
def report(request):
    form, sections, period, what = _report_request(request)
    query = request.GET.urlencode()
    return render(request, "supervision/report.html", {
        "form": form, "sections": sections, "period": period, "what": what, "query": query})


@reads_from_reports
def report_export(request, file_format):
    if file_format not in ("csv", "xlsx"):
        raise Http404
    form, sections, period, what = _report_request(request)
    if sections is None:
        messages.error(request, _("Choose a valid period before exporting."))
        return redirect(f"{reverse('supervision:report')}?{request.GET.urlencode()}")
    ExportLog.objects.create(by=request.user, what=what[:300], file_format=file_format)
    header = [_("Section"), _("Measure"), _("Value")]
    rows = reports.flat_rows(sections)
    filename = f"keywork-outcomes-{period.start:%Y%m%d}-{period.end:%Y%m%d}.{file_format}"
    if file_format == "csv":
        return export.csv_response(header, rows, filename)
    return export.xlsx_response(header, rows, filename, sheet=_("Outcomes"))


def notification_list(request):
    """The address the morning e-mails linked to: what is due is now Today's list,
    worked out when it is read (the bell counts it)."""
    user = request.user
    return redirect("diary:today" if user.is_keyworker or user.is_manager else "home")
