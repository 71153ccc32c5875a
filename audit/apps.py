from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AuditConfig(AppConfig):
    """Security and records governance: sessions, the access log, subject access,
    retention and backups. Last in LOCAL_APPS because it reads every app's records."""

    name = "audit"
    verbose_name = _("Security and records")

    def ready(self):
        from audit import signals  # noqa: F401  (connects the receivers)
