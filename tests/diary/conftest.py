"""The diary's cast: Dee (Kim's client) with a session booked an hour ago, and Cal who
covers Rob (Sam's client) this week."""

import datetime

import pytest
from django.utils import timezone

from clients.models import Allocation
from keywork.lib import dates
from staff.models import User
from tests.factories import AllocationFactory, KeyworkSessionFactory, UserFactory

DAY = datetime.timedelta(days=1)
HOUR = datetime.timedelta(hours=1)


def ago(**delta):
    """A moment in the past, to the minute (forms carry minutes, not seconds)."""
    return (timezone.now() - datetime.timedelta(**delta)).replace(second=0, microsecond=0)


def earlier_today():
    """A moment already past today: an hour ago, or the day's first minute when the day is
    younger than an hour (an hour ago would be yesterday, before a cover starting today)."""
    midnight = dates.at(timezone.localdate(), datetime.time(0, 0))
    return max(ago(hours=1), midnight)


def an_hour_ago_on_one_day():
    """An hour ago; in the day's first hour, 22:00 the day before instead, so that a session
    of 50 minutes from then begins and ends on one day, in the past (its log form's day,
    start and end make sense), and is not yet late."""
    start = ago(hours=1)
    if dates.local_day(start) != timezone.localdate():
        start = dates.at(timezone.localdate() - DAY, datetime.time(22, 0))
    return start


@pytest.fixture
def booked(client_record, keyworker):
    """Dee's session with Kim, booked to start an hour ago, 50 minutes long, not yet logged."""
    return KeyworkSessionFactory(client=client_record, worker=keyworker,
                                 starts_at=an_hour_ago_on_one_day(), expected_minutes=50)


@pytest.fixture
def cover_worker(site):
    return UserFactory(username="coverer", first_name="Cal", last_name="Cover",
                       role=User.Role.KEYWORKER, sites=[site], phone="07700 900555")


@pytest.fixture
def cover(colleagues_client, cover_worker):
    """Cal covers Rob (Sam's client) from today for a week."""
    today = timezone.localdate()
    return AllocationFactory(client=colleagues_client, worker=cover_worker,
                             kind=Allocation.Kind.COVER, start=today, end=today + 7 * DAY,
                             handover_note="Rob's benefits review letter is due Thursday.")
