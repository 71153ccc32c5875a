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


# Matching a client with keyworkers (clients.selectors.keyworker_matches) ------------------


def _worker(site, name, **fields):
    return UserFactory(username=name.lower(), first_name=name, last_name="Worker", sites=[site],
                       **fields)


def test_split_languages_normalises_a_free_text_list():
    from staff.models import split_languages

    assert split_languages("english, Polish / urdu and Arabic; polish (first)") == [
        "English", "Polish", "Urdu", "Arabic"]
    assert split_languages("") == []


def test_a_worker_who_speaks_the_clients_first_language_comes_first_with_the_reason(site):
    client = ClientFactory(site=site, languages="Polish, english")
    english = _worker(site, "Ann", languages="English")
    polish = _worker(site, "Bea", languages="polish, English")
    none = _worker(site, "Cal")
    matches = selectors.keyworker_matches(client, [english, none, polish])
    assert [m.worker for m in matches] == [polish, english, none]
    assert matches[0].summary == "Speaks Polish, English · 12 places left"
    assert matches[1].summary == "Speaks English · 12 places left"
    assert matches[2].reasons == []


def test_the_gender_asked_for_and_the_specialisms_wanted_count(site):
    client = ClientFactory(site=site, preferred_keyworker_gender="woman",
                           support_wanted=["housing"], alerts="Overdose risk")
    woman = _worker(site, "Ann", gender="woman")
    skilled = _worker(site, "Bea", gender="prefer_not_to_say",
                      skills=["substance_use", "housing", "benefits"])
    plain = _worker(site, "Cal", gender="man")
    matches = selectors.keyworker_matches(client, [plain, woman, skilled])
    assert [m.worker for m in matches] == [woman, skilled, plain]
    assert matches[0].reasons == ["Woman, as the client asked"]
    # Housing was ticked; substance use comes from the alerts.
    assert matches[1].reasons == ["Specialism: Housing and tenancy, Substance use"]
    assert matches[2].reasons == []


def test_a_full_worker_comes_after_those_with_room_whatever_matches(site):
    client = ClientFactory(site=site, languages="Polish")
    full = _worker(site, "Ann", languages="Polish", caseload_limit=1)
    client_with_keyworker(site=site, keyworker=full)
    room = _worker(site, "Bea", caseload_limit=3)
    client_with_keyworker(site=site, keyworker=room)
    matches = selectors.keyworker_matches(client, [full, room])
    assert [m.worker for m in matches] == [room, full]
    assert matches[0].summary == "2 places left"
    assert matches[1].summary == "Speaks Polish · full (1 of 1)"


def test_with_nothing_to_match_workers_with_more_room_come_first(site):
    client = ClientFactory(site=site)
    busy = _worker(site, "Ann")
    client_with_keyworker(site=site, keyworker=busy)
    free = _worker(site, "Bea")
    assert [m.worker for m in selectors.keyworker_matches(client, [busy, free])] == [free, busy]


@pytest.mark.parametrize("size", [2, 12])
def test_keyworker_matches_take_two_queries_for_any_number_of_workers(
        site, size, django_assert_num_queries):
    from clients.services import keyworkers_at

    client = ClientFactory(site=site, languages="Polish")
    for n in range(size):
        client_with_keyworker(site=site, keyworker=_worker(site, f"W{n}", languages="Polish"))
    with django_assert_num_queries(2):
        matches = selectors.keyworker_matches(client, keyworkers_at(site))
    assert len(matches) == size


def test_staffs_gender_is_matched_for_managers_only(site, client_record):
    from clients import selectors as client_selectors
    from staff.models import User as Staff
    from tests.factories import UserFactory as StaffFactory

    woman = StaffFactory(username="w1", role=Staff.Role.KEYWORKER, sites=[site], gender="woman")
    client_record.preferred_keyworker_gender = "woman"
    [for_manager] = client_selectors.keyworker_matches(client_record, [woman])
    [for_keyworker] = client_selectors.keyworker_matches(client_record, [woman],
                                                        with_gender=False)
    assert for_manager.gender_met and "as the client asked" in for_manager.summary
    assert not for_keyworker.gender_met and "as the client asked" not in for_keyworker.summary
