import copy

from axes.utils import reset as axes_reset
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import ReadOnlyPasswordHashWidget
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from simple_history.admin import SimpleHistoryAdmin

from staff import services
from staff.forms import SkillsField
from staff.models import Site, User


class NoDeleteMixin:
    """Records here are deactivated, never deleted: the history must stay whole."""

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Site)
class SiteAdmin(NoDeleteMixin, SimpleHistoryAdmin):
    list_display = ["name", "code", "phone", "is_active"]
    list_filter = ["is_active"]
    search_fields = ["name", "code"]


class PasswordHashWidget(ReadOnlyPasswordHashWidget):
    """Django's password summary, its "Reset password" link by the user's own address:
    Django's is relative ("../password/"), right on the change page but, on
    simple_history's page of an earlier version (.../history/<id>/), a link to
    .../history/password/ and a server error."""

    def __init__(self, password_url):
        super().__init__()
        self.password_url = password_url

    def get_context(self, name, value, attrs):
        return {**super().get_context(name, value, attrs), "password_url": self.password_url}


@admin.register(User)
class UserAdmin(NoDeleteMixin, DjangoUserAdmin, SimpleHistoryAdmin):
    list_display = ["username", "first_name", "last_name", "role", "is_active"]
    list_filter = ["role", "is_active", "sites"]
    filter_horizontal = ["sites"]
    actions = ["deactivate", "unlock"]
    fieldsets = [
        (None, {"fields": ["username", "password"]}),
        (_("Personal info"), {"fields": ["first_name", "last_name", "email", "phone"]}),
        (_("Work"), {"fields": ["role", "sites", "caseload_limit", "is_active"]}),
        (_("Matching"), {"fields": ["languages", "gender", "skills"]}),
        (_("Important dates"), {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [
        (
            None,
            {
                "classes": ["wide"],
                "fields": ["username", "first_name", "last_name", "email", "role", "sites",
                           "password1", "password2"],
            },
        ),
    ]

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if db_field.name == "skills":
            return SkillsField(label=db_field.verbose_name, help_text=db_field.help_text)
        return super().formfield_for_dbfield(db_field, request, **kwargs)

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        if obj is not None and "password" in form.base_fields:
            # A field of this form class alone: the declared one is shared by every form.
            field = copy.copy(form.base_fields["password"])
            field.widget = PasswordHashWidget(
                reverse("admin:auth_user_password_change", args=[obj.pk]))
            form.base_fields["password"] = field
        return form

    @admin.action(description=_("Deactivate the selected staff (they are logged out at once)"))
    def deactivate(self, request, queryset):
        count = 0
        for user in queryset.filter(is_active=True):
            try:
                services.user_deactivate(user=user, by=request.user)
            except ValidationError as error:
                for message in error.messages:
                    self.message_user(request, message, messages.ERROR)
            else:
                count += 1
        if count:
            self.message_user(
                request,
                ngettext("%d staff member deactivated.", "%d staff members deactivated.", count)
                % count,
                messages.SUCCESS,
            )

    @admin.action(description=_("Unlock the selected staff's logins (after too many failures)"))
    def unlock(self, request, queryset):
        usernames = list(queryset.values_list("username", flat=True))
        for username in usernames:
            axes_reset(username=username)
        self.message_user(
            request,
            ngettext("%d login unlocked.", "%d logins unlocked.", len(usernames))
            % len(usernames),
            messages.SUCCESS,
        )
