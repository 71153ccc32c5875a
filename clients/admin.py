from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from clients.models import InductionItem
from staff.admin import NoDeleteMixin


@admin.register(InductionItem)
class InductionItemAdmin(NoDeleteMixin, SimpleHistoryAdmin):
    """Each site's induction checklist. Retire an item (untick "in use") instead of deleting."""

    list_display = ["text", "site", "order", "is_active"]
    list_filter = ["site", "is_active"]
    list_editable = ["order", "is_active"]
    search_fields = ["text"]
