"""The quiet night, 21:00 to 08:00 London time (keywork.lib.dates.quiet_until), across the
clock changes too."""

import datetime

import pytest

from keywork.lib import dates


def _at(day, hour, minute=0):
    return dates.at(day, datetime.time(hour, minute), dates.FIRST)


@pytest.mark.parametrize("day", [datetime.date(2026, 12, 5),  # GMT
                                 datetime.date(2026, 7, 1),  # BST
                                 datetime.date(2026, 3, 28),  # the night the clocks go on
                                 datetime.date(2026, 10, 24)])  # the night they go back
def test_nothing_goes_from_nine_at_night_until_eight_in_the_morning(day):
    next_day = day + datetime.timedelta(days=1)
    assert dates.quiet_until(_at(day, 8)) is None
    assert dates.quiet_until(_at(day, 20, 59)) is None
    assert dates.quiet_until(_at(day, 21)) == _at(next_day, 8)
    assert dates.quiet_until(_at(day, 23, 59)) == _at(next_day, 8)
    assert dates.quiet_until(_at(next_day, 0, 30)) == _at(next_day, 8)
    assert dates.quiet_until(_at(next_day, 7, 59)) == _at(next_day, 8)
    assert dates.local_time(dates.quiet_until(_at(day, 22))) == datetime.time(8)
