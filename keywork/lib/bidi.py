"""The direction of a text someone typed, for documents printed right to left.

A line of English in an Arabic document (or the other way round) must keep its own
direction, or its full stop lands at the wrong end. Browsers do this with `dir="auto"` and
`<bdi>`; WeasyPrint honours neither, only an explicit `dir`, so the direction is worked
out here, as `dir="auto"` would: from the first character that has a strong direction.
"""

import unicodedata

RIGHT_TO_LEFT = {"R", "AL"}
LEFT_TO_RIGHT = {"L"}


def direction(text):
    """"rtl" or "ltr": the direction of the first strongly directional character of
    `text`; "ltr" for a text with none (digits, punctuation, nothing)."""
    for character in str(text or ""):
        kind = unicodedata.bidirectional(character)
        if kind in RIGHT_TO_LEFT:
            return "rtl"
        if kind in LEFT_TO_RIGHT:
            return "ltr"
    return "ltr"


# Unicode's isolates: what `<span dir="ltr">` / `<span dir="rtl">` are in plain text.
LEFT_TO_RIGHT_ISOLATE, RIGHT_TO_LEFT_ISOLATE, POP_ISOLATE = "\u2066", "\u2067", "\u2069"


def isolate(text, direction_of=None):
    """`text` kept in its own direction (`direction_of`, or else its first strong
    character's) inside a plain text of the other direction, such as a text message in
    Arabic naming a place in English or a phone number: Unicode's isolates do what the
    documents' `dir` does."""
    opening = (RIGHT_TO_LEFT_ISOLATE if (direction_of or direction(text)) == "rtl"
               else LEFT_TO_RIGHT_ISOLATE)
    return f"{opening}{text}{POP_ISOLATE}"
