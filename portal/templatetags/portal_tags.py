"""What the client's own page shows of the text people typed (their plan's goals and
actions, names, the site's address), kept as typed: in a right-to-left page each line keeps
its own direction (messaging.words.typed, Unicode's isolates, as in the messages), so a line
of English in an Arabic page ends with its own full stop. In English, unchanged."""

from django import template
from django.utils import translation

from messaging.words import typed as isolated

register = template.Library()


@register.filter
def typed(value):
    """{{ goal.text|typed }}: each line of `value` isolated in a right-to-left language."""
    if not value or not translation.get_language_bidi():
        return value
    return "\n".join(isolated(line) if line.strip() else line
                     for line in str(value).splitlines())
