"""A client's own page at /me/ (issue 19, item 4): who may sign in to it and where their
codes go (`PortalAccess`), every sign-in code and link sent (`SignIn`), and what the
client sends their keyworker from it (`ClientNote`)."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from clients.access import Access, clients_for
from messaging.models import Channel


class PortalAccessQuerySet(models.QuerySet):
    def for_user(self, user):
        return self.filter(client__in=clients_for(user, Access.FULL))


class PortalAccess(models.Model):
    """Whether the client agreed to their own page, and the mobile number and/or e-mail
    address their sign-in codes go to. `generation` moves on when the page is turned off:
    a client's signed-in browser carries the generation it signed in under, so every one
    of their sessions ends at once. It moves on too when the number or address changes
    (the old phone is signed out) and when the client's stay ends or they move site.
    `codes_locked_until`: after too many wrong codes in a day no code is sent to the page
    until then (portal.services.code_check)."""

    client = models.OneToOneField("clients.Client", on_delete=models.PROTECT,
                                  related_name="portal_access")
    is_on = models.BooleanField(_("the client has a page"), default=False)
    phone = models.CharField(_("mobile number"), max_length=20, blank=True)
    email = models.EmailField(_("e-mail address"), blank=True)
    turned_on_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                     related_name="+", null=True, blank=True)
    turned_on_at = models.DateTimeField(_("turned on"), null=True, blank=True)
    withdrawn_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                     related_name="+", null=True, blank=True)
    withdrawn_at = models.DateTimeField(_("turned off"), null=True, blank=True)
    generation = models.PositiveIntegerField(default=1, editable=False)
    last_signed_in_at = models.DateTimeField(_("last signed in"), null=True, blank=True)
    codes_locked_until = models.DateTimeField(_("no sign-in codes sent until"), null=True,
                                              blank=True, editable=False)
    # Written as a client signs in, not by staff: kept out of the history, and written by
    # one-column UPDATEs that the page cache does not watch (keywork.lib.cache).
    history = HistoricalRecords(excluded_fields=["last_signed_in_at", "codes_locked_until"])

    objects = PortalAccessQuerySet.as_manager()

    class Meta:
        verbose_name = _("client's page")
        verbose_name_plural = _("clients' pages")
        constraints = [
            models.CheckConstraint(condition=Q(is_on=False) | Q(phone__gt="")
                                   | Q(email__gt=""), name="portal_access_has_address"),
            # A code sent to a number or address signs in to the page it is on: two pages
            # that are on never share one. portal.services.access_set says so first, in
            # words; these hold when two people save at once.
            models.UniqueConstraint(fields=["phone"], condition=Q(is_on=True) & ~Q(phone=""),
                                    name="portal_access_phone_on_one_page",
                                    violation_error_message=_(
                                        "This mobile number is already on another client's "
                                        "page. Each page needs its own number.")),
            models.UniqueConstraint(fields=["email"], condition=Q(is_on=True) & ~Q(email=""),
                                    name="portal_access_email_on_one_page",
                                    violation_error_message=_(
                                        "This e-mail address is already on another client's "
                                        "page. Each page needs its own address.")),
        ]

    def __str__(self):
        return f"{self.client}: {'on' if self.is_on else 'off'}"

    @property
    def channels(self):
        """[(channel, address)] a code or link goes to: the mobile first."""
        return [(channel, address) for channel, address in
                ((Channel.SMS, self.phone), (Channel.EMAIL, self.email)) if address]


class SignIn(models.Model):
    """One sign-in code (asked for by the client) or one-time link (sent by staff): to
    where, when, and what became of it. Only a keyed hash of the code or of the link's
    secret is kept."""

    class Kind(models.TextChoices):
        CODE = "code", _("Sign-in code")
        LINK = "link", _("Sign-in link")

    access = models.ForeignKey(PortalAccess, on_delete=models.PROTECT, related_name="sign_ins")
    kind = models.CharField(_("what"), max_length=10, choices=Kind)
    channel = models.CharField(_("sent by"), max_length=10, choices=Channel)
    to = models.CharField(_("to"), max_length=254)
    salt = models.CharField(max_length=32, editable=False)
    secret_hash = models.CharField(max_length=64, editable=False)
    created_at = models.DateTimeField(_("sent"), default=timezone.now)
    expires_at = models.DateTimeField(_("expires"))
    tries = models.PositiveSmallIntegerField(_("wrong tries"), default=0)
    used_at = models.DateTimeField(_("used"), null=True, blank=True)
    void_at = models.DateTimeField(_("made void"), null=True, blank=True)
    sent_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                related_name="+", null=True, blank=True)
    provider_id = models.CharField(_("provider's id"), max_length=100, blank=True)
    error = models.CharField(_("why it was not sent"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("sign-in code or link")
        verbose_name_plural = _("sign-in codes and links")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["to", "kind", "-created_at"])]

    def __str__(self):
        return f"{self.get_kind_display()} to {self.to}"

    def is_live(self, now):
        return (self.used_at is None and self.void_at is None and now < self.expires_at
                and not self.error)


class ClientNoteQuerySet(models.QuerySet):
    def for_user(self, user):
        return self.filter(client__in=clients_for(user, Access.FULL))


class ClientNote(models.Model):
    """What a client sent from their page: a comment for their keyworker, or that they
    cannot make their next session (with the session, the time it was then, and an
    optional reason). It is on their keyworker's Today until someone on the caseload marks
    it read; a client with no keyworker's, on their site's managers' Today.

    `session_starts_at` is the time the client said they cannot make: the session may be
    moved afterwards (diary.services.session_reschedule keeps the row), and the note stays
    about the time refused, not the new one."""

    class Kind(models.TextChoices):
        COMMENT = "comment", _("A message")
        CANT_MAKE_IT = "cant_make_it", _("Can't make a session")

    client = models.ForeignKey("clients.Client", on_delete=models.PROTECT,
                               related_name="portal_notes")
    kind = models.CharField(_("what"), max_length=20, choices=Kind)
    session = models.ForeignKey("diary.KeyworkSession", on_delete=models.SET_NULL, null=True,
                                blank=True, related_name="+")
    session_starts_at = models.DateTimeField(_("the session's time they cannot make"),
                                             null=True, blank=True)
    text = models.TextField(_("what they wrote"), blank=True, max_length=1000)
    created_at = models.DateTimeField(_("sent"), default=timezone.now)
    read_at = models.DateTimeField(_("read"), null=True, blank=True)
    read_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                related_name="+", null=True, blank=True)
    history = HistoricalRecords()

    objects = ClientNoteQuerySet.as_manager()

    class Meta:
        verbose_name = _("note from a client")
        verbose_name_plural = _("notes from clients")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(condition=Q(kind="cant_make_it") | Q(session__isnull=True),
                                   name="client_note_session_only_when_cant_make_it"),
            models.CheckConstraint(condition=~Q(kind="comment") | Q(text__gt=""),
                                   name="client_note_comment_has_text"),
            models.CheckConstraint(condition=Q(kind="cant_make_it")
                                   | Q(session_starts_at__isnull=True),
                                   name="client_note_time_only_when_cant_make_it"),
        ]
        indexes = [models.Index(fields=["client", "read_at"])]

    def __str__(self):
        return f"{self.get_kind_display()}: {self.client}"
