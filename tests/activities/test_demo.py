"""`seed_demo` gives each demo site groups with registers, and the large site a year of
weekly sessions; the ladder's workshop tasks count the Action Training Workshop."""

import time

from django.core.management import call_command
from django.utils import timezone

from activities import selectors
from activities.models import Activity, GroupAttendance, GroupSession, Membership
from stages.models import Evidence, RegisterTask


def test_the_demo_has_groups_registers_and_ladder_tasks_counted_from_them(settings, db):
    settings.DEBUG = True
    call_command("seed_demo", verbosity=0)
    for code in ("DC1", "HH1"):
        activity = Activity.objects.filter(site__code=code).first()
        assert activity.memberships.exists()
        assert activity.sessions.filter(starts_at__gt=timezone.now()).exists()
        assert GroupAttendance.objects.filter(session__activity=activity).exists()
        assert activity.sessions.filter(cancelled=True).exists()
    links = RegisterTask.objects.filter(site__code="HH1").order_by("rate")
    assert [link.rate for link in links] == [50, 100]
    members = Membership.objects.filter(activity=links[0].activity).values_list("client_id",
                                                                                flat=True)
    assert selectors.rates(members)
    # Whoever reached 50 % on the ladder had it evidenced from the register.
    assert Evidence.objects.filter(task=links[0].task, from_activity=links[0].activity,
                                   what__contains="50% of at least 4 sessions needed").exists()


def test_the_large_demo_has_a_year_of_weekly_sessions(settings, db):
    settings.DEBUG = True
    started = time.monotonic()
    call_command("seed_demo", clients=300, verbosity=0)
    took = time.monotonic() - started
    big = Activity.objects.filter(site__code="BIG")
    assert big.count() == 3
    assert GroupSession.objects.filter(activity__in=big).count() == 3 * 56
    assert GroupAttendance.objects.filter(session__activity__in=big).count() > 3000
    assert RegisterTask.objects.filter(site__code="BIG").count() == 2
    assert took < 600
