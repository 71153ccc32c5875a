"""Safeguarding concerns and incidents, and bans or exclusions from a centre."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from clients.models import Client
from keywork.lib import dates
from staff.models import Site


class BanQuerySet(models.QuerySet):
    def in_force(self, day):
        """Bans that keep a client out on `day`: started, not ended, not lifted. The one
        rule of whether a ban applies; the door register and the client file ask it here."""
        return self.filter(Q(ends_on__isnull=True) | Q(ends_on__gte=day),
                           starts_on__lte=day, lifted_at__isnull=True)


class Ban(models.Model):
    """A client banned or excluded from a site's centre, with the reason and who decided.

    Open-ended bans have no end date and must be reviewed by `review_on`. A ban is lifted
    (who, when, why), never deleted.
    """

    class Kind(models.TextChoices):
        BAN = "ban", _("Ban")
        EXCLUSION = "exclusion", _("Exclusion")

    client = models.ForeignKey(Client, on_delete=models.PROTECT, related_name="bans")
    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("kind"), max_length=10, choices=Kind, default=Kind.BAN)
    reason = models.TextField(_("reason"))
    starts_on = models.DateField(_("starts"))
    ends_on = models.DateField(_("ends"), null=True, blank=True,
                               help_text=_("Leave empty for a ban until it is reviewed."))
    review_on = models.DateField(_("review by"))
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                   related_name="+", verbose_name=_("decided by"))
    incident = models.ForeignKey("Incident", on_delete=models.SET_NULL, null=True, blank=True,
                                 related_name="bans", verbose_name=_("linked record"))
    created_at = models.DateTimeField(auto_now_add=True)
    lifted_at = models.DateTimeField(_("lifted"), null=True, blank=True, editable=False)
    lifted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                  related_name="+", null=True, blank=True, editable=False)
    lifted_reason = models.TextField(_("why it was lifted"), blank=True, editable=False)
    history = HistoricalRecords()

    objects = BanQuerySet.as_manager()

    class Meta:
        verbose_name = _("ban or exclusion")
        verbose_name_plural = _("bans and exclusions from the centre")
        ordering = ["-starts_on", "-pk"]
        indexes = [models.Index(fields=["site", "starts_on"], name="ban_site_start")]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__isnull=True) | Q(ends_on__gte=models.F("starts_on")),
                name="ban_ends_after_start"),
        ]

    def __str__(self):
        return f"{self.get_kind_display()}: {self.client}"


class IncidentQuerySet(models.QuerySet):
    def open(self):
        return self.filter(closed_at__isnull=True)

    def for_user(self, user):
        """The incidents `user` may read: the one restricted-access rule (see
        safeguarding.access.incidents_for)."""
        from safeguarding.access import incidents_for

        return incidents_for(user, self)


class Incident(models.Model):
    """A safeguarding concern or an incident at a site: what happened, who was involved,
    what was done at once, the risk, whether the local authority was told; a manager's
    review and its closure. Restricted: only the people who need to see it read it
    (safeguarding.access). Closed, never deleted."""

    class Kind(models.TextChoices):
        CONCERN = "concern", _("Safeguarding concern")
        INCIDENT = "incident", _("Incident")

    class Risk(models.TextChoices):
        LOW = "low", _("Low")
        MEDIUM = "medium", _("Medium")
        HIGH = "high", _("High")

    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="+",
                             verbose_name=_("site"))
    kind = models.CharField(_("kind"), max_length=10, choices=Kind, default=Kind.CONCERN)
    happened_on = models.DateField(_("date it happened"))
    happened_time = models.TimeField(_("about what time"), null=True, blank=True)
    place = models.CharField(_("where"), max_length=200, blank=True)
    what = models.TextField(_("what happened"))
    others_involved = models.TextField(
        _("others involved"), blank=True,
        help_text=_("People who are not clients here: visitors, relatives, the public."))
    staff_present = models.ManyToManyField(settings.AUTH_USER_MODEL, related_name="+",
                                           blank=True, verbose_name=_("staff present"))
    immediate_action = models.TextField(_("immediate action taken"))
    risk = models.CharField(_("risk level"), max_length=10, choices=Risk)
    linked_risk = models.TextField(
        _("risk the team must know"), blank=True,
        help_text=_("Shown with the alerts on each involved client's file until the record "
                    "is closed. Every colleague who opens the file reads it."))
    reported_to_la = models.BooleanField(_("reported to the local authority"), default=False)
    la_reported_on = models.DateField(_("date reported"), null=True, blank=True)
    la_reference = models.CharField(_("local authority reference"), max_length=100,
                                    blank=True)
    raised_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                  related_name="+", verbose_name=_("raised by"))
    raised_at = models.DateTimeField(_("raised"), auto_now_add=True)
    shared_with = models.ManyToManyField(
        settings.AUTH_USER_MODEL, related_name="+", blank=True,
        verbose_name=_("also shared with"),
        help_text=_("Colleagues a manager names as needing to read this record."))
    reviewed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                    related_name="+", null=True, blank=True, editable=False,
                                    verbose_name=_("reviewed by"))
    reviewed_at = models.DateTimeField(_("reviewed"), null=True, blank=True, editable=False)
    review_note = models.TextField(_("manager's review"), blank=True)
    follow_up = models.TextField(_("follow-up"), blank=True)
    closed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                  related_name="+", null=True, blank=True, editable=False,
                                  verbose_name=_("closed by"))
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True, editable=False)
    outcome = models.TextField(_("outcome"), blank=True)
    history = HistoricalRecords()

    objects = IncidentQuerySet.as_manager()

    class Meta:
        verbose_name = _("safeguarding concern or incident")
        verbose_name_plural = _("safeguarding concerns and incidents")
        ordering = ["-happened_on", "-pk"]
        indexes = [models.Index(fields=["site", "happened_on"], name="incident_site_day")]
        constraints = [
            models.CheckConstraint(
                condition=Q(reported_to_la=False) | (Q(la_reported_on__isnull=False)
                                                     & ~Q(la_reference="")),
                name="incident_reported_has_date_and_reference"),
            models.CheckConstraint(
                condition=Q(closed_at__isnull=True) | Q(reviewed_at__isnull=False),
                name="incident_closed_after_review"),
        ]

    def __str__(self):
        return _("%(kind)s on %(day)s") % {"kind": self.get_kind_display(),
                                            "day": dates.format_day(self.happened_on)}

    def get_absolute_url(self):
        return reverse("safeguarding:detail", args=[self.pk])

    @property
    def is_open(self):
        return self.closed_at is None

    def clean(self):
        errors = {}
        if self.reported_to_la:
            if not self.la_reported_on:
                errors["la_reported_on"] = _("Give the date it was reported to the local "
                                             "authority.")
            if not self.la_reference.strip():
                errors["la_reference"] = _("Give the local authority's reference.")
        if self.happened_on and self.happened_on > timezone.localdate():
            errors["happened_on"] = _("The date cannot be in the future.")
        if self.la_reported_on and self.la_reported_on > timezone.localdate():
            errors["la_reported_on"] = _("The date cannot be in the future.")
        if errors:
            raise ValidationError(errors)


class Involvement(models.Model):
    """A client of the site involved in an incident. One row per client, so that each
    person's subject access export holds their own part and not the others' names."""

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="involved")
    client = models.ForeignKey(Client, on_delete=models.PROTECT,
                               related_name="incident_involvements")
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("involvement in a safeguarding record")
        verbose_name_plural = _("involvements in safeguarding records")
        constraints = [models.UniqueConstraint(fields=["incident", "client"],
                                               name="involvement_once")]

    def __str__(self):
        return f"{self.client} in {self.incident}"
