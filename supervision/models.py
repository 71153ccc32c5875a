"""Supervision: a recorded meeting between a manager and one keyworker about their caseload,
and who is case accountable for each client.

Supervision records are seen only by that keyworker and the managers of the site.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from clients.models import Client
from keywork.lib import dates
from staff.models import Site


class SupervisionQuerySet(models.QuerySet):
    def for_user(self, user):
        """A keyworker sees their own supervisions; a manager those at their sites."""
        if not user.is_authenticated:
            return self.none()
        if user.is_manager:
            return self.filter(site__in=user.sites.all())
        if user.is_keyworker:
            return self.filter(keyworker=user)
        return self.none()


class Supervision(models.Model):
    """One supervision meeting. Draft while the manager writes it; locked once the manager
    has signed it off and the keyworker has confirmed it (or commented); then only
    addenda can be added."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        AWAITING_KEYWORKER = "awaiting", _("Awaiting the keyworker")
        LOCKED = "locked", _("Confirmed and locked")

    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="+")
    keyworker = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                  related_name="supervisions", verbose_name=_("keyworker"))
    manager = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                related_name="supervisions_held", verbose_name=_("manager"))
    held_on = models.DateField(_("date of the meeting"))
    previous = models.ForeignKey("self", on_delete=models.PROTECT, null=True, blank=True,
                                 related_name="+")
    status = models.CharField(_("status"), max_length=10, choices=Status, default=Status.DRAFT)
    agenda = models.JSONField(_("agenda figures"), default=dict, blank=True,
                              help_text=_("The dashboard figures for this keyworker when the "
                                          "supervision started."))
    workload = models.TextField(_("workload"), blank=True)
    wellbeing = models.TextField(_("wellbeing"), blank=True)
    training = models.TextField(_("training and development"), blank=True)
    boundaries = models.TextField(_("boundaries"), blank=True)
    manager_signed_at = models.DateTimeField(null=True, blank=True)
    keyworker_confirmed_at = models.DateTimeField(null=True, blank=True)
    keyworker_comment = models.TextField(_("keyworker's comment"), blank=True)
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords(excluded_fields=["version"])

    objects = SupervisionQuerySet.as_manager()

    class Meta:
        ordering = ["-held_on", "-pk"]
        indexes = [models.Index(fields=["keyworker", "held_on"])]

    def __str__(self):
        return _("Supervision of %(keyworker)s, %(date)s") % {
            "keyworker": self.keyworker, "date": dates.format_day(self.held_on)}

    def get_absolute_url(self):
        return reverse("supervision:detail", args=[self.pk])

    @property
    def is_locked(self):
        return self.status == self.Status.LOCKED


class ClientDiscussion(models.Model):
    """What was said about one client of the caseload."""

    supervision = models.ForeignKey(Supervision, on_delete=models.CASCADE,
                                    related_name="discussions")
    client = models.ForeignKey(Client, on_delete=models.PROTECT, related_name="+")
    notes = models.TextField(_("discussion"), blank=True)
    history = HistoricalRecords()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["supervision", "client"],
                                    name="one_discussion_per_client"),
        ]

    def __str__(self):
        return f"{self.client} in {self.supervision}"


class SupervisionAction(models.Model):
    """An agreed action: what, who, by when. Not done by the next supervision, it carries
    forward to it."""

    class Who(models.TextChoices):
        KEYWORKER = "keyworker", _("Keyworker")
        MANAGER = "manager", _("Manager")

    supervision = models.ForeignKey(Supervision, on_delete=models.CASCADE,
                                    related_name="actions")
    client = models.ForeignKey(Client, on_delete=models.PROTECT, null=True, blank=True,
                               related_name="+", verbose_name=_("client"))
    what = models.CharField(_("what"), max_length=300)
    who = models.CharField(_("who"), max_length=10, choices=Who)
    by_when = models.DateField(_("by when"))
    done_on = models.DateField(_("done on"), null=True, blank=True)
    carried_from = models.ForeignKey("self", on_delete=models.PROTECT, null=True, blank=True,
                                     related_name="carried_to")
    history = HistoricalRecords()

    class Meta:
        ordering = ["by_when", "pk"]

    def __str__(self):
        return self.what


class Addendum(models.Model):
    """A note added to a locked supervision record; the record itself no longer changes."""

    supervision = models.ForeignKey(Supervision, on_delete=models.PROTECT,
                                    related_name="addenda")
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(auto_now_add=True)
    text = models.TextField(_("addendum"))

    class Meta:
        ordering = ["at"]
        verbose_name_plural = _("addenda")

    def __str__(self):
        return f"Addendum to {self.supervision}"


class CaseAccountability(models.Model):
    """Who is case accountable for a client: their keyworker, or the supervising manager."""

    class Holder(models.TextChoices):
        KEYWORKER = "keyworker", _("The keyworker")
        MANAGER = "manager", _("The supervising manager")

    client = models.OneToOneField(Client, on_delete=models.PROTECT,
                                  related_name="case_accountability")
    holder = models.CharField(_("case accountable"), max_length=10, choices=Holder)
    manager = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                null=True, blank=True, related_name="+",
                                verbose_name=_("supervising manager"))
    set_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                               related_name="+")
    set_at = models.DateTimeField(auto_now=True)
    history = HistoricalRecords()

    class Meta:
        constraints = [
            models.CheckConstraint(condition=~Q(holder="manager") | Q(manager__isnull=False),
                                   name="manager_accountability_names_the_manager"),
        ]

    def __str__(self):
        return f"{self.client}: {self.get_holder_display()}"


class ExportLog(models.Model):
    """Every export of outcome figures: who, when and what. Append-only."""

    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(auto_now_add=True)
    what = models.CharField(max_length=300)
    file_format = models.CharField(max_length=4)

    class Meta:
        ordering = ["-at"]

    def __str__(self):
        return f"{self.by} exported {self.what} as {self.file_format}"


class Notification(models.Model):
    """Something due for one member of staff on one day, made by `send_reminders`.

    One row per (user, day, key), so running the command twice in a day changes nothing
    and sends no second e-mail.
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                             related_name="notifications")
    day = models.DateField()
    key = models.CharField(max_length=120)
    text = models.CharField(max_length=300)
    url = models.CharField(max_length=300, blank=True)
    emailed_at = models.DateTimeField(null=True, blank=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-day", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["user", "day", "key"], name="notification_once"),
        ]
        indexes = [models.Index(fields=["user", "day", "read_at"])]

    def __str__(self):
        return self.text
