"""Batches of records brought in from another system's files, so that they can be undone.

A batch is previewed first (nothing of the clients' records is written), then imported in
one transaction, and can be undone as a whole while nobody has added to what it made.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from clients.models import Client
from staff.models import Site


class ImportBatchQuerySet(models.QuerySet):
    def for_user(self, user):
        """Batches a user may open: an administrator all; a manager those they started or
        that wrote to one of their sites; nobody else any."""
        if not user.is_authenticated:
            return self.none()
        if user.is_administrator:
            return self.all()
        if not user.is_manager:
            return self.none()
        return self.filter(models.Q(created_by=user)
                           | models.Q(sites__in=user.sites.all())).distinct()


class ImportBatch(models.Model):
    """One upload of up to three files (clients, past sessions, plans): the import's log.

    `created` lists the ids of every row the import wrote, by model label, so that undo
    removes exactly those (and their history)."""

    class Status(models.TextChoices):
        PREVIEWED = "previewed", _("Previewed")
        IMPORTED = "imported", _("Imported")
        UNDONE = "undone", _("Undone")

    status = models.CharField(_("status"), max_length=10, choices=Status,
                              default=Status.PREVIEWED)
    sites = models.ManyToManyField(Site, related_name="+", blank=True, verbose_name=_("sites"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                   related_name="+", verbose_name=_("uploaded by"))
    created_at = models.DateTimeField(_("uploaded"), auto_now_add=True)
    imported_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                    related_name="+", null=True, blank=True)
    imported_at = models.DateTimeField(_("imported"), null=True, blank=True)
    seconds = models.FloatField(_("time taken (seconds)"), null=True, blank=True)
    undone_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                  related_name="+", null=True, blank=True)
    undone_at = models.DateTimeField(_("undone"), null=True, blank=True)
    counts = models.JSONField(_("rows"), default=dict, blank=True)
    created = models.JSONField(default=dict, blank=True, editable=False)

    objects = ImportBatchQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("import")
        verbose_name_plural = _("imports")

    def __str__(self):
        return _("Import %(number)s") % {"number": self.pk}

    @property
    def error_count(self):
        return sum(f.error_count for f in self.files.all())


class ImportFile(models.Model):
    """One uploaded file of a batch, kept so that the import reads exactly what was
    previewed, with every row's problems found at the preview."""

    class Kind(models.TextChoices):
        CLIENTS = "clients", _("Clients")
        SESSIONS = "sessions", _("Past sessions")
        PLANS = "plans", _("Plans: goals and actions")

    batch = models.ForeignKey(ImportBatch, on_delete=models.CASCADE, related_name="files")
    kind = models.CharField(_("file"), max_length=10, choices=Kind)
    name = models.CharField(_("file name"), max_length=200)
    content = models.BinaryField(editable=False)
    rows = models.PositiveIntegerField(_("rows"), default=0)
    # [[row number, message], ...], in row order.
    errors = models.JSONField(default=list, blank=True, editable=False)
    error_count = models.PositiveIntegerField(_("problems"), default=0)

    class Meta:
        ordering = ["batch", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["batch", "kind"], name="import_one_file_per_kind"),
        ]

    def __str__(self):
        return self.name


class ImportedClient(models.Model):
    """A client an import made, with the reference the old system gave them: later files
    (sessions, plans) name clients by it."""

    batch = models.ForeignKey(ImportBatch, on_delete=models.PROTECT, related_name="clients")
    client = models.OneToOneField(Client, on_delete=models.PROTECT, related_name="imported")
    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="+")
    old_reference = models.CharField(_("reference in the old system"), max_length=60)
    row = models.PositiveIntegerField(_("row"))

    class Meta:
        verbose_name = _("imported client")
        constraints = [
            models.UniqueConstraint(fields=["site", "old_reference"],
                                    name="imported_client_old_reference_per_site"),
        ]

    def __str__(self):
        return f"{self.old_reference} → {self.client_id}"
