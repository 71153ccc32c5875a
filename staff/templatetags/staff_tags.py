"""Template filters any page may use (staff is the lowest app, so every template can load it)."""

import re

from django import template

from keywork.lib import dates

register = template.Library()


@register.filter
def tel_href(phone):
    """A phone number as a `tel:` URL: "01632 960 101" -> "tel:01632960101".

    A tel: URL may not hold spaces (RFC 3966; the Nu HTML Checker rejects them) and some
    phones dial only the digits before the first one, so everything but the digits and a
    leading + goes. Every phone link on every page is written with this filter."""
    phone = str(phone or "").strip()
    digits = re.sub(r"\D", "", phone)
    return f"tel:{'+' if phone.startswith('+') else ''}{digits}"


@register.filter
def days_since(day):
    """How long ago a day was: "3 days", "2 weeks" (keywork.lib.dates.days_since)."""
    return dates.days_since(day) if day else ""
