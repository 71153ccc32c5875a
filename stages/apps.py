from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class StagesConfig(AppConfig):
    name = "stages"
    verbose_name = _("Assessments and the stages ladder")

    def ready(self):
        from stages import signals, views

        signals.connect()
        views.register_extensions()
