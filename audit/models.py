"""The access log: who opened which client's records, when, and from where."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from clients.models import Client
from keywork.lib import dates


class AccessEventQuerySet(models.QuerySet):
    def for_user(self, user):
        """Managers see who opened the files of clients at their sites; nobody else does
        in the product (administrators read the whole log in the admin)."""
        if not user.is_authenticated or not user.is_manager:
            return self.none()
        return self.filter(client__site__in=user.sites.all())


class AccessEvent(models.Model):
    """One view of a client's records, a PDF, a file download or an export.

    Append-only: written by audit.middleware.AccessLogMiddleware and the subject access
    export, never changed; removed only with the client themselves (retention).
    """

    class Kind(models.TextChoices):
        VIEW = "view", _("Viewed")
        PDF = "pdf", _("Printed a PDF")
        DOWNLOAD = "download", _("Downloaded a file")
        EXPORT = "export", _("Exported")
        SUBJECT_ACCESS = "subject_access", _("Subject access export")

    at = models.DateTimeField(_("when"), default=timezone.now, db_index=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                             related_name="+", verbose_name=_("who"))
    # No index of its own: access_client_newest (below) starts with it. Beside it, the
    # planner took the client's every event and sorted them when its figures were stale.
    client = models.ForeignKey(Client, on_delete=models.CASCADE, null=True, blank=True,
                               related_name="access_events", verbose_name=_("client"),
                               db_index=False)
    kind = models.CharField(_("what"), max_length=20, choices=Kind)
    url_name = models.CharField(_("page"), max_length=80)
    path = models.CharField(_("address"), max_length=500)
    ip_address = models.GenericIPAddressField(_("from"), null=True, blank=True)
    user_agent = models.CharField(_("browser"), max_length=200, blank=True)

    objects = AccessEventQuerySet.as_manager()

    class Meta:
        ordering = ["-at", "-pk"]
        verbose_name = _("access log entry")
        verbose_name_plural = _("access log")
        indexes = [
            # In the page's order to the last column: a client's log is read 50 at a time
            # newest first, however long it grows (the bench's most opened client had
            # 23,000 rows, sorted whole through ["client", "-at"] for each page: 9 ms).
            models.Index(fields=["client", "-at", "-id"], name="access_client_newest"),
            models.Index(fields=["user", "-at"]),
        ]

    def __str__(self):
        return f"{dates.format_day_time(self.at)} {self.user_id} {self.kind} {self.path}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise ValueError("The access log is append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValueError("The access log is append-only.")


class PurgedClients(models.Model):
    """What is left of clients removed at the end of the retention period: counts only,
    so that outcome figures for past years still add up."""

    site = models.ForeignKey("staff.Site", on_delete=models.PROTECT, related_name="+",
                             verbose_name=_("site"))
    ended_year = models.PositiveSmallIntegerField(_("year the record was closed"))
    status = models.CharField(_("how it ended"), max_length=20)
    clients = models.PositiveIntegerField(_("clients"), default=0)
    keywork_sessions = models.PositiveIntegerField(_("keywork sessions"), default=0)
    purged_at = models.DateTimeField(_("purged"), default=timezone.now)

    class Meta:
        verbose_name = _("purged clients (counts)")
        verbose_name_plural = _("purged clients (counts)")

    def __str__(self):
        return f"{self.site_id} {self.ended_year} {self.status}: {self.clients}"
