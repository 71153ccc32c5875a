from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MessagingConfig(AppConfig):
    name = "messaging"
    verbose_name = _("Reminders to clients")

    def ready(self):
        # The client file shows the reminders section, and the diary tells of sessions
        # moved or cancelled, without either importing messaging.
        from messaging import extensions

        extensions.register()
