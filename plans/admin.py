from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from plans.models import Agency, AgreementTemplate
from staff.admin import NoDeleteMixin


@admin.register(AgreementTemplate)
class AgreementTemplateAdmin(NoDeleteMixin, SimpleHistoryAdmin):
    """Each site's keywork agreement text (managers also edit it from the plan reviews page)."""

    list_display = ["site", "review_interval_weeks", "updated_at"]


@admin.register(Agency)
class AgencyAdmin(NoDeleteMixin, SimpleHistoryAdmin):
    """The agencies directory. Untick "in use" instead of deleting an agency."""

    list_display = ["name", "service", "site", "phone", "is_active"]
    list_filter = ["site", "is_active"]
    search_fields = ["name", "service", "contact_name"]

