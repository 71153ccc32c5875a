"""keywork.lib.bidi: a typed text's own direction, as dir="auto" finds it."""

from keywork.lib.bidi import direction


def test_a_text_takes_the_direction_of_its_first_strong_character():
    assert direction("A flat of my own.") == "ltr"
    assert direction("شقة خاصة بي.") == "rtl"
    assert direction("12: شقة") == "rtl"
    assert direction("1. Find a flat") == "ltr"
    assert direction("") == direction(None) == direction("12 / 3") == "ltr"
