"""Request-wide security: session limits, response headers, the access log."""

from django.apps import apps
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django_otp.middleware import OTPMiddleware
from django_otp.models import Device
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice
from two_factor.utils import default_device

from audit import access, sessions, two_factor
from keywork.lib.every_request import ByPk


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
                        "midi", "payment", "usb", "serial", "hid",
                        "interest-cohort", "browsing-topics")
    )

    def __init__(self, get_response):
        self.get_response = get_response

    # The charts (keywork.lib.charts) style themselves with presentation attributes only,
    # so opened on their own they need nothing: no script, no style, no fetch.
    SVG_POLICY = "default-src 'none'"

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


class AccessLogMiddleware:
    """Logs every successful GET of a page, PDF, file or export that shows a client's
    records (audit.access decides which), after the view has checked permission."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        match = getattr(request, "resolver_match", None)
        if (
            match is not None
            and request.method in ("GET", "HEAD")
            and 200 <= response.status_code < 300
            and request.user.is_authenticated
            and access.is_logged(match)
        ):
            # A record about several clients (clients.access.several_clients_page): once each.
            for client_id in getattr(request, "clients_shown", None) or [None]:
                access.record(request, client=client_id)
        return response


class DeviceMiddleware(OTPMiddleware):
    """django-otp's middleware (request.user.is_verified(), .otp_device), reading the
    device someone gave a code from (an authenticator app, or the backup codes) by a query
    written once (keywork.lib.every_request); any other kind as django-otp reads it.
    django-otp still checks that the device is the user's and confirmed."""

    _by_pk = {model.model_label(): ByPk(model) for model in (TOTPDevice, StaticDevice)}

    def _device_from_persistent_id(self, persistent_id):
        persistent_id = self._normalize_persistent_id(persistent_id)
        label, _sep, pk = persistent_id.rpartition("/")
        if label in self._by_pk:
            return self._by_pk[label].get(pk)
        try:
            model = apps.get_model(label)
        except (LookupError, ValueError):
            return None
        # django-otp's own lookup fails (AttributeError) on a model that is not a device.
        if not issubclass(model, Device):
            return None
        return super()._device_from_persistent_id(persistent_id)


class TwoFactorRequiredMiddleware:
    """Someone who must use a second factor (audit.two_factor) and has not given one this
    session: sent to set up an authenticator app if they have none, else logged out and
    sent to log in again (they came in some way that skipped the code)."""

    ALLOWED = {"two_factor:setup", "two_factor:qr", "two_factor:setup_complete",
               "two_factor:backup_tokens", "logout", "audit:keepalive", "login"}

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        user = request.user
        if not user.is_authenticated or user.is_verified() or not two_factor.required(request):
            return None
        if request.resolver_match.view_name in self.ALLOWED:
            return None
        if default_device(user):
            logout(request)
            return redirect_to_login(request.get_full_path())
        messages.info(request, _("Managers, administrators and staff at some sites log in "
                                 "with a code from an authenticator app. Set yours up now: "
                                 "it takes two minutes."))
        return redirect("two_factor:setup")
