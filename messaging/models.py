"""A client's consent to reminders, and every message sent to them (issue 19, item 1)."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from clients.access import Access, clients_for
from clients.models import DocumentLanguage


class Channel(models.TextChoices):
    SMS = "sms", _("Text message")
    EMAIL = "email", _("E-mail")


class ReminderConsentQuerySet(models.QuerySet):
    def for_user(self, user):
        return self.filter(client__in=clients_for(user, Access.FULL))


class ReminderConsent(models.Model):
    """Whether a client agreed to reminders, by which channel and to which number or
    address, and who recorded it when. One row a client; its history keeps every change.
    `consents` False is withdrawn (opted out): by staff, by a STOP reply or by the link."""

    class WithdrawnHow(models.TextChoices):
        STAFF = "staff", _("Recorded by staff")
        REPLY = "reply", _("Replied STOP")
        LINK = "link", _("Used the link in a reminder")
        EMAIL = "email", _("Marked a reminder as spam or unsubscribed")

    client = models.OneToOneField("clients.Client", on_delete=models.PROTECT,
                                  related_name="reminder_consent")
    consents = models.BooleanField(_("agrees to reminders"), default=False)
    channel = models.CharField(_("send by"), max_length=10, choices=Channel,
                               default=Channel.SMS)
    phone = models.CharField(_("mobile number"), max_length=20, blank=True,
                             help_text=_("A UK mobile number, e.g. 07700 900123."))
    email = models.EmailField(_("e-mail address"), blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                    related_name="+", null=True, blank=True)
    recorded_at = models.DateTimeField(_("recorded"), default=timezone.now)
    withdrawn_at = models.DateTimeField(_("withdrawn"), null=True, blank=True)
    withdrawn_how = models.CharField(_("how it was withdrawn"), max_length=10,
                                     choices=WithdrawnHow, blank=True)
    history = HistoricalRecords()

    objects = ReminderConsentQuerySet.as_manager()

    class Meta:
        verbose_name = _("consent to reminders")
        verbose_name_plural = _("consents to reminders")
        constraints = [
            models.CheckConstraint(
                condition=Q(consents=False) | Q(channel="sms", phone__gt="")
                | Q(channel="email", email__gt=""),
                name="reminder_consent_has_address"),
        ]

    def __str__(self):
        return f"{self.client}: {self.get_channel_display()}"

    @property
    def address(self):
        """The number or address reminders go to."""
        return self.phone if self.channel == Channel.SMS else self.email


class ClientMessageQuerySet(models.QuerySet):
    def for_user(self, user):
        return self.filter(client__in=clients_for(user, Access.FULL))


class ClientMessage(models.Model):
    """One message to a client: what, when, to which number or address, and what became of
    it (the provider's id and its delivery report). `key` makes it once: the job and the
    diary's notices get_or_create by it, so running twice (or two at once) sends once."""

    class Kind(models.TextChoices):
        REMINDER = "reminder", _("Reminder of a session")
        MOVED = "moved", _("Session moved")
        CANCELLED = "cancelled", _("Session cancelled")
        REVIEW = "review", _("Plan review date")
        REPLY = "reply", _("Reply from the client")
        ANSWER = "answer", _("Replies are not read")

    class Status(models.TextChoices):
        WAITING = "waiting", _("Waiting to be sent")
        SENT = "sent", _("Sent")
        DELIVERED = "delivered", _("Delivered")
        FAILED = "failed", _("Failed")
        NOT_SENT = "not_sent", _("Not sent")
        RECEIVED = "received", _("Received")

    client = models.ForeignKey("clients.Client", on_delete=models.PROTECT,
                               related_name="reminder_messages")
    key = models.CharField(max_length=120, editable=False)
    # The session a reminder or notice is about: a reminder is checked against it again
    # just before it goes (moved or cancelled since, it is not sent).
    session = models.ForeignKey("diary.KeyworkSession", on_delete=models.SET_NULL, null=True,
                                blank=True, related_name="+")
    kind = models.CharField(_("what"), max_length=10, choices=Kind)
    channel = models.CharField(_("sent by"), max_length=10, choices=Channel)
    to = models.CharField(_("to"), max_length=254)
    text = models.TextField(_("message"))
    # The language the text was written in (the client's document language then), so the
    # log marks it for a screen reader whatever the client reads later; "" for a reply.
    language = models.CharField(_("language"), max_length=10, choices=DocumentLanguage,
                                default=DocumentLanguage.ENGLISH, blank=True, editable=False)
    created_at = models.DateTimeField(_("written"), default=timezone.now)
    send_after = models.DateTimeField(_("not before"), default=timezone.now)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status,
                              default=Status.WAITING)
    status_at = models.DateTimeField(_("status changed"), null=True, blank=True)
    provider_id = models.CharField(_("provider's id"), max_length=100, blank=True)
    error = models.CharField(_("why it was not sent or failed"), max_length=300, blank=True)
    history = HistoricalRecords()

    objects = ClientMessageQuerySet.as_manager()

    class Meta:
        verbose_name = _("message to a client")
        verbose_name_plural = _("messages to clients")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["key"], name="client_message_once"),
        ]
        indexes = [
            models.Index(fields=["client", "-created_at"]),
            models.Index(fields=["status", "send_after"]),
            models.Index(fields=["provider_id"]),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} to {self.to}"

    @property
    def direction(self):
        """"rtl" or "ltr" for the language written in; "auto" for a reply's."""
        if not self.language:
            return "auto"
        return "rtl" if translation.get_language_info(self.language)["bidi"] else "ltr"
