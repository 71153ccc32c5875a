from django.contrib import admin
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from clients import extensions, services
from clients.forms import DETAIL_FIELDS
from clients.models import Client, InductionItem
from staff.admin import NoDeleteMixin
from staff.forms import SkillsField


@admin.register(InductionItem)
class InductionItemAdmin(NoDeleteMixin, SimpleHistoryAdmin):
    """Each site's induction checklist. Retire an item (untick "in use") instead of deleting."""

    list_display = ["text", "site", "order", "is_active"]
    list_filter = ["site", "is_active"]
    list_editable = ["order", "is_active"]
    search_fields = ["text"]


@admin.register(Client)
class ClientAdmin(NoDeleteMixin, SimpleHistoryAdmin):
    """Clients for administrators bringing records in or putting one right: found by
    reference or name, filtered by site and status, with every version kept. Referrals
    are made, and the lifecycle (admission, move-on, site) and allocations changed, on the
    client pages, whose services hold those rules: here they are read-only. Edits to the
    details go through clients.services.client_update like the details form's. Archived,
    never deleted."""

    list_display = ["reference", "last_name", "first_name", "preferred_name", "status",
                    "site", "referred_on", "alerts"]
    list_filter = ["status", "site"]
    search_fields = ["reference", "first_name", "last_name", "preferred_name"]
    list_select_related = ["site"]
    list_per_page = 25
    ordering = ["last_name", "first_name", "pk"]
    # The lifecycle's fields: each has a service with its own rules and history row.
    lifecycle = ["reference", "site", "status", "referred_on", "admitted_on", "on_probation",
                 "ended_on", "end_destination", "end_reason"]
    fieldsets = [
        (None, {"fields": lifecycle}),
        (_("Details"), {"fields": [name for name in DETAIL_FIELDS if name != "photo"]}),
        (_("Referral"), {"fields": ["referral_source", "referral_reason"]}),
    ]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        self._viewed(request, object_id)
        return super().change_view(request, object_id, form_url, extra_context)

    def history_view(self, request, object_id, extra_context=None):
        self._viewed(request, object_id)
        return super().history_view(request, object_id, extra_context)

    @staticmethod
    def _viewed(request, object_id):
        # An administrator opening a client's record is in the access log like anyone
        # opening the client's file (clients.extensions.admin_viewed, filled by audit).
        if str(object_id).isdigit() and Client.objects.filter(pk=object_id).exists():
            for handler in extensions.admin_viewed:
                handler(request, int(object_id))

    def has_add_permission(self, request):
        # A new client is a referral (the referral page numbers it at its site).
        return False

    readonly_fields = lifecycle

    def has_change_permission(self, request, obj=None):
        # An archived record is read, never changed (clients.services.client_update).
        return super().has_change_permission(request, obj) and not (obj and obj.is_archived)

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if db_field.name == "support_wanted":
            return SkillsField(label=db_field.verbose_name, help_text=db_field.help_text)
        return super().formfield_for_dbfield(db_field, request, **kwargs)

    def save_model(self, request, obj, form, change):
        services.client_update(
            client=Client.objects.get(pk=obj.pk), version=obj.version, by=request.user,
            **{name: form.cleaned_data[name] for name in form.changed_data})
