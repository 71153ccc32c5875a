from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SupervisionConfig(AppConfig):
    name = "supervision"
    verbose_name = _("Supervision and outcomes")

    def ready(self):
        from clients import extensions
        from supervision.models import CaseAccountability

        def load(request, client):
            record = (CaseAccountability.objects.select_related("manager")
                      .filter(client=client).first())
            return {"client": client, "record": record,
                    "can_set": request.user.is_manager}

        extensions.register_file_section(extensions.FileSection(
            key="case-accountability", template="supervision/includes/accountability.html",
            load=load, order=5, column="side"))
