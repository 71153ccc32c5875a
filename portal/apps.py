from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PortalConfig(AppConfig):
    name = "portal"
    verbose_name = _("The client's own page")

    def ready(self):
        # The client file shows the page's section and the client's notes, the
        # keyworker's Today lists what a client sent, and a client leaving turns their
        # page off, without clients or diary importing portal.
        from portal import extensions

        extensions.register()
