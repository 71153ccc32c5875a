from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DiaryConfig(AppConfig):
    name = "diary"
    verbose_name = _("Keywork diary")

    def ready(self):
        # The clients pages and the plans sheet show the diary's facts without importing
        # diary: it registers them there.
        from django.db.models.signals import post_save

        from diary import extensions, services

        extensions.register()
        # Someone leaving (their account deactivated, by the admin or the staff form):
        # their calendar feed is turned off for good, not only while they are inactive.
        post_save.connect(services.calendar_feeds_of_leaver_revoke,
                          sender=self.apps.get_model("staff", "User"),
                          dispatch_uid="diary.calendar_feeds_of_leaver_revoke")
