from django.contrib import admin, messages
from django.db import transaction
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from staff.admin import NoDeleteMixin
from stages.models import Ladder, LadderStage, LadderTask, Need, NeedArea


class NeedInline(admin.TabularInline):
    model = Need
    fields = ["order", "name", "is_retired"]
    extra = 0

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(NeedArea)
class NeedAreaAdmin(NoDeleteMixin, SimpleHistoryAdmin):
    """The support-need areas and their needs. Retire a need instead of deleting it."""

    list_display = ["name", "order"]
    inlines = [NeedInline]


class LadderTaskInline(admin.TabularInline):
    model = LadderTask
    fields = ["order", "text", "where_appropriate", "known_from"]
    extra = 0

    def has_delete_permission(self, request, obj=None):
        return False

    def get_readonly_fields(self, request, obj=None):
        # A ladder in use is frozen: evidence stays tied to the text it was given for.
        if obj and obj.ladder.is_current:
            return self.fields
        return []


@admin.register(LadderStage)
class LadderStageAdmin(NoDeleteMixin, SimpleHistoryAdmin):
    list_display = ["name", "ladder", "order", "benefit"]
    list_filter = ["ladder"]
    inlines = [LadderTaskInline]

    def get_readonly_fields(self, request, obj=None):
        return ["ladder", "order", "name", "benefit"] if obj and obj.ladder.is_current else []


@admin.register(Ladder)
class LadderAdmin(NoDeleteMixin, SimpleHistoryAdmin):
    """Ladder versions. To change the ladder: copy the one in use to a new draft version,
    edit its stages and tasks, then put the new version in use."""

    list_display = ["version", "is_current", "note", "created_at"]
    readonly_fields = ["version", "is_current"]
    actions = ["copy_as_new_version", "put_in_use"]

    def save_model(self, request, obj, form, change):
        if not change:
            # A ladder made with "Add" (not copied) takes the next version number.
            latest = Ladder.objects.order_by("-version").first()
            obj.version = latest.version + 1 if latest else 1
        super().save_model(request, obj, form, change)

    @admin.action(description=_("Copy to a new draft version"))
    @transaction.atomic
    def copy_as_new_version(self, request, queryset):
        for ladder in queryset:
            latest = Ladder.objects.order_by("-version").first().version
            copy = Ladder.objects.create(
                version=latest + 1, note=_("Copied from version %(v)s") % {"v": ladder.version})
            for stage in ladder.stages.all():
                new_stage = LadderStage.objects.create(ladder=copy, order=stage.order,
                                                       name=stage.name, benefit=stage.benefit)
                for task in stage.tasks.all():
                    LadderTask.objects.create(stage=new_stage, order=task.order, text=task.text,
                                              where_appropriate=task.where_appropriate,
                                              known_from=task.known_from)
            self.message_user(request, _("Draft version %(v)s created; edit its stages, then "
                                         "put it in use.") % {"v": copy.version},
                              messages.SUCCESS)

    @admin.action(description=_("Put in use (for new clients and promotions from now on)"))
    @transaction.atomic
    def put_in_use(self, request, queryset):
        if queryset.count() != 1:
            self.message_user(request, _("Choose exactly one version."), messages.ERROR)
            return
        chosen = queryset.get()
        for ladder in Ladder.objects.filter(is_current=True):
            ladder.is_current = False
            ladder.save()
        chosen.is_current = True
        chosen.save()
        self.message_user(request, _("Version %(v)s is now in use.") % {"v": chosen.version},
                          messages.SUCCESS)
