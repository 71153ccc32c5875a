import pytest
from django.core.management import CommandError, call_command
from django.db import models

from staff.models import Site, User


@pytest.mark.django_db
def test_seed_demo_refuses_with_debug_off(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="DEBUG"):
        call_command("seed_demo")


@pytest.mark.django_db
def test_seed_demo_makes_the_five_logins_and_is_safe_twice(settings):
    settings.DEBUG = True
    call_command("seed_demo")
    call_command("seed_demo")
    assert Site.objects.count() == 2
    logins = {u.username: u for u in User.objects.all()}
    assert {"admin", "manager", "keyworker", "keyworker2", "keyworker3"} <= set(logins)
    assert all(logins[name].check_password("demo-keywork") for name in logins)
    assert logins["admin"].is_administrator
    assert logins["manager"].sites.count() == 2
    assert list(logins["keyworker3"].sites.values_list("code", flat=True)) == ["HH1"]


@pytest.mark.django_db
def test_seed_demo_if_empty_leaves_an_existing_database_alone(settings, site):
    settings.DEBUG = True
    call_command("seed_demo", if_empty=True)
    assert not User.objects.filter(username="admin").exists()


@pytest.mark.django_db
def test_seed_demo_spreads_the_large_demo_over_several_sites_each_with_its_own_team(settings):
    """`--clients N --sites S` (issue 18): N clients over S large sites, BIG first, each with
    sixty staff (two managers) and every app's large-site data."""
    from activities.models import Activity
    from attendance.models import Visit
    from clients.models import Allocation, Client
    from diary.models import Contact, KeyworkSession
    from plans.models import Plan
    from safeguarding.models import Incident
    from stages.models import Assessment, RegisterTask

    settings.DEBUG = True
    call_command("seed_demo", clients=61, sites=3, verbosity=0)
    large = ["BIG", "BIG2", "BIG3"]
    assert set(Site.objects.values_list("code", flat=True)) == {"DC1", "HH1", *large}
    counts = dict(Client.objects.filter(site__code__in=large).values_list("site__code")
                  .annotate(n=models.Count("pk")))
    assert counts == {"BIG": 21, "BIG2": 20, "BIG3": 20}
    for code in large:
        site = Site.objects.get(code=code)
        team = User.objects.filter(sites=site)
        assert team.filter(role=User.Role.MANAGER).exclude(username="manager").count() == 2
        assert team.filter(role=User.Role.KEYWORKER).count() == 58
        # Every client's keyworker works at the client's site.
        assert not Allocation.objects.filter(client__site=site).exclude(worker__sites=site) \
            .exists()
        for rows in (KeyworkSession.objects.filter(site=site), Contact.objects.filter(site=site),
                     Plan.objects.filter(client__site=site),
                     Assessment.objects.filter(client__site=site),
                     Visit.objects.filter(site=site), Activity.objects.filter(site=site),
                     Incident.objects.filter(site=site), RegisterTask.objects.filter(site=site)):
            assert rows.exists(), (code, rows.model.__name__)
    assert set(User.objects.get(username="manager").sites.values_list("code", flat=True)) \
        == {"DC1", "HH1", "BIG"}
    assert User.objects.filter(username__startswith="big2-").count() == 60
