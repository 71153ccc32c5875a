from django.utils import timezone

from supervision.models import Notification


def notifications(request):
    """How many of today's due items the user has not yet opened: one indexed count."""
    user = getattr(request, "user", None)
    if not user or not user.is_authenticated:
        return {}
    return {"notification_count": Notification.objects.filter(
        user=user, day=timezone.localdate(), read_at__isnull=True).count()}
