"""Where a request comes from, for lockouts and the access log."""

from django.conf import settings


def client_ip(request, *args):
    """The client's address. Behind the HTTPS proxy (BEHIND_HTTPS_PROXY) it is the last
    address in X-Forwarded-For, the one our own proxy added; anything before it came
    from the client and could be made up."""
    if settings.SECURE_PROXY_SSL_HEADER:
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        addresses = [part.strip() for part in forwarded.split(",") if part.strip()]
        if addresses:
            return addresses[-1][:45]
    return request.META.get("REMOTE_ADDR", "")[:45]
