"""The safeguarding pages and the file's safeguarding section run a fixed number of
queries, however many records, clients involved and bans."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from safeguarding import services
from tests.factories import client_with_keyworker
from tests.safeguarding.world import incident_about

LIST_QUERIES = 12
DETAIL_QUERIES = 16
BANS_QUERIES = 12
FILE_SECTION_QUERIES = 4


def _records(size, *, site, keyworker, manager):
    clients = [client_with_keyworker(site=site, keyworker=keyworker, last_name=f"P{n}")
               for n in range(size)]
    today = timezone.localdate()
    for n, person in enumerate(clients):
        incident = incident_about(person, by=keyworker, site=site, others=clients[:n][-2:])
        services.ban_record(client=person, by=manager, kind="ban", reason="r",
                            starts_on=today, review_on=today + datetime.timedelta(days=n),
                            incident=incident)
    return clients


@pytest.mark.parametrize("size", [1, 6])
def test_the_pages_run_a_fixed_number_of_queries(client, site, keyworker, manager, size,
                                                 django_assert_max_num_queries):
    clients = _records(size, site=site, keyworker=keyworker, manager=manager)
    for user in (manager, keyworker):
        client.force_login(user)
        with django_assert_max_num_queries(LIST_QUERIES):
            page = client.get(reverse("safeguarding:list")).content.decode()
        assert page.count("Awaiting review") == size
    client.force_login(manager)
    incident = clients[-1].incident_involvements.get().incident
    with django_assert_max_num_queries(DETAIL_QUERIES):
        client.get(reverse("safeguarding:detail", args=[incident.pk]))
    with django_assert_max_num_queries(BANS_QUERIES):
        page = client.get(reverse("safeguarding:bans")).content.decode()
    assert page.count(">Lift<") == size


@pytest.mark.parametrize("size", [1, 6])
def test_the_file_section_runs_a_fixed_number_of_queries(rf, site, keyworker, manager, size,
                                                         django_assert_max_num_queries):
    from safeguarding.extensions import _alerts

    clients = _records(size, site=site, keyworker=keyworker, manager=manager)
    target = clients[0]
    for person in clients[1:]:
        incident_about(target, by=manager, site=site, others=[person])
    request = rf.get("/")
    request.user = keyworker
    keyworker.site_ids  # read once per request, as the middleware's user does  # noqa: B018
    with django_assert_max_num_queries(FILE_SECTION_QUERIES):
        data = _alerts(request, target)
        assert len(data["incidents"]) >= size


def test_the_bans_page_kept_in_the_cache_shows_a_change_at_once(client, site, keyworker,
                                                                 manager,
                                                                 django_assert_max_num_queries):
    """The page is kept until the data changes: opened again unchanged it asks less, and a
    ban recorded or lifted since shows on the next opening."""
    [first] = _records(1, site=site, keyworker=keyworker, manager=manager)
    client.force_login(manager)
    url = reverse("safeguarding:bans")
    assert client.get(url).content.decode().count(">Lift<") == 1
    with django_assert_max_num_queries(BANS_QUERIES - 4):
        assert client.get(url).content.decode().count(">Lift<") == 1
    services.ban_record(client=client_with_keyworker(site=site, keyworker=keyworker),
                        by=manager, kind="ban", reason="r", starts_on=timezone.localdate(),
                        review_on=timezone.localdate())
    assert client.get(url).content.decode().count(">Lift<") == 2
