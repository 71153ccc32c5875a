from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class StagesConfig(AppConfig):
    name = "stages"
    verbose_name = _("Assessments and the stages ladder")

    def ready(self):
        from activities import hooks as activity_hooks
        from stages import services, signals, views

        signals.connect()
        views.register_extensions()
        activity_hooks.register_marked.append(services.evidence_from_register)
