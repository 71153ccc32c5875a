from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AuditConfig(AppConfig):
    """Security and records governance: sessions, the access log, subject access,
    retention and backups. Last in LOCAL_APPS because it reads every app's records."""

    name = "audit"
    verbose_name = _("Security and records")

    def ready(self):
        from audit import signals  # noqa: F401  (connects the receivers)
        from clients import extensions

        def load(request, client):
            # A link only: the file page's query count stays as it was.
            return {"client": client} if request.user.is_manager else None

        def admin_viewed(request, client_id):
            from audit.access import record

            record(request, client=client_id)

        extensions.register_admin_viewed(admin_viewed)
        extensions.register_file_section(extensions.FileSection(
            key="access-log", template="audit/includes/file_section.html", load=load,
            order=95, column="side"))
