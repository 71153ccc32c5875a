"""Staff absence: the list, recording and cancelling one, and arranging cover for the
absent worker's clients in one action. Rules live in diary.services and diary.selectors."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from clients import selectors as client_selectors
from clients.access import not_a_client_page
from diary import absence_forms as forms
from diary import selectors, services
from diary.models import StaffAbsence
from keywork.lib.cache import cached_page
from keywork.lib.forms import add_error
from keywork.lib.sites import site_choice, sites_of
from staff.models import User

PAGE_SIZE = 25


def _staff_only(request):
    if not (request.user.is_keyworker or request.user.is_manager):
        raise PermissionDenied


def _absence_for(request, pk):
    """The absence `pk` if the user may see it (404 otherwise)."""
    return get_object_or_404(StaffAbsence.objects.for_user(request.user)
                             .select_related("worker", "recorded_by", "cancelled_by")
                             .prefetch_related("worker__sites"), pk=pk)


def absence_list(request):
    """A manager: the absences of the people at the chosen site, newest first; a
    keyworker: their own."""
    _staff_only(request)
    user = request.user
    site, sites = None, None
    absences = StaffAbsence.objects.for_user(user)
    if user.is_manager:
        sites = sites_of(user)
        site = site_choice(request, sites)
        absences = absences.at_sites([site.pk])
    else:
        absences = absences.filter(worker=user)
    absences = absences.select_related("worker").order_by("-first_day", "-pk")
    page = Paginator(absences, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "diary/absence_list.html", {
        "page": page, "site": site, "sites": sites, "today": timezone.localdate(),
        "own_kinds": StaffAbsence.OWN_KINDS,
        "query_string": f"site={site.pk}" if site else ""})


def absence_new(request):
    _staff_only(request)
    user = request.user
    workers = None
    if user.is_manager:
        workers = User.objects.workers_at(sites_of(user))
    form = forms.AbsenceForm(request.POST or None, workers=workers,
                             initial={"worker": request.GET.get("worker")} if workers else None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            absence = services.absence_record(
                worker=data.get("worker", user), kind=data["kind"],
                first_day=data["first_day"], last_day=data["last_day"], note=data["note"],
                by=user)
        except ValidationError as error:
            add_error(form, error)
        else:
            messages.success(request, _("Absence recorded: %(absence)s.") % {
                "absence": absence})
            if user.is_manager and absence.last_day >= timezone.localdate():
                return redirect("diary:absence_cover", absence.pk)
            return redirect("diary:absences")
    return render(request, "diary/absence_form.html", {"form": form})


@not_a_client_page
def absence_cancel(request, pk):
    absence = _absence_for(request, pk)
    if not services.may_record_absence(request.user, absence.worker, absence.kind):
        raise PermissionDenied
    form = forms.AbsenceCancelForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.absence_cancel(absence=absence, by=request.user,
                                    reason=form.cleaned_data["cancel_reason"])
        except ValidationError as error:
            add_error(form, error)
        else:
            messages.success(request, _("Absence cancelled. Any cover already arranged stays "
                                        "until its last day: end it on the client's file if "
                                        "it is no longer needed."))
            return redirect("diary:absences")
    return render(request, "diary/absence_cancel.html", {"form": form, "absence": absence})


@not_a_client_page
def absence_cover(request, pk):
    """Arrange cover for an absence: the absent worker's clients, their sessions in those
    days, a cover worker for each (suggested, best first) or one for all; one action."""
    absence = _absence_for(request, pk)
    user = request.user
    site_ids = [pk for pk in absence.worker.site_ids if user.manages(pk)]
    if not site_ids:
        raise PermissionDenied

    def prepare():
        plan = selectors.cover_plan(absence, site_ids)
        candidates = selectors.cover_candidates(absence, site_ids)
        # Each client's choices: only workers at the client's own site (cover_arrange
        # refuses anyone else, and one refusal would undo the whole action).
        return plan, candidates, client_selectors.keyworker_matches_each(
            [row.client for row in plan.rows if row.needs_cover], candidates)

    def page(plan, form):
        return {"absence": absence, "plan": plan, "form": form,
                "open_for_cover": open_for_cover,
                "list_url": f"{reverse('diary:absences')}?site={site_ids[0]}"}

    open_for_cover = not absence.is_cancelled and absence.last_day >= timezone.localdate()
    if request.method != "POST":
        # Shown from the cache until the data changes (a minute at most: the sessions still
        # to come move with the clock), the page whole: a form field a client.
        def context():
            plan, candidates, matches = prepare()
            return page(plan, forms.CoverForm(plan=plan, candidates=candidates,
                                              matches=matches))
        return cached_page(request, ["absence_cover", tuple(site_ids)],
                           "diary/absence_cover.html", context)
    # The action is worked out afresh.
    plan, candidates, matches = prepare()
    form = forms.CoverForm(request.POST, plan=plan, candidates=candidates, matches=matches)
    if open_for_cover and form.is_valid():
        try:
            results = services.absence_cover_arrange(
                absence=absence, choices=form.cleaned_data["choices"],
                handover_note=form.cleaned_data["handover_note"], by=user)
        except ValidationError as error:
            add_error(form, error)
        else:
            moved = sum(len(result.moved) for result in results)
            messages.success(request, _("Cover arranged for %(clients)s client(s); "
                                        "%(moved)s session(s) moved.") % {
                "clients": sum(1 for result in results if result.allocations),
                "moved": moved})
            return render(request, "diary/absence_covered.html", {
                "absence": absence, "results": results})
    return render(request, "diary/absence_cover.html", page(plan, form))
