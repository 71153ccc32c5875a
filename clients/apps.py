from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ClientsConfig(AppConfig):
    name = "clients"
    verbose_name = _("Clients")

    def ready(self):
        # Staff may not be deactivated while they hold a caseload; staff cannot import
        # clients, so clients tells it.
        from clients import selectors
        from staff import hooks

        if selectors.deactivation_blockers not in hooks.deactivation_blockers:
            hooks.deactivation_blockers.append(selectors.deactivation_blockers)
