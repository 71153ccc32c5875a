"""Agreements, support plans, signing, reviews, PDFs, agencies and referrals.

Permission: every page about a client goes through `clients.access.client_for` (or the
`*_for` helpers below, which ask clients.access about the client of a plan, agreement or
referral): 404 when the user may not know the client exists, 403 for site colleagues
who only see the summary. Plans are part of the full file only.
"""

import datetime

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Prefetch, prefetch_related_objects
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from clients import extensions
from clients import selectors as client_selectors
from clients.access import (
    Access,
    client_for,
    client_page,
    manager_site,
    not_a_client_page,
    require_client,
    require_manager,
    require_open,
)
from clients.models import Client, DocumentLanguage
from keywork.lib import dates
from keywork.lib.cache import cached_page
from keywork.lib.files import private_file_response
from keywork.lib.forms import add_error
from keywork.lib.pdf import pdf_response, render_pdf
from keywork.lib.sites import site_choice, sites_of
from plans import compare, documents, forms, selectors, services
from plans.models import (
    Action,
    Agency,
    Agreement,
    AgreementTemplate,
    Consent,
    DocumentAccess,
    Milestone,
    Plan,
    Referral,
    Review,
    ReviewItem,
    Signature,
)
from plans.models import digest as content_digest
from stages import selectors as stages_selectors

PAGE_SIZE = 25
# Not yet looked up (None is an answer: no keyworker).
_UNKNOWN = object()


# Permission helpers -----------------------------------------------------------------------


def _full_file(request, obj, client):
    """404 unless the client is at one of the user's sites; 403 without the full file."""
    require_client(request, client, Access.FULL)
    return obj


def _visible(queryset, request, client_path="client"):
    return queryset.filter(**{f"{client_path}__in": Client.objects.for_user(request.user)})


def plan_for(request, pk, queryset=None):
    # The plan by its pk alone: _full_file asks clients.access about its client (404 or
    # 403 as `_visible` would), and the same rule as a filter of the query cost every plan
    # page about 1.5 ms more to build and compile.
    queryset = queryset if queryset is not None else Plan.objects.select_related(
        "client", "client__site")
    plan = get_object_or_404(queryset, pk=pk)
    return _full_file(request, plan, plan.client)


def agreement_for(request, pk):
    agreement = get_object_or_404(
        _visible(Agreement.objects.select_related("client", "client__site"), request), pk=pk)
    return _full_file(request, agreement, agreement.client)


def referral_for(request, pk):
    referral = get_object_or_404(_visible(
        Referral.objects.select_related("client", "client__site", "agency"), request), pk=pk)
    return _full_file(request, referral, referral.client)


def _refuse(request, error, to):
    messages.error(request, " ".join(error.messages))
    return redirect(to)


def _require_draft(request, document):
    if not document.is_draft:
        messages.error(request, _("Version %(number)s is signed, so it can no longer change. "
                                  "Use “Change this plan” to start a new version from it.")
                       % {"number": document.number})
        return redirect(document)
    return require_open(request, document.client)


# The client file and the caseload ---------------------------------------------------------


def _file_section(request, client):
    versions = list(selectors.current_stay_plans(client))
    current = next((p for p in versions if p.is_current), None)
    manager_review = selectors.manager_review_of(client.pk)
    return {
        "client": client,
        "current": current,
        "review": selectors.plan_review(current) if current else None,
        "status": selectors.PlanStatus.of_versions(client, versions, manager_review is not None),
        "draft": next((p for p in versions if p.is_draft), None),
        "count": len(versions),
        "agreement": client.agreements.order_by("-number").first(),
        "manager_review": manager_review,
    }


def _referrals_section(request, client):
    return {"client": client, "referrals": client.referrals.select_related("agency")[:10]}


def _ending_section(request, client):
    """An ended stay: the closing summary and the ending letter for the client to keep (a
    referral closed before any admission has neither)."""
    if client.status not in Client.LEFT:
        return None
    return {"client": client}


def register_extensions():
    extensions.register_stay_documents(selectors.plans_of_stays)
    extensions.register_caseload_column(extensions.CaseloadColumn(
        key="plan", heading=gettext_lazy("Support plan"),
        template="plans/includes/caseload_cell.html",
        load=lambda user, clients: selectors.plan_statuses(clients), order=40))
    extensions.register_file_section(extensions.FileSection(
        key="plan", template="plans/includes/file_section.html", load=_file_section,
        order=20, nav=gettext_lazy("Plan"), anchor="plan-heading"))
    extensions.register_file_section(extensions.FileSection(
        key="referrals", template="plans/includes/referrals_section.html",
        load=_referrals_section, order=30, column="side", nav=gettext_lazy("Referrals"),
        anchor="referrals-heading"))
    extensions.register_file_section(extensions.FileSection(
        key="ending", template="plans/includes/ending_section.html", load=_ending_section,
        order=5, nav=gettext_lazy("Ending"), anchor="ending-heading"))


# Plans ------------------------------------------------------------------------------------


@client_page()
def client_plan(request, pk):
    """A client's plan: the version in force, else the draft, else how to start one (a
    returning client's plan is the one of their current stay)."""
    client = client_for(request, pk)
    versions = list(selectors.current_stay_plans(client))
    plan = next((p for p in versions if p.is_current), None) or next(iter(versions), None)
    if plan:
        return redirect(plan)
    return render(request, "plans/plan_start.html", {"client": client})


@client_page()
def plan_create(request, pk):
    client = client_for(request, pk)
    if response := require_open(request, client):
        return response
    if selectors.current_stay_plans(client).exists():
        return redirect("plans:client", pk=client.pk)
    today = timezone.localdate()
    weeks = AgreementTemplate.for_site(client.site).review_interval_weeks
    form = forms.PlanForm(request.POST or None, submit_label=_("Save and add goals"),
                          initial={"starts_on": today,
                                   "review_on": today + datetime.timedelta(weeks=weeks)})
    if request.method == "POST" and form.is_valid():
        data = {k: v for k, v in form.cleaned_data.items() if k != "lock_version"}
        try:
            plan = services.plan_start(client=client, by=request.user, **data)
        except ValidationError as error:
            add_error(form, error)
        else:
            messages.success(request, _("Draft plan started. Now add the client's goals."))
            if selectors.review_state(selectors.review_date(plan)) == "overdue":
                messages.warning(request, _(
                    "Its review date has passed: once signed, the plan shows as overdue "
                    "for review. Hold the review soon."))
            return redirect("plans:goal_add", pk=plan.pk)
    return render(request, "plans/plan_form.html", {
        "client": client, "form": form, "title": _("New support plan")})


@client_page("plans.Plan")
def plan_detail(request, pk):
    """A version of the plan. The page is kept in the cache until the data under it changes
    (keywork.lib.cache.cached_page); who printed it lately (plans_documentaccess, a table
    the cache does not watch: a print is a read) is read each time and keys the page."""
    plan = plan_for(request, pk, Plan.objects.select_related(
        "client", "client__site", "paper_original"))
    accesses = list(plan.accesses.select_related("by")[:5])

    def context():
        prefetch_related_objects([plan], Prefetch(
            "signatures", queryset=Signature.objects.select_related("recorded_by")))
        services.attach_content(plan)
        services.number_actions(plan)
        if plan.signed_at:
            # Reviews, the sessions that worked on the actions and the manager's review are
            # of a signed version: the page shows none of them on a draft, so a draft asks
            # none.
            prefetch_related_objects([plan], Prefetch(
                "reviews", queryset=Review.objects.select_related("by").prefetch_related(
                    Prefetch("items", queryset=ReviewItem.objects.select_related(
                        "action", "milestone")))))
            services.attach_action_sessions(plan)
        client = plan.client
        # The keyworker today: a draft prints them, a signed version compares them with the
        # one it was signed with, and they may record a paper signature. One query for all.
        keyworker = services.current_keyworker(client)
        digest = plan.digest(keyworker=keyworker)
        versions = list(services.client_plans(client))
        return {
            "plan": plan,
            "client": client,
            "changed_since_signing": services.signed_changes(plan, keyworker=keyworker),
            "signatures": services.valid_signatures(plan, digest),
            "void_signatures": [s for s in plan.signatures.all() if s.content_digest != digest],
            "roles": Signature.Role.choices,
            "versions": versions,
            "review": selectors.plan_review(plan),
            "manager": (selectors.version_manager_review(plan, versions) if plan.signed_at
                        else None),
            "is_manager": request.user.is_manager,
            "can_record_paper": plan.is_draft and _may_record_paper(request, plan, keyworker),
            "accesses": accesses,
            "outcomes": Action.Outcome.choices,
            "today": timezone.localdate(),
        }

    return cached_page(request, ["plan_detail", *(access.pk for access in accesses)],
                       "plans/plan_detail.html", context)


@client_page("plans.Plan")
def plan_edit(request, pk):
    plan = plan_for(request, pk)
    if response := _require_draft(request, plan):
        return response
    form = forms.PlanForm(request.POST or None, instance=plan, submit_label=_("Save"))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.plan_update(plan=plan, lock_version=data.pop("lock_version"),
                                 by=request.user, **data)
        except ValidationError as error:
            add_error(form, error)
        else:
            messages.success(request, _("Changes saved."))
            return redirect(plan)
    return render(request, "plans/plan_form.html", {
        "client": plan.client, "plan": plan, "form": form,
        "title": _("Edit version %(number)s") % {"number": plan.number}})


def _agencies_for(client):
    return selectors.agencies_for(client)


def _goal_page(request, plan, goal=None):
    agencies = _agencies_for(plan.client)
    if goal is not None:
        initial = {"text": goal.text, "lead_agency": goal.lead_agency_id,
                   "lead_details": goal.lead_details, "lock_version": plan.lock_version}
        action_initial = [{"id": a.pk, "what": a.what, "who": a.who, "agency": a.agency_id,
                           "due_on": a.due_on, "need": a.need_id} for a in goal.actions.all()]
        milestone_initial = [{"id": m.pk, "text": m.text, "target_on": m.target_on}
                             for m in goal.milestones.all()]
    else:
        initial = {"lock_version": plan.lock_version}
        action_initial, milestone_initial = [], []
    data = request.POST if request.method == "POST" else None
    form = forms.GoalForm(data, initial=initial, agencies=agencies)
    finished = {a.pk for a in (goal.actions.all() if goal else [])
                if a.outcome != Action.Outcome.OPEN}
    actions = forms.ActionFormSet(data, initial=action_initial, prefix="actions", form_kwargs={
        "agencies": agencies, "starts_on": plan.starts_on, "finished": finished})
    milestones = forms.MilestoneFormSet(data, initial=milestone_initial, prefix="milestones")
    if request.method == "POST":
        valid = form.is_valid() & actions.is_valid() & milestones.is_valid()
        if valid:
            data = form.cleaned_data
            try:
                services.goal_save(
                    plan=plan, goal=goal, lock_version=data["lock_version"], by=request.user,
                    text=data["text"], lead_agency=data["lead_agency"],
                    lead_details=data["lead_details"], actions=actions.rows(),
                    milestones=milestones.rows())
            except ValidationError as error:
                add_error(form, error)
            else:
                messages.success(request, _("Goal saved."))
                if "add_another" in request.POST:
                    return redirect("plans:goal_add", pk=plan.pk)
                return redirect(plan)
    return render(request, "plans/goal_form.html", {
        "plan": plan, "client": plan.client, "goal": goal, "form": form, "actions": actions,
        "milestones": milestones,
        "title": _("Change a goal") if goal else _("Add a goal"),
    })


@client_page("plans.Plan")
def goal_add(request, pk):
    plan = plan_for(request, pk)
    if response := _require_draft(request, plan):
        return response
    return _goal_page(request, plan)


@client_page("plans.Plan")
def goal_edit(request, pk, goal_pk):
    plan = plan_for(request, pk)
    if response := _require_draft(request, plan):
        return response
    goal = get_object_or_404(plan.goals.prefetch_related("actions", "milestones"), pk=goal_pk)
    return _goal_page(request, plan, goal)


@client_page("plans.Plan")
@require_POST
def goal_delete(request, pk, goal_pk):
    plan = plan_for(request, pk)
    if response := _require_draft(request, plan):
        return response
    goal = get_object_or_404(plan.goals.all(), pk=goal_pk)
    goal.plan = plan
    lock_version = request.POST.get("lock_version", "")
    try:
        services.goal_remove(goal=goal, by=request.user,
                             lock_version=int(lock_version) if lock_version.isdecimal() else -1)
    except ValidationError as error:
        return _refuse(request, error, plan)
    messages.success(request, _("Goal removed from the draft."))
    return redirect(plan)


def _signing_page(request, document, *, sign, template, context):
    """The sign page of a plan or an agreement: one form for the client, one for a worker.
    It shows everything the signatures cover (`printed`) and their digest."""
    printed = document.printed()
    digest = content_digest(printed)
    valid = services.valid_signatures(document, digest)
    posted = request.POST.get("signing") if request.method == "POST" else None
    signing_forms = {}
    for role in Signature.Role.values:
        if role in valid:
            continue
        initial = {"content_digest": digest,
                   "name": (document.client.display_name if role == Signature.Role.CLIENT
                            else request.user.get_full_name() or request.user.username)}
        signing_forms[role] = forms.SignatureForm(
            request.POST if posted == role else None, prefix=role, role=role, initial=initial)
    if posted in signing_forms and signing_forms[posted].is_valid():
        data = signing_forms[posted].cleaned_data
        try:
            sign(signer=request.user, role=posted, method=data["method"],
                 content_digest=data["content_digest"], name=data["name"],
                 image=data["image"], agreed_in_person=data["agreed_in_person"],
                 declined_reason=data["declined_reason"])
        except ValidationError as error:
            add_error(signing_forms[posted], error)
        else:
            document.refresh_from_db()
            if document.signed_at:
                messages.success(request, _("Both have signed: version %(number)s is now in "
                                            "force.") % {"number": document.number})
                return redirect(document)
            messages.success(request, _("Signature saved."))
            return redirect(request.path)
    return render(request, template, {
        **context, "client": document.client, "printed": printed, "digest": digest,
        "valid": valid,
        "roles": Signature.Role.choices,
        "signing_forms": [(role, Signature.Role(role).label, form)
                          for role, form in signing_forms.items()],
    })


@client_page("plans.Plan")
def plan_sign(request, pk):
    plan = plan_for(request, pk, Plan.objects.select_related(
        "client", "client__site").prefetch_related("signatures"))
    if plan.signed_at:
        messages.info(request, _("Version %(number)s is already signed by both.")
                      % {"number": plan.number})
        return redirect(plan)
    if response := require_open(request, plan.client):
        return response
    services.number_actions(services.attach_content(plan))
    problems = services.signing_problems(plan)

    def sign(**kwargs):
        services.plan_sign(plan=plan, **kwargs)

    return _signing_page(request, plan, sign=sign, template="plans/plan_sign.html", context={
        "plan": plan, "problems": problems})


def _may_record_paper(request, plan, keyworker=_UNKNOWN):
    """A signed paper plan is recorded by a manager of the site or the client's keyworker
    (`keyworker`: theirs today, if already known)."""
    if request.user.manages(plan.client.site_id):
        return True
    if keyworker is _UNKNOWN:
        keyworker = services.current_keyworker(plan.client)
    return keyworker == request.user


def _paper_signer(request, plan):
    if not _may_record_paper(request, plan):
        raise PermissionDenied


@client_page("plans.Plan")
def plan_paper_sign(request, pk):
    plan = plan_for(request, pk)
    _paper_signer(request, plan)
    if plan.signed_at:
        messages.info(request, _("Version %(number)s is already signed by both.")
                      % {"number": plan.number})
        return redirect(plan)
    if response := require_open(request, plan.client):
        return response
    form = forms.PaperSignForm(request.POST or None, request.FILES or None,
                               initial={"client_name": plan.client.display_name,
                                        "signed_on": plan.starts_on})
    if request.method == "POST" and form.is_valid():
        try:
            services.plan_paper_sign(plan=plan, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            add_error(form, error)
        else:
            messages.success(request, _("Version %(number)s is recorded as signed on paper; "
                                        "the scan is kept as the signed original.")
                             % {"number": plan.number})
            return redirect(plan)
    return render(request, "plans/plan_paper_sign.html", {
        "plan": plan, "client": plan.client, "form": form})


@client_page("plans.Plan", download=True)
@require_GET
def plan_paper_file(request, pk):
    plan = plan_for(request, pk, Plan.objects.select_related("client", "client__site",
                                                            "paper_original"))
    original = getattr(plan, "paper_original", None)
    if original is None:
        raise Http404
    services.document_access_log(client=plan.client, document=DocumentAccess.Document.PAPER,
                                 by=request.user, plan=plan)
    return private_file_response(original.file)


@client_page("plans.Plan")
@require_POST
def plan_revise(request, pk):
    plan = plan_for(request, pk)
    try:
        draft = services.plan_revise(plan=plan, by=request.user)
    except ValidationError as error:
        if draft := plan.client.plans.drafts().first():
            messages.info(request, " ".join(error.messages))
            return redirect(draft)
        return _refuse(request, error, plan)
    messages.success(request, _("Version %(number)s started as a draft from the signed plan. "
                                "Change what needs changing, then sign it together.")
                     % {"number": draft.number})
    return redirect(draft)


@client_page("plans.Plan")
def plan_compare(request, pk):
    plan = plan_for(request, pk)
    versions = services.client_plans(plan.client)
    other_pk = request.GET.get("with", "")
    if other_pk:
        if not other_pk.isdecimal():
            raise Http404
        other = get_object_or_404(plan.client.plans.all(), pk=other_pk)
    else:
        other = plan.client.plans.filter(number__lt=plan.number).order_by("-number").first()
    if other is None:
        messages.info(request, _("This is the first version: there is nothing to compare it "
                                 "with yet."))
        return redirect(plan)
    old, new = sorted([other, plan], key=lambda p: p.number)
    for version in (old, new):
        if version.signed_content is None:  # a signed version compares its snapshot
            services.attach_content(version)
    return render(request, "plans/plan_compare.html", {
        "plan": plan, "client": plan.client, "old": old, "new": new, "versions": versions,
        "changes": compare.plan_changes(old, new),
    })


@client_page("plans.Plan")
def plan_review(request, pk):
    plan = plan_for(request, pk, services.with_content(Plan.objects))
    if response := require_open(request, plan.client):
        return response
    if not plan.is_current:
        messages.error(request, _("Reviews are recorded on the plan in force."))
        return redirect(plan)
    weeks = AgreementTemplate.for_site(plan.client.site).review_interval_weeks
    goals = list(plan.goals.all())
    form = forms.ReviewForm(request.POST or None, plan=plan, goals=goals, initial={
        "next_review_on": timezone.localdate() + datetime.timedelta(weeks=weeks)})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            _review, draft = services.review_record(
                plan=plan, by=request.user, held_on=data["held_on"],
                client_view=data["client_view"], notes=data["notes"],
                decision=data["decision"], next_review_on=data["next_review_on"],
                progress=form.progress(), reached=form.reached(), rating=data["rating"])
        except ValidationError as error:
            add_error(form, error)
        else:
            if draft:
                messages.success(request, _("Review saved. Version %(number)s is open as a "
                                            "draft: change what needs changing, then sign it "
                                            "together.") % {"number": draft.number})
                return redirect(draft)
            messages.success(request, _("Review saved. Next review: %(day)s.") % {
                "day": dates.format_day(data["next_review_on"])})
            return redirect(plan)
    return render(request, "plans/review_form.html", {
        "plan": plan, "client": plan.client, "form": form})


@client_page("plans.Plan")
def manager_review(request, pk):
    plan = plan_for(request, pk, services.with_content(Plan.objects))
    require_manager(request, plan.client.site_id)
    if response := require_open(request, plan.client):
        return response
    services.number_actions(plan)
    done = selectors.manager_review_of(plan.client_id)
    form = forms.ManagerReviewForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.manager_review_sign(plan=plan, by=request.user,
                                         comments=form.cleaned_data["comments"])
        except ValidationError as error:
            add_error(form, error)
        else:
            messages.success(request, _("Plan review signed off."))
            return redirect(plan)
    return render(request, "plans/manager_review_form.html", {
        "plan": plan, "client": plan.client, "form": form, "done": done,
        "window": selectors.manager_review_window(plan.client),
        "keyworker": services.current_keyworker(plan.client),
        "today": timezone.localdate()})


@client_page("plans.Action")
@require_POST
def action_progress(request, pk):
    action = get_object_or_404(_visible(
        Action.objects.select_related("goal__plan__client__site"), request,
        "goal__plan__client"), pk=pk)
    plan = _full_file(request, action.goal.plan, action.goal.plan.client)
    form = forms.ActionProgressForm(request.POST)
    if form.is_valid():
        try:
            services.action_progress(action=action, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("Progress saved: “%(what)s”.") % {
                "what": services.shorten(action.what)})
    else:
        messages.error(request, _("Choose how the action went."))
    return redirect(f"{plan.get_absolute_url()}#action-{action.pk}")


@client_page("plans.Milestone")
@require_POST
def milestone_reached(request, pk):
    milestone = get_object_or_404(_visible(
        Milestone.objects.select_related("goal__plan__client__site"), request,
        "goal__plan__client"), pk=pk)
    plan = _full_file(request, milestone.goal.plan, milestone.goal.plan.client)
    form = forms.MilestoneReachedForm(request.POST)
    if form.is_valid():
        try:
            services.milestone_reach(milestone=milestone, by=request.user,
                                     reached_on=form.cleaned_data["reached_on"])
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("Milestone saved."))
    else:
        messages.error(request, _("Give the date as day, month and year."))
    return redirect(f"{plan.get_absolute_url()}#milestone-{milestone.pk}")


def review_list(request):
    """A manager's list of plans needing attention at one of their sites."""
    site, sites = manager_site(request)
    form = forms.ReviewListForm(request.GET or None)
    show = form.cleaned_data["show"] if form.is_valid() else "all"
    page = Paginator(selectors.needing_attention_ids(site, show or "all"),
                     PAGE_SIZE).get_page(request.GET.get("page"))
    page.object_list = selectors.attention_rows(page.object_list)
    query_string = request.GET.copy()
    query_string.pop("page", None)
    return render(request, "plans/review_list.html", {
        "site": site, "sites": sites, "form": form, "page": page,
        "query_string": query_string.urlencode(), "today": timezone.localdate()})


@client_page("plans.Plan")
def plan_pdf(request, pk):
    plan = plan_for(request, pk, services.with_content(Plan.objects).prefetch_related(
        "signatures"))
    services.document_access_log(client=plan.client, document=DocumentAccess.Document.PLAN,
                                 by=request.user, plan=plan)
    version = documents.version_for(plan.client, request.GET)
    pdf = documents.document_pdf(documents.PLAN, plan, version, request=request)
    return pdf_response(pdf, f"{plan.client.reference}-support-plan-v{plan.number}"
                             f"{_version_suffix(version)}.pdf")


def _version_suffix(version):
    """What a file name adds for a version other than standard English."""
    return (f"-{version.language}" if version.language != DocumentLanguage.ENGLISH else ""
            ) + ("-easy-read" if version.easy else "")


# Keywork agreements -----------------------------------------------------------------------


@client_page()
def client_agreement(request, pk):
    """The client's agreement (newest version); if none yet, prepare one from the site's text."""
    client = client_for(request, pk)
    latest = client.agreements.order_by("-number").first()
    if latest and request.method != "POST":
        current = client.agreements.filter(signed_at__isnull=False,
                                           superseded_at__isnull=True).first()
        return redirect(current or latest)
    if request.method == "POST":
        if response := require_open(request, client):
            return response
        try:
            agreement = services.agreement_prepare(client=client, by=request.user)
        except ValidationError as error:
            return _refuse(request, error, latest or client)
        messages.success(request, _("Agreement prepared from the site's text. Adapt it with "
                                    "the client if needed, then sign it together."))
        return redirect(agreement)
    template = AgreementTemplate.for_site(client.site)
    return render(request, "plans/agreement_start.html", {
        "client": client, "template": template})


@client_page("plans.Agreement")
def agreement_detail(request, pk):
    agreement = agreement_for(request, pk)
    digest = agreement.digest()
    signatures = list(agreement.signatures.select_related("recorded_by"))
    return render(request, "plans/agreement_detail.html", {
        "agreement": agreement, "client": agreement.client,
        "changed_since_signing": services.signed_changes(agreement),
        "signatures": {s.role: s for s in signatures if s.content_digest == digest},
        "void_signatures": [s for s in signatures if s.content_digest != digest],
        "roles": Signature.Role.choices,
        "versions": agreement.client.agreements.order_by("-number"),
    })


@client_page("plans.Agreement")
def agreement_edit(request, pk):
    agreement = agreement_for(request, pk)
    if response := _require_draft(request, agreement):
        return response
    form = forms.AgreementForm(request.POST or None, instance=agreement)
    if request.method == "POST" and form.is_valid():
        data = {name: form.cleaned_data[name] for name in forms.AgreementForm.Meta.fields}
        fresh = Agreement.objects.select_related("client").get(pk=agreement.pk)
        try:
            services.agreement_update(agreement=fresh, by=request.user,
                                      lock_version=form.cleaned_data["lock_version"], **data)
        except ValidationError as error:
            add_error(form, error)
        else:
            messages.success(request, _("Changes saved."))
            return redirect(fresh)
    return render(request, "plans/agreement_form.html", {
        "agreement": agreement, "client": agreement.client, "form": form})


@client_page("plans.Agreement")
def agreement_sign(request, pk):
    agreement = agreement_for(request, pk)
    if agreement.signed_at:
        messages.info(request, _("This agreement is already signed by both."))
        return redirect(agreement)
    if response := require_open(request, agreement.client):
        return response

    def sign(**kwargs):
        services.agreement_sign(agreement=agreement, **kwargs)

    return _signing_page(request, agreement, sign=sign, template="plans/agreement_sign.html",
                         context={"agreement": agreement})


@client_page("plans.Agreement")
@require_POST
def agreement_revise(request, pk):
    agreement = agreement_for(request, pk)
    try:
        draft = services.agreement_revise(agreement=agreement, by=request.user)
    except ValidationError as error:
        return _refuse(request, error, agreement)
    messages.success(request, _("Version %(number)s started as a draft: change it, then sign "
                                "it together.") % {"number": draft.number})
    return redirect("plans:agreement_edit", pk=draft.pk)


@client_page("plans.Agreement")
def agreement_pdf(request, pk):
    agreement = agreement_for(request, pk)
    services.document_access_log(client=agreement.client, by=request.user,
                                 document=DocumentAccess.Document.AGREEMENT,
                                 agreement=agreement)
    version = documents.version_for(agreement.client, request.GET)
    pdf = documents.document_pdf(documents.AGREEMENT, agreement, version, request=request)
    return pdf_response(pdf, f"{agreement.client.reference}-keywork-agreement-"
                             f"v{agreement.number}{_version_suffix(version)}.pdf")


@client_page()
def sheet_pdf(request, pk):
    """The one-page "my keywork" sheet: the six things every client should know."""
    client = client_for(request, pk)
    version = documents.version_for(client, request.GET)
    pdf = documents.document_pdf(documents.SHEET, client, version, request=request)
    services.document_access_log(client=client, document=DocumentAccess.Document.SHEET,
                                 by=request.user, plan=documents.client_plan(client))
    return pdf_response(pdf, f"{client.reference}-my-keywork{_version_suffix(version)}.pdf")


@client_page()
def client_documents(request, pk):
    """The client's three documents in the version staff pick (the client's own choice
    first), one of them shown on the page as it prints, with its PDF a click away."""
    client = client_for(request, pk)

    def context():
        version = documents.version_for(client, request.GET)
        kind = request.GET.get("document")
        plan = documents.client_plan(client)
        agreement = documents.client_agreement(client)
        records = {documents.SHEET: client, documents.AGREEMENT: agreement,
                   documents.PLAN: plan}
        query = version.query()
        links = [
            {"kind": documents.SHEET, "label": _("“My keywork” sheet"),
             "pdf": f"{reverse('plans:sheet_pdf', args=[client.pk])}?{query}"},
            {"kind": documents.AGREEMENT, "label": _("Keywork agreement"),
             "pdf": f"{reverse('plans:agreement_pdf', args=[agreement.pk])}?{query}"
             if agreement else None},
            {"kind": documents.PLAN, "label": _("Support plan"),
             "pdf": f"{reverse('plans:pdf', args=[plan.pk])}?{query}" if plan else None},
        ]
        if kind not in documents.KINDS or records[kind] is None:
            kind = documents.SHEET
        form = forms.DocumentVersionForm(document=kind, initial={
            "language": version.language,
            "version": documents.EASY if version.easy else documents.STANDARD})
        if kind == documents.PLAN:
            prefetch_related_objects([plan], "signatures")
        shown = documents.document_html(kind, records[kind], version, request=request)
        return {"client": client, "form": form, "version": version, "links": links,
                "kind": kind, "query": query, "document": shown}

    # Kept until the data changes (the version and the document shown are in the path).
    return cached_page(request, ["client_documents"], "plans/client_documents.html", context)


@client_page()
def ending_letter_pdf(request, pk):
    """The letter a client keeps when their stay ends: their time with the service, their
    keyworker, what they achieved (each from its selector), the closing summary written
    with them, where they are going, and how to come back."""
    client = client_for(request, pk)
    if client.status not in Client.LEFT:
        raise Http404
    plan = selectors.plan_of_stay(client)
    position = stages_selectors.ladder_position(client)
    pdf = render_pdf("plans/pdf/ending_letter.html", {
        "client": client, "site": client.site,
        "keyworker": client_selectors.last_keyworker(client),
        "plan": plan, "to_do": selectors.plan_to_do(plan) if plan else None,
        "stage": position.current.stage if position else None,
        "today": timezone.localdate(),
    }, request=request)
    return pdf_response(pdf, f"{client.reference}-ending-letter.pdf")


def agreement_template(request):
    site, sites = manager_site(request)
    template = AgreementTemplate.for_site(site)
    form = forms.AgreementTemplateForm(request.POST or None, instance=template)
    if request.method == "POST" and form.is_valid():
        data = {name: form.cleaned_data[name] for name in form.Meta.fields}
        fresh = AgreementTemplate.objects.get(pk=template.pk)
        try:
            services.agreement_template_update(template=fresh, by=request.user, **data)
        except ValidationError as error:
            add_error(form, error)
        else:
            messages.success(request, _("The agreement text of %(site)s is saved. Agreements "
                                        "prepared from now on use it.") % {"site": site})
            return redirect(f"{reverse('plans:agreement_template')}?site={site.pk}")
    return render(request, "plans/agreement_template_form.html", {
        "site": site, "sites": sites, "form": form,
        "placeholders": AgreementTemplate.PLACEHOLDERS})


# Agencies and referrals -------------------------------------------------------------------


def agency_list(request):
    user = request.user
    if not (user.is_manager or user.is_keyworker):
        raise PermissionDenied
    sites = sites_of(user)
    site = site_choice(request, sites)
    agencies = Agency.objects.for_user(user).filter(site=site)
    return render(request, "plans/agency_list.html", {
        "site": site, "sites": sites, "agencies": agencies, "is_manager": user.is_manager})


def agency_create(request):
    site, _sites = manager_site(request)
    form = forms.AgencyForm(request.POST or None, instance=Agency(site=site))
    if request.method == "POST" and form.is_valid():
        agency = form.save()
        messages.success(request, _("%(name)s added to the agencies of %(site)s.")
                         % {"name": agency, "site": site})
        return redirect(f"{reverse('plans:agencies')}?site={site.pk}")
    return render(request, "plans/agency_form.html", {
        "form": form, "site": site, "title": _("New agency")})


@not_a_client_page
def agency_edit(request, pk):
    require_manager(request)
    agency = get_object_or_404(Agency.objects.for_user(request.user), pk=pk)
    form = forms.AgencyForm(request.POST or None, instance=agency)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("Changes saved."))
        return redirect(f"{reverse('plans:agencies')}?site={agency.site_id}")
    return render(request, "plans/agency_form.html", {
        "form": form, "site": agency.site, "title": agency.name})


@client_page()
def referral_create(request, pk):
    client = client_for(request, pk)
    if response := require_open(request, client):
        return response
    form = forms.ReferralForm(request.POST or None, agencies=_agencies_for(client))
    if request.method == "POST" and form.is_valid():
        try:
            referral = services.referral_make(client=client, by=request.user,
                                              **form.service_fields())
        except ValidationError as error:
            add_error(form, error, field_for=form.FIELD_FOR)
        else:
            if referral.consent_id:
                messages.success(request, _("Referral saved, on the client's consent to share "
                                            "with %(whom)s.")
                                 % {"whom": referral.consent.with_whom})
            else:
                messages.success(request, _("Referral saved, shared without consent: "
                                            "%(reason)s.")
                                 % {"reason": referral.get_shared_without_display()})
            return redirect(client)
    return render(request, "plans/referral_form.html", {
        "client": client, "form": form, "title": _("Refer to an agency"),
        "consents": selectors.consents_in_force(client)})


@client_page("plans.Referral")
def referral_edit(request, pk):
    referral = referral_for(request, pk)
    if response := require_open(request, referral.client):
        return response
    form = forms.ReferralOutcomeForm(request.POST or None, initial={
        "outcome": referral.outcome, "outcome_note": referral.outcome_note,
        "follow_up_on": referral.follow_up_on})
    if request.method == "POST" and form.is_valid():
        try:
            services.referral_update(referral=referral, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            add_error(form, error)
        else:
            messages.success(request, _("Referral updated."))
            return redirect(referral.client)
    return render(request, "plans/referral_form.html", {
        "client": referral.client, "form": form, "referral": referral,
        "title": _("Referral to %(agency)s") % {"agency": referral.agency}})


# Consent to share -------------------------------------------------------------------------


def consent_for_page(request, pk):
    consent = get_object_or_404(_visible(
        Consent.objects.select_related("client", "client__site", "agency"), request), pk=pk)
    return _full_file(request, consent, consent.client)


@client_page()
def consent_list(request, pk):
    client = client_for(request, pk)
    page = Paginator(selectors.consents_of(client), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "plans/consent_list.html", {"client": client, "page": page})


@client_page()
def consent_create(request, pk):
    client = client_for(request, pk)
    if response := require_open(request, client):
        return response
    form = forms.ConsentForm(request.POST or None, agencies=_agencies_for(client))
    if request.method == "POST" and form.is_valid():
        try:
            consent = services.consent_record(client=client, by=request.user,
                                              **form.cleaned_data)
        except ValidationError as error:
            add_error(form, error)
        else:
            messages.success(request, _("Consent to share with %(whom)s recorded until "
                                        "%(day)s.") % {"whom": consent.with_whom,
                                                       "day": dates.format_day(consent.expires_on)})
            return redirect("plans:consents", client.pk)
    return render(request, "plans/consent_form.html", {
        "client": client, "form": form, "title": _("Record consent to share")})


@client_page("plans.Consent")
def consent_withdraw(request, pk):
    consent = consent_for_page(request, pk)
    client = consent.client
    if response := require_open(request, client):
        return response
    if consent.withdrawn_on is not None:
        messages.error(request, _("This consent was already withdrawn."))
        return redirect("plans:consents", client.pk)
    form = forms.ConsentWithdrawForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.consent_withdraw(consent=consent, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            add_error(form, error)
        else:
            messages.success(request, _("Consent to share with %(whom)s withdrawn.")
                             % {"whom": consent.with_whom})
            return redirect("plans:consents", client.pk)
    return render(request, "plans/consent_form.html", {
        "client": client, "form": form, "consent": consent,
        "title": _("Withdraw consent to share with %(whom)s") % {"whom": consent.with_whom}})
