"""Helpers for the long lists some pages draw in Python rather than a template row at a
time (a `{% url %}`, a filter and a `{% blocktranslate %}` a row cost a large group's or
site's page most of its time)."""

from django.urls import reverse

# An id no row has, reversed once in place of each row's own.
_MARKER = 2_147_483_647


def url_of(name):
    """A function of an id giving the URL `name` takes it to: reversed once for the list,
    not once a row (a reverse costs as much as the rest of a row)."""
    head, tail = reverse(name, args=[_MARKER]).split(str(_MARKER))
    return lambda pk: f"{head}{pk}{tail}"
