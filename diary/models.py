"""Keywork sessions, informal contacts and each site's diary settings.

Who may see what follows the client, as decided in clients.models:
`KeyworkSession.objects.for_user(user)` is the diary a user may see (times, places and
client names: what a site's booking board shows to every colleague); reading and logging a
session's notes needs the client's full file. Contacts work the same way.
"""

import datetime
import hashlib

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from clients.models import Client
from keywork.lib import dates
from staff.models import Site

MAX_MINUTES = 8 * 60
# A site may let keywork be recorded up to a year after it happened, no further: older
# notes belong in the paper file.
MAX_LATE_WINDOW = 365
# Recorded on the day it happened or the next (an evening session written up next
# morning) is ordinary practice; from the second day after, it is "recorded late" and
# says why.
LATE_AFTER_DAYS = 1


def days_late(happened_at, recorded_at):
    """Whole days on the clock (Europe/London) from when keywork happened to its record."""
    return (dates.local_day(recorded_at) - dates.local_day(happened_at)).days


class LateRecord(models.Model):
    """Keywork recorded after it happened (a worker back from leave, paper notes typed up).

    `happened_at` and `recorded_at` are the subclass's own fields; this keeps why it was
    late and, past the site's approval limit, a manager's approval: until approved (or
    when sent back) the record is kept and shown but not counted (`counted()`).
    """

    class Approval(models.TextChoices):
        NOT_NEEDED = "", _("Not needed")
        AWAITING = "awaiting", _("Awaiting a manager's approval")
        APPROVED = "approved", _("Approved")
        SENT_BACK = "sent_back", _("Sent back")

    NOT_COUNTED = (Approval.AWAITING, Approval.SENT_BACK)

    late_reason = models.TextField(_("why it was recorded late"), blank=True)
    approval = models.CharField(_("manager's approval"), max_length=10, choices=Approval,
                                blank=True, default=Approval.NOT_NEEDED)
    approval_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                    related_name="+", null=True, blank=True,
                                    verbose_name=_("approved or sent back by"), db_index=False)
    approval_at = models.DateTimeField(_("approved or sent back"), null=True, blank=True)
    approval_note = models.TextField(_("manager's note"), blank=True)

    class Meta:
        abstract = True

    @property
    def recorded_late(self):
        return (self.happened_at is not None and self.recorded_at is not None
                and days_late(self.happened_at, self.recorded_at) > LATE_AFTER_DAYS)

    @property
    def is_awaiting_approval(self):
        return self.approval == self.Approval.AWAITING

    @property
    def is_sent_back(self):
        return self.approval == self.Approval.SENT_BACK

    @property
    def is_counted(self):
        return self.approval not in self.NOT_COUNTED and self.struck_at is None


def length_validators():
    return [
        MinValueValidator(1, message=_("A session must last at least a minute.")),
        MaxValueValidator(MAX_MINUTES, message=_("A session can last at most 8 hours.")),
    ]


class DiarySettings(models.Model):
    """A site's keywork cadence and how long logged sessions stay open to correction.

    A site without a row uses the defaults; the row is made when a manager first saves.
    """

    site = models.OneToOneField(Site, on_delete=models.PROTECT, related_name="diary_settings",
                                verbose_name=_("site"))
    sessions_per_week = models.PositiveSmallIntegerField(
        _("keywork sessions expected per client each week"), default=1,
        validators=[MinValueValidator(1), MaxValueValidator(7)],
        help_text=_("Clients with fewer held or booked sessions in a week are flagged on "
                    "the caseload."),
    )
    edit_window_days = models.PositiveSmallIntegerField(
        _("days a logged session can be corrected"), default=7,
        validators=[MinValueValidator(1), MaxValueValidator(90)],
        help_text=_("After this, the author or a manager can only add an addendum."),
    )
    late_window_days = models.PositiveSmallIntegerField(
        _("days back a session or contact can be recorded"), default=90,
        validators=[MinValueValidator(1), MaxValueValidator(MAX_LATE_WINDOW)],
        help_text=_("For catching up after leave or typing up paper notes. Older keywork "
                    "cannot be recorded."),
    )
    late_approval_days = models.PositiveSmallIntegerField(
        _("days back after which a manager approves it"), default=14,
        validators=[MinValueValidator(1), MaxValueValidator(MAX_LATE_WINDOW)],
        help_text=_("Keywork recorded later than this waits for a manager's approval before "
                    "it counts in the figures. At most the number of days above."),
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("diary settings")
        verbose_name_plural = _("diary settings")

    def __str__(self):
        return str(self.site)

    def clean(self):
        if (self.late_approval_days and self.late_window_days
                and self.late_approval_days > self.late_window_days):
            raise ValidationError({"late_approval_days": _(
                "This cannot be more than the %(days)s days back keywork can be recorded: "
                "lower it, or raise that first.") % {"days": self.late_window_days}})

    @classmethod
    def for_sites(cls, site_ids):
        """{site id: settings} for the given sites, unsaved defaults where none are stored."""
        stored = {s.site_id: s for s in cls.objects.filter(site_id__in=set(site_ids))}
        return {pk: stored.get(pk) or cls(site_id=pk) for pk in set(site_ids)}

    @classmethod
    def for_site(cls, site_id):
        return cls.for_sites([site_id])[site_id]


def not_yet_logged(now=None):
    """The one rule for "booked but not yet logged": booked, and its time has come. Every
    figure of it reads this: supervision's tallies, the dashboard, the site's day."""
    return Q(status=KeyworkSession.Status.BOOKED, starts_at__lt=now or timezone.now())


class SessionQuerySet(models.QuerySet):
    def for_user(self, user, *, per_row=False):
        """Sessions a user may see in a diary: those of clients they may see at all.

        `per_row` asks it of each session found (EXISTS) rather than as the list of the
        clients (IN), for a filter that finds few sessions through an index of its own (the
        open risks): SQLite would otherwise start from the list and read every session of
        every client of the site (85,000 on the bench's site, half a second)."""
        clients = Client.objects.for_user(user)
        if per_row:
            return self.filter(Exists(clients.filter(pk=OuterRef("client_id"))))
        return self.filter(client__in=clients)

    def live(self):
        """Not struck through as entered in error."""
        return self.filter(struck_at__isnull=True)

    def counted(self):
        """What the figures count (the week's cadence, the last session held, supervision's
        tallies, the outcome reports): live, and not recorded late and still awaiting a
        manager's approval or sent back."""
        return self.live().exclude(approval__in=LateRecord.NOT_COUNTED)

    def between(self, start, end):
        return self.filter(starts_at__gte=start, starts_at__lt=end)

    def not_logged(self, now=None):
        """Live sessions booked whose time has come and that nobody has logged yet."""
        return self.live().filter(not_yet_logged(now))

    def open_risks(self):
        return self.live().exclude(risks="").filter(risk_dealt_with_at__isnull=True)

    def awaiting_check_in(self, now=None):
        """External or lone-working sessions that have started and nobody checked in from."""
        return (
            self.live()
            .filter(Q(place=KeyworkSession.Place.EXTERNAL) | Q(lone_working=True),
                    checked_in_at__isnull=True, starts_at__lte=now or timezone.now())
            .exclude(status=KeyworkSession.Status.CANCELLED)
        )


class KeyworkSession(LateRecord):
    """One keywork session with one client: booked (diarised) first, then logged.

    `worker` holds it: the keyworker, a co-keyworker or whoever covers. A logged session
    can be corrected within the site's window; after that only addenda are added, and a
    wrong entry is struck through with a reason, never deleted.
    """

    class Place(models.TextChoices):
        SITE_ROOM = "site_room", _("A private room at the site")
        CLIENT_ROOM = "client_room", _("The client's room")
        EXTERNAL = "external", _("An external appointment")

    class Status(models.TextChoices):
        BOOKED = "booked", _("Booked")
        ATTENDED = "attended", _("Attended")
        DID_NOT_ATTEND = "dna", _("Did not attend")
        CANCELLED = "cancelled", _("Cancelled")

    class CancelledBy(models.TextChoices):
        CLIENT = "client", _("The client")
        STAFF = "staff", _("Staff")

    client = models.ForeignKey(Client, on_delete=models.PROTECT, related_name="keywork_sessions",
                               verbose_name=_("client"))
    # The client's site, kept on the row so that a site's diary is one indexed range scan.
    # Indexed through (site, starts_at) and (worker, starts_at) below, not on their own: a
    # large site writes a hundred thousand sessions, and every index costs each of them.
    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="+", editable=False,
                             verbose_name=_("site"), db_index=False)
    worker = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                               related_name="keywork_sessions", verbose_name=_("held by"),
                               db_index=False)
    starts_at = models.DateTimeField(_("start"))
    expected_minutes = models.PositiveSmallIntegerField(_("expected length (minutes)"),
                                                        validators=length_validators())
    ends_at = models.DateTimeField(_("end"), editable=False, blank=True)
    place = models.CharField(_("place"), max_length=20, choices=Place, default=Place.SITE_ROOM)
    where = models.CharField(_("where"), max_length=200, blank=True,
                             help_text=_("For an external appointment: the address or service."))
    lone_working = models.BooleanField(
        _("working alone with the client"), default=False,
        help_text=_("The lone-working policy applies: say when you expect to be back, and "
                    "check in when you are."),
    )
    expected_back_at = models.DateTimeField(_("expected back"), null=True, blank=True)
    checked_in_at = models.DateTimeField(_("checked in"), null=True, blank=True)
    checked_in_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                      related_name="+", null=True, blank=True,
                                      verbose_name=_("checked in by"), db_index=False)

    status = models.CharField(_("outcome"), max_length=10, choices=Status,
                              default=Status.BOOKED)
    cancelled_by = models.CharField(_("cancelled by"), max_length=10, choices=CancelledBy,
                                    blank=True)
    # Set when staff cancelled it for a reason of the service's, not the session's own
    # (the client moved to another site, their stay ended): the worker is told on Today.
    cancel_reason = models.CharField(_("why it was cancelled"), max_length=300, blank=True)
    actual_start = models.DateTimeField(_("started"), null=True, blank=True)
    actual_minutes = models.PositiveSmallIntegerField(_("length (minutes)"), null=True,
                                                      blank=True, validators=length_validators())
    discussed = models.TextField(_("what was discussed"), blank=True)
    next_steps = models.TextField(_("agreed next steps"), blank=True)
    progress = models.TextField(_("progress notes"), blank=True,
                                help_text=_("Progress against the plan's actions and milestones."))
    risks = models.TextField(
        _("issues or risks the team must know"), blank=True,
        help_text=_("Shown on the client's summary to all staff at the site until a manager "
                    "marks it dealt with."),
    )
    risk_dealt_with_at = models.DateTimeField(_("risk dealt with"), null=True, blank=True)
    risk_dealt_with_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                           related_name="+", null=True, blank=True,
                                           verbose_name=_("risk dealt with by"), db_index=False)
    risk_dealt_with_note = models.TextField(_("how it was dealt with"), blank=True)

    # Nobody looks sessions up by who booked, logged or struck them: no index to keep up.
    booked_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                  related_name="+", verbose_name=_("booked by"), db_index=False)
    booked_at = models.DateTimeField(_("booked"), default=timezone.now, editable=False)
    logged_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                  related_name="+", null=True, blank=True,
                                  verbose_name=_("logged by"), db_index=False)
    logged_at = models.DateTimeField(_("logged"), null=True, blank=True)
    struck_at = models.DateTimeField(_("struck through"), null=True, blank=True)
    struck_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                  related_name="+", null=True, blank=True,
                                  verbose_name=_("struck through by"), db_index=False)
    struck_reason = models.TextField(_("why it is wrong"), blank=True)
    # The repeating booking it was made by (SessionSeries), if any: "this and all following".
    series = models.ForeignKey("diary.SessionSeries", on_delete=models.PROTECT,
                               related_name="sessions", null=True, blank=True, editable=False,
                               verbose_name=_("series"))
    version = models.PositiveIntegerField(default=1, editable=False)
    # The audit trail is read by session (id) and by client (supervision): index only those.
    history = HistoricalRecords(excluded_fields=["version"], no_db_index=[
        "site", "worker", "booked_by", "logged_by", "struck_by", "checked_in_by",
        "risk_dealt_with_by", "approval_by", "series"])

    objects = SessionQuerySet.as_manager()

    class Meta:
        ordering = ["starts_at", "pk"]
        verbose_name = _("keywork session")
        verbose_name_plural = _("keywork sessions")
        constraints = [
            models.CheckConstraint(
                condition=Q(expected_minutes__gte=1, expected_minutes__lte=MAX_MINUTES),
                name="session_expected_length_in_range"),
            models.CheckConstraint(
                condition=Q(actual_minutes__isnull=True)
                | Q(actual_minutes__gte=1, actual_minutes__lte=MAX_MINUTES),
                name="session_actual_length_in_range"),
            models.CheckConstraint(
                condition=Q(status="cancelled") | Q(cancelled_by=""),
                name="session_cancelled_by_only_when_cancelled"),
            models.CheckConstraint(
                condition=Q(status="booked", logged_at__isnull=True)
                | (~Q(status="booked") & Q(logged_at__isnull=False)),
                name="session_logged_unless_booked"),
            models.CheckConstraint(
                condition=Q(expected_back_at__isnull=True)
                | Q(expected_back_at__gt=models.F("starts_at")),
                name="session_back_after_start"),
        ]
        indexes = [
            models.Index(fields=["worker", "starts_at"], name="session_worker_week"),
            models.Index(fields=["site", "starts_at"], name="session_site_week"),
            models.Index(fields=["client", "starts_at"], name="session_client_timeline"),
            models.Index(fields=["worker", "starts_at"], condition=Q(status="booked"),
                         name="session_to_log"),
            models.Index(fields=["site"], name="session_open_risk",
                         condition=~Q(risks="") & Q(risk_dealt_with_at__isnull=True,
                                                    struck_at__isnull=True)),
            models.Index(fields=["site", "starts_at"], name="session_awaiting_check_in",
                         condition=(Q(place="external") | Q(lone_working=True))
                         & Q(checked_in_at__isnull=True)),
            # The few recorded late among every session ever held: what Today and the bell
            # list (selectors.late_records), each time either is worked out afresh.
            models.Index(fields=["approval"], name="session_approval"),
        ]

    def __str__(self):
        return f"{self.client} {dates.format_day_time(self.starts_at)}"

    def save(self, *args, **kwargs):
        self._derive()
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return reverse("diary:session", args=[self.pk])

    def _derive(self):
        if self.client_id and not self.site_id:
            self.site_id = self.client.site_id
        if self.starts_at and self.expected_minutes:
            # Real minutes after the start, whatever the clocks do meanwhile.
            self.ends_at = dates.add_minutes(self.starts_at, self.expected_minutes)

    def clean(self):
        self._derive()
        errors = {}
        if self.needs_check_in:
            if self.place == self.Place.EXTERNAL and not self.where.strip():
                errors["where"] = _("Say where the appointment is.")
            if not self.expected_back_at:
                errors["expected_back_at"] = _(
                    "Say when you expect to be back: the lone-working policy needs it.")
            elif self.starts_at and self.expected_back_at <= self.starts_at:
                errors["expected_back_at"] = _("The expected return must be after the start.")
        if self.status == self.Status.CANCELLED and not self.cancelled_by:
            errors["cancelled_by"] = _("Say who cancelled: the client or staff.")
        if self.status != self.Status.CANCELLED:
            self.cancelled_by = ""
        now = timezone.now()
        if self.status == self.Status.ATTENDED:
            if not self.actual_start:
                errors["actual_start"] = _("Give the time the session started.")
            elif self.actual_start > now:
                errors["actual_start"] = _(
                    "The start is in the future: a session can only be logged once it has "
                    "happened.")
            if not self.actual_minutes:
                errors.setdefault("actual_minutes", _("Give the time the session ended."))
            if not self.discussed.strip():
                errors["discussed"] = _("Write what was discussed.")
        if self.status == self.Status.DID_NOT_ATTEND and self.starts_at and self.starts_at > now:
            errors["status"] = _("The session has not started yet: record that the client did "
                                 "not attend once its time has passed.")
        if errors:
            raise ValidationError(errors)

    @property
    def needs_check_in(self):
        return self.place == self.Place.EXTERNAL or self.lone_working

    @property
    def has_started(self):
        return self.starts_at <= timezone.now()

    @property
    def is_logged(self):
        return self.status != self.Status.BOOKED

    @property
    def is_struck(self):
        return self.struck_at is not None

    @property
    def has_open_risk(self):
        return bool(self.risks.strip()) and not self.risk_dealt_with_at and not self.is_struck

    @property
    def times(self):
        """Start to end as the clock shows them (keywork.lib.dates.format_span)."""
        return dates.format_span(self.starts_at, self.ends_at)

    @property
    def actual_end(self):
        if self.actual_start and self.actual_minutes:
            return dates.add_minutes(self.actual_start, self.actual_minutes)
        return None

    @property
    def happened_at(self):
        return self.actual_start or self.starts_at

    @property
    def recorded_at(self):
        return self.logged_at

    @property
    def recorded_by(self):
        return self.logged_by

    @property
    def is_overdue_back(self):
        return (self.needs_check_in and not self.checked_in_at and self.expected_back_at
                and self.expected_back_at < timezone.now())

    def correctable_until(self, window_days):
        return self.logged_at + datetime.timedelta(days=window_days) if self.logged_at else None

    def may_correct(self, user, window_days, now=None):
        """The author or a manager, within the site's window, unless it was struck through.

        A late record a manager sent back stays open until it is put right, whatever the
        window: otherwise it could never be approved.
        """
        if not self.is_logged or self.is_struck:
            return False
        if (now or timezone.now()) > self.correctable_until(window_days) and not self.is_sent_back:
            return False
        return user.pk == self.logged_by_id or user.is_manager


class SessionAddendum(models.Model):
    """A note added to a logged session after it can no longer be corrected. Never changed."""

    session = models.ForeignKey(KeyworkSession, on_delete=models.PROTECT,
                                related_name="addenda")
    text = models.TextField(_("addendum"))
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                           verbose_name=_("by"), db_index=False)
    at = models.DateTimeField(_("added"), default=timezone.now, editable=False)
    history = HistoricalRecords(no_db_index=["by"])

    class Meta:
        ordering = ["at", "pk"]
        verbose_name = _("addendum")
        verbose_name_plural = _("addenda")

    def __str__(self):
        return f"{self.session}: {self.text[:40]}"


class ContactQuerySet(models.QuerySet):
    def for_user(self, user):
        return self.filter(client__in=Client.objects.for_user(user))

    def counted(self):
        """As SessionQuerySet.counted: not struck through, not awaiting approval or sent back."""
        return self.filter(struck_at__isnull=True).exclude(approval__in=LateRecord.NOT_COUNTED)

    def with_client(self):
        """The one rule of what counts as keywork contact WITH the client: a contact with
        the client themself. A contact with a relative, a friend, a professional or anyone
        else about the client is liaison (`liaison()`), never contact with the client."""
        return self.filter(with_whom=Contact.With.CLIENT)

    def liaison(self):
        """Contacts with others about the client: the complement of `with_client()`."""
        return self.exclude(with_whom=Contact.With.CLIENT)


class Contact(LateRecord):
    """An informal contact between sessions, with the client or with someone else about
    them (a relative, a friend, a professional from the agencies directory): any colleague
    at the site logs it. Only a contact with the client counts as contact with the client
    (`ContactQuerySet.with_client`)."""

    class Kind(models.TextChoices):
        PHONE = "phone", _("Phone")
        DROP_IN = "drop_in", _("Drop-in")
        IN_PASSING = "in_passing", _("In passing")
        EMAIL = "email", _("E-mail")
        MEETING = "meeting", _("Meeting")

    class With(models.TextChoices):
        CLIENT = "client", _("The client")
        RELATIVE = "relative", _("A relative")
        FRIEND = "friend", _("A friend")
        PROFESSIONAL = "professional", _("A professional (agency)")
        OTHER = "other", _("Someone else")

    # Who must be named for each (Contact._clean_with_whom): a relative or someone else by
    # name and relationship, a friend by name; a professional by agency (and, if known,
    # their name); the client by no one.
    NAMED = (With.RELATIVE, With.FRIEND, With.OTHER)
    RELATIONSHIP_NEEDED = (With.RELATIVE, With.OTHER)

    client = models.ForeignKey(Client, on_delete=models.PROTECT, related_name="contacts",
                               verbose_name=_("client"))
    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="+", editable=False,
                             verbose_name=_("site"), db_index=False)
    kind = models.CharField(_("kind of contact"), max_length=12, choices=Kind)
    at = models.DateTimeField(_("when"))
    note = models.TextField(_("note"))
    with_whom = models.CharField(_("with whom"), max_length=12, choices=With,
                                 default=With.CLIENT)
    person_name = models.CharField(_("their name"), max_length=120, blank=True,
                                   help_text=_("The relative's, friend's or professional's "
                                               "name."))
    relationship = models.CharField(_("relationship to the client"), max_length=80,
                                    blank=True, help_text=_("For example sister, landlord."))
    agency = models.ForeignKey("plans.Agency", on_delete=models.PROTECT, related_name="+",
                               null=True, blank=True, verbose_name=_("agency"))
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                           verbose_name=_("logged by"), db_index=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    struck_at = models.DateTimeField(_("struck through"), null=True, blank=True)
    struck_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                  related_name="+", null=True, blank=True,
                                  verbose_name=_("struck through by"), db_index=False)
    struck_reason = models.TextField(_("why it is wrong"), blank=True)
    history = HistoricalRecords(no_db_index=["site", "by", "struck_by", "approval_by"])

    objects = ContactQuerySet.as_manager()

    class Meta:
        ordering = ["-at", "-pk"]
        verbose_name = _("contact")
        verbose_name_plural = _("contacts")
        indexes = [
            models.Index(fields=["client", "at"], name="contact_client_timeline"),
            models.Index(fields=["site", "at"], name="contact_site_day"),
            models.Index(fields=["approval"], name="contact_approval"),  # as sessions'
        ]
        constraints = [
            # An agency for a professional, and only for one.
            models.CheckConstraint(
                condition=Q(with_whom="professional", agency__isnull=False)
                | (~Q(with_whom="professional") & Q(agency__isnull=True)),
                name="contact_agency_for_professional"),
            # A relative, a friend or someone else is named; the client is not.
            models.CheckConstraint(
                condition=~Q(with_whom__in=["relative", "friend", "other"], person_name=""),
                name="contact_other_person_named"),
            models.CheckConstraint(
                condition=~Q(with_whom="client") | Q(person_name="", relationship=""),
                name="contact_client_not_named"),
        ]

    def __str__(self):
        return f"{self.get_kind_display()}: {self.client}"

    def save(self, *args, **kwargs):
        if self.client_id and not self.site_id:
            self.site_id = self.client.site_id
        super().save(*args, **kwargs)

    def clean(self):
        if self.client_id and not self.site_id:
            self.site_id = self.client.site_id
        if self.at and self.at > timezone.now():
            raise ValidationError({"at": _("A contact cannot be logged in the future.")})
        if not self.note.strip():
            raise ValidationError({"note": _("Write a line about what the contact was about.")})
        self._clean_with_whom()

    def _clean_with_whom(self):
        """Each kind of person with what names them, and nothing that does not apply."""
        errors = {}
        if self.with_whom == self.With.CLIENT:
            if self.person_name or self.relationship or self.agency_id:
                errors["with_whom"] = _("You named someone other than the client: choose "
                                        "who the contact was with.")
        elif self.with_whom == self.With.PROFESSIONAL:
            if self.relationship:
                errors["relationship"] = _("A professional is named by their agency: leave "
                                           "the relationship empty.")
            if not self.agency_id:
                errors["agency"] = _("Choose the agency the professional is from (add it "
                                     "to the agencies directory first if it is not there).")
            elif self.site_id and self.agency.site_id != self.site_id:
                errors["agency"] = _("Choose an agency of the client's site.")
        else:
            if self.agency_id:
                errors["agency"] = _("An agency is only for a contact with a professional.")
            if not self.person_name.strip():
                errors["person_name"] = _("Give the name of the person the contact was with.")
            if self.with_whom in self.RELATIONSHIP_NEEDED and not self.relationship.strip():
                errors["relationship"] = _("Say who they are to the client, for example "
                                           "sister or landlord.")
        if errors:
            raise ValidationError(errors)

    @property
    def is_with_client(self):
        return self.with_whom == self.With.CLIENT

    @property
    def with_label(self):
        """Who the contact was with, as the file shows it: "Sarah (sister)", "Shelter —
        J. Patel"; empty for the client."""
        if self.with_whom == self.With.PROFESSIONAL:
            agency = str(self.agency) if self.agency_id else ""
            return f"{agency} — {self.person_name}" if self.person_name else agency
        if self.with_whom == self.With.CLIENT:
            return ""
        relationship = self.relationship or (
            _("friend") if self.with_whom == self.With.FRIEND else "")
        return f"{self.person_name} ({relationship})" if relationship else self.person_name

    @property
    def is_struck(self):
        return self.struck_at is not None

    @property
    def happened_at(self):
        return self.at

    @property
    def recorded_at(self):
        return self.created_at

    @property
    def recorded_by(self):
        return self.by


# Staff absence (leave, sickness, training) ------------------------------------------------


class AbsenceQuerySet(models.QuerySet):
    def live(self):
        """Not cancelled."""
        return self.filter(cancelled_at__isnull=True)

    def overlapping(self, first_day, last_day):
        """Absences that take in at least one day from `first_day` to `last_day`."""
        return self.filter(first_day__lte=last_day, last_day__gte=first_day)

    def at_sites(self, site_ids):
        """Absences of people who work at any of these sites."""
        return self.filter(worker__in=_workers_at_sites(site_ids))

    def for_user(self, user):
        """A manager sees the absences of everyone at their sites; anyone else their own."""
        if user.is_manager:
            return self.filter(Q(worker=user) | Q(worker__in=_workers_at_sites(user.site_ids)))
        return self.filter(worker=user)


def _workers_at_sites(site_ids):
    from staff.models import User

    return User.objects.filter(sites__in=list(site_ids)).values("pk")


class StaffAbsence(models.Model):
    """A worker away (leave, sickness, training): their clients' booked sessions in those
    days can be moved to named cover in one action (services.absence_cover_arrange).

    It names a worker, not a client, so it is not in a client's subject access export.
    Cancelled, never deleted.
    """

    class Kind(models.TextChoices):
        LEAVE = "leave", _("Leave")
        SICKNESS = "sickness", _("Sickness")
        TRAINING = "training", _("Training")
        OTHER = "other", _("Other")

    # What a keyworker may record for themselves: planned time away. Sickness and the rest
    # are recorded by a manager of their site.
    OWN_KINDS = (Kind.LEAVE, Kind.TRAINING)

    worker = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                               related_name="absences", verbose_name=_("who is away"),
                               db_index=False)
    kind = models.CharField(_("kind of absence"), max_length=10, choices=Kind,
                            default=Kind.LEAVE)
    first_day = models.DateField(_("first day away"))
    last_day = models.DateField(_("last day away"))
    note = models.TextField(_("note"), blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                    related_name="+", verbose_name=_("recorded by"),
                                    db_index=False)
    recorded_at = models.DateTimeField(_("recorded"), default=timezone.now, editable=False)
    cancelled_at = models.DateTimeField(_("cancelled"), null=True, blank=True)
    cancelled_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                     related_name="+", null=True, blank=True,
                                     verbose_name=_("cancelled by"), db_index=False)
    cancel_reason = models.CharField(_("why it was cancelled"), max_length=300, blank=True)
    history = HistoricalRecords(no_db_index=["worker", "recorded_by", "cancelled_by"])

    objects = AbsenceQuerySet.as_manager()

    class Meta:
        ordering = ["first_day", "pk"]
        verbose_name = _("staff absence")
        verbose_name_plural = _("staff absences")
        constraints = [
            models.CheckConstraint(condition=Q(last_day__gte=models.F("first_day")),
                                   name="absence_ends_after_it_starts"),
        ]
        indexes = [
            models.Index(fields=["worker", "last_day"], name="absence_worker_days"),
        ]

    def __str__(self):
        return _("%(worker)s: %(kind)s, %(first)s to %(last)s") % {
            "worker": self.worker, "kind": self.get_kind_display().lower(),
            "first": dates.format_day(self.first_day), "last": dates.format_day(self.last_day)}

    def clean(self):
        if self.first_day and self.last_day and self.last_day < self.first_day:
            raise ValidationError({"last_day": _(
                "The last day cannot be before the first day.")})

    @property
    def is_cancelled(self):
        return self.cancelled_at is not None

    @property
    def days(self):
        return (self.last_day - self.first_day).days + 1

    def takes_in(self, day):
        return self.first_day <= day <= self.last_day

    @property
    def starts_at(self):
        """The first instant away (midnight, Europe/London)."""
        return dates.start_of_day(self.first_day)

    @property
    def ends_at(self):
        """The instant after the last day away."""
        return dates.start_of_day(self.last_day + datetime.timedelta(days=1))
# Sessions that work the plan (issue 17, item 6) --------------------------------------------


class ActionProgress(models.Model):
    """How far a logged session got with one open action of the client's plan in force:
    done, partly or not yet, with the worker's note. Only actions the session touched have
    a row. The plan's action itself moves on through plans.services.actions_worked_on;
    `was_outcome` and `was_learnt` keep what it read before, so that correcting the log
    or striking the session through can take the change back (actions_work_undo)."""

    class Progress(models.TextChoices):
        DONE = "done", _("Done")
        PARTLY = "partly", _("Partly")
        NOT_YET = "not_yet", _("Not yet")

    session = models.ForeignKey(KeyworkSession, on_delete=models.PROTECT,
                                related_name="action_progress")
    action = models.ForeignKey("plans.Action", on_delete=models.PROTECT,
                               related_name="session_progress", verbose_name=_("action"))
    progress = models.CharField(_("progress"), max_length=10, choices=Progress)
    note = models.TextField(_("note"), blank=True)
    was_outcome = models.CharField(max_length=10, editable=False)
    was_learnt = models.TextField(blank=True, editable=False)
    history = HistoricalRecords()

    class Meta:
        ordering = ["pk"]
        verbose_name = _("progress on a plan action")
        verbose_name_plural = _("progress on plan actions")
        constraints = [
            models.UniqueConstraint(fields=["session", "action"],
                                    name="action_progress_once_per_session"),
        ]

    def __str__(self):
        return f"{self.action}: {self.get_progress_display()}"

    @property
    def is_done(self):
        return self.progress == self.Progress.DONE
# Repeating sessions and each client's expected frequency ----------------------------------

# A series books at most this many sessions at once (a year of weekly sessions).
MAX_SERIES = 52


class SessionSeries(models.Model):
    """Sessions booked together, weekly or fortnightly, until a day or for a number of them.

    Each session booked is a KeyworkSession pointing here, at the same local time (Europe/
    London) on its day whatever the clocks do (diary.services.series_book). Changing or
    cancelling "this and all following" acts on the series' sessions still booked from one
    on; a session held or logged is never changed by it.
    """

    class Interval(models.IntegerChoices):
        WEEKLY = 1, _("Weekly")
        FORTNIGHTLY = 2, _("Fortnightly")

    client = models.ForeignKey(Client, on_delete=models.PROTECT, related_name="session_series",
                               verbose_name=_("client"))
    worker = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                               related_name="+", verbose_name=_("held by"), db_index=False)
    interval_weeks = models.PositiveSmallIntegerField(_("repeat"), choices=Interval)
    until = models.DateField(_("until"), null=True, blank=True)
    count = models.PositiveSmallIntegerField(_("number of sessions"), null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                   related_name="+", verbose_name=_("booked by"),
                                   db_index=False)
    created_at = models.DateTimeField(_("booked"), default=timezone.now, editable=False)
    history = HistoricalRecords(no_db_index=["worker", "created_by"])

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("series of sessions")
        verbose_name_plural = _("series of sessions")
        constraints = [
            models.CheckConstraint(condition=Q(interval_weeks__in=[1, 2]),
                                   name="series_interval_weekly_or_fortnightly"),
            models.CheckConstraint(
                condition=Q(until__isnull=False, count__isnull=True)
                | Q(until__isnull=True, count__gte=1, count__lte=MAX_SERIES),
                name="series_until_or_count"),
        ]

    def __str__(self):
        return f"{self.client}: {self.get_interval_weeks_display().lower()}"


class ClientCadence(models.Model):
    """How many keywork sessions a week one client is expected to have, when it is not
    their site's (DiarySettings.sessions_per_week): "the intensity of keyworking will
    depend on the needs of the client". Empty means the site's default again; read only
    through diary.selectors.expected_per_week."""

    client = models.OneToOneField(Client, on_delete=models.PROTECT, related_name="cadence",
                                  verbose_name=_("client"))
    sessions_per_week = models.PositiveSmallIntegerField(
        _("keywork sessions expected each week"), null=True, blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(7)],
        help_text=_("Leave empty to use the site's number."))
    set_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                               related_name="+", verbose_name=_("set by"), db_index=False)
    set_at = models.DateTimeField(_("set"), default=timezone.now)
    history = HistoricalRecords(no_db_index=["set_by"])

    class Meta:
        verbose_name = _("expected frequency")
        verbose_name_plural = _("expected frequencies")
        constraints = [
            models.CheckConstraint(
                condition=Q(sessions_per_week__isnull=True)
                | Q(sessions_per_week__gte=1, sessions_per_week__lte=7),
                name="cadence_sessions_per_week_in_range"),
        ]

    def __str__(self):
        return f"{self.client}: {self.sessions_per_week or '-'}"


class CalendarFeedQuerySet(models.QuerySet):
    def live(self):
        """Not revoked, and its owner still works here: a deactivated account's feed stops."""
        return self.filter(revoked_at__isnull=True, user__is_active=True)


class CalendarFeed(models.Model):
    """A worker's private iCalendar feed of the sessions they hold (diary.calendars).

    The secret in its address is never stored: only its SHA-256 (`token_hash`), so a copy
    of the database does not open anybody's feed. The token is 256 random bits, so a plain
    hash is enough (no salt or slow hash: there is nothing to guess). Revoked, never
    deleted; at most one live feed a person. It names a user, not a client.
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                             related_name="calendar_feeds", verbose_name=_("staff member"))
    token_hash = models.CharField(_("hash of the secret address"), max_length=64, unique=True,
                                  editable=False)
    created_at = models.DateTimeField(_("turned on"), default=timezone.now, editable=False)
    revoked_at = models.DateTimeField(_("turned off"), null=True, blank=True)
    last_fetched_at = models.DateTimeField(_("last read by a calendar"), null=True, blank=True)

    objects = CalendarFeedQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("calendar feed")
        verbose_name_plural = _("calendar feeds")
        constraints = [
            models.UniqueConstraint(fields=["user"], condition=Q(revoked_at__isnull=True),
                                    name="calendar_feed_one_live_per_user"),
        ]

    def __str__(self):
        return f"{self.user}: {dates.format_day(self.created_at)}"

    @staticmethod
    def hash_of(token):
        return hashlib.sha256(token.encode()).hexdigest()
