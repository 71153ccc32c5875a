"""Helpers for the long lists some pages draw in Python rather than a template row at a
time (a `{% url %}`, a filter and a `{% blocktranslate %}` a row cost a large group's or
site's page most of its time)."""

from django.urls import reverse
from django.utils.html import conditional_escape, format_html

# An id no row has, reversed once in place of each row's own.
_MARKER = 2_147_483_647


def url_of(name):
    """A function of an id giving the URL `name` takes it to: reversed once for the list,
    not once a row (a reverse costs as much as the rest of a row)."""
    head, tail = reverse(name, args=[_MARKER]).split(str(_MARKER))
    return lambda pk: f"{head}{pk}{tail}"


def row_template(format_string, *args):
    """A row's HTML with the parts every row shares filled in (escaped) and `{}` left for
    each row's own: format_html() twice, the shared parts' braces doubled so that a
    translation holding "{" or "}" cannot take a row's place."""
    shared = [str(conditional_escape(arg)).replace("{", "{{").replace("}", "}}")
              for arg in args]
    return format_string.format(*shared)


def csrf_input(context):
    """The hidden CSRF field of a form drawn in Python, as {% csrf_token %} draws it:
    nothing where the view gave no token."""
    token = context.get("csrf_token")
    if not token or token == "NOTPROVIDED":  # noqa: S105 - Django's marker, not a secret
        return ""
    return format_html('<input type="hidden" name="csrfmiddlewaretoken" value="{}">', token)
