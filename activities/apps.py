from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ActivitiesConfig(AppConfig):
    name = "activities"
    verbose_name = _("Groups and workshops")

    def ready(self):
        from activities import views

        views.register_extensions()
