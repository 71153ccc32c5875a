from django import template
from django.conf import settings
from django.urls import reverse
from django.utils.html import format_html

register = template.Library()


@register.simple_tag
def session_limit_attrs():
    """The <body> attributes session.js reads to warn before the idle logout."""
    return format_html(
        ' data-idle-timeout="{}" data-idle-warning="{}" data-keepalive-url="{}"',
        settings.SESSION_IDLE_TIMEOUT, settings.SESSION_IDLE_WARNING,
        reverse("audit:keepalive"),
    )


@register.filter
def minutes(delta):
    """A timedelta in whole minutes (the lockout's cool-off)."""
    return int(delta.total_seconds() // 60) if delta else 0
