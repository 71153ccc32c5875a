from django.conf import settings
from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from clients.models import Client, InductionItem
from staff.admin import NoDeleteMixin


@admin.register(InductionItem)
class InductionItemAdmin(NoDeleteMixin, SimpleHistoryAdmin):
    """Each site's induction checklist. Retire an item (untick "in use") instead of deleting."""

    list_display = ["text", "site", "order", "is_active"]
    list_filter = ["site", "is_active"]
    list_editable = ["order", "is_active"]
    search_fields = ["text"]


if settings.BENCH_ADMIN:

    @admin.register(Client)
    class ClientAdmin(admin.ModelAdmin):
        """`make bench` only: the plain admin changelist of clients, searched and filtered
        like the client list, as the reference that page is measured against. Never
        registered otherwise: administrators do not read client files."""

        list_display = ["reference", "last_name", "first_name", "preferred_name", "status",
                        "site", "referred_on", "alerts"]
        list_filter = ["status", "site"]
        search_fields = ["reference", "first_name", "last_name", "preferred_name"]
        list_select_related = ["site"]
        list_per_page = 25
