"""`seed_demo` has someone away this week with cover arranged, and leave to come."""

import datetime

import pytest
from django.core.management import call_command
from django.utils import timezone

from diary import selectors
from diary.models import StaffAbsence
from keywork.lib import dates
from staff.models import Site, User

DAY = datetime.timedelta(days=1)


@pytest.mark.django_db
def test_demo_has_sam_away_with_kim_covering_and_kims_leave_to_come(settings):
    settings.DEBUG = True
    call_command("seed_demo")
    today = timezone.localdate()
    sam, kim = User.objects.get(username="keyworker2"), User.objects.get(username="keyworker")
    site = Site.objects.get(code="DC1")
    found = selectors.away([site.pk], today, dates.week_start(today) + 6 * DAY)
    away = next(a for a in found if a.worker == sam)
    assert away.clients and not away.uncovered
    assert {w for w, _n in away.cover_workers} == {kim}
    assert selectors.absences_to_come(kim)[0].kind == StaffAbsence.Kind.LEAVE
    # Seeding again adds nothing.
    call_command("seed_demo")
    assert StaffAbsence.objects.count() == 2
