"""Session lifetime: 30 idle minutes and 12 hours at most, whatever the activity.

Django's own SESSION_COOKIE_AGE is renewed whenever the session is saved, so it cannot
give a hard maximum; the two limits are kept as timestamps in the session instead.
"""

import time
from importlib import import_module

from django.conf import settings
from django.contrib.sessions.models import Session
from django.core.cache import caches
from django.utils import timezone

LOGIN_AT = "keywork_login_at"
SEEN_AT = "keywork_seen_at"
# Saving the session on every request costs a write each time; a minute's precision on
# "last seen" is plenty for a 30-minute limit.
SEEN_PRECISION = 60


def start(request):
    now = int(time.time())
    request.session[LOGIN_AT] = now
    request.session[SEEN_AT] = now


def expired_reason(request, now=None):
    """"idle", "max_age" or None for the current request's session."""
    now = int(now if now is not None else time.time())
    login_at = request.session.get(LOGIN_AT)
    seen_at = request.session.get(SEEN_AT)
    if login_at is None or seen_at is None:
        # A session from before these limits (or a test's force_login): start the clocks.
        start(request)
        return None
    if now - login_at >= settings.SESSION_MAX_AGE:
        return "max_age"
    if now - seen_at >= settings.SESSION_IDLE_TIMEOUT:
        return "idle"
    return None


def touch(request, *, force=False):
    now = int(time.time())
    if force or now - request.session.get(SEEN_AT, 0) >= SEEN_PRECISION:
        request.session[SEEN_AT] = now


def end_all_for(user):
    """Delete every session of `user`: sessions are decoded one by one, which is fine for
    something done only when someone leaves. Through the session engine's own store, so
    that a cached copy (cached_db with Redis) goes too."""
    keys = [session.session_key
            for session in Session.objects.filter(expire_date__gt=timezone.now()).iterator()
            if str(session.get_decoded().get("_auth_user_id")) == str(user.pk)]
    Session.objects.filter(session_key__in=keys).delete()
    store = import_module(settings.SESSION_ENGINE).SessionStore
    if hasattr(store, "cache_key_prefix"):  # cached_db: the cached copies go too
        caches[settings.SESSION_CACHE_ALIAS].delete_many(
            [store.cache_key_prefix + key for key in keys])
    return len(keys)
