"""Keywork agreements and support plans, their signatures and reviews; agencies and referrals.

A support plan is a chain of versions (`Plan`, numbered per client). A version is a draft
until the client and a worker both sign it; signing locks what it says (its *content*:
goals, actions with who and when, milestones with targets, the agreed dates). Progress
(an action done or not, what was learnt, a milestone reached) is recorded on the signed
version as keywork goes on, and is not part of what was signed. Changing what a signed
plan says starts a new draft version from it; every version stays readable.

What a signature signs is everything the document prints: its content together with the
client's name and reference, the site and the keyworker to contact, as they read at that
moment. When both have signed, that content is frozen as the version's `signed_content`
and its SHA-256 kept as `signed_digest`; from then on the version prints the snapshot, not
the live records, so renaming the client or moving them to another keyworker never changes
a signed version. Each signature keeps the digest of the exact content it was given to
(`content_digest`) and counts only while it equals the version's digest. `content()` makes
what would be printed today, `seal()` freezes it, `printed()` reads what a version prints
and `changed_since_signing()` says which printed details the live records now tell
differently (the plan page shows that as a notice).

Who may see any of it follows the client (clients.models): the plans views open a record
only for a user with the client's full file; plans are never part of the summary that
site colleagues see.
"""

import base64
import datetime
import hashlib
import json
import uuid

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from clients.models import Allocation, Client
from staff.models import Site
from stages.models import private_path, private_storage

MANAGER_REVIEW_FROM = datetime.timedelta(weeks=4)
MANAGER_REVIEW_UNTIL = datetime.timedelta(weeks=13)


def digest(content):
    """SHA-256 (hex) of a document's content: canonical JSON, so the same words always
    give the same digest."""
    text = json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


def _iso(day):
    return day.isoformat() if day else ""


def keyworker_of(client):
    """The client's primary keyworker today, or None."""
    allocation = (Allocation.objects.current().primary().filter(client=client)
                  .select_related("worker").first())
    return allocation.worker if allocation else None


_UNSET = object()


def _contacts(client, keyworker):
    """Who a signed document names beside its own text: the client as they were called,
    the site and the keyworker to contact."""
    if keyworker is _UNSET:
        keyworker = keyworker_of(client)
    return {
        "client": client.display_name,
        "reference": client.reference,
        "site": client.site.name,
        "site_phone": client.site.phone,
        "keyworker": str(keyworker) if keyworker else "",
        "keyworker_phone": keyworker.phone if keyworker else "",
    }


# Reference data: the site's agreement text and the agencies directory --------------------


class AgreementTemplate(models.Model):
    """A site's keywork agreement text, from which each client's agreement is filled.

    Text may name {client}, {keyworker}, {keyworker_phone}, {site} and {site_phone};
    they are filled in when a client's agreement is prepared.
    """

    PLACEHOLDERS = ("client", "keyworker", "keyworker_phone", "site", "site_phone")

    site = models.OneToOneField(Site, on_delete=models.PROTECT, related_name="agreement_template")
    sessions = models.CharField(
        _("how often sessions happen"), max_length=300,
        help_text=_("One sentence the client reads first, e.g. at least one booked session "
                    "a week."))
    can_expect = models.TextField(
        _("what the client can expect"),
        help_text=_("How to contact the keyworker and the site, cover when the keyworker is "
                    "away, help with other agencies."))
    expected_of_client = models.TextField(_("what is expected of the client"))
    confidentiality = models.TextField(
        _("confidentiality and its limits"),
        help_text=_("What stays private, and when the team must share (safeguarding)."))
    review_interval_weeks = models.PositiveSmallIntegerField(
        _("weeks between plan reviews"), default=4,
        help_text=_("The review date a new plan version proposes; 4 is monthly."))
    updated_at = models.DateTimeField(auto_now=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("keywork agreement text")
        verbose_name_plural = _("keywork agreement texts")
        constraints = [
            models.CheckConstraint(
                condition=Q(review_interval_weeks__gte=1, review_interval_weeks__lte=13),
                name="agreement_template_review_interval_1_to_13_weeks"),
        ]

    def __str__(self):
        return gettext("Keywork agreement text of %(site)s") % {"site": self.site}

    @classmethod
    def default_text(cls):
        """Sensible starting text, drawn from good practice in keyworking."""
        return {
            "sessions": gettext(
                "You will have at least one booked keywork session a week with your "
                "keyworker: one to one, in a private room, at a time that suits you."),
            "can_expect": gettext(
                "Your keyworker, {keyworker}, is your main contact at {site}. You can call "
                "them on {keyworker_phone}, or call {site} on {site_phone} and ask for them.\n"
                "Within your first week we will write your support plan with you, in your "
                "own words, and we will review it together every month.\n"
                "If your keyworker is on leave or off sick, another worker will cover your "
                "sessions. We will tell you who.\n"
                "We will help you get support from other services, and speak up for you if "
                "that support is not working."),
            "expected_of_client": gettext(
                "Come to your booked sessions, or tell us in advance if you cannot.\n"
                "Work on the actions in your plan and tell us how they went.\n"
                "If your keyworker is away, arrange your session with the team.\n"
                "Keep to the house rules and treat everyone here with respect."),
            "confidentiality": gettext(
                "What you tell us stays within the team that supports you. We share "
                "information with other services only with your consent, and we tell you "
                "what we share.\n"
                "We must share information without your consent if we believe you or "
                "someone else is at risk of serious harm (safeguarding), or when the law "
                "requires it. Where we can, we will tell you first."),
        }

    @classmethod
    def for_site(cls, site):
        """The site's agreement text, created with the default text the first time."""
        template, _created = cls.objects.get_or_create(site=site, defaults=cls.default_text())
        return template


class AgencyQuerySet(models.QuerySet):
    def for_user(self, user):
        """Agencies of the user's sites: every keyworker and manager may look them up."""
        if not user.is_authenticated or user.is_administrator:
            return self.none()
        return self.filter(site__in=user.sites.all())

    def active(self):
        return self.filter(is_active=True)


class Agency(models.Model):
    """Another organisation clients are referred to, or which leads on part of a plan."""

    class Kind(models.TextChoices):
        """What kind of agency it is: a client may consent to share with every agency of a
        kind (all drug services) rather than with one by name."""

        HOUSING = "housing", _("Housing")
        HEALTH = "health", _("Health (GP, hospital, community health)")
        MENTAL_HEALTH = "mental_health", _("Mental health")
        DRUG_ALCOHOL = "drug_alcohol", _("Drug and alcohol service")
        MONEY = "money", _("Benefits, money and debt advice")
        WORK = "work", _("Work, training and education")
        SOCIAL_CARE = "social_care", _("Adult social care")
        JUSTICE = "justice", _("Probation and criminal justice")

    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="agencies",
                             verbose_name=_("site"))
    name = models.CharField(_("name"), max_length=150)
    kind = models.CharField(_("kind of agency"), max_length=20, choices=Kind, blank=True,
                            help_text=_("Lets a client consent to share with every agency "
                                        "of a kind."))
    service = models.CharField(_("service"), max_length=200, blank=True,
                               help_text=_("What they do, e.g. housing advice, drug service."))
    contact_name = models.CharField(_("contact person"), max_length=120, blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    address = models.TextField(_("address"), blank=True)
    is_active = models.BooleanField(_("in use"), default=True,
                                    help_text=_("Untick instead of deleting an agency."))
    history = HistoricalRecords()

    objects = AgencyQuerySet.as_manager()

    class Meta:
        ordering = ["name", "pk"]
        verbose_name = _("agency")
        verbose_name_plural = _("agencies")
        constraints = [
            models.UniqueConstraint(fields=["site", "name"], name="agency_name_per_site"),
        ]

    def __str__(self):
        return self.name

    @property
    def contact_details(self):
        """One line a client can act on: who to ask for and how to reach them."""
        parts = [self.contact_name, self.phone, self.email]
        return " · ".join(part for part in parts if part)


class ConsentQuerySet(models.QuerySet):
    def in_force(self, on):
        """Consents given by the day `on`, not expired (`expires_on` is the last day) and
        not withdrawn by then."""
        return self.filter(given_on__lte=on, expires_on__gte=on).filter(
            Q(withdrawn_on__isnull=True) | Q(withdrawn_on__gt=on))

    def covering(self, agency):
        """Consents that name `agency`, or its kind."""
        covers = Q(agency=agency)
        if agency.kind:
            covers |= Q(agency__isnull=True, agency_kind=agency.kind)
        return self.filter(covers)


class Consent(models.Model):
    """A client's consent to share information with one agency, or with every agency of a
    kind, for a purpose, from the day given until its expiry (inclusive), unless withdrawn.

    Read through `plans.selectors.consent_for`, which a referral to an agency asks before
    it is sent. Withdrawn, never deleted: what was shared under it stays explained.
    """

    class How(models.TextChoices):
        IN_WRITING = "in_writing", _("In writing (signed form)")
        VERBALLY = "verbally", _("Verbally, to a member of staff")
        ON_BEHALF = "on_behalf", _("By someone with authority to act for them")

    client = models.ForeignKey(Client, on_delete=models.PROTECT, related_name="consents")
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="consents",
                               null=True, blank=True, verbose_name=_("agency"))
    agency_kind = models.CharField(_("or every agency of this kind"), max_length=20,
                                   choices=Agency.Kind, blank=True)
    purpose = models.TextField(_("purpose"),
                               help_text=_("What the information is shared for."))
    how = models.CharField(_("how it was given"), max_length=20, choices=How)
    given_by = models.CharField(_("given by"), max_length=120, blank=True,
                                help_text=_("The name and role of whoever gave it on the "
                                            "client's behalf."))
    given_on = models.DateField(_("given on"))
    expires_on = models.DateField(_("expires on"),
                                  help_text=_("The last day it covers; review it before."))
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                    related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)
    withdrawn_on = models.DateField(_("withdrawn on"), null=True, blank=True)
    withdrawn_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                     related_name="+", null=True, blank=True)
    withdrawn_note = models.TextField(_("about the withdrawal"), blank=True)
    history = HistoricalRecords()

    objects = ConsentQuerySet.as_manager()

    class Meta:
        ordering = ["-given_on", "-pk"]
        verbose_name = _("consent to share")
        verbose_name_plural = _("consents to share")
        constraints = [
            models.CheckConstraint(
                condition=(Q(agency__isnull=False, agency_kind="")
                           | (Q(agency__isnull=True) & ~Q(agency_kind=""))),
                name="consent_one_agency_or_kind"),
            models.CheckConstraint(condition=Q(expires_on__gte=models.F("given_on")),
                                   name="consent_expires_after_given"),
            models.CheckConstraint(
                condition=Q(withdrawn_on__isnull=True)
                | Q(withdrawn_on__gte=models.F("given_on")),
                name="consent_withdrawn_after_given"),
        ]
        indexes = [models.Index(fields=["client", "expires_on"])]

    def __str__(self):
        return gettext("Consent to share with %(whom)s") % {"whom": self.with_whom}

    def state(self, on=None):
        """"withdrawn", "expired", "future" or "in_force" on the day `on` (today)."""
        on = on or timezone.localdate()
        if self.withdrawn_on is not None and self.withdrawn_on <= on:
            return "withdrawn"
        if self.expires_on < on:
            return "expired"
        return "future" if self.given_on > on else "in_force"

    @property
    def state_today(self):
        return self.state()

    @property
    def with_whom(self):
        if self.agency_id:
            return str(self.agency)
        return gettext("any agency: %(kind)s") % {"kind": self.get_agency_kind_display()}


class Referral(models.Model):
    """A client referred to an agency: when, why, what came of it, when to follow up.

    Sent on the client's consent in force (`consent`), or without it for a recorded reason
    (`shared_without`, `shared_without_note`). Referrals made before consents were kept
    one by one have neither.
    """

    class SharedWithout(models.TextChoices):
        SAFEGUARDING = "safeguarding", _("A safeguarding duty (Care Act 2014)")
        SERIOUS_HARM = "serious_harm", _("To prevent a risk of serious harm")
        LAW = "law", _("Required by law or a court order")
        BEST_INTERESTS = "best_interests", _(
            "The client lacks capacity to decide, and it is in their best interests")

    class Outcome(models.TextChoices):
        WAITING = "waiting", _("Waiting for an answer")
        ACCEPTED = "accepted", _("Accepted")
        DECLINED = "declined", _("Declined by the agency")
        NO_RESPONSE = "no_response", _("No response")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    client = models.ForeignKey(Client, on_delete=models.PROTECT, related_name="referrals")
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="referrals",
                               verbose_name=_("agency"))
    made_on = models.DateField(_("referred on"))
    reason = models.TextField(_("reason"))
    outcome = models.CharField(_("outcome"), max_length=20, choices=Outcome,
                               default=Outcome.WAITING)
    outcome_note = models.TextField(_("about the outcome"), blank=True)
    follow_up_on = models.DateField(_("follow up on"), null=True, blank=True)
    consent = models.ForeignKey(Consent, on_delete=models.PROTECT, related_name="referrals",
                                null=True, blank=True, verbose_name=_("consent"))
    shared_without = models.CharField(_("shared without consent because"), max_length=20,
                                      choices=SharedWithout, blank=True)
    shared_without_note = models.TextField(_("about sharing without consent"), blank=True)
    made_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-made_on", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(follow_up_on__isnull=True) | Q(follow_up_on__gte=models.F("made_on")),
                name="referral_follow_up_after_referral"),
        ]

    def __str__(self):
        return f"{self.client} → {self.agency}, {self.made_on}"

    @property
    def follow_up_due(self):
        return (self.outcome == self.Outcome.WAITING and self.follow_up_on is not None
                and self.follow_up_on <= timezone.localdate())


# Signed documents -------------------------------------------------------------------------


class SignedDocument(models.Model):
    """What a keywork agreement and a plan version share: numbered per client, a draft
    until both sign, then locked; replaced (superseded) by the next signed version."""

    number = models.PositiveIntegerField(_("version"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                   related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    signed_at = models.DateTimeField(_("signed"), null=True, blank=True, editable=False)
    signed_digest = models.CharField(max_length=64, blank=True, editable=False)
    # Everything the version prints, as it read when both signed (`content()`); the
    # signatures and `signed_digest` cover exactly this.
    signed_content = models.JSONField(_("what was signed"), null=True, blank=True,
                                      editable=False)
    superseded_at = models.DateTimeField(_("replaced"), null=True, blank=True, editable=False)
    # Optimistic locking: every save of the content bumps it, so the second of two people
    # editing one draft is told instead of overwriting the first.
    lock_version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        abstract = True

    @property
    def is_draft(self):
        return self.signed_at is None

    @property
    def is_current(self):
        return self.signed_at is not None and self.superseded_at is None

    @property
    def fingerprint(self):
        """The first 12 hex digits of what was signed: short enough to print and compare."""
        return self.signed_digest[:12]

    @property
    def status_label(self):
        if self.is_draft:
            return gettext("Draft")
        if self.superseded_at:
            return gettext("Replaced")
        return gettext("Signed")

    def seal(self, content):
        """Freeze `content` as what this version's signatures sign (done once, at locking)."""
        self.signed_content = content
        self.signed_digest = digest(content)

    def printed(self, **live):
        """What this version prints: once signed, the snapshot the signatures cover; a
        draft prints the records as they read now (`live` goes to `content()`)."""
        if self.signed_content is not None:
            return self.signed_content
        return self.content(**live)

    def digest(self, **live):
        """The digest of what this version prints: a signed version's never changes."""
        return digest(self.printed(**live))

    def changed_since_signing(self, **live):
        """[(key, as signed, as now)] for each printed detail the live records now tell
        differently; empty for a draft."""
        if self.signed_content is None:
            return []
        now = self.content(**live)
        return [(key, value, now.get(key)) for key, value in self.signed_content.items()
                if now.get(key) != value]


class Agreement(SignedDocument):
    """A client's keywork agreement: filled from the site's text, adaptable, signed by both."""

    client = models.ForeignKey(Client, on_delete=models.PROTECT, related_name="agreements")
    sessions = models.CharField(_("how often sessions happen"), max_length=300)
    can_expect = models.TextField(_("what you can expect from us"))
    expected_of_client = models.TextField(_("what we expect from you"))
    confidentiality = models.TextField(_("confidentiality and its limits"))
    history = HistoricalRecords(excluded_fields=["lock_version"])

    class Meta:
        ordering = ["client", "-number"]
        verbose_name = _("keywork agreement")
        constraints = [
            models.UniqueConstraint(fields=["client", "number"],
                                    name="agreement_number_per_client"),
            models.UniqueConstraint(fields=["client"], condition=Q(signed_at__isnull=True),
                                    name="agreement_one_draft_per_client"),
            models.UniqueConstraint(fields=["client"],
                                    condition=Q(signed_at__isnull=False,
                                                superseded_at__isnull=True),
                                    name="agreement_one_current_per_client"),
        ]

    def __str__(self):
        return gettext("Keywork agreement %(number)s of %(client)s") % {
            "number": self.number, "client": self.client}

    def get_absolute_url(self):
        return reverse("plans:agreement_detail", args=[self.pk])

    def content(self, keyworker=_UNSET):
        """What the agreement prints, read from the records now (see `SignedDocument`)."""
        return {
            "document": "keywork agreement",
            **_contacts(self.client, keyworker),
            "version": self.number,
            "sessions": self.sessions,
            "can_expect": self.can_expect,
            "expected_of_client": self.expected_of_client,
            "confidentiality": self.confidentiality,
        }


class PlanQuerySet(models.QuerySet):
    def current(self):
        """Signed versions not yet replaced: the plan in force, one per client."""
        return self.filter(signed_at__isnull=False, superseded_at__isnull=True)

    def drafts(self):
        return self.filter(signed_at__isnull=True)


class Plan(SignedDocument):
    """One version of a client's support plan."""

    client = models.ForeignKey(Client, on_delete=models.PROTECT, related_name="plans")
    based_on = models.ForeignKey("self", on_delete=models.PROTECT, null=True, blank=True,
                                 related_name="+", verbose_name=_("based on"))
    starts_on = models.DateField(_("date commencing"))
    review_on = models.DateField(
        _("review date"), help_text=_("When you and the client will look at the plan again."))
    vision = models.TextField(
        _("the client's picture of how things should be"), blank=True,
        help_text=_("In the client's own words."))
    strengths = models.TextField(_("strengths and resources"), blank=True)
    constraints = models.TextField(
        _("what may get in the way, and how to work through it"), blank=True)
    # Set when signed, then moved on by each review: when the next review is due.
    next_review_on = models.DateField(_("next review"), null=True, blank=True, editable=False)
    history = HistoricalRecords(excluded_fields=["lock_version"])

    objects = PlanQuerySet.as_manager()

    class Meta:
        ordering = ["client", "-number"]
        verbose_name = _("support plan version")
        constraints = [
            models.UniqueConstraint(fields=["client", "number"], name="plan_number_per_client"),
            models.UniqueConstraint(fields=["client"], condition=Q(signed_at__isnull=True),
                                    name="plan_one_draft_per_client"),
            models.UniqueConstraint(fields=["client"],
                                    condition=Q(signed_at__isnull=False,
                                                superseded_at__isnull=True),
                                    name="plan_one_current_per_client"),
            models.CheckConstraint(condition=Q(review_on__gt=models.F("starts_on")),
                                   name="plan_review_after_start"),
        ]
        indexes = [models.Index(fields=["client", "signed_at", "superseded_at"])]

    def __str__(self):
        return gettext("Support plan %(number)s of %(client)s") % {
            "number": self.number, "client": self.client}

    def get_absolute_url(self):
        return reverse("plans:detail", args=[self.pk])

    def content(self, goals=None, keyworker=_UNSET):
        """What the plan prints, read from the records now (see `SignedDocument`).

        Read from `goals` (prefetch them with their actions and milestones to read a whole
        plan in a fixed number of queries), or from `goals` given as [(goal, actions,
        milestones)] for rows not saved yet. `keyworker`: the client's keyworker if already
        known (saves a query).
        """
        if goals is None:
            goals = [(g, g.actions.all(), g.milestones.all()) for g in self.goals.all()]
        return {
            "document": "support plan",
            **_contacts(self.client, keyworker),
            "version": self.number,
            "starts_on": _iso(self.starts_on),
            "review_on": _iso(self.review_on),
            "vision": self.vision,
            "strengths": self.strengths,
            "constraints": self.constraints,
            "goals": [goal.content(actions, milestones) for goal, actions, milestones in goals],
        }


class Goal(models.Model):
    """A goal in the client's own words. `key` follows it from version to version."""

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="goals")
    key = models.UUIDField(default=uuid.uuid4, editable=False)
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    text = models.TextField(_("goal, in the client's words"))
    lead_agency = models.ForeignKey(
        Agency, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("agency leading on this goal"),
        help_text=_("Only if another agency leads; the plan then gives their contact details."))
    # The agency's name and contact as the plan states them (signed with it).
    lead_details = models.TextField(_("lead agency's contact details"), blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["order", "pk"]
        verbose_name = _("goal")
        constraints = [
            models.UniqueConstraint(fields=["plan", "key"], name="goal_key_per_plan"),
        ]

    def __str__(self):
        return self.text

    def content(self, actions, milestones):
        return {
            "key": str(self.key),
            "text": self.text,
            "lead": self.lead_details,
            "actions": [action.content() for action in actions],
            "milestones": [milestone.content() for milestone in milestones],
        }


class Action(models.Model):
    """A step towards a goal: what, who does it, by when ("When?"); then how it went."""

    class Who(models.TextChoices):
        CLIENT = "client", _("The client")
        KEYWORKER = "keyworker", _("The keyworker")
        AGENCY = "agency", _("Another agency")

    class Outcome(models.TextChoices):
        OPEN = "open", _("Not yet due or under way")
        DONE = "done", _("Done")
        NOT_DONE = "not_done", _("Not done")
        CHANGED = "changed", _("Changed")

    goal = models.ForeignKey(Goal, on_delete=models.CASCADE, related_name="actions")
    key = models.UUIDField(default=uuid.uuid4, editable=False)
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    what = models.TextField(_("what"))
    who = models.CharField(_("who"), max_length=10, choices=Who)
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, null=True, blank=True,
                               related_name="+", verbose_name=_("agency"))
    agency_name = models.CharField(max_length=150, blank=True, editable=False)
    due_on = models.DateField(_("when?"))
    # The support need it works on (optional): five completed actions tagged with a need
    # suggest "Achieving" for it at the next assessment (stages.hooks).
    need = models.ForeignKey("stages.Need", on_delete=models.PROTECT, null=True, blank=True,
                             related_name="+", verbose_name=_("support need"))
    # Progress: recorded after signing, not part of what was signed.
    outcome = models.CharField(_("how it went"), max_length=10, choices=Outcome,
                               default=Outcome.OPEN)
    learnt = models.TextField(_("what was learnt"), blank=True)
    outcome_on = models.DateField(null=True, blank=True, editable=False)
    outcome_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                   null=True, blank=True, related_name="+", editable=False)
    history = HistoricalRecords()

    class Meta:
        ordering = ["order", "pk"]
        verbose_name = _("action")
        constraints = [
            models.CheckConstraint(condition=~Q(who="agency") | Q(agency__isnull=False),
                                   name="action_agency_named_when_agency_does_it"),
        ]

    def __str__(self):
        return self.what

    @property
    def who_label(self):
        if self.who == self.Who.AGENCY:
            return self.agency_name
        return self.get_who_display()

    def content(self):
        return {"key": str(self.key), "what": self.what, "who": self.who,
                "agency": self.agency_name, "due_on": _iso(self.due_on)}


class Milestone(models.Model):
    """A mini-goal: how we will know we are getting there. Reached on a day, or not yet."""

    goal = models.ForeignKey(Goal, on_delete=models.CASCADE, related_name="milestones")
    key = models.UUIDField(default=uuid.uuid4, editable=False)
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    text = models.TextField(_("how we will know we are getting there"))
    target_on = models.DateField(_("target date"))
    reached_on = models.DateField(_("reached on"), null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["target_on", "order", "pk"]
        verbose_name = _("milestone")

    def __str__(self):
        return self.text

    def content(self):
        return {"key": str(self.key), "text": self.text, "target_on": _iso(self.target_on)}


class Signature(models.Model):
    """A client's or a worker's signature on one agreement or plan version.

    Drawn on screen (a PNG), or typed with the client's agreement given in person, or the
    client's refusal with the reason. `content_digest` is the document's digest when it
    was signed: the signature counts only while the document's digest is the same.
    """

    class Role(models.TextChoices):
        CLIENT = "client", _("Client")
        WORKER = "worker", _("Worker")

    class Method(models.TextChoices):
        DRAWN = "drawn", _("Signed on screen")
        TYPED = "typed", _("Typed name")
        DECLINED = "declined", _("Declined to sign")
        PAPER = "paper", _("Signed on paper")

    plan = models.ForeignKey(Plan, on_delete=models.PROTECT, null=True, blank=True,
                             related_name="signatures")
    agreement = models.ForeignKey(Agreement, on_delete=models.PROTECT, null=True, blank=True,
                                  related_name="signatures")
    role = models.CharField(_("who signs"), max_length=10, choices=Role)
    method = models.CharField(_("how"), max_length=10, choices=Method)
    name = models.CharField(_("name"), max_length=160)
    image = models.BinaryField(_("drawn signature (PNG)"), blank=True, default=b"")
    agreed_in_person = models.BooleanField(_("the client agreed in person"), default=False)
    declined_reason = models.TextField(_("why the client declined"), blank=True)
    content_digest = models.CharField(max_length=64)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                    related_name="+")
    signed_at = models.DateTimeField(_("signed at"), default=timezone.now)
    history = HistoricalRecords()

    class Meta:
        ordering = ["signed_at", "pk"]
        verbose_name = _("signature")
        constraints = [
            models.CheckConstraint(
                condition=Q(plan__isnull=False, agreement__isnull=True)
                | Q(plan__isnull=True, agreement__isnull=False),
                name="signature_on_one_document"),
            models.CheckConstraint(condition=~Q(method="declined") | Q(role="client"),
                                   name="signature_only_client_declines"),
            models.CheckConstraint(condition=~Q(method="declined") | ~Q(declined_reason=""),
                                   name="signature_decline_has_reason"),
            models.CheckConstraint(
                condition=~Q(method="typed", role="client") | Q(agreed_in_person=True),
                name="signature_typed_client_agreed_in_person"),
        ]

    def __str__(self):
        return f"{self.get_role_display()}: {self.name} ({self.get_method_display()})"

    @property
    def image_data_url(self):
        """The drawn signature as a data: URL, for pages and PDFs (no file on disk)."""
        if not self.image:
            return ""
        return "data:image/png;base64," + base64.b64encode(bytes(self.image)).decode()

    @property
    def fingerprint(self):
        return self.content_digest[:12]


class Review(models.Model):
    """A review meeting on a signed plan: progress, the client's view, what happens next."""

    class Decision(models.TextChoices):
        CONTINUE = "continue", _("The plan goes on as it is")
        REVISE = "revise", _("The plan is revised: a new version")

    plan = models.ForeignKey(Plan, on_delete=models.PROTECT, related_name="reviews")
    held_on = models.DateField(_("held on"))
    client_view = models.TextField(_("the client's view"))
    notes = models.TextField(_("worker's notes"), blank=True)
    decision = models.CharField(_("decision"), max_length=10, choices=Decision)
    # The client's own rating of the support, for the outcome reports (issue 9).
    rating = models.PositiveSmallIntegerField(
        _("the client's rating of the support"), null=True, blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(5)],
        help_text=_("1 (poor) to 5 (very good), if the client wishes to give one."))
    next_review_on = models.DateField(_("next review"))
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-held_on", "-pk"]
        verbose_name = _("plan review")
        constraints = [
            models.CheckConstraint(condition=Q(next_review_on__gt=models.F("held_on")),
                                   name="review_next_after_held"),
        ]

    def __str__(self):
        return gettext("Review of %(plan)s on %(day)s") % {"plan": self.plan, "day": self.held_on}


class ReviewItem(models.Model):
    """An action's or milestone's progress as recorded at a review."""

    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="items")
    action = models.ForeignKey(Action, on_delete=models.CASCADE, null=True, blank=True,
                               related_name="review_items")
    milestone = models.ForeignKey(Milestone, on_delete=models.CASCADE, null=True, blank=True,
                                  related_name="review_items")
    outcome = models.CharField(max_length=10, choices=Action.Outcome, blank=True)
    learnt = models.TextField(blank=True)
    reached_on = models.DateField(null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(action__isnull=False, milestone__isnull=True)
                | Q(action__isnull=True, milestone__isnull=False),
                name="review_item_on_one_thing"),
        ]

    def __str__(self):
        return str(self.action or self.milestone)


class ManagerReview(models.Model):
    """A manager's sign-off of a client's plan, 4 to 13 weeks after the plan started."""

    client = models.OneToOneField(Client, on_delete=models.PROTECT,
                                  related_name="plan_manager_review")
    plan = models.ForeignKey(Plan, on_delete=models.PROTECT, related_name="manager_reviews")
    comments = models.TextField(_("comments"))
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    signed_at = models.DateTimeField(_("signed off"), default=timezone.now)
    late = models.BooleanField(_("after the 13th week"), default=False)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("manager's plan review")

    def __str__(self):
        return gettext("Manager's review of %(client)s's plan") % {"client": self.client}


class PaperOriginal(models.Model):
    """The scan of a plan signed on paper (a plan brought in from before Keywork, or signed
    where no screen was to hand): its signatures (Signature.Method.PAPER) count as the
    plan's, and the paper is the signed original held on file."""

    plan = models.OneToOneField(Plan, on_delete=models.PROTECT, related_name="paper_original")
    file = models.FileField(_("scan of the signed plan"), storage=private_storage,
                            upload_to=private_path)
    signed_on = models.DateField(_("signed on"))
    client_name = models.CharField(_("client's name as signed"), max_length=160)
    worker_name = models.CharField(_("worker's name as signed"), max_length=160)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                    related_name="+")
    uploaded_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("signed paper original")

    def __str__(self):
        return f"{self.plan}: signed on paper on {self.signed_on}"


class DocumentAccess(models.Model):
    """Each time someone opens a client's PDF: printing a record is an access to it."""

    class Document(models.TextChoices):
        PLAN = "plan", _("Support plan")
        AGREEMENT = "agreement", _("Keywork agreement")
        SHEET = "sheet", _("My keywork sheet")
        PAPER = "paper", _("Signed paper original")

    client = models.ForeignKey(Client, on_delete=models.PROTECT, related_name="+")
    document = models.CharField(max_length=10, choices=Document)
    plan = models.ForeignKey(Plan, on_delete=models.PROTECT, null=True, blank=True,
                             related_name="accesses")
    agreement = models.ForeignKey(Agreement, on_delete=models.PROTECT, null=True, blank=True,
                                  related_name="accesses")
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-at", "-pk"]
        verbose_name = _("PDF opened")
        verbose_name_plural = _("PDFs opened")

    def __str__(self):
        return f"{self.get_document_display()} of {self.client}, {self.by}, {self.at}"
