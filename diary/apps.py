from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DiaryConfig(AppConfig):
    name = "diary"
    verbose_name = _("Keywork diary")

    def ready(self):
        # The clients pages and the plans sheet show the diary's facts without importing
        # diary: it registers them there.
        from diary import extensions

        extensions.register()
