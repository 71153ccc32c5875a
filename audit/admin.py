from django.contrib import admin

from audit.models import AccessEvent, PurgedClients


class ReadOnlyAdmin(admin.ModelAdmin):
    """Nothing added, changed or deleted through the admin."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(AccessEvent)
class AccessEventAdmin(ReadOnlyAdmin):
    """Read-only: the access log is append-only, in the admin as everywhere else."""

    list_display = ["at", "user", "kind", "client", "path", "ip_address"]
    list_filter = ["kind", "at"]
    search_fields = ["user__username", "client__reference", "path", "ip_address"]
    date_hierarchy = "at"
    list_select_related = ["user", "client"]


@admin.register(PurgedClients)
class PurgedClientsAdmin(ReadOnlyAdmin):
    """Counts left by `manage.py purge_expired`; read-only."""

    list_display = ["site", "ended_year", "status", "clients", "keywork_sessions", "purged_at"]
    list_filter = ["site", "ended_year", "status"]
