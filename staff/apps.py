from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class StaffConfig(AppConfig):
    name = "staff"
    verbose_name = _("Staff and sites")

    def ready(self):
        from keywork.lib import lookups, translation
        from keywork.lib.cache import watch_writes

        # Cached page fragments are dropped when any data changes (keywork/lib/cache.py).
        watch_writes()
        # A made-up id in a multiple choice matches nothing instead of failing on SQLite.
        lookups.register()
        # Each word looked up in one catalogue, not eight (keywork/lib/translation.py).
        translation.drop_empty_fallbacks()
