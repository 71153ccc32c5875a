"""Hostile input (issue 11, point 8): every URL of the project, as every role, by GET and
by POST, with the values of tests/security/hostile.py.

For each group of URLs (one app, or the admin), in one world built for the group:

1. every URL is opened by every role, and the forms each page shows are read (a POST-only
   URL's form on the page FORM_PAGES names);
2. each page is asked again with hostile query strings: its GET forms, and every query
   parameter its view reads (watched, not listed) or its links carry, with each value of
   QUERY_VALUES in turn, and with the ids in its address made huge;
3. the roles refused a page (403, 404, sent to log in) POST to it what its form sends, as
   an allowed role would fill it in: the client records must not change;
4. the roles allowed post each form in four passes (markup in every text field; dates in
   year 9999 and huge numbers; year 1 and negative numbers; garbage: 100,000 characters,
   NUL bytes, choices not offered, fields missing and repeated);
5. every page is opened again, now that the markup is saved wherever it could be.

Roles of one kind (the three keyworkers, the two managers) run the same code once they
are let in, so steps 2, 4 and 5 take one of each kind (and step 5 each page template,
since a site colleague sees a client's summary where her keyworker sees the full file);
steps 1 and 3 take every role.

No answer may be a server error, and no HTML, SVG or PDF source may hold the payloads as
markup (nor the secret key, nor what {% debug %} prints). A failure lists every request
that went wrong: its method, URL, URL name, role, pass and fields, and the traceback.

After the walk: a wrong CSRF token everywhere, the text of every PDF, hostile uploads.
"""

import datetime
import io
import struct
import subprocess
import tempfile
import tracemalloc
import zipfile
import zlib
from urllib.parse import parse_qsl, urlencode, urlsplit

import pytest
from django.apps import apps
from django.contrib import admin
from django.contrib.auth.tokens import default_token_generator
from django.contrib.contenttypes.models import ContentType
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db.models import FileField
from django.http import HttpResponse
from django.test import Client as WebClient
from django.test.client import ClientHandler
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from activities import services as activities_services
from activities.models import Activity, GroupSession
from attendance import services as attendance_services
from clients import services as client_services
from clients.models import Allocation, Client, InductionItem
from diary import calendars
from diary import services as diary_services
from imports import files as imports_files
from imports import sample as imports_sample
from imports import services as imports_services
from keywork.lib import pdf
from messaging import services as messaging_services
from messaging.models import ClientMessage
from plans import services as plans_services
from plans.models import Action, Milestone, PaperOriginal, Signature
from portal import services as portal_services
from staff.models import Site, User
from stages import services as stages_services
from stages.models import Evidence, PortfolioItem
from supervision import services as supervision_services
from tests.factories import (
    AgencyFactory,
    AllocationFactory,
    ClientFactory,
    ContactFactory,
    KeyworkSessionFactory,
    UserFactory,
    consent_now,
    paper_plan,
    sign,
    signed_plan,
)
from tests.safeguarding.world import safeguarding_records
from tests.security import hostile
from tests.stages.factories import assessments_for, pdf_upload, png_upload, tasks_of

DAY = datetime.timedelta(days=1)
ROLES = ["anonymous", "keyworker", "colleague", "other_site_keyworker", "manager",
         "other_site_manager", "administrator"]
KIND = {"anonymous": "anonymous", "keyworker": "keyworker", "colleague": "keyworker",
        "other_site_keyworker": "keyworker", "manager": "manager",
        "other_site_manager": "manager", "administrator": "administrator"}


# Every URL pattern, by group ---------------------------------------------------------------


def _patterns(entries, namespace=""):
    for entry in entries:
        if isinstance(entry, URLResolver):
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from _patterns(entry.url_patterns, inner)
        elif isinstance(entry, URLPattern) and entry.name:
            regex = entry.pattern.regex
            # Named groups are keyword arguments; the history admin's groups have no names.
            yield f"{namespace}{entry.name}", list(regex.groupindex) or [
                f"#{n}" for n in range(regex.groups)]


PATTERNS = dict(_patterns(get_resolver().url_patterns))


def group_of(name):
    return name.split(":", 1)[0] if ":" in name else "accounts"


GROUPS = sorted({group_of(name) for name in PATTERNS})

# The admin checks one thing, is_staff, for everyone: a site colleague or another site's
# worker is refused exactly as the keyworker and the manager are.
ADMIN_ROLES = ["anonymous", "keyworker", "manager", "administrator"]
# A page may show one form per row (a caseload limit per keyworker): two of them are enough.
FORMS_PER_URL = 2
# Pages that end the session, opened last in their group and followed by a new login.
LOGS_OUT = {"logout", "admin:logout"}
# Steps that close or remove what later pages of the group show: posted last.
LAST = {"clients:end", "clients:move", "clients:allocation_end", "clients:transfer",
        "plans:goal_delete", "diary:strike", "diary:contact_strike", "diary:absence_cancel",
        "diary:cancel", "supervision:sign", "supervision:confirm", "imports:undo",
        "safeguarding:close", "safeguarding:ban_lift", "activities:member_leave",
        "stages:register_task_remove", "messaging:opt_out",
        "diary:calendar_replace", "diary:calendar_off"}
# Each page is asked once with each of these in every query parameter its view reads.
QUERY_VALUES = [hostile.markup_for(hostile.Field("", "text")), hostile.UNICODE_DIGIT,
                hostile.HUGE, hostile.NUL, hostile.YEAR_1, hostile.YEAR_9999,
                hostile.LAST_MOMENT, hostile.LONG_QUERY]
# The page that shows the form of each POST-only URL (about the same record).
FORM_PAGES = {
    "clients:induction_tick": lambda w: reverse("clients:detail", args=[w["client"].pk]),
    "clients:keyworker_limit": lambda w: reverse("clients:keyworkers"),
    "stages:promote": lambda w: reverse("stages:ladder", args=[w["client"].pk]),
    "stages:demote": lambda w: reverse("stages:ladder", args=[w["client"].pk]),
    "plans:goal_delete": lambda w: reverse("plans:detail", args=[w["draft"].pk]),
    "plans:revise": lambda w: reverse("plans:detail", args=[w["plan"].pk]),
    "plans:agreement_revise": lambda w: reverse("plans:agreement_detail",
                                                args=[w["agreement"].pk]),
    "plans:action_progress": lambda w: reverse("plans:detail", args=[w["plan"].pk]),
    "plans:milestone_reached": lambda w: reverse("plans:detail", args=[w["plan"].pk]),
    "diary:addendum": lambda w: reverse("diary:session", args=[w["held"].pk]),
    "diary:check_in": lambda w: reverse("diary:session", args=[w["session"].pk]),
    "diary:risk_resolve": lambda w: reverse("diary:out"),
    "diary:contact_log": lambda w: reverse("clients:detail", args=[w["client"].pk]),
    "diary:calendar_on": lambda w: reverse("diary:calendar"),
    "supervision:action_add": lambda w: reverse("supervision:detail",
                                                args=[w["supervision"].pk]),
    "supervision:action_done": lambda w: reverse("supervision:detail",
                                                 args=[w["supervision"].pk]),
    "supervision:sign": lambda w: reverse("supervision:detail", args=[w["supervision"].pk]),
    "supervision:confirm": lambda w: reverse("supervision:detail",
                                             args=[w["supervision"].pk]),
    "supervision:addendum": lambda w: reverse("supervision:detail",
                                              args=[w["supervision"].pk]),
    "audit:keepalive": lambda w: reverse("home"),
    "safeguarding:review": lambda w: reverse("safeguarding:detail", args=[w["incident"].pk]),
    "safeguarding:close": lambda w: reverse("safeguarding:detail", args=[w["incident"].pk]),
    "imports:run": lambda w: reverse("imports:detail", args=[w["import_batch"].pk]),
    "attendance:check_in": lambda w: reverse("attendance:register") + "?q=Rob",
    "attendance:check_out": lambda w: reverse("attendance:register"),
    "attendance:visitor_check_in": lambda w: reverse("attendance:register"),
    "activities:member_add": lambda w: reverse("activities:detail", args=[w["activity"].pk]),
    "activities:member_leave": lambda w: reverse("activities:detail",
                                                 args=[w["activity"].pk]),
    "stages:register_task_remove": lambda w: reverse("stages:register_tasks"),
    # The client's page's sign-out button (a client signed in by the link sees it).
    "portal:sign_out": lambda w: reverse("portal:home"),
}
# The providers' webhooks: no page shows their form and they carry no CSRF token (Twilio
# and Postmark post them); Twilio's signature, or the secret Postmark sends, stands in.
# Unsigned, every role's post is refused here (step 3); tests/messaging/test_webhooks.py
# and test_email_status.py post hostile values signed.
SIGNED_BY_PROVIDER = {"messaging:sms_status", "messaging:sms_inbound",
                      "messaging:email_status"}
# What a role without any form to copy posts: the field names the app's forms use most.
GENERIC_FIELDS = ["note", "reason", "text", "what", "comments", "name", "outcome", "status",
                  "version", "lock_version", "site", "worker", "client", "day", "on"]


# The world: one of everything a page can show --------------------------------------------------


@pytest.fixture
def world(settings, tmp_path, travel, site, other_site, client_record, colleagues_client,
          other_site_client, keyworker, colleague, other_site_keyworker, manager,
          other_site_manager, administrator):
    """Dee (Kim's client at Riverside) with one of everything a page can show: a photo,
    cover, an induction item, the ladder with evidence and a certificate, assessments, a
    plan signed five weeks ago and a draft change of it, an agreement and a draft of it, a
    referral, diary sessions and a contact, a supervision record; and a referred and an
    admitted client and one who has moved on for the steps that need them."""
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"
    site.uses_ladder = True
    site.save()
    dee = client_record
    dee.photo.save("dee.png", ContentFile(png_upload().read()), save=False)
    dee.phone = "07700 900123"
    dee.save()
    today = timezone.localdate()
    cover_worker = UserFactory(username="coverer", first_name="Cal", last_name="Cover",
                               role=User.Role.KEYWORKER, sites=[site])
    cover = AllocationFactory(client=dee, worker=cover_worker, kind=Allocation.Kind.COVER,
                              start=today, end=today + 14 * DAY, handover_note="Mornings")
    world = {"client": dee, "site": site, "keyworker": keyworker, "cover": cover,
             "item": InductionItem.objects.create(site=site, text="Shown the kitchen"),
             "referred": ClientFactory(site=site, status=Client.Status.REFERRED,
                                       admitted_on=None, first_name="Ria"),
             "admitted": ClientFactory(site=site, status=Client.Status.ADMITTED,
                                       first_name="Ade"),
             "spare_user": UserFactory(username="spare", role=User.Role.KEYWORKER,
                                       sites=[other_site]),
             "spare_site": Site.objects.create(name="Spare House", code="SP1"),
             "ended": ClientFactory(site=site, status=Client.Status.MOVED_ON,
                                    ended_on=today - 5 * DAY, end_destination="Own flat",
                                    end_kind=Client.EndKind.PLANNED,
                                    closing_summary="Written together", first_name="Eve"),
             # Another who left, for the ending letter: the walk re-opens Eve's record.
             "left": ClientFactory(site=site, status=Client.Status.MOVED_ON,
                                   ended_on=today, end_destination="Own flat",
                                   end_kind=Client.EndKind.PLANNED,
                                   closing_summary="Written together", first_name="Lee")}
    # The stages ladder: Dee on Stage 1 with a PDF as evidence, a certificate, assessments.
    admitted = dee.admitted_on
    stages_services.ladder_start(client=dee, by=manager, on=admitted)
    for n, task in enumerate(tasks_of(0)):
        stages_services.evidence_record(client=dee, task=task, by=keyworker,
                                        on=admitted + DAY, what=f"Probation evidence {n}")
    stages_services.stage_promote(client=dee, by=manager, note="First review",
                                  on=admitted + 10 * DAY)
    world["evidence"] = stages_services.evidence_record(
        client=dee, task=tasks_of(1)[0], by=keyworker, on=admitted + 11 * DAY,
        what="Stage 1 evidence", file=pdf_upload())
    world["task"] = tasks_of(1)[1]
    world["initial"], world["review"] = assessments_for(dee, count=2, by=keyworker)
    world["portfolio_item"] = stages_services.portfolio_add(
        client=dee, by=keyworker, kind="certificate", on=admitted + 12 * DAY,
        title="First aid certificate", file=png_upload())
    # Plans: a plan signed five weeks ago, a draft change of it, an agreement with a draft.
    travel(days=-35)
    plan = signed_plan(client=dee, by=keyworker)
    travel.back()
    draft = plans_services.plan_revise(plan=plan, by=keyworker)
    # A draft that can be signed: its review date ahead, its actions due after it starts.
    plans_services.plan_update(plan=draft, lock_version=draft.lock_version, by=keyworker,
                               starts_on=plan.starts_on, review_on=today + 28 * DAY,
                               vision=draft.vision, strengths=draft.strengths,
                               constraints=draft.constraints)
    draft.refresh_from_db()
    agreement = plans_services.agreement_prepare(client=dee, by=keyworker)
    sign(agreement, by=keyworker, role="client")
    agreement = sign(agreement, by=keyworker, role="worker")
    agency = AgencyFactory(site=site, name="Housing Options")
    world |= {
        "plan": plan, "draft": draft, "draft_goal": draft.goals.first(),
        "action": Action.objects.filter(goal__plan=plan).first(),
        "milestone": Milestone.objects.filter(goal__plan=plan).first(),
        "agreement": agreement,
        "agreement_draft": plans_services.agreement_revise(agreement=agreement, by=keyworker),
        "agency": agency,
        "referral": plans_services.referral_make(client=dee, agency=agency, made_on=today,
                                                 reason="Flat", by=keyworker,
                                                 new_consent=consent_now()),
        # Rob's plan, brought in from paper: its scan is a page to walk.
        "paper": paper_plan(client=colleagues_client, by=colleague),
    }
    # The diary: a session an hour ago (lone working), one held last week with a risk.
    now = timezone.now().replace(second=0, microsecond=0)
    world |= {
        "session": KeyworkSessionFactory(client=dee, worker=keyworker,
                                         starts_at=now - datetime.timedelta(hours=1),
                                         lone_working=True,
                                         expected_back_at=now - datetime.timedelta(minutes=10)),
        "held": KeyworkSessionFactory(client=dee, worker=keyworker, held=True,
                                      starts_at=now - 7 * DAY, risks="Threatened by a visitor"),
        "contact": ContactFactory(client=dee, by=colleague),
        # Contacts with others about Dee: a professional of Housing Options, her sister.
        "agency_contact": ContactFactory(client=dee, by=colleague, with_whom="professional",
                                         agency=agency, person_name="J. Patel", kind="email"),
        "relative_contact": ContactFactory(client=dee, by=keyworker, with_whom="relative",
                                           person_name="Sarah", relationship="sister"),
        # Recorded three weeks late, awaiting the manager's approval.
        "late": KeyworkSessionFactory(client=dee, worker=keyworker, held=True,
                                      starts_at=now - 21 * DAY, logged_at=now,
                                      late_reason="Back from leave", approval="awaiting"),
        "late_contact": ContactFactory(client=dee, by=colleague, at=now - 20 * DAY,
                                       late_reason="Paper notes", approval="awaiting"),
    }
    # Kim's calendar feed (its replace and turn-off pages ask to confirm); the manager has
    # none, so the page shows them the form that turns one on.
    world["calendar_token"] = diary_services.calendar_feed_create(user=keyworker)[1]
    # Supervision: an open record with an action.
    record = supervision_services.supervision_start(manager=manager, keyworker=keyworker,
                                                    held_on=admitted)
    supervision_services.action_add(supervision=record, by=manager, what="Call GP",
                                     who="keyworker", by_when=admitted)
    world["supervision"] = record
    world["supervision_action"] = record.actions.get()
    # Sam's leave from tomorrow, with Rob's session in it: the cover page has a form.
    world["absence"] = diary_services.absence_record(
        worker=colleague, kind="leave", first_day=today + DAY, last_day=today + 4 * DAY,
        by=manager, note="Annual leave")
    KeyworkSessionFactory(client=colleagues_client, worker=colleague,
                          starts_at=now.replace(hour=10, minute=0) + 2 * DAY)
    # Safeguarding: a concern about Dee raised by Kim (restricted: Sam, her colleague, may
    # not read it), reviewed, and a ban of Dee linked to it.
    world.update(safeguarding_records(client=dee, keyworker=keyworker, manager=manager,
                                      site=site))
    # Groups: Riverside's workshop run by Sam, Dee a member, a session this morning on the
    # register, and the ladder's 100 % task counted from it.
    activity = activities_services.activity_save(activity=Activity(
        site=site, name="Action Training Workshop", facilitator=colleague, capacity=8),
        by=manager)
    world["activity"] = activity
    world["membership"] = activities_services.membership_add(activity=activity, client=dee,
                                                             by=manager)
    world["group_session"] = activities_services.session_save(session=GroupSession(
        activity=activity, starts_at=timezone.now() - datetime.timedelta(minutes=5)),
        by=manager)
    activities_services.register_mark(session=world["group_session"],
                                      statuses={dee.pk: "attended"}, by=keyworker)
    world["register_task"] = stages_services.register_task_save(
        site=site, task=tasks_of(4)[0], activity=activity, rate=100, by=manager)
    # An import previewed by the manager, ready to import (and then to undo).
    rows = [imports_files.example("clients")]
    world["import_batch"] = imports_services.batch_preview(uploads={"clients": SimpleUploadedFile(
        "clients.csv", imports_sample.as_csv("clients", rows))}, by=manager)
    # The door register: Dee in since the morning (let in despite her ban), a visitor not yet
    # referred.
    world["visit"] = attendance_services.visit_check_in(site=site, by=colleague, client=dee,
                                                        despite_ban=True)
    world["visitor"], _visit = attendance_services.visitor_check_in(
        site=site, by=colleague, name="Lee Mason", description="Red coat")
    # Reminders: Dee agreed to texts, and was sent one (the log lists it).
    world["reminder_consent"] = messaging_services.consent_set(
        client=dee, by=keyworker, consents=True, channel="sms", phone="07700 900123")
    ClientMessage.objects.create(client=dee, key="reminder:walk", kind="reminder",
                                 channel="sms", to="+447700900123",
                                 text="Kim will see you tomorrow", status="delivered",
                                 provider_id="SMwalk")
    # Her own page: on, a one-time link made for her, and a message she sent from it.
    world["portal_access"] = portal_services.access_set(client=dee, by=keyworker, is_on=True,
                                                        phone="07700 900123")
    _link, world["portal_token"] = portal_services.link_make(
        access=world["portal_access"], by=keyworker, now=timezone.now())
    world["portal_note"] = portal_services.note_send(client=dee, text="Can we meet?")
    return world


def url_of(name, world):
    """The URL `name` about Dee (or her keyworker, site, plan ...), with every argument."""
    dee = world["client"]
    args = {
        "clients:keyworker_limit": [world["keyworker"].pk],
        "clients:transfer": [world["keyworker"].pk],
        "clients:admit": [world["referred"].pk],
        "clients:close_referral": [world["referred"].pk],
        "clients:activate": [world["admitted"].pk],
        "clients:reopen": [world["ended"].pk],
        "clients:induction_tick": [dee.pk, world["item"].pk],
        "clients:allocation_end": [dee.pk, world["cover"].pk],
        "plans:ending_letter_pdf": [world["left"].pk],
        "stages:assessment_detail": [dee.pk, world["review"].pk],
        "stages:assessment_edit": [dee.pk, world["review"].pk],
        "stages:evidence_create": [dee.pk, world["task"].pk],
        "stages:evidence_file": [dee.pk, world["evidence"].pk],
        "stages:portfolio_file": [dee.pk, world["portfolio_item"].pk],
        "plans:detail": [world["plan"].pk],
        "plans:revise": [world["plan"].pk],
        "plans:review": [world["plan"].pk],
        "plans:manager_review": [world["plan"].pk],
        "plans:pdf": [world["draft"].pk],  # the version the walk's posts write into
        "plans:edit": [world["draft"].pk],
        "plans:goal_add": [world["draft"].pk],
        "plans:sign": [world["draft"].pk],
        "plans:paper_sign": [world["draft"].pk],
        "plans:paper_file": [world["paper"].pk],
        "plans:compare": [world["draft"].pk],
        "plans:goal_edit": [world["draft"].pk, world["draft_goal"].pk],
        "plans:goal_delete": [world["draft"].pk, world["draft_goal"].pk],
        "plans:action_progress": [world["action"].pk],
        "plans:milestone_reached": [world["milestone"].pk],
        "plans:agreement_detail": [world["agreement"].pk],
        "plans:agreement_revise": [world["agreement"].pk],
        "plans:agreement_pdf": [world["agreement_draft"].pk],
        "plans:agreement_edit": [world["agreement_draft"].pk],
        "plans:agreement_sign": [world["agreement_draft"].pk],
        "plans:agency_edit": [world["agency"].pk],
        "plans:referral_edit": [world["referral"].pk],
        "plans:consent_withdraw": [world["referral"].consent_id],
        "diary:worker_week": [world["keyworker"].pk],
        "diary:site_week": [world["site"].pk],
        "diary:session": [world["session"].pk],
        "diary:edit": [world["session"].pk],
        "diary:log": [world["session"].pk],
        "diary:cancel": [world["session"].pk],
        "diary:cadence": [world["client"].pk],
        "diary:strike": [world["session"].pk],
        "diary:check_in": [world["session"].pk],
        "diary:addendum": [world["held"].pk],
        "diary:risk_resolve": [world["held"].pk],
        "diary:contact_strike": [world["contact"].pk],
        "diary:session_approval": [world["late"].pk],
        "diary:contact_approval": [world["late_contact"].pk],
        "diary:absence_cover": [world["absence"].pk],
        "diary:absence_cancel": [world["absence"].pk],
        "diary:session_ics": [world["session"].pk],
        "diary:calendar_feed": [world["calendar_token"]],
        "diary:session_calendar_link": [calendars.link_key(world["session"])],
        "supervision:dashboard_list": ["not_logged"],
        "supervision:report_export": ["csv"],
        "supervision:detail": [world["supervision"].pk],
        "supervision:action_add": [world["supervision"].pk],
        "supervision:sign": [world["supervision"].pk],
        "supervision:confirm": [world["supervision"].pk],
        "supervision:addendum": [world["supervision"].pk],
        "supervision:action_done": [world["supervision"].pk, world["supervision_action"].pk],
        "safeguarding:detail": [world["incident"].pk],
        "safeguarding:review": [world["incident"].pk],
        "safeguarding:close": [world["incident"].pk],
        "safeguarding:ban_review": [world["ban"].pk],
        "safeguarding:ban_lift": [world["ban"].pk],
        "activities:detail": [world["activity"].pk],
        "activities:edit": [world["activity"].pk],
        "activities:member_add": [world["activity"].pk],
        "activities:session_create": [world["activity"].pk],
        "activities:member_leave": [world["membership"].pk],
        "activities:session_edit": [world["group_session"].pk],
        "activities:register": [world["group_session"].pk],
        "stages:register_task_remove": [world["register_task"].pk],
        "imports:template": ["clients", "xlsx"],
        "imports:detail": [world["import_batch"].pk],
        "imports:run": [world["import_batch"].pk],
        "imports:undo": [world["import_batch"].pk],
        "attendance:check_out": [world["visit"].pk],
        "messaging:opt_out": [messaging_services.opt_out_token(world["reminder_consent"])],
        "portal:note": [world["portal_note"].pk],
        "portal:link": [world["portal_token"]],
        "password_reset_confirm": [
            urlsafe_base64_encode(force_bytes(world["keyworker"].pk)),
            default_token_generator.make_token(world["keyworker"])],
    }
    if name in args:
        return reverse(name, args=args[name])
    if name.startswith("admin:"):
        return _admin_url(name, world)
    return reverse(name, args=[dee.pk] if PATTERNS[name] else [])


def _admin_model(name):
    short = name.removeprefix("admin:")
    if short == "auth_user_password_change":
        return User
    for model in admin.site._registry:
        if short.startswith(f"{model._meta.app_label}_{model._meta.model_name}_"):
            return model
    return None


def _admin_url(name, world):
    model = _admin_model(name)
    chosen = {User: world["spare_user"], Site: world["spare_site"]}.get(model)
    if chosen is None and model is not None:
        chosen = model._default_manager.order_by("pk").first()
    kwargs = {}
    for key in PATTERNS[name]:
        if key in {"object_id", "pk", "id", "#0"}:
            kwargs[key] = chosen.pk if chosen else 1
        elif key in {"version_id", "#1"}:
            history = getattr(model, "history", None)
            row = history.filter(id=chosen.pk).first() if history and chosen else None
            kwargs[key] = row.history_id if row else 1
        elif key == "app_label":
            kwargs[key] = "clients"
        elif key == "content_type_id":
            kwargs[key] = ContentType.objects.get_for_model(Site).pk
    if name == "admin:view_on_site":
        kwargs["object_id"] = world["site"].pk
    if "#0" in kwargs:
        return reverse(name, args=[kwargs["#0"], kwargs["#1"]])
    return reverse(name, kwargs=kwargs)


def test_every_url_pattern_has_a_url_to_walk(world):
    problems = []
    for name in PATTERNS:
        try:
            url_of(name, world)
        except Exception as error:  # each one missing is listed
            problems.append(f"{name}: {error}")
    assert not problems, "\n".join(problems)
    assert {"home", "clients:detail", "plans:pdf", "admin:index"} <= set(PATTERNS)


# The walk --------------------------------------------------------------------------------------


class Walk:
    """One group's walk, in the five phases of the module's docstring."""

    def __init__(self, group, world, request):
        self.world = world
        self.request = request
        # One handler for every role's client: each would load the middleware again.
        self.handler = ClientHandler(enforce_csrf_checks=False)
        self.roles = ADMIN_ROLES if group == "admin" else ROLES
        self.names = sorted((n for n in PATTERNS if group_of(n) == group),
                            key=lambda n: (n in LOGS_OUT, n in LAST, n))
        self.hosts = sorted({FORM_PAGES[n](world) for n in self.names if n in FORM_PAGES})
        self.probe = hostile.Prober()
        self.clients = {role: self._client(role) for role in self.roles}
        self.opened = {}  # (name, role) -> Outcome of the first GET
        self.reads = {}  # (name, role) -> query parameters the view looked up
        self.files = set()  # names answered with a PDF, an image, a download
        self.forms = {}  # url name -> {signature: Form}, from any role's page
        self.shown_to = {}  # url name -> roles shown a form that posts to it
        self.host_status = {}  # (URL of a page in FORM_PAGES, role) -> status
        self.tables = hostile.guarded_tables()
        self.today = timezone.localdate()

    def _client(self, role):
        client = WebClient()
        client.handler = self.handler
        if role != "anonymous":
            client.force_login(self.request.getfixturevalue(role))
        return client

    def url(self, name):
        return url_of(name, self.world)

    def send(self, role, method, url, name, what, **kwargs):
        where = f"{method.upper()} {url[:120]} ({name}) as {role}, {what}"
        outcome = self.probe.send(self.clients[role], method, url, where=where, **kwargs)
        if name in LOGS_OUT:
            self.clients[role] = self._client(role)
        return outcome

    def allowed_roles(self, name):
        """The roles that may use the page: it opened for them, or they were shown its form."""
        if name in LOGS_OUT:
            return self.roles
        if name in FORM_PAGES:
            if name in self.shown_to:
                return [r for r in self.roles if r in self.shown_to[name]]
            # A form shown only now and then (an addendum, when an edit comes too late):
            # whoever may open the page it belongs to.
            host = FORM_PAGES[name](self.world)
            return [r for r in self.roles if self.host_status.get((host, r)) == 200]
        return [r for r in self.roles
                if (name, r) in self.opened and self.opened[name, r].status == 200]

    def one_of_each_kind(self, name):
        """The first allowed role of each kind (keyworker, manager, administrator, not signed
        in): once let in, the roles of one kind run the same code."""
        kinds = {}
        for role in self.allowed_roles(name):
            kinds.setdefault(KIND[role], role)
        return list(kinds.values())

    # 1. Open every page, read its forms and which query parameters the view looks at;
    # then the pages that show the forms of the POST-only URLs.
    def open_everything(self):
        for name in self.names:
            if name in LOGS_OUT:
                continue
            for role in self.roles:
                with hostile.query_reads() as keys:
                    outcome = self.send(role, "get", self.url(name), name, "first visit")
                self.opened[name, role] = outcome
                self.reads[name, role] = keys
                if (outcome.status == 405 and name not in FORM_PAGES
                        and name not in SIGNED_BY_PROVIDER):
                    self.probe.note(f"{name} answers 405 to GET: add the page that shows its "
                                    "form to FORM_PAGES, so that it is posted as filled in")
                if outcome.status == 200 and not outcome.html:
                    self.files.add(name)
                if outcome.html:
                    self._read(self.url(name), name, role, outcome)
        for url in self.hosts:
            name = hostile.url_name(url)
            for role in self.roles:
                if name in self.names and url == self.url(name):
                    outcome = self.opened[name, role]  # read already
                else:
                    outcome = self.send(role, "get", url, name, "to find the forms on it")
                    if outcome.html:
                        self._read(url, name, role, outcome)
                self.host_status[url, role] = outcome.status

    def _read(self, url, name, role, outcome):
        forms, links = hostile.read_page(url, outcome.body.decode())
        for form in forms:
            target = hostile.url_name(form.action)
            if target in LOGS_OUT and target != name:
                continue  # the menu's log-out button, on every page
            found = self.forms.setdefault(target, {})
            if len(found) < FORMS_PER_URL:
                found.setdefault(form.signature, form)
            if form.method == "post":
                self.shown_to.setdefault(target, set()).add(role)
        path = urlsplit(url).path
        for link in links:
            if urlsplit(link).path == path:
                self.reads.setdefault((name, role), set()).update(
                    key for key, _value in parse_qsl(urlsplit(link).query))

    # 2. Hostile query strings, for one role of each kind the page opened to: the page's GET
    # forms, and each parameter the view reads (or its links carry) with each hostile value
    # in turn; the ids in the address made huge.
    def ask_with_hostile_queries(self):
        for name in self.names:
            if name in self.files:
                continue
            for role in self.one_of_each_kind(name):
                url = self.url(name).split("?")[0]
                for form in self.forms.get(name, {}).values():
                    if form.method == "get":
                        for pass_name in ("markup", "garbage"):
                            pairs = hostile.payload(form, pass_name, self.today, query=True)
                            self.send(role, "get", f"{url}?{urlencode(pairs)}", name,
                                      f"GET form, {pass_name} pass: {_fields(pairs)}")
                # The admin's own parameters are Django's to check; its search is ours.
                keys = [] if name.startswith("admin:") else sorted(
                    self.reads.get((name, role), ()))
                for value in QUERY_VALUES if keys else ():
                    pairs = [(key, value) for key in keys]
                    self.send(role, "get", f"{url}?{urlencode(pairs)}", name,
                              f"query {_fields(pairs)}")
                huge = "/".join(hostile.HUGE if p.isdigit() else p for p in url.split("/"))
                if huge != url:
                    self.send(role, "get", huge, name, "huge ids in the URL")

    def _forms_for(self, name):
        forms = [f for f in self.forms.get(name, {}).values() if f.method == "post"]
        if forms:
            return forms
        fields = {n: hostile.Field(n, "text") for n in GENERIC_FIELDS}
        return [hostile.Form(action=self.url(name), method="post", multipart=False,
                             fields=fields, generic=True)]

    def _post(self, name, role, form, pass_name):
        pairs = hostile.payload(form, pass_name, self.today)
        data, content_type = hostile.form_body(form, pairs)
        url = form.action if hostile.url_name(form.action) == name else self.url(name)
        return url, self.send(role, "post", url, name, f"{pass_name} pass: {_fields(pairs)}",
                              data=data, content_type=content_type)

    # 3. The roles refused a page post to it what an allowed role would: nothing may change.
    # One fingerprint per URL: when it moved, every refused role's answer is listed.
    def post_as_the_refused(self):
        before = hostile.fingerprint(self.tables)
        for name in self.names:
            allowed = self.allowed_roles(name)
            answers = []
            for role in self.roles:
                if role not in allowed:
                    url, outcome = self._post(name, role, self._forms_for(name)[0], "markup")
                    answers.append(f"{role}: {outcome.status}")
            if not answers:
                continue
            after = hostile.fingerprint(self.tables)
            if moved := hostile.changed(before, after):
                self.probe.note(f"POST {url} ({name}) by the roles refused on GET "
                                f"({', '.join(answers)}) changed {', '.join(moved)}")
            before = after

    # 4. One role of each kind allowed posts every form: the first in every pass, the others
    # the markup (what they save is shown to everyone in phase 5). Where no form was found,
    # one pass of the usual field names.
    def post_as_the_allowed(self):
        for name in self.names:
            if name in self.files:
                continue  # a PDF or a file: nothing to send it
            for n, role in enumerate(self.one_of_each_kind(name)):
                for form in self._forms_for(name):
                    for pass_name in self._passes(name, form, first=n == 0):
                        self._post(name, role, form, pass_name)

    @staticmethod
    def _passes(name, form, *, first):
        if form.generic:
            return ["garbage"]
        if not first:
            return ["markup"]
        # Dates and numbers far and early, where the form has any: not in the admin, whose
        # forms are Django's ModelForms, their numbers checked against the column's range.
        dated = not name.startswith("admin:") and any(
            f.kind in {"date", "number", "time", "datetime-local"} for f in form.fields.values())
        return [p for p in hostile.PASSES if dated or p not in {"far", "early"}]

    # 5. Every page again, with the markup saved: once for each kind of role and template
    # (a site colleague sees a client's summary, her keyworker the full file). A PDF once,
    # its HTML checked (test_hostile_text_in_every_pdf_is_shown_as_text draws real ones).
    def open_everything_again(self):
        for name in self.names:
            seen = set()
            for role in [] if name in LOGS_OUT else self.allowed_roles(name):
                opened = self.opened.get((name, role))
                shape = "file" if name in self.files else (KIND[role], opened and opened.template)
                if shape not in seen:
                    seen.add(shape)
                    self.send(role, "get", self.url(name), name, "after the hostile posts")

    def run(self):
        self.open_everything()
        self.ask_with_hostile_queries()
        self.post_as_the_refused()
        self.post_as_the_allowed()
        self.open_everything_again()
        return self.probe


def _fields(pairs):
    """The fields of a request, shortened for a failure message."""
    shown = []
    for name, value in pairs:
        if name == "csrfmiddlewaretoken":
            continue
        text = value if isinstance(value, str) else getattr(value, "name", repr(value))
        shown.append(f"{name}={text[:24]!r}" + ("…" if len(text) > 24 else ""))
    return "{" + ", ".join(shown) + "}"


@pytest.mark.parametrize("group", GROUPS)
def test_hostile_input_to_every_url_as_every_role(world, request, monkeypatch, group):
    walk = Walk(group, world, request)
    monkeypatch.setattr(pdf, "html_to_pdf", walk.probe.html_to_pdf)
    probe = walk.run()
    assert probe.requests > 0
    assert not probe.problems, f"{len(probe.problems)} problems:\n" + "\n\n".join(
        probe.problems)


def test_the_walk_reports_markup_a_page_does_not_escape(client, keyworker):
    """The walk's own check, on a page that echoes what it is given: it must be caught."""
    probe = hostile.Prober()
    client.force_login(keyworker)
    for text, content_type in [(f"<p>{hostile.SCRIPT}</p>", "text/html"),
                               (f'<input value="{hostile.IMG}">', "text/html"),
                               (f"<svg><text>{hostile.SCRIPT}</text></svg>", "image/svg+xml")]:
        response = HttpResponse(text, content_type=content_type)
        assert hostile.is_markup(response)
        assert hostile.unsafe_in(text)
    assert not hostile.unsafe_in("<p>&lt;script&gt;alert(1)&lt;/script&gt;&quot;&gt;"
                                 "&lt;img src=x onerror=alert(1)&gt;</p>")
    outcome = probe.send(client, "get", reverse("home"), where="home")
    assert outcome.status == 200 and not probe.problems


# A wrong CSRF token --------------------------------------------------------------------------


def test_a_wrong_csrf_token_is_refused_everywhere_and_changes_nothing(world, manager):
    """Every URL, posted by a signed-in manager whose form carries a token that is not the
    one of their cookie: 403, the styled page, and nothing written."""
    browser = WebClient(enforce_csrf_checks=True)
    browser.force_login(manager)
    browser.get(reverse("clients:edit", args=[world["client"].pk]))  # sets the CSRF cookie
    assert browser.cookies.get("csrftoken")
    tables = hostile.guarded_tables()
    before = hostile.fingerprint(tables)
    wrong = []
    for name in sorted(PATTERNS):
        url = url_of(name, world)
        response = browser.post(url, {"csrfmiddlewaretoken": "x" * 64,
                                      "note": hostile.SCRIPT, "name": hostile.SCRIPT})
        if name in SIGNED_BY_PROVIDER:
            if response.status_code != 403:
                wrong.append(f"{name} {url}: {response.status_code}")
            continue
        if response.status_code != 403 or b"This form has expired" not in response.content:
            wrong.append(f"{name} {url}: {response.status_code}")
    assert not wrong, "\n".join(wrong)
    assert hostile.changed(before, hostile.fingerprint(tables)) == []
    # Without any token, the same.
    assert browser.post(url_of("clients:edit", world), {"first_name": "X"}).status_code == 403


# PDFs --------------------------------------------------------------------------------------

BOLD = "<b>Bold</b>"
# What each printed document must show as written, character for character.
PRINTED = [BOLD, hostile.SCRIPT, hostile.TEMPLATE_VARIABLE, hostile.TEMPLATE_TAG, hostile.SQL]


def pdf_text(body):
    with tempfile.NamedTemporaryFile(suffix=".pdf") as file:
        file.write(body)
        file.flush()
        return subprocess.run(["pdftotext", "-enc", "UTF-8", file.name, "-"], check=True,
                              capture_output=True, text=True).stdout


@pytest.fixture
def hostile_file(world, keyworker):
    """Dee, with hostile text in her name, her plan (vision, goal, action, milestone), her
    agreement and her portfolio."""
    dee = world["client"]
    dee.first_name, dee.last_name, dee.preferred_name = BOLD, hostile.SCRIPT, ""
    dee.save()
    text = " ".join(PRINTED)
    draft = world["draft"]
    plans_services.plan_update(plan=draft, lock_version=draft.lock_version, by=keyworker,
                               starts_on=draft.starts_on, review_on=draft.review_on,
                               vision=text, strengths=hostile.IMG,
                               constraints=f"{hostile.RIGHT_TO_LEFT} {hostile.COMBINING}")
    draft.refresh_from_db()
    plans_services.goal_save(
        plan=draft, lock_version=draft.lock_version, by=keyworker, text=f"Goal {BOLD}",
        actions=[{"what": f"Action {hostile.SCRIPT}", "who": "client",
                  "due_on": timezone.localdate() + DAY}],
        milestones=[{"text": f"Milestone {hostile.TEMPLATE_VARIABLE}",
                     "target_on": timezone.localdate() + 7 * DAY}])
    agreement = world["agreement_draft"]
    plans_services.agreement_update(
        agreement=agreement, lock_version=agreement.lock_version, by=keyworker,
        sessions=text, can_expect=text, expected_of_client=f"{BOLD}\n{hostile.SCRIPT}",
        confidentiality=text)
    stages_services.portfolio_add(client=dee, by=keyworker, kind="certificate",
                                  on=timezone.localdate(), title=f"Title {BOLD}", text=text)
    return world


def test_hostile_text_in_every_pdf_is_shown_as_text(client, hostile_file, keyworker,
                                                     manager):
    """The PDFs print what was typed, markup and template syntax included, as characters:
    nothing of it is interpreted (a <b> stays on the page as "<b>")."""
    world = hostile_file
    dee = world["client"]
    client.force_login(keyworker)
    documents = {
        "plans:pdf": reverse("plans:pdf", args=[world["draft"].pk]),
        "plans:agreement_pdf": reverse("plans:agreement_pdf",
                                       args=[world["agreement_draft"].pk]),
        "plans:sheet_pdf": reverse("plans:sheet_pdf", args=[dee.pk]),
        "stages:portfolio_pdf": reverse("stages:portfolio_pdf", args=[dee.pk]),
        # The door's printed register: Dee was checked in by the world (world["visit"]).
        "attendance:register_pdf": reverse("attendance:register_pdf") + f"?site={dee.site_id}",
        # The easy-read versions draw the same typed text in their own templates.
        "plans:pdf easy read": reverse("plans:pdf", args=[world["draft"].pk]) + "?version=easy",
        "plans:agreement_pdf easy read": reverse(
            "plans:agreement_pdf", args=[world["agreement_draft"].pk]) + "?version=easy",
        "plans:sheet_pdf easy read": reverse("plans:sheet_pdf", args=[dee.pk]) + "?version=easy",
    }
    texts = {}
    for name, url in documents.items():
        response = client.get(url)
        assert response.status_code == 200, name
        assert response["Content-Type"] == "application/pdf"
        texts[name] = " ".join(pdf_text(response.content).split())
    # The subject access summary, inside its ZIP (made by a manager).
    client.force_login(manager)
    response = client.post(reverse("audit:subject_access", args=[dee.pk]))
    with zipfile.ZipFile(io.BytesIO(response.content)) as archive:
        texts["audit:subject_access"] = " ".join(pdf_text(archive.read("summary.pdf")).split())
    # The ending letter, once Dee's stay has ended with the hostile text as its summary.
    client_services.client_end(client=dee, status=Client.Status.MOVED_ON,
                               ended_on=timezone.localdate(), destination=BOLD,
                               reason=hostile.SCRIPT, end_kind=Client.EndKind.PLANNED,
                               closing_summary=" ".join(PRINTED), by=manager)
    response = client.get(reverse("plans:ending_letter_pdf", args=[dee.pk]))
    assert response["Content-Type"] == "application/pdf"
    texts["plans:ending_letter_pdf"] = " ".join(pdf_text(response.content).split())
    assert set(PDF_VIEWS) <= set(texts), "a PDF view this test does not read"
    for name, text in texts.items():
        assert f"{BOLD} {hostile.SCRIPT}" in text, (name, "the client's name", text[:300])
        assert "tests-only-not-a-secret" not in text, name
        assert "'True': True" not in text, name
    for name in ("plans:pdf", "plans:agreement_pdf", "stages:portfolio_pdf",
                 "plans:ending_letter_pdf", "plans:pdf easy read",
                 "plans:agreement_pdf easy read"):
        assert " ".join(PRINTED) in texts[name], (name, "the text as typed", texts[name])
    assert f"Action {hostile.SCRIPT}" in texts["plans:pdf"]
    assert f"Milestone {hostile.TEMPLATE_VARIABLE}" in texts["plans:pdf"]
    assert hostile.IMG in texts["plans:pdf"]


# Every view that answers with a PDF, found from the code: a new one must be read above.
PDF_VIEWS = sorted(name for name in PATTERNS if name.endswith("pdf")) + [
    "audit:subject_access"]


def test_a_long_word_prints_without_delay(client, world, keyworker):
    """100,000 characters without a space (a pasted blob) in a plan: the PDF still comes."""
    draft = world["draft"]
    plans_services.plan_update(plan=draft, lock_version=draft.lock_version, by=keyworker,
                               starts_on=draft.starts_on, review_on=draft.review_on,
                               vision=hostile.LONG, strengths="", constraints="")
    client.force_login(keyworker)
    response = client.get(reverse("plans:pdf", args=[draft.pk]))
    assert response.status_code == 200
    assert "AAAAAAAAAA" in pdf_text(response.content)


# Uploads -----------------------------------------------------------------------------------

MB = 1024 * 1024


def png_chunk(kind, data):
    return (struct.pack(">I", len(data)) + kind + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))


def png_declaring(width, height, rows=1):
    """A PNG whose header declares width x height pixels (grey, 8 bits), with image data
    for `rows` rows only: a few hundred bytes that say "decode me into gigabytes"."""
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    data = zlib.compress(b"\x00" * (width + 1) * rows, 9)
    return (b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", header) + png_chunk(b"IDAT", data)
            + png_chunk(b"IEND", b""))


SCRIPT_HTML = b"<html><body><script>alert(document.cookie)</script></body></html>"
# Each: (what it is, file name, content). None of them may be saved.
HOSTILE_FILES = [
    ("a GIF that is also HTML, named .png", "photo.png", b"GIF89a/*" + SCRIPT_HTML + b"*/"),
    ("a PDF with JavaScript, named .png", "scan.png",
     b"%PDF-1.4\n1 0 obj<< /Type /Catalog /OpenAction << /S /JavaScript "
     b"/JS (app.alert(1)) >> >>endobj\ntrailer<< /Root 1 0 R >>\n%%EOF\n"),
    ("a PNG signature followed by HTML", "photo.png",
     b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 0, 0, 0, 0))
     + SCRIPT_HTML),
    ("a PNG declaring 50,000 x 50,000 pixels (a decompression bomb)", "photo.png",
     png_declaring(50_000, 50_000)),
    ("a PNG declaring 12,000 x 12,000 pixels", "photo.png", png_declaring(12_000, 12_000)),
    ("an SVG with a script", "drawing.svg",
     b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'),
    ("an SVG with a script, named .png", "drawing.png",
     b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'),
]

# The pages whose form takes a file.
UPLOAD_FORMS = ["clients:edit", "clients:create", "stages:evidence_create", "stages:portfolio",
                "plans:paper_sign"]


def test_every_file_field_is_in_an_upload_test():
    """Each FileField and ImageField of the project's models is behind one of UPLOAD_FORMS:
    a new one must be added there."""
    fields = {f"{model._meta.label}.{field.name}" for model in apps.get_models()
              for field in model._meta.get_fields() if isinstance(field, FileField)
              and not model.__name__.startswith("Historical")}
    assert fields == {"clients.Client.photo", "stages.Evidence.file",
                      "stages.PortfolioItem.file", "plans.PaperOriginal.file"}


def _upload_form(client, name, world):
    """The form of page `name` (as read by the walk) and its field that takes a file."""
    url = url_of(name, world)
    forms, _links = hostile.read_page(url, client.get(url).content.decode())
    (form,) = [f for f in forms if f.files]
    return url, form, form.files[0]


def _saved_files(settings):
    roots = [settings.MEDIA_ROOT, settings.PRIVATE_MEDIA_ROOT]
    return sorted(str(p) for root in roots for p in root.rglob("*") if p.is_file())


def _rows():
    return (Client.objects.count(), list(Client.objects.values_list("photo", flat=True)),
            Evidence.objects.count(), PortfolioItem.objects.count(),
            PaperOriginal.objects.count(), Signature.objects.count())


@pytest.mark.filterwarnings("ignore::PIL.Image.DecompressionBombWarning")
@pytest.mark.parametrize("name", UPLOAD_FORMS)
def test_hostile_files_are_refused_with_a_message_and_nothing_is_saved(client, settings,
                                                                      world, manager, name):
    """Each file of HOSTILE_FILES, posted with the rest of the form as a person fills it."""
    client.force_login(manager)
    url, form, field = _upload_form(client, name, world)
    files, rows = _saved_files(settings), _rows()
    pairs = hostile.payload(form, "plain", timezone.localdate())
    wrong = []
    for what, filename, content in HOSTILE_FILES:
        upload = SimpleUploadedFile(filename, content, content_type="image/png")
        response = client.post(url, {**hostile.as_data(pairs), field: upload})
        if response.status_code != 200:
            wrong.append(f"{what}: answered {response.status_code}")
        elif f'id="error_1_id_{field}"' not in response.content.decode():
            wrong.append(f"{what}: no message at the {field} field")
        if _saved_files(settings) != files or _rows() != rows:
            wrong.append(f"{what}: saved")
            break
    assert not wrong, f"{name}:\n" + "\n".join(wrong)


def _post_streamed(client, url, pairs, field, filename, head, size):
    """POST a multipart form whose file is `head` padded to `size` bytes, read by the server
    from a file on disk as from a socket: (response, peak memory the request allocated)."""
    boundary = "hostile-boundary-7c1f"
    with tempfile.TemporaryFile() as body:
        for name, value in pairs:
            body.write(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"'
                       f"\r\n\r\n{value}\r\n".encode())
        body.write(f'--{boundary}\r\nContent-Disposition: form-data; name="{field}"; '
                   f'filename="{filename}"\r\nContent-Type: application/octet-stream'
                   f"\r\n\r\n".encode())
        body.write(head)
        for _ in range((size - len(head)) // MB):
            body.write(bytes(MB))
        body.write(f"\r\n--{boundary}--\r\n".encode())
        length = body.tell()
        body.seek(0)
        tracemalloc.start()
        try:
            response = client.request(
                REQUEST_METHOD="POST", PATH_INFO=url,
                CONTENT_TYPE=f"multipart/form-data; boundary={boundary}",
                CONTENT_LENGTH=str(length), **{"wsgi.input": body})
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
    return response, peak


def png_with_one_huge_chunk(size):
    """The start of a PNG whose image data is one chunk of `size` bytes (the rest of the
    file): a reader that takes a chunk whole holds it all in memory."""
    header = struct.pack(">IIBBBBB", 100, 100, 8, 0, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", header) + struct.pack(">I", size)
            + b"IDAT")


@pytest.mark.parametrize(("name", "filename", "head"), [
    ("clients:edit", "photo.png", png_with_one_huge_chunk(50 * MB - 100)),
    ("stages:evidence_create", "letter.pdf", b"%PDF-1.4\n"),
    ("stages:portfolio", "certificate.png", png_declaring(100, 100)),
    ("plans:paper_sign", "signed-plan.pdf", b"%PDF-1.4\n"),
], ids=["clients:edit", "stages:evidence_create", "stages:portfolio", "plans:paper_sign"])
def test_a_50_mb_file_is_refused_by_its_size_without_being_read_into_memory(
        client, settings, world, manager, name, filename, head):
    client.force_login(manager)
    url, form, field = _upload_form(client, name, world)
    files, rows = _saved_files(settings), _rows()
    pairs = hostile.payload(form, "plain", timezone.localdate())
    response, peak = _post_streamed(client, url, pairs, field, filename, head, 50 * MB)
    assert response.status_code == 200
    page = response.content.decode()
    assert "the largest allowed is" in page, "the message says the file is too large"
    assert peak < 10 * MB, f"the request held {peak / MB:.0f} MB in memory"
    assert _saved_files(settings) == files
    assert _rows() == rows


def test_a_drawn_signature_that_is_a_decompression_bomb_is_refused(client, world, keyworker):
    import base64

    from plans.models import Signature

    client.force_login(keyworker)
    url = url_of("plans:sign", world)
    forms, _links = hostile.read_page(url, client.get(url).content.decode())
    form = next(f for f in forms if "client-image" in f.fields)
    pairs = [(k, v) for k, v in hostile.payload(form, "plain", timezone.localdate())
             if k not in {"client-image", "client-method"}]
    bomb = "data:image/png;base64," + base64.b64encode(png_declaring(50_000, 50_000)).decode()
    count = Signature.objects.count()
    response = client.post(url, hostile.as_data(
        [*pairs, ("client-method", "drawn"), ("client-image", bomb)]))
    assert response.status_code == 200
    assert "could not be read" in response.content.decode()
    assert Signature.objects.count() == count
