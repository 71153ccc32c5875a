"""The dashboard, a supervision page and a quarter's report run a fixed number of queries."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from diary.models import KeyworkSession
from supervision import services
from tests.factories import AllocationFactory, ClientFactory, UserFactory, local_moment

# One query for each figure (first plans late among them), the caseload sizes and the
# unallocated count; the same at every size.
DASHBOARD_QUERIES = 20
SUPERVISION_QUERIES = 28
REPORT_QUERIES = 17


def _crowd(site, keyworker, size):
    workers = [keyworker] + [UserFactory(username=f"kw{n}", sites=[site]) for n in range(3)]
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    for n in range(size):
        client = ClientFactory(site=site, last_name=f"Crowd{n:03d}",
                               admitted_on=timezone.localdate() - datetime.timedelta(days=40))
        worker = workers[n % len(workers)]
        AllocationFactory(client=client, worker=worker)
        KeyworkSession.objects.create(client=client, worker=worker, booked_by=worker,
                                      starts_at=local_moment(yesterday, 9 + n % 8),
                                      expected_minutes=30)
    return workers


@pytest.mark.parametrize("size", [5, 40])
def test_dashboard_queries_do_not_grow(client, site, keyworker, manager, size,
                                       django_assert_max_num_queries):
    _crowd(site, keyworker, size)
    client.force_login(manager)
    with django_assert_max_num_queries(DASHBOARD_QUERIES):
        page = client.get(reverse("supervision:dashboard")).content.decode()
    assert "Sessions booked but not logged" in page


@pytest.mark.parametrize("size", [3, 30])
def test_supervision_page_queries_do_not_grow_with_the_caseload(
        client, site, keyworker, manager, size, django_assert_max_num_queries):
    _crowd(site, keyworker, size * 4)
    supervision = services.supervision_start(manager=manager, keyworker=keyworker,
                                             held_on=timezone.localdate())
    assert supervision.discussions.count() == size
    client.force_login(manager)
    with django_assert_max_num_queries(SUPERVISION_QUERIES):
        page = client.get(reverse("supervision:detail", args=[supervision.pk])).content
    assert page.decode().count("card-header d-flex justify-content-between") == size


@pytest.mark.parametrize("size", [5, 40])
def test_a_quarters_report_queries_do_not_grow(client, site, keyworker, manager, size,
                                               django_assert_max_num_queries):
    _crowd(site, keyworker, size)
    client.force_login(manager)
    with django_assert_max_num_queries(REPORT_QUERIES):
        response = client.get(reverse("supervision:report"), {"period": "quarter"})
    assert "Keywork sessions and contacts" in response.content.decode()


UNALLOCATED_QUERIES = 5


@pytest.mark.parametrize("size", [3, 30])
def test_the_unallocated_list_queries_do_not_grow(client, site, manager, size,
                                                  django_assert_max_num_queries):
    for n in range(size):
        ClientFactory(site=site, last_name=f"Waiting{n:03d}")
    client.force_login(manager)
    with django_assert_max_num_queries(UNALLOCATED_QUERIES):
        page = client.get(reverse("supervision:unallocated")).content.decode()
    assert page.count(">Allocate<") == min(size, 25)
