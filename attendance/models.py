"""The door register: who came in to a site's centre each day, and when they left.

A `Visit` is one person's time in: a client, or a `Visitor` not yet known to the service
(a quick record at the door that may later become a referral, when their visits move to
the new client). Nobody is in twice at once on a day: the constraints below refuse a
second open visit on the same day, whatever the page or job that writes it.
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from clients.models import Client
from safeguarding.models import Ban
from staff.models import Site


class VisitorQuerySet(models.QuerySet):
    def for_user(self, user):
        """Visitors at the user's sites (any member of staff there, not administrators,
        who never read client records)."""
        if not user.is_authenticated or user.is_administrator:
            return self.none()
        return self.filter(site__in=user.sites.all())

    def not_referred(self):
        return self.filter(client__isnull=True)


class Visitor(models.Model):
    """Someone who came to the door and is not (yet) a client: as little as they gave."""

    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="+")
    name = models.CharField(_("name"), max_length=160)
    description = models.CharField(
        _("description"), max_length=300, blank=True,
        help_text=_("Anything that helps colleagues know them again, if they are happy "
                    "to give it."))
    date_of_birth = models.DateField(_("date of birth"), null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                   related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    client = models.ForeignKey(Client, on_delete=models.PROTECT, related_name="visitor_records",
                               null=True, blank=True, editable=False,
                               verbose_name=_("became the client"))
    history = HistoricalRecords()

    objects = VisitorQuerySet.as_manager()

    class Meta:
        ordering = ["name", "pk"]
        indexes = [models.Index(fields=["site", "name"], name="visitor_site_name")]

    def __str__(self):
        return self.name


class VisitQuerySet(models.QuerySet):
    def for_user(self, user):
        """Visits at the user's sites: any member of staff there sees the register."""
        if not user.is_authenticated or user.is_administrator:
            return self.none()
        return self.filter(site__in=user.sites.all())

    def of_clients(self):
        return self.filter(client__isnull=False)


class Visit(models.Model):
    """One person's time in a site's centre: checked in, and out when they leave."""

    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="+")
    day = models.DateField(_("day"), editable=False)
    client = models.ForeignKey(Client, on_delete=models.PROTECT, related_name="visits",
                               null=True, blank=True)
    visitor = models.ForeignKey(Visitor, on_delete=models.PROTECT, related_name="visits",
                                null=True, blank=True)
    checked_in_at = models.DateTimeField(_("in"))
    checked_in_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                      related_name="+")
    checked_out_at = models.DateTimeField(_("out"), null=True, blank=True)
    checked_out_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                       related_name="+", null=True, blank=True)
    # Let in although a ban was in force: the ban, as a deliberate decision on record.
    ban_overridden = models.ForeignKey(Ban, on_delete=models.PROTECT, related_name="+",
                                       null=True, blank=True, editable=False,
                                       verbose_name=_("let in despite the ban"))
    history = HistoricalRecords()

    objects = VisitQuerySet.as_manager()

    class Meta:
        ordering = ["-checked_in_at", "-pk"]
        indexes = [
            models.Index(fields=["site", "day"], name="visit_site_day"),
            models.Index(fields=["client", "day"], name="visit_client_day"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(client__isnull=False) | Q(visitor__isnull=False),
                name="visit_names_someone"),
            models.CheckConstraint(
                condition=Q(checked_out_at__isnull=True)
                | Q(checked_out_at__gte=models.F("checked_in_at")),
                name="visit_out_after_in"),
            models.UniqueConstraint(
                fields=["client", "day"], condition=Q(checked_out_at__isnull=True),
                name="visit_client_in_once",
                violation_error_message=_("They are already checked in today: check them "
                                          "out first.")),
            models.UniqueConstraint(
                fields=["visitor", "day"],
                condition=Q(checked_out_at__isnull=True, client__isnull=True),
                name="visit_visitor_in_once",
                violation_error_message=_("They are already checked in today: check them "
                                          "out first.")),
        ]

    def __str__(self):
        return f"{self.person} {self.day}"

    @property
    def person(self):
        return self.client if self.client_id else self.visitor

    @property
    def is_in(self):
        return self.checked_out_at is None

    def clean(self):
        if self.checked_out_at and self.checked_out_at < self.checked_in_at:
            raise ValidationError({"checked_out_at": _("The time out is before the time in.")})
