import datetime
from collections import defaultdict

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from activities.models import Activity
from attendance import selectors as attendance_selectors
from clients import extensions
from clients.access import (
    client_for,
    client_page,
    manager_site,
    not_a_client_page,
    require_manager,
)
from clients.models import Client
from keywork.lib import charts, dates
from keywork.lib.files import private_file_response
from keywork.lib.forms import add_error, error_summary
from keywork.lib.pdf import pdf_response, render_pdf
from stages import forms, hooks, selectors, services
from stages.models import AssessmentSettings, Ladder, LadderTask, Need, NeedArea, RegisterTask


def _assessments(client):
    """The current stay's assessments, newest first: the list, the charts and the portfolio
    read the same ones as the file, the caseload and Today (earlier stays' are linked
    from the file's "Earlier stays")."""
    return list(selectors.current_stay_assessments(client).select_related("by"))


def _chart_series(assessments, areas):
    """The radar's series, earliest first: the initial assessment (once there is a later
    one) and the latest."""
    latest, initial = assessments[0], assessments[-1]
    series = [(_("Now (%(date)s)") % {"date": dates.format_day(latest.assessed_on)},
               [latest.area_scores.get(str(a.pk)) for a in areas])]
    if initial.pk != latest.pk:
        series.insert(0, (_("Initial (%(date)s)") % {
            "date": dates.format_day(initial.assessed_on)},
            [initial.area_scores.get(str(a.pk)) for a in areas]))
    return series


def radar_table(assessments, areas):
    """The radar's figures as the table beside it shows them: a row per area, (area,
    initial score or None, latest score or None); None when there is no assessment."""
    if not assessments:
        return None
    latest, initial = assessments[0], assessments[-1]
    return {
        "initial": initial if initial.pk != latest.pk else None, "latest": latest,
        "rows": [(area, initial.area_scores.get(str(area.pk)),
                  latest.area_scores.get(str(area.pk))) for area in areas],
    }


def radar_svg(assessments, areas):
    """The radar; an assessment has an applicable need (services), so it has an area."""
    return charts.radar(_("Support-need areas, % addressed"), [a.name for a in areas],
                        _chart_series(assessments, areas))


def line_svg(assessments):
    ordered = list(reversed(assessments))
    return charts.line(_("Overall score over time"),
                       [dates.format_short_day(a.assessed_on) for a in ordered],
                       [float(a.overall) if a.overall is not None else None for a in ordered])


def _svg(content):
    response = HttpResponse(content, content_type="image/svg+xml")
    response["Cache-Control"] = "private, no-store"
    return response


@client_page()
def assessment_list(request, pk):
    client = client_for(request, pk)
    assessments = _assessments(client)
    areas = list(NeedArea.objects.all())
    initial_on = next((a.assessed_on for a in assessments if a.kind == "initial"), None)
    return render(request, "stages/assessment_list.html", {
        "client": client, "assessments": assessments, "areas": areas,
        "distance": services.distance_travelled(assessments, areas),
        "initial_state": selectors.initial_assessment_state(client, initial_on),
        "reassessment": selectors.reassessments([client]).get(client.pk),
        "can_set_interval": request.user.manages(client.site_id),
        "latest": assessments[0] if assessments else None,
        "table": [(area, [a.area_scores.get(str(area.pk)) for a in assessments[:2]])
                  for area in areas],
    })


@client_page(logged=False)
@require_GET
def chart_radar(request, pk):
    client = client_for(request, pk)
    assessments = _assessments(client)
    if not assessments:
        raise Http404
    return _svg(radar_svg(assessments, list(NeedArea.objects.all())))


@client_page(logged=False)
@require_GET
def chart_line(request, pk):
    client = client_for(request, pk)
    assessments = _assessments(client)
    if not assessments:
        raise Http404
    return _svg(line_svg(assessments))


def _assessment_page(request, client, form, *, assessment=None):
    previous = (client.assessments.exclude(pk=assessment.pk) if assessment
                else client.assessments).first()
    previous_ratings = {}
    if previous:
        previous_ratings = dict(previous.ratings.order_by().values_list("need_id", "rating"))
    suggested = services.suggestions(client)
    rows = []
    area = None
    for need, rating, note in form.rows():
        rows.append({"need": need, "rating": rating, "note": note,
                     "new_area": need.area_id != area,
                     "previous": previous_ratings.get(need.pk),
                     "suggest": suggested.get(need.pk)})
        area = need.area_id
    return render(request, "stages/assessment_form.html", {
        "client": client, "form": form, "rows": rows, "previous": previous,
        "assessment": assessment, "rated": form.rated(), "errors": error_summary(form)})


@client_page()
def assessment_create(request, pk):
    client = client_for(request, pk)
    if client.is_archived or client.status == Client.Status.REFERRED:
        messages.error(request, _("Assessments are for admitted clients whose record is open."))
        return redirect(client)
    needs = list(Need.objects.in_use().select_related("area"))
    form = forms.AssessmentForm(request.POST or None, needs=needs)
    if request.method == "POST" and form.is_valid():
        try:
            assessment = services.assessment_record(
                client=client, assessed_on=form.cleaned_data["assessed_on"],
                ratings=form.ratings(), by=request.user)
        except ValidationError as error:
            add_error(form, error)
        else:
            messages.success(request, _("%(kind)s saved: %(score)s%% overall.") % {
                "kind": assessment.get_kind_display(), "score": assessment.overall})
            return redirect("stages:assessments", client.pk)
    return _assessment_page(request, client, form)


@client_page()
def assessment_edit(request, pk, assessment_pk):
    client = client_for(request, pk)
    assessment = get_object_or_404(client.assessments, pk=assessment_pk)
    if client.is_archived:
        messages.error(request, _("This client has left; their record is archived."))
        return redirect("stages:assessments", client.pk)
    ratings = {r.need_id: r for r in assessment.ratings.order_by()}
    # The needs in use, then those retired since this assessment rated them.
    needs = sorted(Need.objects.filter(Q(is_retired=False) | Q(pk__in=[*ratings]))
                   .select_related("area"), key=lambda need: need.is_retired)
    initial = {"assessed_on": assessment.assessed_on, "version": assessment.version}
    for need_id, rating in ratings.items():
        initial[f"r{need_id}"] = rating.rating
        initial[f"n{need_id}"] = rating.note
    form = forms.AssessmentForm(request.POST or None, needs=needs, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.assessment_update(
                assessment=assessment, version=form.cleaned_data["version"] or 0,
                assessed_on=form.cleaned_data["assessed_on"], ratings=form.ratings(),
                by=request.user)
        except ValidationError as error:
            add_error(form, error)
        else:
            messages.success(request, _("Assessment corrected."))
            return redirect("stages:assessments", client.pk)
    return _assessment_page(request, client, form, assessment=assessment)


@client_page()
def assessment_detail(request, pk, assessment_pk):
    client = client_for(request, pk)
    assessment = get_object_or_404(client.assessments.select_related("by"), pk=assessment_pk)
    ratings = assessment.ratings.select_related("need__area")
    return render(request, "stages/assessment_detail.html", {
        "client": client, "assessment": assessment, "ratings": ratings,
        "areas": [(area, assessment.area_scores.get(str(area.pk)))
                  for area in NeedArea.objects.all()]})


# The ladder -------------------------------------------------------------------------------


def _ladder_context(client):
    position = selectors.ladder_position_shown(client)
    if position is None:
        return {"current": None}
    current = position.current
    stages = list(current.stage.ladder.stages.filter(order__gte=current.stage.order)
                  .prefetch_related("tasks"))
    evidence = {e.task_id: e for e in
                client.evidence.counting().select_related("by", "task__stage")}
    lapsed = defaultdict(list)
    for e in client.evidence.lapsed().select_related("by", "lapsed_by", "task__stage"):
        lapsed[e.task_id].append(e)
    registers = selectors.register_tasks_shown(
        client, [task for stage in stages for task in stage.tasks.all()])
    rows = []
    for stage in stages:
        tasks = [{"task": task, "evidence": evidence.get(task.pk),
                  "lapsed": lapsed.pop(task.pk, []),
                  "register": (selectors.register_figures(*registers[task.pk])
                               if task.pk in registers else None),
                  "register_activity": registers[task.pk][0].activity
                  if task.pk in registers else None,
                  "answer": None if task.pk in evidence else hooks.known_answer(task, client)}
                 for task in stage.tasks.all()]
        rows.append({"stage": stage, "tasks": tasks})
    earlier = [e for e in evidence.values()
               if e.task.stage.ladder_id != current.stage.ladder_id
               or e.task.stage.order < current.stage.order]
    earlier += [e for rows_of_task in lapsed.values() for e in rows_of_task]
    return {
        "current": current,
        "stages": rows,
        "earlier": sorted(earlier, key=lambda e: (e.task.stage.order, e.task.order, e.pk)),
        "history": client.stages.select_related("stage", "by"),
        "promotion_due": position.promotion_due,
        "unmet": position.unmet if position.above is not None else (),
        "at_top": position.tasks_done and position.above is None,
    }


@client_page()
def ladder(request, pk):
    client = client_for(request, pk)
    if request.method == "POST":
        # A manager puts on the ladder a client admitted before the site took it up.
        require_manager(request, client.site_id)
        try:
            services.ladder_start(client=client, by=request.user)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        return redirect("stages:ladder", client.pk)
    context = _ladder_context(client)
    can_move = (request.user.manages(client.site_id) and not client.is_archived
                and context["current"] is not None)
    return render(request, "stages/ladder.html", {
        "client": client, "is_manager": request.user.is_manager, **context,
        "promote_form": forms.PromoteForm(),
        "discretion_form": forms.PromoteForm(at_discretion=True),
        # What can lapse is read only for the manager who sees the form.
        "demote_form": forms.DemoteForm(evidence=selectors.lapsable_evidence(
            context["current"])) if can_move else None})


@client_page()
def evidence_create(request, pk, task_pk):
    client = client_for(request, pk)
    current = services.current_stage(client)
    if current is None or client.is_archived:
        messages.error(request, _("Evidence can be added only for a current client on the "
                                  "ladder."))
        return redirect(client)
    task = get_object_or_404(
        LadderTask.objects.filter(stage__ladder=current.stage.ladder,
                                  stage__order__gte=current.stage.order), pk=task_pk)
    if selectors.register_tasks(client, [task]):
        messages.error(request, _("This task is evidenced from a group's register, not typed: "
                                  "mark the register and the evidence follows."))
        return redirect("stages:ladder", client.pk)
    form = forms.EvidenceForm(request.POST or None, request.FILES or None, task=task)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.evidence_record(client=client, task=task, by=request.user, on=data["on"],
                                     what=data["what"], file=data.get("file"),
                                     not_applicable=data.get("not_applicable", False))
        except ValidationError as error:
            add_error(form, error)
        else:
            messages.success(request, _("Evidence saved."))
            return redirect("stages:ladder", client.pk)
    return render(request, "stages/evidence_form.html", {
        "client": client, "task": task, "form": form,
        "answer": hooks.known_answer(task, client)})


@client_page(download=True)
@require_GET
def evidence_file(request, pk, evidence_pk):
    client = client_for(request, pk)
    return private_file_response(get_object_or_404(client.evidence, pk=evidence_pk).file)


def _stage_change(request, pk, *, make_form, run, done):
    client = client_for(request, pk)
    require_manager(request, client.site_id)
    form = make_form(client, request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            run(client, form.cleaned_data)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, done(client))
            return redirect("stages:ladder", client.pk)
    elif request.method == "POST":
        messages.error(request, " ".join(
            f"{label}: {message}" if label else message
            for _anchor, label, message in error_summary(form)))
    return redirect("stages:ladder", client.pk)


@client_page()
def stage_promote(request, pk):
    return _stage_change(
        request, pk, make_form=lambda client, data: forms.PromoteForm(data),
        run=lambda client, data: services.stage_promote(
            client=client, by=request.user, note=data["note"],
            at_discretion=data["at_discretion"]),
        done=lambda client: _("%(name)s moved up to %(stage)s: %(benefit)s") % {
            "name": client.called, "stage": services.current_stage(client).stage,
            "benefit": services.current_stage(client).stage.benefit},
    )


def _demote_form(client, data):
    current = services.current_stage(client)
    return forms.DemoteForm(data, evidence=selectors.lapsable_evidence(current)
                            if current else ())


@client_page()
def stage_demote(request, pk):
    return _stage_change(
        request, pk, make_form=_demote_form,
        run=lambda client, data: services.stage_demote(client=client, by=request.user,
                                                       reason=data["reason"],
                                                       lapsed=data.get("lapsed", ())),
        done=lambda client: _("%(name)s moved down to %(stage)s.") % {
            "name": client.called, "stage": services.current_stage(client).stage},
    )


def assessment_settings(request):
    """A manager sets how often their site's clients are re-assessed."""
    site, sites = manager_site(request)
    form = forms.AssessmentSettingsForm(request.POST or None,
                                        instance=AssessmentSettings.for_site(site.pk))
    if request.method == "POST" and form.is_valid():
        services.assessment_settings_update(site=site, by=request.user, **form.cleaned_data)
        messages.success(request, _("Assessment settings saved for %(site)s.") % {"site": site})
        return redirect(f"{reverse('stages:settings')}?site={site.pk}")
    return render(request, "site_settings_form.html", {
        "form": form, "site": site, "sites": sites, "title": _("Assessment settings")})


def register_tasks(request):
    """A manager names, for their site, the group whose register evidences a ladder task
    and the rate needed."""
    site, sites = manager_site(request)
    ladder = Ladder.objects.current()
    tasks = LadderTask.objects.filter(stage__ladder=ladder).select_related("stage")
    activities = Activity.objects.filter(site=site, is_archived=False)
    form = forms.RegisterTaskForm(request.POST or None, tasks=tasks, activities=activities)
    if request.method == "POST" and form.is_valid():
        try:
            services.register_task_save(site=site, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            add_error(form, error)
        else:
            messages.success(request, _("Saved: the ladder now counts the register for "
                                        "that task at %(site)s.") % {"site": site})
            return redirect(f"{reverse('stages:register_tasks')}?site={site.pk}")
    return render(request, "stages/register_tasks.html", {
        "site": site, "sites": sites, "form": form,
        "links": RegisterTask.objects.filter(site=site, task__stage__ladder=ladder)
        .select_related("task__stage", "activity")})


@not_a_client_page
@require_POST
def register_task_remove(request, pk):
    require_manager(request)
    link = get_object_or_404(RegisterTask.objects.filter(site__in=request.user.sites.all()),
                             pk=pk)
    services.register_task_remove(link=link, by=request.user)
    messages.success(request, _("The task is evidenced by hand again; evidence already made "
                                "stays."))
    return redirect(f"{reverse('stages:register_tasks')}?site={link.site_id}")


# Portfolio --------------------------------------------------------------------------------


@client_page()
def portfolio(request, pk):
    client = client_for(request, pk)
    form = forms.PortfolioForm(request.POST or None, request.FILES or None)
    if request.method == "POST":
        if client.is_archived:
            raise PermissionDenied
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.portfolio_add(client=client, by=request.user, file=data.get("file"),
                                       **{k: data[k] for k in
                                          ("kind", "on", "title", "text", "in_pdf")})
            except ValidationError as error:
                add_error(form, error)
            else:
                messages.success(request, _("Added to the portfolio."))
                return redirect("stages:portfolio", client.pk)
    return render(request, "stages/portfolio.html", {
        "client": client, "form": form, "items": client.portfolio.select_related("by"),
        "current": services.current_stage(client)})


@client_page()
@require_GET
def portfolio_pdf(request, pk):
    """The client's achievements, in plain words and large type, to take to interviews."""
    client = client_for(request, pk)
    today = timezone.localdate()
    assessments = _assessments(client)
    areas = list(NeedArea.objects.all())
    # ElementTree escapes every label and value it writes, so the SVG is markup we made.
    chart = radar_svg(assessments, areas) if assessments else None
    chart = mark_safe(chart) if chart else None
    pdf = render_pdf("stages/portfolio_pdf.html", {
        "client": client, "items": client.portfolio.filter(in_pdf=True),
        "current": services.current_stage(client),
        "history": client.stages.select_related("stage").order_by("started_on"),
        "latest": assessments[0] if assessments else None,
        "chart": chart, "figures": radar_table(assessments, areas),
        "today": today, "attendance": attendance_selectors.file_summary(client, today, 6),
        "days_in_year": attendance_selectors.days_attended(
            [client.pk], today - datetime.timedelta(days=364), today)[client.pk],
    })
    return pdf_response(pdf, f"portfolio-{client.reference}.pdf")


@client_page(download=True)
@require_GET
def portfolio_file(request, pk, item_pk):
    client = client_for(request, pk)
    return private_file_response(get_object_or_404(client.portfolio, pk=item_pk).file)


# What stages adds to the caseload and the client file -------------------------------------


def _load_column(user, clients):
    positions = selectors.ladder_positions(clients)
    initials = selectors.initial_assessments(clients)
    reassessments = selectors.reassessments(clients)
    return {c.pk: {"stage": positions[c.pk].current if c.pk in positions else None,
                   "promotion_due": c.pk in positions and positions[c.pk].promotion_due,
                   "initial": initials.get(c.pk),
                   "reassessment": reassessments.get(c.pk)}
            for c in clients}


def _file_section(request, client):
    assessments = list(selectors.current_stay_assessments(client)[:50])
    areas = list(NeedArea.objects.all())
    initial_on = next((a.assessed_on for a in assessments if a.kind == "initial"), None)
    position = selectors.ladder_position(client)
    return {
        "client": client,
        "latest": assessments[0] if assessments else None,
        "distance": services.distance_travelled(assessments, areas),
        "figures": radar_table(assessments, areas),
        "initial_state": selectors.initial_assessment_state(client, initial_on),
        "reassessment": selectors.reassessments([client]).get(client.pk),
        "current": position.current if position else None,
        "promotion_due": bool(position and position.promotion_due),
        "portfolio_count": client.portfolio.count(),
        "uses_ladder": client.site.uses_ladder,
    }


def _summary_section(request, client):
    current = services.current_stage(client)
    return {"current": current} if current else None


def register_extensions():
    extensions.register_stay_documents(selectors.assessments_of_stays)
    extensions.register_caseload_column(extensions.CaseloadColumn(
        key="stages", heading=gettext_lazy("Stage and assessment"),
        template="stages/includes/caseload_cell.html", load=_load_column, order=40))
    extensions.register_file_section(extensions.FileSection(
        key="stages", template="stages/includes/file_section.html", load=_file_section,
        order=20, column="side", nav=gettext_lazy("Progress"), anchor="progress-heading"))
    extensions.register_file_section(extensions.FileSection(
        key="stages-summary", template="stages/includes/summary_section.html",
        load=_summary_section, order=10, column="main", summary=True, full=False))

