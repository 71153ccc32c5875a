from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DiaryConfig(AppConfig):
    name = "diary"
    verbose_name = _("Keywork diary")

    def ready(self):
        # The clients pages show the diary's columns and sections without importing diary.
        from diary import extensions

        extensions.register()
        register_plan_hooks()


def register_plan_hooks():
    """Tell plans (the "My keywork" sheet) the next booked session, as the caseload's "Next
    session" column knows it: `next_booked` decides which session is next, once."""
    from diary.models import KeyworkSession
    from diary.services import next_booked
    from plans import hooks

    def booked(client_ids):
        starts = next_booked(client_ids)
        if not starts:
            return {}
        sessions = (KeyworkSession.objects.live()
                    .filter(client_id__in=list(starts), starts_at__in=set(starts.values()),
                            status=KeyworkSession.Status.BOOKED)
                    .select_related("worker").order_by("starts_at", "pk"))
        answers = {}
        for session in sessions:
            if session.starts_at == starts[session.client_id]:
                place = session.get_place_display()
                if session.where:
                    place = f"{place}: {session.where}"
                answers.setdefault(session.client_id, hooks.NextSession(
                    session.starts_at, place, str(session.worker)))
        return answers

    hooks.next_session[:] = [booked]
