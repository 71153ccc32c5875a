"""The door register runs a fixed number of queries, however many people are in or found."""

import pytest
from django.urls import reverse

from attendance import services
from attendance.models import Visit
from tests.factories import ClientFactory

REGISTER_QUERIES = 12
SEARCH_QUERIES = 10
CHECK_IN_QUERIES = 13  # with its savepoints and the session saved
HISTORY_QUERIES = 10


def _people(site, by, size):
    clients = [ClientFactory(site=site, first_name="Sam", last_name=f"Door{n}",
                             status="active") for n in range(size)]
    for client_record in clients:
        services.visit_check_in(site=site, by=by, client=client_record)
    for n in range(size):
        services.visitor_check_in(site=site, by=by, name=f"Sam Visitor{n}")
    return clients


@pytest.mark.parametrize("size", [1, 8])
def test_the_register_and_its_search_run_a_fixed_number_of_queries(
        client, keyworker, site, django_assert_max_num_queries, size):
    _people(site, keyworker, size)
    client.force_login(keyworker)
    url = f"{reverse('attendance:register')}?site={site.pk}"
    with django_assert_max_num_queries(REGISTER_QUERIES):
        page = client.get(url, {"q": "sam"}).content.decode()
    assert page.count("tap to check out") == min(2 * size, 12)
    assert f"{2 * size} visits, {2 * size} still in." in page or size == 1
    with django_assert_max_num_queries(SEARCH_QUERIES):
        client.get(url, {"q": "sam"}, headers={"HX-Request": "true",
                                                "HX-Target": "door-results"})


@pytest.mark.parametrize("size", [1, 8])
def test_checking_in_runs_a_fixed_number_of_queries(client, keyworker, site,
                                                    django_assert_max_num_queries, size):
    _people(site, keyworker, size)
    new = ClientFactory(site=site, status="active")
    client.force_login(keyworker)
    with django_assert_max_num_queries(CHECK_IN_QUERIES):
        response = client.post(reverse("attendance:check_in"),
                               {"site": site.pk, "client": new.pk})
    assert response.status_code == 302
    assert Visit.objects.filter(client=new).exists()


@pytest.mark.parametrize("size", [1, 30])
def test_the_history_runs_a_fixed_number_of_queries(client, keyworker, client_record, site,
                                                    django_assert_max_num_queries, size):
    for _n in range(size):
        visit = services.visit_check_in(site=site, by=keyworker, client=client_record)
        services.visit_check_out(visit=visit, by=keyworker)
    client.force_login(keyworker)
    with django_assert_max_num_queries(HISTORY_QUERIES):
        response = client.get(reverse("attendance:history", args=[client_record.pk]))
    assert response.status_code == 200
