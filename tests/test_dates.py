"""keywork.lib.dates across the four clock changes of 2026 and 2027.

The clocks go forward at 01:00 GMT on 29 Mar 2026 and 28 Mar 2027 (01:00-02:00 does not
happen) and back at 02:00 BST on 25 Oct 2026 and 31 Oct 2027 (01:00-02:00 happens twice).
"""

import datetime

import pytest

from keywork.lib import dates

FORWARD = [datetime.date(2026, 3, 29), datetime.date(2027, 3, 28)]
BACK = [datetime.date(2026, 10, 25), datetime.date(2027, 10, 31)]


def utc(day, hour, minute=0):
    return datetime.datetime.combine(day, datetime.time(hour, minute), tzinfo=datetime.UTC)


def t(hour, minute=0):
    return datetime.time(hour, minute)


@pytest.mark.parametrize("day", FORWARD)
@pytest.mark.parametrize("clock", [t(1), t(1, 30), t(1, 59)])
def test_a_time_the_clocks_skip_is_refused_saying_when_they_go_forward(day, clock):
    with pytest.raises(dates.NonexistentTime) as refused:
        dates.at(day, clock)
    assert refused.value.message == (
        f"There is no {clock:%H:%M} on {day.day} Mar {day.year} in the UK: the clocks go "
        "forward at 01:00. Choose another time.")


@pytest.mark.parametrize("day", FORWARD)
def test_the_times_either_side_of_the_jump_are_an_hour_of_clock_but_a_minute_apart(day):
    assert dates.at(day, t(0, 59)) == utc(day, 0, 59)
    assert dates.at(day, t(2)) == utc(day, 1)
    assert dates.minutes_between(dates.at(day, t(0, 59)), dates.at(day, t(2))) == 1


@pytest.mark.parametrize("day", BACK)
@pytest.mark.parametrize("clock", [t(1), t(1, 30), t(1, 59)])
def test_a_time_the_clocks_show_twice_must_say_which(day, clock):
    assert dates.is_ambiguous(day, clock)
    with pytest.raises(dates.AmbiguousTime):
        dates.at(day, clock)
    first = dates.at(day, clock, dates.FIRST)
    second = dates.at(day, clock, dates.SECOND)
    assert first == utc(day, clock.hour - 1, clock.minute)
    assert dates.minutes_between(first, second) == 60
    assert dates.fold_of(first) == dates.FIRST
    assert dates.fold_of(second) == dates.SECOND


@pytest.mark.parametrize("day", BACK)
def test_the_choice_names_the_time_and_its_zone(day):
    assert [label for _fold, label in dates.fold_choices(day, t(1, 30))] == [
        "01:30 BST (first)", "01:30 GMT (second)"]


@pytest.mark.parametrize("day", [*FORWARD, *BACK, datetime.date(2026, 12, 7)])
@pytest.mark.parametrize("clock", [t(0, 59), t(2), t(10)])
def test_an_ordinary_time_is_one_instant_whatever_fold_is_given(day, clock):
    assert not dates.is_ambiguous(day, clock)
    assert dates.at(day, clock) == dates.at(day, clock, dates.SECOND)
    assert dates.local_time(dates.at(day, clock)) == clock
    assert dates.local_day(dates.at(day, clock)) == day


def test_instants_are_utc_so_sums_count_real_time():
    day = FORWARD[1]
    start = dates.at(day, t(0, 30))
    assert start.tzinfo is datetime.UTC
    assert dates.add_minutes(start, 60) == dates.at(day, t(2, 30))
    assert dates.minutes_between(start, dates.at(day, t(2, 30))) == 60


@pytest.mark.parametrize(("day", "hours"), [(FORWARD[0], 23), (FORWARD[1], 23),
                                            (BACK[0], 25), (BACK[1], 25),
                                            (datetime.date(2026, 12, 7), 24)])
def test_a_local_day_lasts_as_long_as_the_clocks_say(day, hours):
    start, end = dates.day_bounds(day)
    assert dates.local_time(start) == t(0)
    assert dates.local_day(start) == day
    assert dates.minutes_between(start, end) == hours * 60


@pytest.mark.parametrize(("day", "monday"), [
    (datetime.date(2026, 3, 29), datetime.date(2026, 3, 23)),  # a Sunday
    (datetime.date(2026, 10, 26), datetime.date(2026, 10, 26)),  # a Monday
    (datetime.date(2027, 10, 31), datetime.date(2027, 10, 25)),
])
def test_a_week_starts_on_monday(day, monday):
    assert dates.week_start(day) == monday
    start, end = dates.week_bounds(day)
    assert start == dates.start_of_day(monday)
    assert end == dates.start_of_day(monday + datetime.timedelta(days=7))


def test_adding_minutes_to_a_local_instant_counts_real_time_not_the_clock_face():
    # Python adds to a Europe/London datetime on the clock face: 00:30 + 120 minutes would
    # read 02:30 BST, an hour too soon.
    start = dates.local(dates.at(FORWARD[1], t(0, 30)))
    end = dates.add_minutes(start, 120)
    assert dates.format_time(end) == "03:30"
    assert dates.minutes_between(start, end) == 120


def test_minutes_between_two_showings_of_the_same_time_are_counted_apart():
    # Two Europe/London datetimes with the same clock face subtract to zero in Python.
    first = dates.local(dates.at(BACK[0], t(1, 30), dates.FIRST))
    second = dates.local(dates.at(BACK[0], t(1, 30), dates.SECOND))
    assert dates.minutes_between(first, second) == 60


def test_formats_shown_on_screen_and_in_pdfs():
    moment = dates.at(datetime.date(2026, 12, 7), t(10))
    assert dates.format_day(datetime.date(2026, 11, 24)) == "24 Nov 2026"
    assert dates.format_day(moment) == "7 Dec 2026"
    assert dates.format_short_day(datetime.date(2026, 11, 24)) == "24 Nov 26"
    assert dates.format_weekday(moment) == "Mon 7 Dec"
    assert dates.format_time(moment) == "10:00"
    assert dates.format_day_time(moment) == "7 Dec 2026 10:00"
    assert dates.format_weekday_time(moment) == "Mon 7 Dec 10:00"


def test_an_instant_is_shown_on_the_local_clock_and_day():
    late = utc(datetime.date(2026, 7, 1), 23, 30)  # 00:30 BST on 2 Jul
    assert dates.format_day(late) == "2 Jul 2026"
    assert dates.format_time(late) == "00:30"


@pytest.mark.parametrize("day", BACK)
def test_both_showings_of_a_repeated_time_read_the_same_on_the_clock(day):
    for fold in (dates.FIRST, dates.SECOND):
        assert dates.format_time(dates.at(day, t(1, 30), fold)) == "01:30"


def test_a_span_names_the_zones_only_when_the_clocks_change_inside_it():
    back = datetime.date(2027, 10, 31)
    assert dates.format_span(utc(back, 0, 30), utc(back, 2)) == "01:30 BST–02:00 GMT"
    assert dates.format_span(utc(back, 1, 30), utc(back, 2)) == "01:30–02:00"
    winter = datetime.date(2026, 12, 9)
    assert dates.format_span(utc(winter, 10), utc(winter, 10, 50)) == "10:00–10:50"


def test_how_long_ago_a_day_was_counts_calendar_days():
    today = datetime.date(2026, 12, 4)
    said = {days: dates.days_since(today - datetime.timedelta(days=days), today)
            for days in (0, 1, 13, 14, 62, 63, 730)}
    assert said == {0: "since today", 1: "1 day", 13: "13 days", 14: "2 weeks",
                    62: "8 weeks", 63: "2 months", 730: "2 years"}


@pytest.mark.parametrize("day", BACK)
def test_the_same_time_a_week_later_is_on_the_clock_not_seven_times_24_hours(day):
    before = dates.at(day - datetime.timedelta(days=3), t(10))
    after = dates.same_time_on(before, day + datetime.timedelta(days=4))
    assert dates.local_time(after) == t(10)
    assert after - before == datetime.timedelta(days=7, hours=1)


@pytest.mark.parametrize("day", FORWARD)
def test_the_same_time_on_a_day_that_skips_it_is_refused(day):
    with pytest.raises(dates.NonexistentTime):
        dates.same_time_on(dates.at(day - datetime.timedelta(days=7), t(1, 30)), day)


@pytest.mark.parametrize("day", BACK)
def test_the_same_time_keeps_which_showing_on_a_day_shown_twice(day):
    second = dates.at(day, t(1, 30), dates.SECOND)
    assert dates.fold_of(dates.same_time_on(second, day + datetime.timedelta(days=7))) == 0
    first = dates.at(day - datetime.timedelta(days=7), t(1, 30))
    assert dates.same_time_on(first, day) == dates.at(day, t(1, 30), dates.FIRST)
