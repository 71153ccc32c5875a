"""Every write to agreements, plans, signatures, reviews and referrals goes through here.

Each service is keyword-only, atomic, validates before it saves and raises ValidationError
with a message a person can act on. Services that change what a draft says take the
`lock_version` the form was opened at and refuse the save if someone else saved in between
(`keywork.lib.stale`), so the second of two people editing one draft keeps their text on screen.
"""

import datetime
import re

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max, Prefetch
from django.utils import timezone
from django.utils.translation import gettext as _
from simple_history.utils import bulk_create_with_history

from clients.models import Client
from clients.selectors import in_current_stay
from keywork.lib.cache import cached
from keywork.lib.dates import format_day, start_of_day
from keywork.lib.files import validate_document
from keywork.lib.stale import StaleEdit, version_claim
from plans import hooks, selectors
from plans.models import (
    Action,
    Agreement,
    AgreementTemplate,
    Consent,
    DocumentAccess,
    Goal,
    ManagerReview,
    Milestone,
    PaperOriginal,
    Plan,
    Referral,
    Review,
    ReviewItem,
    Signature,
    digest,
    keyworker_of,
)


def shorten(text, length=40):
    text = " ".join(text.split())
    return text if len(text) <= length else text[: length - 1] + "…"


# Reading ----------------------------------------------------------------------------------


def with_content(plans):
    """Plans with goals, actions and milestones prefetched: a whole plan in 3 more queries."""
    return plans.select_related("client", "client__site").prefetch_related(
        Prefetch("goals", queryset=Goal.objects.select_related("lead_agency")),
        "goals__actions",
        "goals__milestones",
    )


def attach_content(plan):
    """Give `plan` its goals with their actions and milestones, as `with_content` would,
    from the cache while the data stays the same (`keywork.lib.cache.cached`): the plan
    pages read a version's whole content on every request, three queries that a change
    anywhere makes them read afresh. Call it once the user may see the plan."""
    goals = cached(("plan-goals", plan.pk), lambda: _goals_of(plan.pk))
    for goal in goals:
        goal.plan = plan
    plan._prefetched_objects_cache = {
        **getattr(plan, "_prefetched_objects_cache", {}), "goals": goals}
    return plan


def _goals_of(plan_pk):
    goals = Goal.objects.filter(plan_id=plan_pk).select_related("lead_agency").prefetch_related(
        "actions", "milestones")
    goals._fetch_all()
    return goals


def plan_with_content(plan):
    return with_content(Plan.objects.filter(pk=plan.pk)).get()


def number_actions(plan):
    """Number the actions 1, 2, 3... across goals, as the paper form's "weekly action 1"."""
    number = 0
    for goal in plan.goals.all():
        for action in goal.actions.all():
            number += 1
            action.number = number
    return plan


def attach_action_sessions(plan):
    """Give each action of `plan` (content prefetched) `sessions`: the keywork sessions
    that worked on it ([hooks.ActionWork], oldest first, from whichever app knows them:
    the diary). One query for the whole plan, kept in the cache while the data stays the
    same (they are names, dates and addresses: `hooks.ActionWork`)."""
    actions = [action for goal in plan.goals.all() for action in goal.actions.all()]
    keys = sorted({action.key for action in actions})
    work = cached(("plan-action-sessions", plan.client_id, tuple(keys)),
                  lambda: hooks.sessions_on_actions(plan.client_id, set(keys)))
    for action in actions:
        action.sessions = work.get(str(action.key), [])
    return plan


def _read_dates(value, key=""):
    """A snapshot with its ISO dates (the keys ending in _on) read back as dates."""
    if isinstance(value, dict):
        return {k: _read_dates(v, k) for k, v in value.items()}
    if isinstance(value, list):
        return [_read_dates(item) for item in value]
    if key.endswith("_on") and value:
        return datetime.date.fromisoformat(value)
    return value


def plan_printout(plan, printed):
    """What the plan PDF prints: `printed` (`plan.printed()`: a signed version's snapshot,
    a draft's live content) with dates, actions numbered 1, 2, 3... and who does each
    named; beside it, matched by key, the progress recorded since (an action done, a
    milestone reached), which is not part of what was signed. `plan` comes with its
    content prefetched."""
    doc = _read_dates(printed)
    actions = {str(a.key): a for goal in plan.goals.all() for a in goal.actions.all()}
    milestones = {str(m.key): m for goal in plan.goals.all() for m in goal.milestones.all()}
    number = 0
    for goal in doc["goals"]:
        for action in goal["actions"]:
            number += 1
            live = actions.get(action["key"])
            action["number"] = number
            action["who_label"] = (action["agency"] if action["who"] == Action.Who.AGENCY
                                   else Action.Who(action["who"]).label)
            action["done"] = live is not None and live.outcome == Action.Outcome.DONE
        for milestone in goal["milestones"]:
            live = milestones.get(milestone["key"])
            milestone["reached_on"] = live.reached_on if live else None
    return doc


def signed_changes(document, **live):
    """What the live records now tell differently from what a signed version prints, as
    sentences for its page (empty for a draft or when nothing changed). The signatures
    still count: they cover the snapshot, which the version keeps printing. `live` goes
    to `content()` (the keyworker, if already known)."""
    changed = {key: {"then": then or "—", "now": now or "—"}
               for key, then, now in document.changed_since_signing(**live)}
    if "keyworker" in changed:
        changed.pop("keyworker_phone", None)  # a new keyworker has their own number
    sentences = []
    for key, sentence in (
        ("client", _("Signed as “%(then)s”; the name has since changed to “%(now)s”.")),
        ("reference", _("Signed under reference %(then)s; the reference is now %(now)s.")),
        ("site", _("Signed at %(then)s; the site is now called %(now)s.")),
        ("site_phone", _("Signed with the site's number %(then)s; it is now %(now)s.")),
        ("keyworker", _("Signed with %(then)s as keyworker; the keyworker is now %(now)s.")),
        ("keyworker_phone", _("Signed with the keyworker's number %(then)s; it is now "
                              "%(now)s.")),
    ):
        if key in changed:
            sentences.append(sentence % changed.pop(key))
    if changed:
        sentences.append(_("The text in the records differs from what was signed."))
    return sentences


def valid_signatures(document, content_digest):
    """The signatures that still match the document's content, by role."""
    return {s.role: s for s in document.signatures.all() if s.content_digest == content_digest}


def client_plans(client):
    """Every version of a client's plan, newest first (no content)."""
    return Plan.objects.filter(client=client).select_related("created_by").order_by("-number")


def current_keyworker(client):
    return keyworker_of(client)


# Agreements -------------------------------------------------------------------------------


def fill_placeholders(text, values):
    """Put the client's details into the site's text: only the known {placeholders}."""
    return re.sub(r"\{(\w+)\}", lambda m: values.get(m.group(1), m.group(0)), text)


def agreement_values(client):
    keyworker = current_keyworker(client)
    site = client.site
    return {
        "client": client.called,
        "keyworker": str(keyworker) if keyworker else _("your keyworker"),
        "keyworker_phone": (keyworker.phone if keyworker and keyworker.phone
                            else site.phone or _("the site's number")),
        "site": site.name,
        "site_phone": site.phone or _("the site's number"),
    }


@transaction.atomic
def agreement_template_update(*, template, by, **fields):
    """Change a site's agreement text. Agreements already prepared keep their own text."""
    for name, value in fields.items():
        setattr(template, name, value)
    template.full_clean()
    template.save()
    return template


def _check_client_open(client):
    if client.is_archived:
        raise ValidationError(_("This client has left; their record is archived and "
                                "read-only."))
    if client.status == Client.Status.REFERRED:
        raise ValidationError(_("Admit the client before writing their agreement or plan."))


@transaction.atomic
def agreement_prepare(*, client, by):
    """The client's first keywork agreement, filled from the site's text, as a draft."""
    _check_client_open(client)
    Client.objects.select_for_update().get(pk=client.pk)
    if client.agreements.exists():
        raise ValidationError(_("This client already has a keywork agreement. Open it, and "
                                "change it from there if needed."))
    template = AgreementTemplate.for_site(client.site)
    values = agreement_values(client)
    agreement = Agreement(
        client=client, number=1, created_by=by,
        **{field: fill_placeholders(getattr(template, field), values)
           for field in ("sessions", "can_expect", "expected_of_client", "confidentiality")})
    agreement.full_clean()
    agreement.save()
    return agreement


def _lock_draft(document, lock_version):
    """Lock the draft's row and claim the next lock_version, or explain why not."""
    try:
        fresh = version_claim(type(document).objects, document.pk, lock_version,
                              field="lock_version")
    except StaleEdit as error:
        fresh = error.current
        if not fresh.signed_at:
            raise
    if fresh.signed_at:
        raise ValidationError(_(
            "Version %(number)s is signed, so it can no longer change. Start a new version "
            "from it instead.") % {"number": fresh.number})
    document.lock_version = fresh.lock_version
    return fresh


@transaction.atomic
def agreement_update(*, agreement, lock_version, by, **fields):
    """Adapt a draft agreement's text for this client."""
    _check_client_open(agreement.client)
    _lock_draft(agreement, lock_version)
    for name, value in fields.items():
        setattr(agreement, name, value)
    agreement.full_clean()
    agreement.save()
    return agreement


@transaction.atomic
def agreement_revise(*, agreement, by):
    """A new draft agreement from the signed one (the signed one stays in force until then)."""
    _check_client_open(agreement.client)
    if agreement.is_draft:
        raise ValidationError(_("This agreement is still a draft: change it directly."))
    if not agreement.is_current:
        raise ValidationError(_("A newer agreement replaced this one; change that instead."))
    if draft := agreement.client.agreements.filter(signed_at__isnull=True).first():
        raise ValidationError(_("Version %(number)s is already open as a draft: carry on "
                                "with it.") % {"number": draft.number})
    number = agreement.client.agreements.aggregate(n=Max("number"))["n"] + 1
    draft = Agreement(client=agreement.client, number=number, created_by=by,
                      sessions=agreement.sessions, can_expect=agreement.can_expect,
                      expected_of_client=agreement.expected_of_client,
                      confidentiality=agreement.confidentiality)
    draft.full_clean()
    draft.save()
    return draft


# Signing ----------------------------------------------------------------------------------


def _record_signature(*, document, signer, role, method, content_digest, name, image,
                      agreed_in_person, declined_reason, current_digest):
    """Check and save one signature; return the signatures now valid, by role."""
    if content_digest != current_digest:
        raise ValidationError(_(
            "The text changed after you opened this page, so this signature was not saved. "
            "Read the document again with the client, then sign."))
    if role not in Signature.Role.values:
        raise ValidationError(_("Say who is signing: the client or the worker."))
    valid = valid_signatures(document, current_digest)
    if role in valid:
        raise ValidationError(
            _("The client has already signed this version.") if role == Signature.Role.CLIENT
            else _("A worker has already signed this version."))
    if method == Signature.Method.DECLINED and role != Signature.Role.CLIENT:
        raise ValidationError(_("Only the client can decline to sign."))
    if method == Signature.Method.DECLINED and not declined_reason.strip():
        raise ValidationError({"declined_reason": _(
            "Write down why the client declined: it is kept with the plan.")})
    if method == Signature.Method.DRAWN and not image:
        raise ValidationError({"image": _("Draw the signature in the box first.")})
    if (method == Signature.Method.TYPED and role == Signature.Role.CLIENT
            and not agreed_in_person):
        raise ValidationError({"agreed_in_person": _(
            "Tick the box to confirm the client agreed in person, or let them draw their "
            "signature.")})
    if method != Signature.Method.DECLINED and not name.strip():
        raise ValidationError({"name": _("Type the name of the person signing.")})
    signature = Signature(
        role=role, method=method, name=name.strip() or document.client.display_name,
        image=image if method == Signature.Method.DRAWN else b"",
        agreed_in_person=agreed_in_person and method == Signature.Method.TYPED,
        declined_reason=declined_reason.strip() if method == Signature.Method.DECLINED else "",
        content_digest=current_digest, recorded_by=signer, signed_at=timezone.now(),
        **{document._meta.model_name: document})
    signature.full_clean()
    signature.save()
    valid[role] = signature
    return valid


def _lock_if_complete(document, valid, content, *, on_lock=None):
    """Both have signed (or the client declined): freeze what they signed (`content`, the
    snapshot the version prints from now on), lock it and replace the old version."""
    if set(valid) != set(Signature.Role.values):
        return False
    now = timezone.now()
    previous = type(document).objects.filter(
        client=document.client, signed_at__isnull=False, superseded_at__isnull=True)
    for old in previous.select_for_update():
        old.superseded_at = now
        old.save(update_fields=["superseded_at"])
    document.signed_at = now
    document.seal(content)
    if on_lock:
        on_lock(document)
    document.save()
    return True


def signing_problems(plan, signed_on=None):
    """What stops a plan version being signed, on `signed_on` (today; a plan signed on
    paper, on the day it was), as messages (empty if nothing)."""
    errors = []
    today = signed_on or timezone.localdate()
    goals = list(plan.goals.all())
    if not goals:
        errors.append(_("Add at least one goal before signing."))
    if plan.review_on < today:
        errors.append(_("The review date (%(day)s) has passed: set a new one before "
                        "signing.") % {"day": format_day(plan.review_on)})
    for goal in goals:
        actions = list(goal.actions.all())
        if not actions:
            errors.append(_("The goal “%(goal)s” has no action yet: add what will be done, "
                            "by whom and when.") % {"goal": shorten(goal.text)})
        for action in actions:
            if action.outcome == Action.Outcome.OPEN and action.due_on < plan.starts_on:
                errors.append(_("“%(what)s” is due on %(due)s, before this version starts "
                                "(%(start)s): give it a new date.") % {
                    "what": shorten(action.what), "due": format_day(action.due_on),
                    "start": format_day(plan.starts_on)})
    return errors


@transaction.atomic
def plan_sign(*, plan, signer, role, method, content_digest, name="", image=b"",
              agreed_in_person=False, declined_reason=""):
    """Record the client's or a worker's signature on a draft plan version.

    `content_digest` is the digest of the plan as shown to the person signing: if the draft
    changed since, the signature is refused. When the client (signed or declined) and a
    worker have both signed this exact content, it is frozen as the version's snapshot
    (which the version prints from then on), the version is locked and becomes the plan
    in force; the version it replaces is marked replaced.
    """
    _check_client_open(plan.client)
    Plan.objects.select_for_update().get(pk=plan.pk)
    plan = plan_with_content(plan)
    if plan.signed_at:
        raise ValidationError(_("Version %(number)s is already signed by both. To change it, "
                                "start a new version.") % {"number": plan.number})
    if errors := signing_problems(plan):
        raise ValidationError(errors)
    content = plan.content()
    current = digest(content)
    valid = _record_signature(
        document=plan, signer=signer, role=role, method=method, content_digest=content_digest,
        name=name, image=image, agreed_in_person=agreed_in_person,
        declined_reason=declined_reason, current_digest=current)

    def start_reviews(version):
        version.next_review_on = version.review_on

    _lock_if_complete(plan, valid, content, on_lock=start_reviews)
    return plan


@transaction.atomic
def plan_paper_sign(*, plan, by, scan, signed_on, client_name, worker_name):
    """Record a draft plan version as signed on paper by the client and a worker on
    `signed_on`, keeping the scan of the paper as the signed original.

    The draft must say what the paper says: its text is what the two paper signatures
    (Signature.Method.PAPER) cover, and, as with signatures on screen, it is frozen and
    becomes the plan in force. Its review date is measured against the day of signing, so
    a plan brought in from paper may be overdue for review at once.
    """
    _check_client_open(plan.client)
    Plan.objects.select_for_update().get(pk=plan.pk)
    plan = plan_with_content(plan)
    if plan.signed_at:
        raise ValidationError(_("Version %(number)s is already signed by both. To change it, "
                                "start a new version.") % {"number": plan.number})
    errors = {}
    if signed_on > timezone.localdate():
        errors["signed_on"] = _("The day it was signed cannot be in the future.")
    if not client_name.strip():
        errors["client_name"] = _("Type the client's name as it is signed on the paper.")
    if not worker_name.strip():
        errors["worker_name"] = _("Type the worker's name as it is signed on the paper.")
    try:
        validate_document(scan)
    except ValidationError as error:
        errors["scan"] = error.messages
    if errors:
        raise ValidationError(errors)
    if problems := signing_problems(plan, signed_on):
        raise ValidationError(problems)
    content = plan.content()
    current = digest(content)
    if valid_signatures(plan, current):
        raise ValidationError(_("This version already has a signature on screen. Finish "
                                "signing it there, or record the paper before anyone signs."))
    original = PaperOriginal(plan=plan, signed_on=signed_on, client_name=client_name.strip(),
                             worker_name=worker_name.strip(), uploaded_by=by)
    original.file.save(scan.name, scan, save=False)
    original.full_clean()
    original.save()
    signed_at = start_of_day(signed_on)
    valid = {}
    for role, name in ((Signature.Role.CLIENT, client_name), (Signature.Role.WORKER,
                                                               worker_name)):
        signature = Signature(plan=plan, role=role, method=Signature.Method.PAPER,
                              name=name.strip(), content_digest=current, recorded_by=by,
                              signed_at=signed_at)
        signature.full_clean()
        signature.save()
        valid[role] = signature

    def start_reviews(version):
        # Signed on the day of the paper, not the day it was recorded here: every page and
        # PDF that says when the version was signed (and the manager's 4-13 week review,
        # counted from it) reads signed_at.
        version.signed_at = signed_at
        version.next_review_on = version.review_on

    _lock_if_complete(plan, valid, content, on_lock=start_reviews)
    return plan


@transaction.atomic
def agreement_sign(*, agreement, signer, role, method, content_digest, name="", image=b"",
                   agreed_in_person=False, declined_reason=""):
    """Record a signature on a draft agreement; locks it once both have signed."""
    _check_client_open(agreement.client)
    agreement = Agreement.objects.select_for_update().select_related("client").get(
        pk=agreement.pk)
    if agreement.signed_at:
        raise ValidationError(_("This agreement is already signed by both. To change it, "
                                "start a new version."))
    content = agreement.content()
    current = digest(content)
    valid = _record_signature(
        document=agreement, signer=signer, role=role, method=method,
        content_digest=content_digest, name=name, image=image,
        agreed_in_person=agreed_in_person, declined_reason=declined_reason,
        current_digest=current)
    _lock_if_complete(agreement, valid, content)
    return agreement


# Plans ------------------------------------------------------------------------------------


def _check_dates(*, starts_on, review_on, previous=None):
    """The review comes after the start. A client's first plan may have started, and
    passed its review date, before it was written here (a plan brought in from paper): it
    is saved and shows as overdue for review at once (plans.selectors.review_state). A
    later version is a revision made now, so its review is still to come."""
    errors = {}
    today = timezone.localdate()
    if review_on <= starts_on:
        errors["review_on"] = _("The review date must come after the plan starts.")
    elif review_on < today and previous is not None:
        errors["review_on"] = _("The review date (%(day)s) is in the past: agree a date "
                                "to come. Only a client's first plan, brought in from paper, "
                                "may have a review date that has passed.") % {
            "day": format_day(review_on)}
    if previous and starts_on < previous.starts_on:
        errors["starts_on"] = _("This version cannot start before version %(number)s "
                                "(%(day)s).") % {"number": previous.number,
                                                 "day": format_day(previous.starts_on)}
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def plan_start(*, client, by, starts_on, review_on, vision="", strengths="", constraints=""):
    """A client's first support plan, as a draft version 1."""
    _check_client_open(client)
    Client.objects.select_for_update().get(pk=client.pk)
    if in_current_stay(client.plans.all()).exists():
        raise ValidationError(_("This client already has a support plan. Open it, and "
                                "change it from there."))
    _check_dates(starts_on=starts_on, review_on=review_on)
    # A returning client's plan numbers carry on from their earlier stays' plans.
    number = (client.plans.aggregate(n=Max("number"))["n"] or 0) + 1
    plan = Plan(client=client, number=number, created_by=by, starts_on=starts_on,
                review_on=review_on, vision=vision, strengths=strengths,
                constraints=constraints)
    plan.full_clean()
    plan.save()
    return plan


@transaction.atomic
def plan_update(*, plan, lock_version, by, **fields):
    """Change a draft's dates and its picture, strengths and constraints."""
    _check_client_open(plan.client)
    _lock_draft(plan, lock_version)
    moved_start = fields.get("starts_on", plan.starts_on) > plan.starts_on
    for name, value in fields.items():
        setattr(plan, name, value)
    _check_dates(starts_on=plan.starts_on, review_on=plan.review_on, previous=plan.based_on)
    early = moved_start and Action.objects.filter(
        goal__plan=plan, outcome=Action.Outcome.OPEN, due_on__lt=plan.starts_on).first()
    if early:
        raise ValidationError({"starts_on": _(
            "“%(what)s” is due on %(due)s, before this start date. Change that action's "
            "date first, or choose an earlier start.") % {
            "what": shorten(early.what), "due": format_day(early.due_on)}})
    plan.full_clean()
    plan.save()
    return plan


def _check_action(row, plan, *, is_open=True):
    label = shorten(row.get("what") or "") or _("a new action")
    if not (row.get("what") or "").strip():
        raise ValidationError(_("Every action needs to say what will be done."))
    if not row.get("who"):
        raise ValidationError(_("Say who does “%(what)s”: the client, the keyworker or "
                                "another agency.") % {"what": label})
    if row["who"] == Action.Who.AGENCY and not row.get("agency"):
        raise ValidationError(_("Choose which agency does “%(what)s”.") % {"what": label})
    if not row.get("due_on"):
        raise ValidationError(_("Say when “%(what)s” will be done.") % {"what": label})
    # Finished actions carried over from an earlier version keep their old dates.
    if is_open and row["due_on"] < plan.starts_on:
        raise ValidationError(_("“%(what)s” is due on %(due)s, before the plan starts "
                                "(%(start)s).") % {"what": label, "due": format_day(row["due_on"]),
                                                   "start": format_day(plan.starts_on)})


def _check_milestone(row):
    if not (row.get("text") or "").strip():
        raise ValidationError(_("Every milestone needs to say how you will know you are "
                                "getting there."))
    if not row.get("target_on"):
        raise ValidationError(_("Give the milestone “%(text)s” a target date.")
                              % {"text": shorten(row["text"])})


@transaction.atomic
def goal_save(*, plan, lock_version, by, goal=None, text, lead_agency=None, lead_details="",
              actions=(), milestones=()):
    """Add or change one goal of a draft, with its actions and milestones, all at once.

    `actions`: dicts with what, who, agency, due_on and, for an existing action, `id`
    (and `delete` to remove it). `milestones`: dicts with text, target_on (and id, delete).
    """
    _check_client_open(plan.client)
    _lock_draft(plan, lock_version)
    if goal is not None and goal.plan_id != plan.pk:
        raise ValidationError(_("That goal belongs to another plan."))
    if not text.strip():
        raise ValidationError({"text": _("Write the goal, in the client's own words.")})
    if lead_agency is not None and lead_agency.site_id != plan.client.site_id:
        raise ValidationError({"lead_agency": _("Choose an agency of this client's site.")})
    if lead_agency is not None and not lead_details.strip():
        lead_details = " · ".join(p for p in [lead_agency.name, lead_agency.contact_details] if p)
    if goal is None:
        order = (plan.goals.aggregate(n=Max("order"))["n"] or 0) + 1
        goal = Goal(plan=plan, order=order)
    goal.text = text.strip()
    goal.lead_agency = lead_agency
    goal.lead_details = lead_details.strip() if lead_agency else ""
    goal.full_clean()
    goal.save()

    existing = {a.pk: a for a in goal.actions.all()}
    kept = [row for row in actions if not row.get("delete")]
    if not kept:
        raise ValidationError(_("Add at least one action: what will be done, by whom and "
                                "when."))
    for order, row in enumerate(kept, start=1):
        if row.get("id") and row["id"] not in existing:
            raise ValidationError(_("An action in the form no longer exists; reload the page."))
        action = existing.get(row.get("id")) or Action(goal=goal)
        _check_action(row, plan, is_open=action.outcome == Action.Outcome.OPEN)
        agency = row["agency"] if row["who"] == Action.Who.AGENCY else None
        if agency is not None and agency.site_id != plan.client.site_id:
            raise ValidationError(_("Choose an agency of this client's site."))
        action.order = order
        action.what = row["what"].strip()
        action.who = row["who"]
        action.agency = agency
        action.agency_name = agency.name if agency else ""
        action.due_on = row["due_on"]
        action.need = row.get("need")
        action.full_clean()
        action.save()
    for row in actions:
        if row.get("delete") and row.get("id") in existing:
            existing[row["id"]].delete()

    existing = {m.pk: m for m in goal.milestones.all()}
    for order, row in enumerate((r for r in milestones if not r.get("delete")), start=1):
        _check_milestone(row)
        if row.get("id") and row["id"] not in existing:
            raise ValidationError(_("A milestone in the form no longer exists; reload the "
                                    "page."))
        milestone = existing.get(row.get("id")) or Milestone(goal=goal)
        milestone.order = order
        milestone.text = row["text"].strip()
        milestone.target_on = row["target_on"]
        milestone.full_clean()
        milestone.save()
    for row in milestones:
        if row.get("delete") and row.get("id") in existing:
            existing[row["id"]].delete()
    return goal


@transaction.atomic
def goal_remove(*, goal, lock_version, by):
    """Take a goal, with its actions and milestones, out of a draft."""
    _check_client_open(goal.plan.client)
    _lock_draft(goal.plan, lock_version)
    goal.delete()


@transaction.atomic
def plan_revise(*, plan, by):
    """Start a new draft version from the plan in force, copying everything it says.

    The signed version stays in force (and readable) until the new one is signed.
    """
    _check_client_open(plan.client)
    Client.objects.select_for_update().get(pk=plan.client_id)
    if plan.is_draft:
        raise ValidationError(_("This version is still a draft: change it directly."))
    if not plan.is_current:
        raise ValidationError(_("A newer version replaced this one; change that instead."))
    if draft := plan.client.plans.drafts().first():
        raise ValidationError(_("Version %(number)s is already open as a draft: carry on "
                                "with it.") % {"number": draft.number})
    plan = plan_with_content(plan)
    today = timezone.localdate()
    weeks = AgreementTemplate.for_site(plan.client.site).review_interval_weeks
    number = plan.client.plans.aggregate(n=Max("number"))["n"] + 1
    draft = Plan(client=plan.client, number=number, based_on=plan, created_by=by,
                 starts_on=max(today, plan.starts_on),
                 review_on=max(today, plan.starts_on) + datetime.timedelta(weeks=weeks),
                 vision=plan.vision, strengths=plan.strengths, constraints=plan.constraints)
    draft.full_clean()
    draft.save()
    goals, actions, milestones = [], [], []
    for goal in plan.goals.all():
        copy = Goal(plan=draft, key=goal.key, order=goal.order, text=goal.text,
                    lead_agency=goal.lead_agency, lead_details=goal.lead_details)
        goals.append(copy)
    goals = bulk_create_with_history(goals, Goal, default_user=by)
    for copy, goal in zip(goals, plan.goals.all(), strict=True):
        actions += [Action(goal=copy, key=a.key, order=a.order, what=a.what, who=a.who,
                           agency=a.agency, agency_name=a.agency_name, due_on=a.due_on,
                           need_id=a.need_id,
                           outcome=a.outcome, learnt=a.learnt, outcome_on=a.outcome_on,
                           outcome_by_id=a.outcome_by_id) for a in goal.actions.all()]
        milestones += [Milestone(goal=copy, key=m.key, order=m.order, text=m.text,
                                 target_on=m.target_on, reached_on=m.reached_on)
                       for m in goal.milestones.all()]
    bulk_create_with_history(actions, Action, default_user=by)
    bulk_create_with_history(milestones, Milestone, default_user=by)
    return draft


# Progress and reviews ---------------------------------------------------------------------


def _check_in_force(plan):
    _check_client_open(plan.client)
    if plan.is_draft:
        raise ValidationError(_("Progress is recorded once the plan is signed."))
    if not plan.is_current:
        raise ValidationError(_("This version was replaced; record progress on the current "
                                "one."))


@transaction.atomic
def action_progress(*, action, outcome, by, learnt="", on=None):
    """Record how an action of the plan in force went (also used by logged sessions)."""
    _check_in_force(action.goal.plan)
    if outcome not in Action.Outcome.values:
        raise ValidationError({"outcome": _("Choose how the action went.")})
    action.outcome = outcome
    action.learnt = learnt.strip()
    action.outcome_on = None if outcome == Action.Outcome.OPEN else on or timezone.localdate()
    action.outcome_by = None if outcome == Action.Outcome.OPEN else by
    action.full_clean()
    action.save()
    return action


def worked_on(learnt, *, done, note):
    """(outcome, what was learnt) an action reads once a keywork session worked on it,
    from what was learnt before: done makes it Done; partly or not yet leave it open
    (under way), as a review that records it still under way does; the session's note,
    if any, becomes what was learnt (a review's "what was learnt"), else that stays."""
    return (Action.Outcome.DONE if done else Action.Outcome.OPEN, note.strip() or learnt)


def _locked_actions(ids):
    return {action.pk: action for action in Action.objects.select_for_update(of=("self",))
            .select_related("goal__plan__client").filter(pk__in=ids)}


@transaction.atomic
def actions_worked_on(*, work, on, by):
    """A keywork session on the day `on` worked on open actions of the plan in force (the
    diary calls this as a session is logged or corrected): `work` is {action id: (done,
    note)}. Each action's "how it went" moves on as `worked_on` says, through
    `action_progress`, so a session and a review record progress the same way. Returns
    {action id: (outcome, learnt) as it read before}, for `actions_work_undo`. Progress is
    not part of what was signed: a signed plan stays signed, its snapshot unchanged."""
    actions = _locked_actions(work)
    before = {}
    for pk, (done, note) in work.items():
        action = actions[pk]
        before[pk] = (action.outcome, action.learnt)
        now = worked_on(action.learnt, done=done, note=note)
        if now != before[pk]:
            action_progress(action=action, outcome=now[0], learnt=now[1], on=on, by=by)
    return before


@transaction.atomic
def actions_work_undo(*, work, by):
    """Take back what a session's work set on actions (its log corrected, or struck
    through as entered in error): `work` is {action id: (done, note, (outcome, learnt)
    it read before)}. An action reads as before again only while its plan is in force and
    it still reads what the session set; progress recorded since (a review, the plan
    page, a later session) stands."""
    actions = _locked_actions(work)
    for pk, (done, note, was) in work.items():
        action = actions[pk]
        plan = action.goal.plan
        if not plan.is_current or plan.client.is_archived:
            continue
        now = (action.outcome, action.learnt)
        if now == worked_on(was[1], done=done, note=note) and now != tuple(was):
            action_progress(action=action, outcome=was[0], learnt=was[1], by=by)


@transaction.atomic
def milestone_reach(*, milestone, reached_on, by):
    """Mark a milestone of the plan in force reached on a day (or not reached: None)."""
    plan = milestone.goal.plan
    _check_in_force(plan)
    if reached_on and reached_on > timezone.localdate():
        raise ValidationError({"reached_on": _("A milestone cannot be reached in the future.")})
    if reached_on and reached_on < plan.client.admitted_on:
        raise ValidationError({"reached_on": _("That date is before the client was "
                                               "admitted.")})
    milestone.reached_on = reached_on
    milestone.full_clean()
    milestone.save()
    return milestone


@transaction.atomic
def review_record(*, plan, by, held_on, client_view, decision, next_review_on, notes="",
                  progress=None, reached=None, rating=None):
    """Record a review of the plan in force.

    `progress` is {action id: (outcome, what was learnt)} and `reached` {milestone id: date
    or None}; both update the plan's progress and are kept with the review. The next review
    date moves on; when the decision is to revise, a new draft version opens (returned).
    """
    plan = plan_with_content(plan)
    _check_in_force(plan)
    today = timezone.localdate()
    errors = {}
    if held_on > today:
        errors["held_on"] = _("A review cannot be recorded before it happens.")
    elif held_on < plan.starts_on:
        errors["held_on"] = _("The review cannot be before the plan started (%(day)s).") % {
            "day": format_day(plan.starts_on)}
    if next_review_on <= today:
        errors["next_review_on"] = _("The next review date must be in the future.")
    if not client_view.strip():
        errors["client_view"] = _("Write down what the client thinks of their progress, in "
                                  "their words.")
    if decision not in Review.Decision.values:
        errors["decision"] = _("Choose whether the plan goes on or is revised.")
    if errors:
        raise ValidationError(errors)
    review = Review(plan=plan, by=by, held_on=held_on, client_view=client_view.strip(),
                    notes=notes.strip(), decision=decision, next_review_on=next_review_on,
                    rating=rating)
    review.full_clean()
    review.save()
    progress, reached = progress or {}, reached or {}
    items = []
    for goal in plan.goals.all():
        for action in goal.actions.all():
            outcome, learnt = progress.get(action.pk, (action.outcome, action.learnt))
            if (outcome, learnt) != (action.outcome, action.learnt):
                action_progress(action=action, outcome=outcome, learnt=learnt, by=by,
                                on=held_on)
            items.append(ReviewItem(review=review, action=action, outcome=action.outcome,
                                    learnt=action.learnt))
        for milestone in goal.milestones.all():
            day = reached.get(milestone.pk, milestone.reached_on)
            if day != milestone.reached_on:
                milestone_reach(milestone=milestone, reached_on=day, by=by)
            items.append(ReviewItem(review=review, milestone=milestone,
                                    reached_on=milestone.reached_on))
    bulk_create_with_history(items, ReviewItem, default_user=by)
    plan.next_review_on = next_review_on
    plan.save(update_fields=["next_review_on"])
    draft = None
    if decision == Review.Decision.REVISE:
        draft = plan.client.plans.drafts().first() or plan_revise(plan=plan, by=by)
    return review, draft


@transaction.atomic
def manager_review_sign(*, plan, by, comments):
    """A manager of the client's site signs off the plan in force, with comments."""
    client = plan.client
    if not by.manages(client.site_id):
        raise PermissionDenied
    Client.objects.select_for_update().get(pk=client.pk)
    if not plan.is_current:
        raise ValidationError(_("Sign off the plan in force, not a draft or a replaced "
                                "version."))
    if done := ManagerReview.objects.filter(client=client).select_related("by").first():
        raise ValidationError(_("%(name)s already signed off this client's plan on %(day)s.")
                              % {"name": done.by, "day": format_day(done.signed_at)})
    if not comments.strip():
        raise ValidationError({"comments": _("Write your comments on the plan: what is "
                                             "going well, what should change.")})
    opens, closes = selectors.manager_review_window(client)
    today = timezone.localdate()
    if today < opens:
        raise ValidationError(_("Too early: the manager's review falls between %(opens)s and "
                                "%(closes)s (4 to 13 weeks after the plan started).") % {
            "opens": format_day(opens), "closes": format_day(closes)})
    review = ManagerReview(client=client, plan=plan, by=by, comments=comments.strip(),
                           late=today > closes, signed_at=timezone.now())
    review.full_clean()
    review.save()
    return review


# Referrals and the access log -------------------------------------------------------------


def _check_agency(agency, client):
    if agency.site_id != client.site_id or not agency.is_active:
        raise ValidationError({"agency": _("Choose an agency in use at this client's site.")})


@transaction.atomic
def consent_record(*, client, purpose, how, given_on, expires_on, by, agency=None,
                   agency_kind="", given_by=""):
    """Record a client's consent to share with one agency (`agency`) or with every agency
    of a kind (`agency_kind`), for a purpose, until `expires_on` (its last day)."""
    if client.is_archived:
        raise ValidationError(_("This client has left; their record is archived and "
                                "read-only."))
    if (agency is None) == (not agency_kind):
        raise ValidationError({"agency": _("Choose one agency, or a kind of agency.")})
    if agency is not None:
        _check_agency(agency, client)
    if given_on > timezone.localdate():
        raise ValidationError({"given_on": _("The date consent was given cannot be in the "
                                             "future.")})
    if expires_on < given_on:
        raise ValidationError({"expires_on": _("The consent cannot expire before it was "
                                               "given.")})
    if expires_on < timezone.localdate():
        raise ValidationError({"expires_on": _("This consent would already have expired: "
                                               "give an expiry date from today on.")})
    if not purpose.strip():
        raise ValidationError({"purpose": _("Say what the information is shared for.")})
    if how == Consent.How.ON_BEHALF and not given_by.strip():
        raise ValidationError({"given_by": _("Say who gave consent on the client's behalf, "
                                             "and their role.")})
    consent = Consent(client=client, agency=agency, agency_kind=agency_kind or "",
                      purpose=purpose.strip(), how=how, given_by=given_by.strip(),
                      given_on=given_on, expires_on=expires_on, recorded_by=by)
    consent.full_clean()
    consent.save()
    return consent


@transaction.atomic
def consent_withdraw(*, consent, on, by, note=""):
    """The client takes their consent back from the day `on`: nothing more is shared
    under it. The row stays, so what was shared before remains explained."""
    if consent.withdrawn_on is not None:
        raise ValidationError(_("This consent was already withdrawn."))
    if consent.client.is_archived:
        raise ValidationError(_("This client has left; their record is archived and "
                                "read-only."))
    if on > timezone.localdate():
        raise ValidationError({"on": _("The date cannot be in the future.")})
    if on < consent.given_on:
        raise ValidationError({"on": _("The date cannot be before the consent was given "
                                       "(%(date)s).") % {"date": format_day(consent.given_on)}})
    consent.withdrawn_on = on
    consent.withdrawn_by = by
    consent.withdrawn_note = note.strip()
    consent.full_clean()
    consent.save()
    return consent


@transaction.atomic
def referral_make(*, client, agency, made_on, reason, by, follow_up_on=None, new_consent=None,
                  shared_without="", shared_without_note=""):
    """Refer a client to an agency, with the day to follow it up.

    A referral shares the client's information, so it is sent on the client's consent in
    force for that agency (`selectors.consent_for` on the day it is made); failing that,
    on a consent given now (`new_consent`: how, expires_on, purpose, given_by; given on
    the day of the referral), or without consent for a recorded reason (`shared_without`,
    a Referral.SharedWithout, and a note). Otherwise it is refused and nothing is saved.
    """
    _check_client_open(client)
    _check_agency(agency, client)
    if made_on > timezone.localdate():
        raise ValidationError({"made_on": _("The referral date cannot be in the future.")})
    if follow_up_on and follow_up_on < made_on:
        raise ValidationError({"follow_up_on": _("Follow up on or after the referral date.")})
    if new_consent:
        consent = consent_record(client=client, agency=agency, given_on=made_on, by=by,
                                 **new_consent)
    else:
        consent = selectors.consent_for(client, agency, made_on)
    if consent is not None:
        shared_without, shared_without_note = "", ""
    elif shared_without:
        if shared_without not in Referral.SharedWithout.values:
            raise ValidationError({"shared_without": _("Choose a reason from the list.")})
        if not shared_without_note.strip():
            raise ValidationError({"shared_without_note": _(
                "Say what makes it necessary to share without consent, and who decided.")})
    else:
        raise ValidationError({"consent": _(
            "%(name)s has no consent in force to share information with %(agency)s. Record "
            "their consent now, or give the reason to share without it."
        ) % {"name": client.called, "agency": agency}})
    referral = Referral(client=client, agency=agency, made_on=made_on, reason=reason.strip(),
                        follow_up_on=follow_up_on, made_by=by, consent=consent,
                        shared_without=shared_without,
                        shared_without_note=shared_without_note.strip())
    referral.full_clean()
    referral.save()
    return referral


@transaction.atomic
def referral_update(*, referral, by, outcome, outcome_note="", follow_up_on=None):
    """Record what came of a referral, and when to follow it up next."""
    _check_client_open(referral.client)
    if follow_up_on and follow_up_on < referral.made_on:
        raise ValidationError({"follow_up_on": _("Follow up on or after the referral date.")})
    referral.outcome = outcome
    referral.outcome_note = outcome_note.strip()
    referral.follow_up_on = follow_up_on
    referral.full_clean()
    referral.save()
    return referral


def document_access_log(*, client, document, by, plan=None, agreement=None):
    """Note that `by` opened a client's PDF: printing is an access to the record."""
    return DocumentAccess.objects.create(client=client, document=document, by=by, plan=plan,
                                         agreement=agreement)
