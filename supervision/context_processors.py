from django.utils import timezone

from keywork.lib.cache import cached
from supervision.models import Notification


def notifications(request):
    """How many of today's due items the user has not yet opened: one indexed count."""
    user = getattr(request, "user", None)
    if not user or not user.is_authenticated:
        return {}
    today = timezone.localdate()
    # Asked on every page; kept in the cache until a notification (or anything) changes.
    return {"notification_count": cached(("notification_count", user.pk, today), lambda: (
        Notification.objects.filter(user=user, day=today, read_at__isnull=True).count()))}
