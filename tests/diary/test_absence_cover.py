"""The cover page for a client already covered for part of the absence, the absent
worker's sessions with clients they are not keyworker of, and cover from another site."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from clients.models import Allocation
from clients.services import cover_arrange
from diary import selectors, services
from staff.models import User
from tests.factories import AllocationFactory, KeyworkSessionFactory, UserFactory, local_moment

DAY = datetime.timedelta(days=1)


def today():
    return timezone.localdate()


@pytest.fixture
def leave(keyworker, manager):
    """Kim away from tomorrow for four days."""
    return services.absence_record(worker=keyworker, kind="leave", first_day=today() + DAY,
                                   last_day=today() + 4 * DAY, by=manager)


@pytest.fixture
def part_covered(leave, client_record, colleague, manager):
    """Dee covered by Sam on the first two days of Kim's leave only."""
    return cover_arrange(client=client_record, worker=colleague, first_day=today() + DAY,
                         last_day=today() + 2 * DAY, handover_note="Note", by=manager)


def test_a_client_covered_for_part_of_the_absence_is_not_called_covered(
        part_covered, client_record, site):
    found = selectors.away([site.pk], today(), today() + 6 * DAY)
    assert found[0].uncovered == [client_record]
    assert found[0].uncovered_days(client_record.pk) == (today() + 3 * DAY,
                                                         today() + 4 * DAY)


def test_sessions_on_covered_days_move_to_the_existing_cover_then_the_rest_to_new_cover(
        part_covered, leave, client_record, keyworker, colleague, manager, site):
    covered = KeyworkSessionFactory(client=client_record, worker=keyworker,
                                    starts_at=local_moment(today() + 2 * DAY, 10))
    uncovered = KeyworkSessionFactory(client=client_record, worker=keyworker,
                                      starts_at=local_moment(today() + 3 * DAY, 10))
    row = selectors.cover_plan(leave, [site.pk]).rows[0]
    assert row.needs_cover and [p.cover for p in row.sessions] == [part_covered, None]
    # Nothing chosen: the session on a covered day still moves to the cover there.
    results = services.absence_cover_arrange(absence=leave, choices={}, handover_note="",
                                             by=manager)
    assert [s.pk for s in results[0].moved] == [covered.pk]
    assert [(left.session.pk, left.worker) for left in results[0].left] == [
        (uncovered.pk, None)]
    covered.refresh_from_db()
    assert covered.worker == colleague
    # Cover for the days still without: Ann takes them, and the session then.
    ann = UserFactory(username="ann", first_name="Ann", last_name="Cole",
                      role=User.Role.KEYWORKER, sites=[site])
    results = services.absence_cover_arrange(absence=leave, choices={client_record: ann},
                                             handover_note="Note", by=manager)
    assert [(a.start, a.last_day) for a in results[0].allocations] == [
        (today() + 3 * DAY, today() + 4 * DAY)]
    uncovered.refresh_from_db()
    assert uncovered.worker == ann
    assert selectors.away([site.pk], today(), today() + 6 * DAY)[0].uncovered == []


def test_the_cover_page_offers_cover_for_the_days_still_without(
        client, part_covered, leave, client_record, keyworker, colleague, manager):
    session = KeyworkSessionFactory(client=client_record, worker=keyworker,
                                    starts_at=local_moment(today() + 2 * DAY, 10))
    client.force_login(manager)
    url = reverse("diary:absence_cover", args=[leave.pk])
    page = client.get(url).content.decode()
    assert "moves to Sam Reid (cover already arranged)" in page
    assert "Still without cover" in page and f'name="cover_{client_record.pk}"' in page
    response = client.post(url, {"handover_note": ""})
    assert "1 session moved" in response.content.decode()
    session.refresh_from_db()
    assert session.worker == colleague


def test_sessions_with_clients_the_worker_is_not_keyworker_of_are_listed_as_staying(
        client, leave, client_record, colleagues_client, keyworker, colleague, manager, site):
    AllocationFactory(client=colleagues_client, worker=keyworker, kind=Allocation.Kind.CO)
    co_session = KeyworkSessionFactory(client=colleagues_client, worker=keyworker,
                                       starts_at=local_moment(today() + 2 * DAY, 14))
    plan = selectors.cover_plan(leave, [site.pk])
    assert [row.client for row in plan.others] == [colleagues_client]
    assert plan.others[0].kind == Allocation.Kind.CO
    assert "co-keyworker" in str(plan.others[0].sessions[0].stays)
    client.force_login(manager)
    page = client.get(reverse("diary:absence_cover", args=[leave.pk])).content.decode()
    assert "Rob Quinn" in page
    assert "Stays: the absent worker is this client&#x27;s co-keyworker" in page
    services.absence_cover_arrange(absence=leave, choices={client_record: colleague},
                                   handover_note="Note", by=manager)
    co_session.refresh_from_db()
    assert co_session.worker == keyworker


def test_cover_is_offered_only_from_the_clients_own_site(
        client, leave, client_record, keyworker, other_site, other_site_keyworker):
    boss = UserFactory(username="boss", first_name="Bea", last_name="Hart",
                       role=User.Role.MANAGER, sites=[leave.worker.sites.get(), other_site])
    keyworker.sites.add(other_site)
    client.force_login(boss)
    url = reverse("diary:absence_cover", args=[leave.pk])
    page = client.get(url).content.decode()
    field = page[page.index(f'name="cover_{client_record.pk}"'):]
    field = field[:field.index("</select>")]
    assert "Jo Bell" not in field
    response = client.post(url, {"everyone": other_site_keyworker.pk, "handover_note": "N"})
    assert ("Jo Bell does not work at Riverside Day Centre, where Dee Harper is"
            in response.content.decode())
    assert not Allocation.objects.filter(kind=Allocation.Kind.COVER).exists()


def test_the_cover_page_shown_again_follows_a_change(
        client, leave, client_record, keyworker, colleague, manager):
    client.force_login(manager)
    url = reverse("diary:absence_cover", args=[leave.pk])
    assert "No session booked with the absent worker" in client.get(url).content.decode()
    # Kept while nothing changes; a session booked since shows at once.
    assert "No session booked with the absent worker" in client.get(url).content.decode()
    KeyworkSessionFactory(client=client_record, worker=keyworker,
                          starts_at=local_moment(today() + 3 * DAY, 10))
    page = client.get(url).content.decode()
    assert "1 session booked in those days" in page
