"""Request-wide security: session limits and response headers."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.utils.translation import gettext as _

from audit import sessions


def _signed_out_message(reason):
    if reason == "idle":
        text = _("You were signed out after %(minutes)d minutes without activity.") % {
            "minutes": settings.SESSION_IDLE_TIMEOUT // 60}
    else:
        text = _("You were signed out because you had been logged in for %(hours)d hours.") % {
            "hours": settings.SESSION_MAX_AGE // 3600}
    return text + " " + _("Log in again to carry on: any text you were typing is kept.")


class SessionLimitsMiddleware:
    """Ends a session after SESSION_IDLE_TIMEOUT idle seconds or SESSION_MAX_AGE seconds
    in all. Runs before LoginRequiredMiddleware, which then sends the person to the login
    page with `next` set, so they come back to where they were."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.user.is_authenticated:
            reason = sessions.expired_reason(request)
            if reason:
                logout(request)
                messages.info(request, _signed_out_message(reason))
            else:
                sessions.touch(request)
        return self.get_response(request)


class SecurityHeadersMiddleware:
    """Headers Django has no setting for, and no caching of anything a logged-in person
    is shown: pages, PDFs, photos and exports all hold client data."""

    PERMISSIONS_POLICY = ", ".join(
        f"{feature}=()"
        for feature in ("accelerometer", "autoplay", "camera", "display-capture",
                        "geolocation", "gyroscope", "magnetometer", "microphone",
                        "midi", "payment", "usb", "serial", "bluetooth", "hid",
                        "interest-cohort", "browsing-topics")
    )

    def __init__(self, get_response):
        self.get_response = get_response

    # pygal's charts style themselves inline; shown through <img> they cannot script, and
    # opened on their own this policy lets them style themselves and nothing else.
    SVG_POLICY = "default-src 'none'; style-src 'unsafe-inline'; img-src data:"

    def __call__(self, request):
        response = self.get_response(request)
        response.headers.setdefault("Permissions-Policy", self.PERMISSIONS_POLICY)
        if response.headers.get("Content-Type", "").startswith("image/svg+xml"):
            response.headers["Content-Security-Policy"] = self.SVG_POLICY
        user = getattr(request, "user", None)
        if (user is not None and user.is_authenticated
                and "no-store" not in response.headers.get("Cache-Control", "")):
            response.headers["Cache-Control"] = "private, no-store"
        return response

