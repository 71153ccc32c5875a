import pytest
from django.core.management import CommandError, call_command

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
