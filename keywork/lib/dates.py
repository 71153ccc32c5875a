"""Every date and time sum and every date shown: the one place they are worked out.

Instants are stored in UTC and shown in the site's time (Europe/London, the current time
zone). A person types a day and a wall-clock time; `at()` turns them into an instant, and
refuses a time the clocks skip (01:30 on the last Sunday of March) or that they show twice
(01:30 on the last Sunday of October) unless told which. Every instant this module returns
is in UTC, so that adding to it or comparing it counts real time: Python adds a timedelta
to a datetime in Europe/London on the clock face, and compares two of them by the clock
face too, which is how 01:30 + 30 minutes became 02:00 in an hour that has no 02:00.

Formats follow Django's `date` filter, so a template's `|date:"j M Y"` and `format_day()`
print the same; each format string is written here once.
"""

import datetime

from django.utils import dateformat, formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

UTC = datetime.UTC
MINUTE = datetime.timedelta(minutes=1)
DAY = datetime.timedelta(days=1)

# One home for each format shown on screen, in emails and in PDFs.
DAY_FORMAT = "j M Y"  # 24 Nov 2026
SHORT_DAY_FORMAT = "j M y"  # 24 Nov 26: chart axes, where room is short
WEEKDAY_FORMAT = "D j M"  # Mon 7 Dec
LONG_WEEKDAY_FORMAT = "l j F"  # Monday 7 December: a week's days as headings
# 10:00, in strftime's codes, not Django's: a page shows hundreds of times, and Django's
# time_format reads its format afresh at each call, five times as long.
TIME_FORMAT = "%H:%M"

FIRST, SECOND = 0, 1  # which of a time the clocks show twice (Python's `fold`)


class NonexistentTime(ValueError):
    """A wall-clock time the clocks skip when they go forward."""

    def __init__(self, day, clock, change):
        self.day, self.clock, self.change = day, clock, change
        super().__init__(self.message)

    @property
    def message(self):
        return _("There is no %(time)s on %(day)s in the UK: the clocks go forward at "
                 "%(change)s. Choose another time.") % {
            "time": format_time(self.clock), "day": format_day(self.day),
            "change": format_time(self.change)}


class AmbiguousTime(ValueError):
    """A wall-clock time the clocks show twice when they go back, given without saying which."""

    def __init__(self, day, clock):
        self.day, self.clock = day, clock
        super().__init__(self.message)

    @property
    def message(self):
        return _("%(time)s happens twice on %(day)s in the UK, as the clocks go back: say "
                 "which.") % {"time": format_time(self.clock), "day": format_day(self.day)}


def _zone():
    return timezone.get_current_timezone()


def _wall(day, clock, fold):
    return datetime.datetime.combine(day, clock, tzinfo=_zone()).replace(fold=fold)


def _exists(day, clock):
    naive = datetime.datetime.combine(day, clock)
    return _wall(day, clock, FIRST).astimezone(UTC).astimezone(_zone()).replace(
        tzinfo=None) == naive


def is_ambiguous(day, clock):
    """The clocks show this time twice on this day."""
    first, second = _wall(day, clock, FIRST), _wall(day, clock, SECOND)
    return first.utcoffset() != second.utcoffset() and _exists(day, clock)


def at(day, clock, fold=None):
    """The instant (UTC) a local day and wall-clock time name.

    A time the clocks skip raises NonexistentTime; one they show twice raises AmbiguousTime
    unless `fold` says which (FIRST or SECOND).
    """
    first, second = _wall(day, clock, FIRST), _wall(day, clock, SECOND)
    if first.utcoffset() != second.utcoffset():
        if not _exists(day, clock):
            raise NonexistentTime(day, clock, _gap_start(day, clock))
        if fold not in (FIRST, SECOND):
            raise AmbiguousTime(day, clock)
        return (second if fold == SECOND else first).astimezone(UTC)
    return first.astimezone(UTC)


def _gap_start(day, clock):
    """The wall-clock time the clocks jump from, for a time inside the jump."""
    moment = datetime.datetime.combine(day, clock)
    while not _exists((moment - MINUTE).date(), (moment - MINUTE).time()):
        moment -= MINUTE
    return moment.time()


def fold_choices(day, clock):
    """[(FIRST, "01:30 BST (first)"), (SECOND, "01:30 GMT (second)")] for a time shown twice."""
    first, second = _wall(day, clock, FIRST), _wall(day, clock, SECOND)
    return [(FIRST, _("%(time)s %(zone)s (first)") % {"time": format_time(clock),
                                                    "zone": first.tzname()}),
            (SECOND, _("%(time)s %(zone)s (second)") % {"time": format_time(clock),
                                                      "zone": second.tzname()})]


def fold_of(moment):
    """FIRST or SECOND: which showing of its wall-clock time an instant is."""
    return local(moment).fold


def same_time_on(moment, day):
    """The instant on local `day` whose wall clock shows what `moment`'s does (its first
    or second showing, as `moment` was, where the clocks show it twice): a weekly session
    stays at 10:00 across the clock change. NonexistentTime if the clocks skip it that day.
    Never `moment + 7 days`, which is 09:00 or 11:00 the week the clocks change."""
    return at(day, local_time(moment), fold_of(moment))


def start_of_day(day):
    """The first instant (UTC) of a local calendar day."""
    return at(day, datetime.time())


def day_bounds(day):
    """The first instant of a local day and the first of the next: 23 or 25 hours apart
    on the days the clocks change."""
    return start_of_day(day), start_of_day(day + DAY)


def week_start(day):
    """The Monday of the week a day is in."""
    return day - datetime.timedelta(days=day.weekday())


def week_bounds(day):
    """The first instant of the week (Monday) a local day is in, and the first of the next."""
    monday = week_start(day)
    return start_of_day(monday), start_of_day(monday + 7 * DAY)


def add_minutes(moment, minutes):
    """The instant `minutes` of real time after `moment` (before it, if negative)."""
    return moment.astimezone(UTC) + datetime.timedelta(minutes=minutes)


def minutes_between(start, end):
    """Whole minutes of real time from `start` to `end` (negative if `end` is earlier)."""
    return int((end.astimezone(UTC) - start.astimezone(UTC)).total_seconds() // 60)


def local(moment):
    """An instant on the local clock (Europe/London), for reading its day and time."""
    return timezone.localtime(moment)


def local_day(moment):
    return local(moment).date()


def local_time(moment):
    """The wall-clock time an instant shows, to the minute."""
    return local(moment).time().replace(second=0, microsecond=0, fold=0)


def _shown(value):
    # An instant is shown as the local clock shows it; a date is shown as it is.
    return local(value) if isinstance(value, datetime.datetime) else value


def format_day(value):
    """24 Nov 2026, for a date or an instant."""
    return dateformat.format(_shown(value), DAY_FORMAT)


def format_day_as_written(value):
    """A day as the active language writes it (its DATE_FORMAT): 24 Nov 2026 in British
    English, 24 Tachwedd 2026 in Welsh, 24 نوفمبر، 2026 in Arabic. What the `date` filter
    prints in a client's documents, for the words sent to a client in their language."""
    return formats.date_format(_shown(value))


def format_short_day(value):
    """24 Nov 26."""
    return dateformat.format(_shown(value), SHORT_DAY_FORMAT)


def format_weekday(value):
    """Mon 7 Dec."""
    return dateformat.format(_shown(value), WEEKDAY_FORMAT)


def format_long_weekday(value):
    """Monday 7 December."""
    return dateformat.format(_shown(value), LONG_WEEKDAY_FORMAT)


def format_time(value):
    """10:00, for a wall-clock time or an instant (on the local clock)."""
    return _shown(value).strftime(TIME_FORMAT)


def format_day_time(moment):
    """24 Nov 2026 10:00."""
    return f"{format_day(moment)} {format_time(moment)}"


def format_weekday_time(moment):
    """Mon 7 Dec 10:00: a moment in the days around now."""
    return f"{format_weekday(moment)} {format_time(moment)}"


def format_span(start, end):
    """10:00–10:50; on a night the clocks change, with each end's zone (01:30 BST–02:00
    GMT), since the clock face alone would tell the wrong length."""
    start_zone, end_zone = local(start).tzname(), local(end).tzname()
    if start_zone == end_zone:
        return f"{format_time(start)}–{format_time(end)}"
    return f"{format_time(start)} {start_zone}–{format_time(end)} {end_zone}"


def days_since(day, today=None):
    """How long ago a day was, in the largest whole unit: "since today", "3 days",
    "2 weeks", "5 months", "2 years". Counted in days on the local calendar (Django's
    `timesince` counts a date from its midnight, so a keyworker allocated this morning
    had held the client for "9 hours")."""
    today = today or timezone.localdate()
    days = (today - day).days
    if days <= 0:
        return _("since today")
    if days < 14:
        return ngettext("%(n)d day", "%(n)d days", days) % {"n": days}
    if days < 63:
        return ngettext("%(n)d week", "%(n)d weeks", days // 7) % {"n": days // 7}
    months = (today.year - day.year) * 12 + today.month - day.month - (today.day < day.day)
    if months < 24:
        return ngettext("%(n)d month", "%(n)d months", months) % {"n": months}
    return ngettext("%(n)d year", "%(n)d years", months // 12) % {"n": months // 12}


def quiet_until(moment, *, begins=datetime.time(21), ends=datetime.time(8)):
    """When a quiet night that `moment` falls in ends (the instant the local clock next
    shows `ends`), or None when `moment` is outside it: nothing is sent to a client from
    21:00 to 08:00 London time, so what comes up then waits until 08:00."""
    clock = local(moment).time()
    if ends <= clock < begins:
        return None
    day = local_day(moment)
    if clock >= begins:
        day += datetime.timedelta(days=1)
    return at(day, ends, FIRST)
