from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from diary.models import DiarySettings
from staff.admin import NoDeleteMixin


@admin.register(DiarySettings)
class DiarySettingsAdmin(NoDeleteMixin, SimpleHistoryAdmin):
    """Each site's expected keywork cadence and correction window (managers set them too).

    Sessions and contacts are client records: administrators do not read them here.
    """

    list_display = ["site", "sessions_per_week", "edit_window_days"]
    list_editable = ["sessions_per_week", "edit_window_days"]
