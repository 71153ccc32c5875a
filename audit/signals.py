"""Receivers: start the session clocks at login, end sessions when someone leaves."""

from django.contrib.auth import get_user_model
from django.contrib.auth.signals import user_logged_in
from django.db.models.signals import post_save
from django.dispatch import receiver

from audit import sessions


@receiver(user_logged_in)
def start_session_clocks(sender, request, user, **kwargs):
    if request is not None and hasattr(request, "session"):
        sessions.start(request)


@receiver(post_save, sender=get_user_model())
def end_sessions_of_deactivated_staff(sender, instance, created, **kwargs):
    if not created and not instance.is_active:
        sessions.end_all_for(instance)
