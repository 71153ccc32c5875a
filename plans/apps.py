from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PlansConfig(AppConfig):
    name = "plans"
    verbose_name = _("Support plans")

    def ready(self):
        # The caseload column and the client file's sections (clients.extensions).
        from plans import views

        views.register_extensions()
