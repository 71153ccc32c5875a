"""clients.access: access_level, the one-query check every page of a client runs first,
gives the same answer as the queryset filter (clients_for, behind Client.objects.for_user
and .in_full_for), at the edges of sites and allocation dates."""

import datetime

import pytest
from django.contrib.auth.models import AnonymousUser
from django.utils import timezone

from clients.access import Access, access_level, clients_for
from clients.models import Allocation, Client
from staff.models import User
from tests.factories import AllocationFactory, ClientFactory, UserFactory

DAY = datetime.timedelta(days=1)


@pytest.fixture
def cast(site, other_site, keyworker, colleague, manager, other_site_keyworker,
         other_site_manager, administrator):
    """Everyone, plus a keyworker at both sites."""
    both = UserFactory(username="both", role=User.Role.KEYWORKER, sites=[site, other_site])
    return [AnonymousUser(), keyworker, colleague, manager, other_site_keyworker,
            other_site_manager, administrator, both]


# (kind, start, end) as days from today; `end` is the first day it no longer applies.
ALLOCATIONS = {
    "primary, open": (Allocation.Kind.PRIMARY, -30, None),
    "co-keyworker, open": (Allocation.Kind.CO, -30, None),
    "cover to tomorrow": (Allocation.Kind.COVER, -3, 1),
    "cover ended today": (Allocation.Kind.COVER, -3, 0),
    "starts today": (Allocation.Kind.PRIMARY, 0, None),
    "starts tomorrow": (Allocation.Kind.PRIMARY, 1, None),
    "none": None,
}


def client_with(allocation, *, site, worker):
    """A client at `site` with the allocation named `allocation` (ALLOCATIONS) for `worker`."""
    today = timezone.localdate()
    record = ClientFactory(site=site)
    if ALLOCATIONS[allocation]:
        kind, start, end = ALLOCATIONS[allocation]
        AllocationFactory(client=record, worker=worker, kind=kind, start=today + start * DAY,
                          end=None if end is None else today + end * DAY)
    return record


def level_by_queryset(user, record, on=None):
    """The level the queryset filter gives: in clients_for(FULL), else in clients_for()."""
    if clients_for(user, Access.FULL, on=on).filter(pk=record.pk).exists():
        return Access.FULL
    if clients_for(user, on=on).filter(pk=record.pk).exists():
        return Access.SUMMARY
    return None


@pytest.mark.parametrize("allocation", ALLOCATIONS)
def test_access_level_agrees_with_the_queryset_filter(site, keyworker, cast, allocation):
    record = client_with(allocation, site=site, worker=keyworker)
    for user in cast:
        assert access_level(user, record.pk) == level_by_queryset(user, record), user
        assert access_level(user, record) == access_level(user, record.pk), user


@pytest.mark.parametrize("allocation", ALLOCATIONS)
@pytest.mark.parametrize("days", [-31, -4, -3, 1, 2])
def test_they_agree_on_other_days_too(site, keyworker, cast, allocation, days):
    record = client_with(allocation, site=site, worker=keyworker)
    on = timezone.localdate() + days * DAY
    for user in cast:
        assert access_level(user, record, on=on) == level_by_queryset(user, record, on), user


def test_the_model_querysets_are_the_filter(site, keyworker, colleague, manager):
    held = client_with("primary, open", site=site, worker=keyworker)
    other = client_with("none", site=site, worker=keyworker)
    assert set(Client.objects.for_user(keyworker)) == {held, other}
    assert list(Client.objects.in_full_for(keyworker)) == [held]
    assert set(Client.objects.in_full_for(manager)) == {held, other}
    assert not Client.objects.in_full_for(colleague).exists()


@pytest.mark.parametrize(("allocation", "expected"), [
    ("primary, open", Access.FULL), ("co-keyworker, open", Access.FULL),
    ("cover to tomorrow", Access.FULL), ("starts today", Access.FULL),
    ("cover ended today", Access.SUMMARY), ("starts tomorrow", Access.SUMMARY),
    ("none", Access.SUMMARY),
])
def test_a_keyworker_opens_the_file_only_while_an_allocation_is_in_force(
        site, keyworker, allocation, expected):
    record = client_with(allocation, site=site, worker=keyworker)
    assert access_level(keyworker, record.pk) == expected


def test_another_sites_staff_and_administrators_get_nothing(
        site, other_site_keyworker, other_site_manager, administrator, manager):
    record = ClientFactory(site=site)
    for user in (other_site_keyworker, other_site_manager, administrator, AnonymousUser()):
        assert access_level(user, record.pk) is None
    assert access_level(manager, record.pk) == Access.FULL


def test_another_workers_allocation_does_not_count(site, keyworker, colleague):
    record = ClientFactory(site=site)
    AllocationFactory(client=record, worker=colleague)
    assert access_level(keyworker, record.pk) == Access.SUMMARY


@pytest.mark.parametrize("pk", [999_999, 2**63, -(2**63) - 1, 10**20])
def test_no_such_client(site, manager, pk):
    """Ids past what the database's integers hold (from a hand-edited URL) included."""
    assert access_level(manager, pk) is None


def test_it_is_one_query(site, keyworker, client_record, django_assert_num_queries):
    with django_assert_num_queries(1):
        assert access_level(keyworker, client_record.pk) == Access.FULL
