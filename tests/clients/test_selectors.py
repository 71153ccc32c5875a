"""The clients app's shared facts: caseload size against limit, and unallocated clients."""

import datetime

import pytest
from django.utils import timezone

from clients import selectors, services
from clients.models import Allocation
from tests.factories import AllocationFactory, ClientFactory, UserFactory, client_with_keyworker

DAY = datetime.timedelta(days=1)


def test_caseload_counts_open_primary_clients_at_every_site_against_the_limit(
        site, other_site, keyworker, colleague):
    keyworker.sites.add(other_site)
    keyworker.caseload_limit = 2
    for where in (site, site, other_site):
        client_with_keyworker(site=where, keyworker=keyworker)
    client_with_keyworker(site=site, keyworker=keyworker, status="moved_on",
                          ended_on=timezone.localdate())
    AllocationFactory(client=ClientFactory(site=site), worker=keyworker,
                      kind=Allocation.Kind.CO)
    sizes = selectors.caseload_sizes([keyworker, colleague])
    assert sizes[keyworker.pk] == selectors.Caseload(size=3, limit=2)
    assert sizes[keyworker.pk].is_over
    assert sizes[colleague.pk].size == 0 and not sizes[colleague.pk].is_over


@pytest.mark.parametrize("size", [2, 12])
def test_caseload_sizes_take_one_query_for_any_number_of_workers(site, size,
                                                                 django_assert_num_queries):
    workers = [UserFactory(sites=[site]) for _ in range(size)]
    for worker in workers:
        client_with_keyworker(site=site, keyworker=worker)
    with django_assert_num_queries(1):
        sizes = selectors.caseload_sizes(workers)
    assert {c.size for c in sizes.values()} == {1}


def test_unallocated_are_admitted_open_clients_with_no_keyworker_today(
        site, other_site, keyworker, manager, client_record):
    today = timezone.localdate()
    waiting = ClientFactory(site=site, status="admitted", first_name="Wes")
    covered_only = ClientFactory(site=site)
    AllocationFactory(client=covered_only, worker=keyworker, kind=Allocation.Kind.COVER,
                      start=today, end=today + DAY)
    ended_keyworker = ClientFactory(site=site)
    AllocationFactory(client=ended_keyworker, worker=keyworker, start=today - 9 * DAY,
                      end=today)
    ClientFactory(site=site, status="referred", admitted_on=None)
    ClientFactory(site=site, status="discharged", ended_on=today)
    ClientFactory(site=other_site)
    found = set(selectors.unallocated([site.pk]))
    assert found == {waiting, covered_only, ended_keyworker}
    services.client_allocate(client=waiting, worker=keyworker, by=manager)
    assert waiting not in set(selectors.unallocated([site.pk]))
