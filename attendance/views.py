"""The door register: search and one tap to check in or out, someone new, today's
register and its PDF; a client's attendance history."""

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
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST, require_safe

from attendance import forms, selectors, services
from attendance.models import Visit, Visitor
from clients import extensions
from clients.access import client_for, client_page
from clients.models import Client
from keywork.lib import dates
from keywork.lib.pdf import pdf_response, render_pdf
from keywork.lib.sites import site_choice, sites_of

PAGE_SIZE = 25
MONTHS_SHOWN = 12


def _door_site(request):
    """The site whose door the user is at: any keyworker or manager there (administrators
    read no client records, so keep no register); 404 for a site not theirs."""
    user = request.user
    if not (user.is_keyworker or user.is_manager):
        raise PermissionDenied
    return site_choice(request, sites_of(user))


def _day(request):
    """The day asked for (?day=YYYY-MM-DD, not in the future), else today."""
    today = timezone.localdate()
    try:
        day = datetime.date.fromisoformat(request.GET.get("day", ""))
    except ValueError:
        return today
    return day if datetime.date(2000, 1, 1) <= day <= today else today


def _pk(value):
    value = str(value or "")
    if not (value.isascii() and value.isdecimal()) or len(value) > 12:
        raise Http404
    return int(value)


def _back(site, query=""):
    params = {"site": site.pk}
    if query:
        params["q"] = query
    return f"{reverse('attendance:register')}?{urlencode(params)}"


@require_safe
def register(request):
    site = _door_site(request)
    day = _day(request)
    today = timezone.localdate()
    query = request.GET.get("q", "")[:100]
    found = selectors.search(request.user, site, query, today)
    if request.htmx and request.htmx.target == "door-results":
        return render(request, "attendance/includes/results.html",
                      {"found": found, "query": query, "site": site})
    visits = selectors.register(site, day)
    in_now, total = selectors.register_counts(visits)
    return render(request, "attendance/register.html", {
        "site": site, "sites": sites_of(request.user), "day": day,
        "is_today": day == today, "query": query, "found": found, "visits": visits,
        "in_now": in_now, "total": total, "visitor_form": forms.VisitorForm(),
        "yesterday": day - dates.DAY, "tomorrow": day + dates.DAY if day < today else None,
    })


@require_POST
def check_in(request):
    site = _door_site(request)
    query = request.POST.get("q", "")[:100]
    client = visitor = None
    if request.POST.get("client"):
        client = get_object_or_404(Client.objects.for_user(request.user).filter(site=site),
                                   pk=_pk(request.POST["client"]))
    elif request.POST.get("visitor"):
        visitor = get_object_or_404(Visitor.objects.for_user(request.user).filter(site=site),
                                    pk=_pk(request.POST["visitor"]))
    else:
        messages.error(request, _("Choose someone to check in."))
        return redirect(_back(site, query))
    try:
        visit = services.visit_check_in(site=site, by=request.user, client=client,
                                        visitor=visitor,
                                        despite_ban=request.POST.get("despite_ban") == "yes")
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect(_back(site, query))
    if visit.ban_overridden_id:
        messages.warning(request, _("%(name)s is checked in despite the ban; that decision "
                                    "is recorded.") % {"name": visit.person})
    else:
        messages.success(request, _("%(name)s is checked in at %(time)s.")
                         % {"name": visit.person, "time": dates.format_time(visit.checked_in_at)})
    return redirect(_back(site))


@require_POST
def visitor_check_in(request):
    site = _door_site(request)
    form = forms.VisitorForm(request.POST)
    if form.is_valid():
        try:
            visitor, visit = services.visitor_check_in(site=site, by=request.user,
                                                       **form.cleaned_data)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("%(name)s is checked in at %(time)s.")
                             % {"name": visitor, "time": dates.format_time(visit.checked_in_at)})
            return redirect(_back(site))
    today = timezone.localdate()
    visits = selectors.register(site, today)
    in_now, total = selectors.register_counts(visits)
    return render(request, "attendance/register.html", {
        "site": site, "sites": sites_of(request.user), "day": today,
        "is_today": True, "query": "", "found": [], "visits": visits, "in_now": in_now,
        "total": total, "visitor_form": form, "yesterday": today - dates.DAY,
        "tomorrow": None,
    }, status=400)


@client_page("attendance.Visit")
@require_POST
def check_out(request, pk):
    user = request.user
    if not (user.is_keyworker or user.is_manager):
        raise PermissionDenied
    visit = get_object_or_404(Visit.objects.for_user(user).select_related(
        "site", "client", "visitor"), pk=pk)
    try:
        services.visit_check_out(visit=visit, by=user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("%(name)s is checked out.") % {"name": visit.person})
    return redirect(_back(visit.site))


@require_safe
def register_pdf(request):
    site = _door_site(request)
    day = _day(request)
    visits = selectors.register(site, day)
    in_now, total = selectors.register_counts(visits)
    pdf = render_pdf("attendance/pdf/register.html", {
        "site": site, "day": day, "visits": visits, "in_now": in_now, "total": total,
        "printed_at": timezone.now()}, request=request)
    return pdf_response(pdf, f"{site.code}-door-register-{day.isoformat()}.pdf")


@client_page()
@require_safe
def history(request, pk):
    client = client_for(request, pk)
    page = Paginator(selectors.visits_of(client), PAGE_SIZE).get_page(request.GET.get("page"))
    months = selectors.month_starts(timezone.localdate(), MONTHS_SHOWN)
    counts = selectors.monthly_counts([client.pk], months)[client.pk]
    return render(request, "attendance/history.html", {
        "client": client, "page": page, "months": [(m, counts[m]) for m in months]})


# What attendance adds to the clients app's pages (clients.extensions) ------------------


def _file_section(request, client):
    return {"client": client, **selectors.file_summary(client, timezone.localdate())}


def _visitor_of(request, value):
    return get_object_or_404(Visitor.objects.for_user(request.user).not_referred(),
                             pk=_pk(value))


def _referral_initial(request, value):
    """The referral form's first values from a visitor: their name (the first word as the
    first name), date of birth and site; where they came from."""
    visitor = _visitor_of(request, value)
    first, _space, last = visitor.name.partition(" ")
    return {"first_name": first, "last_name": last, "date_of_birth": visitor.date_of_birth,
            "site": visitor.site_id, "referral_source": _("Came to the door"),
            "referred_on": timezone.localdate()}


def _referred(*, value, client, by):
    visitor = get_object_or_404(Visitor.objects.not_referred(), pk=_pk(value))
    services.visitor_referred(visitor=visitor, client=client, by=by)


def register_extensions():
    extensions.register_file_section(extensions.FileSection(
        key="attendance", template="attendance/includes/file_section.html",
        load=_file_section, order=25, column="side", nav=gettext_lazy("Attendance"),
        anchor="attendance-heading"))
    extensions.register_referral_source(extensions.ReferralSource(
        param="visitor", load=_referral_initial, referred=_referred))
