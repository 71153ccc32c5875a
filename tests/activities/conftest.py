"""Groups for the activities tests: a workshop at the site, made through the services."""

import datetime

import pytest
from django.utils import timezone

from activities import services
from activities.models import Activity, GroupSession
from tests.factories import local_moment

DAY = datetime.timedelta(days=1)


def add_session(activity, by, *, days_ago, hour=10, **fields):
    """A session of `activity` `days_ago` days from today (negative: to come)."""
    day = timezone.localdate() - days_ago * DAY
    return services.session_save(session=GroupSession(
        activity=activity, starts_at=local_moment(day, hour), minutes=90, **fields), by=by)


@pytest.fixture
def workshop(site, manager):
    return services.activity_save(activity=Activity(
        site=site, name="Action Training Workshop", place="Room 2", capacity=2,
        description="Skills for moving on."), by=manager)


@pytest.fixture
def member(workshop, client_record, manager):
    services.membership_add(activity=workshop, client=client_record, by=manager,
                            on=timezone.localdate() - 30 * DAY)
    return client_record
