from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SafeguardingConfig(AppConfig):
    name = "safeguarding"
    verbose_name = _("Safeguarding")

    def ready(self):
        # The client file shows the safeguarding alerts and bans without importing this
        # app: it registers them there.
        from safeguarding import extensions

        extensions.register()
