"""Client records, their lifecycle, induction and keyworker allocations.

Who may see a client is decided in clients/access.py; `Client.objects.for_user(user)` and
`.in_full_for(user)` are its filter, for querysets of other apps to build on.
"""

import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import FileExtensionValidator
from django.db import models
from django.db.models import Q
from django.template.defaultfilters import filesizeformat
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from staff.models import Gender, Site, Skill, validate_skills

PHOTO_MAX_BYTES = 2 * 1024 * 1024


def validate_photo_size(file):
    if file.size > PHOTO_MAX_BYTES:
        raise ValidationError(
            _("The photo is %(size)s; the largest allowed is %(limit)s. Choose a smaller one."),
            params={"size": filesizeformat(file.size), "limit": filesizeformat(PHOTO_MAX_BYTES)},
        )


def photo_path(instance, filename):
    # Random names: a file name must not reveal whose photo it is.
    import uuid

    extension = filename.rsplit(".", 1)[-1].lower()
    return f"client-photos/{uuid.uuid4().hex}.{extension}"


def _today():
    return timezone.localdate()


class ClientQuerySet(models.QuerySet):
    def for_user(self, user):
        """Clients a user may see at all (clients.access.clients_for)."""
        from clients.access import clients_for  # it builds on these models

        return clients_for(user, queryset=self)

    def in_full_for(self, user, on=None):
        """Clients whose whole file a user may open on the day `on` (today)."""
        from clients.access import Access, clients_for

        return clients_for(user, Access.FULL, on=on, queryset=self)

    def open(self):
        return self.exclude(status__in=Client.ENDED)


class DocumentLanguage(models.TextChoices):
    """The languages a client's printed documents are held in (plans.documents): each a
    complete translation in locale/. The staff pages stay in British English whatever a
    client reads."""

    ENGLISH = "en-gb", _("English")
    WELSH = "cy", _("Welsh (Cymraeg)")
    ARABIC = "ar", _("Arabic (العربية)")


class Client(models.Model):
    """A person the site supports. Ended clients are archived (read-only), never deleted."""

    class Status(models.TextChoices):
        REFERRED = "referred", _("Referred")
        ADMITTED = "admitted", _("Admitted")
        ACTIVE = "active", _("Active")
        MOVED_ON = "moved_on", _("Moved on")
        DISCHARGED = "discharged", _("Discharged")
        DECLINED = "declined", _("Referral declined")
        WITHDRAWN = "withdrawn", _("Referral withdrawn")
        DID_NOT_ARRIVE = "did_not_arrive", _("Did not arrive")

    class EndKind(models.TextChoices):
        PLANNED = "planned", _("Planned ending")
        UNPLANNED = "unplanned", _("Unplanned ending")

    class ReferralEndReason(models.TextChoices):
        """Why a referral closed without an admission: a short list, so the outcome report
        can count them (the free-text reason says the rest)."""

        NOT_ELIGIBLE = "not_eligible", _("Not eligible for the service")
        NEEDS_TOO_HIGH = "needs_too_high", _("Needs beyond what the service offers")
        RISK = "risk", _("Risk too high to manage safely")
        NO_VACANCY = "no_vacancy", _("No vacancy")
        SUPPORTED_ELSEWHERE = "supported_elsewhere", _("Found support or housing elsewhere")
        CHOSE_NOT = "chose_not", _("The person chose not to come")
        REFERRER_WITHDREW = "referrer_withdrew", _("The referrer withdrew it")
        NO_CONTACT = "no_contact", _("Could not be contacted")
        OTHER = "other", _("Another reason")

    # Who left after an admission, and referrals closed without one. Both are ended: the
    # record is archived and read-only, kept for retention, and a return is a new stay.
    LEFT = (Status.MOVED_ON, Status.DISCHARGED)
    REFERRAL_CLOSED = (Status.DECLINED, Status.WITHDRAWN, Status.DID_NOT_ARRIVE)
    ENDED = LEFT + REFERRAL_CLOSED
    # The fields that describe one stay (episode), from referral to its end. Re-opening an
    # ended record copies them into an Episode and clears them for the new stay; a field
    # added to a stay is added here (and to Episode) and nowhere else.
    STAY_FIELDS = ("status", "referred_on", "referral_source", "referral_reference",
                   "referral_reason", "admitted_on", "on_probation", "ended_on",
                   "end_destination", "end_reason", "end_kind", "closing_summary",
                   "referral_end_reason")

    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="clients",
                             verbose_name=_("site"))
    number = models.PositiveIntegerField(_("number at the site"), editable=False)
    reference = models.CharField(_("reference"), max_length=20, unique=True, editable=False)
    first_name = models.CharField(_("first name"), max_length=80)
    last_name = models.CharField(_("last name"), max_length=80)
    preferred_name = models.CharField(
        _("preferred name"), max_length=80, blank=True,
        help_text=_("What the client likes to be called, if not their first name."),
    )
    date_of_birth = models.DateField(_("date of birth"), null=True, blank=True)
    photo = models.ImageField(
        _("photo"), upload_to=photo_path, blank=True,
        validators=[FileExtensionValidator(["jpg", "jpeg", "png", "webp"]), validate_photo_size],
        help_text=_("Optional. A JPEG, PNG or WebP image of at most 2 MB."),
    )
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    address = models.TextField(_("address"), blank=True)
    emergency_contact_name = models.CharField(_("emergency contact"), max_length=120,
                                              blank=True)
    emergency_contact_relationship = models.CharField(_("relationship"), max_length=60,
                                                      blank=True)
    emergency_contact_phone = models.CharField(_("emergency contact phone"), max_length=40,
                                               blank=True)
    languages = models.CharField(_("languages"), max_length=200, blank=True,
                                 help_text=_("Languages the client speaks, first the preferred."))
    cultural_needs = models.TextField(
        _("cultural needs and preferences"), blank=True,
        help_text=_("Anything to consider when choosing a keyworker: gender, faith, "
                    "culture, language."),
    )
    preferred_keyworker_gender = models.CharField(
        _("would rather have a keyworker who is"), max_length=20, blank=True,
        choices=[(g.value, g.label) for g in Gender if g != Gender.PREFER_NOT_TO_SAY],
        help_text=_("Only if the client asks. Leave empty for no preference."),
    )
    document_language = models.CharField(
        _("language of their documents"), max_length=10, choices=DocumentLanguage,
        default=DocumentLanguage.ENGLISH,
        help_text=_("The “My keywork” sheet, the agreement and the plan print in it."))
    easy_read = models.BooleanField(
        _("easy-read documents"), default=False,
        help_text=_("Short sentences, large type and a picture beside each idea."))
    support_wanted = models.JSONField(
        _("specialist support wanted"), default=list, blank=True,
        validators=[validate_skills],
        help_text=_("Keyworkers with these specialisms are shown first when allocating."),
    )
    gp_name = models.CharField(_("GP"), max_length=120, blank=True)
    gp_practice = models.CharField(_("GP practice"), max_length=200, blank=True)
    gp_phone = models.CharField(_("GP phone"), max_length=40, blank=True)
    consent_to_share = models.BooleanField(_("consents to share information"), default=False)
    consent_date = models.DateField(_("consent given on"), null=True, blank=True)
    consent_scope = models.TextField(
        _("what the consent covers"), blank=True,
        help_text=_("Which agencies or kinds of information the client agreed to share."),
    )
    alerts = models.TextField(
        _("alerts"), blank=True,
        help_text=_("Risk flags every member of staff at the site must see, one per line."),
    )
    status = models.CharField(_("status"), max_length=20, choices=Status,
                              default=Status.REFERRED)
    referred_on = models.DateField(_("referred on"), default=_today)
    referral_source = models.CharField(_("referred by"), max_length=200, blank=True)
    referral_reason = models.TextField(_("reason for referral"), blank=True)
    referral_reference = models.CharField(
        _("their reference"), max_length=60, blank=True,
        help_text=_("The referring agency's own reference for the client, if they gave one."),
    )
    admitted_on = models.DateField(_("admitted on"), null=True, blank=True)
    on_probation = models.BooleanField(_("on probation"), default=False)
    ended_on = models.DateField(_("ended on"), null=True, blank=True)
    end_destination = models.CharField(_("destination"), max_length=200, blank=True)
    end_reason = models.TextField(_("reason"), blank=True)
    end_kind = models.CharField(_("kind of ending"), max_length=10, choices=EndKind,
                                blank=True)
    closing_summary = models.TextField(
        _("closing summary"), blank=True,
        help_text=_("Written with the client: what they achieved, what comes next."),
    )
    referral_end_reason = models.CharField(_("why the referral closed"), max_length=30,
                                           choices=ReferralEndReason, blank=True)
    version = models.PositiveIntegerField(default=1, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords(excluded_fields=["version"])

    objects = ClientQuerySet.as_manager()


    class Meta:
        ordering = ["last_name", "first_name", "pk"]
        verbose_name = _("client")
        verbose_name_plural = _("clients")
        constraints = [
            models.UniqueConstraint(fields=["site", "number"], name="client_number_per_site"),
            models.CheckConstraint(
                condition=Q(admitted_on__isnull=True) | Q(admitted_on__gte=models.F("referred_on")),
                name="client_admitted_after_referral",
            ),
            models.CheckConstraint(
                condition=Q(ended_on__isnull=True)
                | Q(admitted_on__isnull=True)
                | Q(ended_on__gte=models.F("admitted_on")),
                name="client_ended_after_admission",
            ),
        ]
        indexes = [
            models.Index(fields=["site", "status", "last_name"]),
            models.Index(fields=["last_name", "first_name"]),
        ]

    def __str__(self):
        return self.display_name

    def get_absolute_url(self):
        return reverse("clients:detail", args=[self.pk])

    @property
    def display_name(self):
        if self.preferred_name and self.preferred_name != self.first_name:
            return f"{self.first_name} “{self.preferred_name}” {self.last_name}"
        return f"{self.first_name} {self.last_name}"

    @property
    def called(self):
        return self.preferred_name or self.first_name

    @property
    def is_archived(self):
        return self.status in self.ENDED

    @property
    def referral_closed(self):
        """Closed as a referral (declined, withdrawn, did not arrive), never admitted."""
        return self.status in self.REFERRAL_CLOSED

    @property
    def support_wanted_labels(self):
        return [Skill(value).label for value in self.support_wanted if value in Skill.values]

    @property
    def alert_list(self):
        return [line.strip() for line in self.alerts.splitlines() if line.strip()]

    def clean(self):
        today = timezone.localdate()
        errors = {}
        if self.date_of_birth and self.date_of_birth > today:
            errors["date_of_birth"] = _("The date of birth cannot be in the future.")
        if self.consent_to_share and not self.consent_date:
            errors["consent_date"] = _("Give the date the client agreed to share information.")
        if self.consent_date and self.consent_date > today:
            errors["consent_date"] = _("The consent date cannot be in the future.")
        if errors:
            raise ValidationError(errors)


class Episode(models.Model):
    """An earlier stay of a client: a record that ended and was re-opened for a new stay.

    The stay's fields are copied from the Client (`Client.STAY_FIELDS`) when a manager
    re-opens it; `number` counts the client's stays from 1. Plans and assessments recorded
    before `reopened_at` belong to this stay or an earlier one (clients.selectors.stay_start).
    """

    client = models.ForeignKey(Client, on_delete=models.PROTECT, related_name="episodes")
    number = models.PositiveSmallIntegerField(_("stay"))
    status = models.CharField(_("how it ended"), max_length=20, choices=Client.Status)
    referred_on = models.DateField(_("referred on"))
    referral_source = models.CharField(_("referred by"), max_length=200, blank=True)
    referral_reference = models.CharField(_("their reference"), max_length=60, blank=True)
    referral_reason = models.TextField(_("reason for referral"), blank=True)
    admitted_on = models.DateField(_("admitted on"), null=True, blank=True)
    on_probation = models.BooleanField(_("on probation"), default=False)
    ended_on = models.DateField(_("ended on"), null=True, blank=True)
    end_destination = models.CharField(_("destination"), max_length=200, blank=True)
    end_reason = models.TextField(_("reason"), blank=True)
    end_kind = models.CharField(_("kind of ending"), max_length=10, choices=Client.EndKind,
                                blank=True)
    closing_summary = models.TextField(_("closing summary"), blank=True)
    referral_end_reason = models.CharField(_("why the referral closed"), max_length=30,
                                           choices=Client.ReferralEndReason, blank=True)
    reopened_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                    related_name="+", verbose_name=_("re-opened by"))
    reopened_at = models.DateTimeField(_("re-opened at"), default=timezone.now)
    reopen_reason = models.TextField(_("why it was re-opened"), blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["client", "number"]
        verbose_name = _("earlier stay")
        verbose_name_plural = _("earlier stays")
        constraints = [
            models.UniqueConstraint(fields=["client", "number"], name="episode_number_once"),
        ]

    def __str__(self):
        return f"{self.client}: stay {self.number}"


class StatusChange(models.Model):
    """One step of a client's lifecycle: who moved them, when, from what to what."""

    client = models.ForeignKey(Client, on_delete=models.PROTECT, related_name="status_changes")
    from_status = models.CharField(max_length=20, choices=Client.Status, blank=True)
    to_status = models.CharField(max_length=20, choices=Client.Status)
    on = models.DateField(_("date"))
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(auto_now_add=True)
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["-at", "-pk"]

    def __str__(self):
        return f"{self.client}: {self.get_to_status_display()} on {self.on}"


class SiteMove(models.Model):
    """A client's move from one site to another (a hostel to a move-on project, a day
    centre to another). The records travel with the client; the handover note is what the
    receiving site needs to know to allocate and carry on. `from_number` is the number the
    client had at the old site: it is never given to anyone else there."""

    client = models.ForeignKey(Client, on_delete=models.PROTECT, related_name="site_moves")
    from_site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="+",
                                  verbose_name=_("from"))
    to_site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="+",
                                verbose_name=_("to"))
    from_number = models.PositiveIntegerField(_("number at the old site"))
    on = models.DateField(_("date of the move"))
    handover_note = models.TextField(_("handover note"))
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                           related_name="+", verbose_name=_("moved by"))
    at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-on", "-pk"]
        verbose_name = _("move between sites")
        verbose_name_plural = _("moves between sites")
        constraints = [
            models.CheckConstraint(condition=~Q(from_site=models.F("to_site")),
                                   name="site_move_to_another_site"),
        ]
        indexes = [models.Index(fields=["from_site", "from_number"])]

    def __str__(self):
        return f"{self.client}: {self.from_site} to {self.to_site} on {self.on}"


class InductionItem(models.Model):
    """One line of a site's induction checklist. Retired, never deleted, once used."""

    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="induction_items")
    text = models.CharField(_("item"), max_length=200)
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    is_active = models.BooleanField(_("in use"), default=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["site", "order", "pk"]
        verbose_name = _("induction checklist item")

    def __str__(self):
        return self.text


class InductionTick(models.Model):
    client = models.ForeignKey(Client, on_delete=models.PROTECT, related_name="induction_ticks")
    item = models.ForeignKey(InductionItem, on_delete=models.PROTECT, related_name="ticks")
    done_on = models.DateField(_("done on"))
    done_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                related_name="+")
    # Which stay the tick belongs to (clients.selectors.in_current_stay): a returning
    # client has an induction again, so an item is ticked once per stay, which
    # clients.services.induction_tick checks under the client's row lock.
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    history = HistoricalRecords()

    def __str__(self):
        return f"{self.item} for {self.client}"


class AllocationQuerySet(models.QuerySet):
    def current(self, on=None):
        """Allocations in force on a day (today by default). `end` is exclusive."""
        on = on or timezone.localdate()
        return self.filter(Q(end__isnull=True) | Q(end__gt=on), start__lte=on)

    def primary(self):
        return self.filter(kind=Allocation.Kind.PRIMARY)


class Allocation(models.Model):
    """A worker's responsibility for a client over a span of days.

    `start` is the first day; `end` is the first day it no longer applies (exclusive), or
    empty while open. Cover is asked for by its last day and stored as that day + 1. Rows
    are closed, never deleted, so the whole history of who was keyworker, when, is kept.
    """

    class Kind(models.TextChoices):
        PRIMARY = "primary", _("Keyworker")
        CO = "co", _("Co-keyworker")
        COVER = "cover", _("Cover")

    class Arranged(models.TextChoices):
        PLANNED = "planned", _("Planned leave")
        UNPLANNED = "unplanned", _("Unplanned absence")

    client = models.ForeignKey(Client, on_delete=models.PROTECT, related_name="allocations")
    worker = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                               related_name="allocations", verbose_name=_("worker"))
    kind = models.CharField(_("kind"), max_length=10, choices=Kind)
    start = models.DateField(_("from"))
    end = models.DateField(_("until"), null=True, blank=True)
    reason = models.TextField(_("reason"), blank=True)
    over_limit_reason = models.TextField(_("reason for going over the caseload limit"),
                                         blank=True)
    handover_note = models.TextField(_("handover note"), blank=True)
    arranged = models.CharField(_("arranged for"), max_length=10, choices=Arranged, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                   related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    ended_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                 related_name="+", null=True, blank=True)
    end_reason = models.TextField(_("why it ended"), blank=True)
    history = HistoricalRecords()

    objects = AllocationQuerySet.as_manager()

    class Meta:
        ordering = ["-start", "-pk"]
        constraints = [
            models.CheckConstraint(condition=Q(end__isnull=True) | Q(end__gte=models.F("start")),
                                   name="allocation_end_not_before_start"),
            # Overlapping primary allocations are also refused by a trigger (migration 0002)
            # on both databases; this one covers the common case and is visible to Django.
            models.UniqueConstraint(fields=["client"],
                                    condition=Q(kind="primary", end__isnull=True),
                                    name="allocation_one_open_primary"),
            models.CheckConstraint(condition=~Q(kind="cover") | Q(end__isnull=False),
                                   name="allocation_cover_has_end"),
        ]
        indexes = [
            models.Index(fields=["worker", "kind", "end"]),
            models.Index(fields=["client", "kind", "end"]),
        ]

    def __str__(self):
        return f"{self.get_kind_display()}: {self.worker} for {self.client}"

    @property
    def last_day(self):
        return self.end - datetime.timedelta(days=1) if self.end else None

    @property
    def is_open(self):
        """Current or still to come: something a manager could end."""
        return self.end is None or self.end > timezone.localdate()

    def is_current(self, on=None):
        on = on or timezone.localdate()
        return self.start <= on and (self.end is None or self.end > on)
