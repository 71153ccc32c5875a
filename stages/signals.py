"""A client admitted at a site that uses the ladder starts on its first rung."""

from django.db.models.signals import post_save

from clients.models import Client, StatusChange


def _start_ladder_on_admission(sender, instance, created, **kwargs):
    if not created or instance.to_status != Client.Status.ADMITTED:
        return
    from stages.services import ladder_start

    client = instance.client
    if client.site.uses_ladder and not client.stages.exists():
        ladder_start(client=client, by=instance.by, on=instance.on)


def connect():
    post_save.connect(_start_ladder_on_admission, sender=StatusChange,
                      dispatch_uid="stages_start_ladder_on_admission")
