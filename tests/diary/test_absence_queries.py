"""The absence list, the cover page and the dashboard's "who is away" run a fixed number of
queries however many absences, clients and sessions there are."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from diary import selectors, services
from staff.models import User
from tests.factories import KeyworkSessionFactory, UserFactory, client_with_keyworker, local_moment

DAY = datetime.timedelta(days=1)
SIZES = [3, 30]
LIST_QUERIES = 12
COVER_QUERIES = 16
AWAY_QUERIES = 3


def away_site(*, site, manager, size):
    """`size` keyworkers away this week, each with two clients and a session booked with
    each during the absence; the first absence is returned."""
    today = timezone.localdate()
    first = None
    for n in range(size):
        worker = UserFactory(username=f"away{n}", first_name="Tester", last_name=f"N{n}",
                             role=User.Role.KEYWORKER, sites=[site])
        absence = services.absence_record(worker=worker, kind="leave", first_day=today + DAY,
                                          last_day=today + 5 * DAY, by=manager)
        for m in range(2):
            client = client_with_keyworker(site=site, keyworker=worker,
                                           first_name=f"Client{m}", last_name=f"K{n}")
            KeyworkSessionFactory(client=client, worker=worker,
                                  starts_at=local_moment(today + (2 + m) * DAY, 9 + n % 8))
        first = first or absence
    return first


@pytest.mark.parametrize("size", SIZES)
def test_the_absence_list_queries_do_not_grow(client, site, manager, size,
                                              django_assert_max_num_queries):
    away_site(site=site, manager=manager, size=size)
    client.force_login(manager)
    with django_assert_max_num_queries(LIST_QUERIES):
        page = client.get(reverse("diary:absences")).content.decode()
    assert page.count("Tester") >= min(size, 25)


@pytest.mark.parametrize("size", SIZES)
def test_the_cover_page_queries_do_not_grow(client, site, manager, size,
                                            django_assert_max_num_queries):
    absence = away_site(site=site, manager=manager, size=size)
    client.force_login(manager)
    with django_assert_max_num_queries(COVER_QUERIES):
        page = client.get(reverse("diary:absence_cover", args=[absence.pk])).content.decode()
    assert page.count("Client") >= 2


@pytest.mark.parametrize("size", SIZES)
def test_who_is_away_queries_do_not_grow(site, manager, size, django_assert_num_queries):
    away_site(site=site, manager=manager, size=size)
    today = timezone.localdate()
    with django_assert_num_queries(AWAY_QUERIES):
        found = selectors.away([site.pk], today, today + 6 * DAY)
        assert sum(len(a.uncovered) for a in found) == 2 * size
