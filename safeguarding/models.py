"""Safeguarding concerns and incidents, and bans or exclusions from a centre."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from clients.models import Client
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
    created_at = models.DateTimeField(auto_now_add=True)
    lifted_at = models.DateTimeField(_("lifted"), null=True, blank=True, editable=False)
    lifted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                  related_name="+", null=True, blank=True, editable=False)
    lifted_reason = models.TextField(_("why it was lifted"), blank=True, editable=False)
    history = HistoricalRecords()

    objects = BanQuerySet.as_manager()

    class Meta:
        ordering = ["-starts_on", "-pk"]
        indexes = [models.Index(fields=["site", "starts_on"], name="ban_site_start")]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__isnull=True) | Q(ends_on__gte=models.F("starts_on")),
                name="ban_ends_after_start"),
        ]

    def __str__(self):
        return f"{self.get_kind_display()}: {self.client}"
