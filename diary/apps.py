from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DiaryConfig(AppConfig):
    name = "diary"
    verbose_name = _("Keywork diary")

    def ready(self):
        # The clients pages show the diary's columns and sections without importing diary.
        from diary import extensions

        extensions.register()
