"""The diary's cast: Dee (Kim's client) with a session booked an hour ago, and Cal who
covers Rob (Sam's client) this week."""

import datetime

import pytest
from django.utils import timezone

from clients.models import Allocation
from staff.models import User
from tests.factories import AllocationFactory, KeyworkSessionFactory, UserFactory

DAY = datetime.timedelta(days=1)
HOUR = datetime.timedelta(hours=1)


def ago(**delta):
    """A moment in the past, to the minute (forms carry minutes, not seconds)."""
    return (timezone.now() - datetime.timedelta(**delta)).replace(second=0, microsecond=0)


@pytest.fixture
def booked(client_record, keyworker):
    """Dee's session with Kim, booked to start an hour ago, 50 minutes long, not yet logged."""
    return KeyworkSessionFactory(client=client_record, worker=keyworker, starts_at=ago(hours=1),
                                 expected_minutes=50)


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
