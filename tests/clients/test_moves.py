"""Moving a client to another site, and ending a stay: the services, who sees the client
afterwards, and the pages (clients.services.client_move_site and client_end)."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from clients import selectors, services
from clients.access import Access, access_level
from clients.models import Allocation, Client, SiteMove
from diary.models import KeyworkSession
from staff.models import User
from tests.factories import (
    AllocationFactory,
    KeyworkSessionFactory,
    SiteFactory,
    UserFactory,
    local_moment,
)

TODAY = timezone.localdate
DAY = datetime.timedelta(days=1)
NOTE = "Wants help with a benefits claim first; anxious in groups."


@pytest.fixture
def both_sites_manager(site, other_site):
    return UserFactory(username="areamanager", first_name="Ari", last_name="Cole",
                       role=User.Role.MANAGER, sites=[site, other_site])


def move(client_record, to_site, by, **fields):
    fields.setdefault("on", TODAY())
    fields.setdefault("handover_note", NOTE)
    return services.client_move_site(client=client_record, to_site=to_site, by=by, **fields)


def booked(client_record, worker, days_ahead=2):
    return KeyworkSessionFactory(client=client_record, site=client_record.site, worker=worker,
                                 starts_at=local_moment(TODAY() + days_ahead * DAY, 10))


# Moving ----------------------------------------------------------------------------------


def test_a_move_changes_the_site_ends_the_allocations_and_keeps_the_reference(
        client_record, other_site, manager, keyworker, colleague):
    services.co_keyworker_set(client=client_record, worker=colleague, by=manager)
    reference = client_record.reference
    moved = move(client_record, other_site, manager)
    client_record.refresh_from_db()
    assert client_record.site == other_site
    assert client_record.reference == reference
    assert client_record.number == 1  # the receiving site's next number
    assert not client_record.allocations.current().exists()
    assert {a.end_reason for a in client_record.allocations.all()} == {
        "Client moved to Hope House."}
    assert (moved.from_site, moved.to_site, moved.handover_note) == (
        client_record.site.__class__.objects.get(code="DC1"), other_site, NOTE)
    assert moved.history.count() == 1


def test_the_old_sites_staff_lose_the_file_and_the_new_sites_manager_finds_it_unallocated(
        client_record, other_site, manager, keyworker, colleague, other_site_manager,
        other_site_keyworker):
    move(client_record, other_site, manager)
    for user in (manager, keyworker, colleague):
        assert access_level(user, client_record) is None
    assert access_level(other_site_manager, client_record) == Access.FULL
    assert access_level(other_site_keyworker, client_record) == Access.SUMMARY
    assert list(selectors.unallocated([other_site.pk])) == [client_record]
    assert selectors.arrivals([client_record])[client_record.pk].handover_note == NOTE


def test_future_sessions_are_cancelled_with_the_reason_and_past_ones_kept(
        client_record, other_site, manager, keyworker):
    coming = booked(client_record, keyworker)
    held = KeyworkSessionFactory(client=client_record, worker=keyworker, held=True,
                                 starts_at=local_moment(TODAY() - 3 * DAY, 10))
    move(client_record, other_site, manager)
    coming.refresh_from_db()
    held.refresh_from_db()
    assert coming.status == KeyworkSession.Status.CANCELLED
    assert coming.cancelled_by == KeyworkSession.CancelledBy.STAFF
    assert coming.cancel_reason == "Dee moved to Hope House."
    assert held.status == KeyworkSession.Status.ATTENDED
    # Each session keeps its site: the old site's reports still count what it held.
    assert held.site.code == "DC1"


def test_only_a_manager_of_the_clients_site_may_move_them(client_record, other_site,
                                                          other_site_manager, keyworker):
    for user in (other_site_manager, keyworker):
        with pytest.raises(PermissionDenied):
            move(client_record, other_site, user)
    client_record.refresh_from_db()
    assert client_record.site.code == "DC1"


def test_a_manager_may_move_a_client_to_a_site_they_do_not_manage(client_record, other_site,
                                                                  manager):
    """The receiving site's managers are not asked first: they allocate on arrival."""
    assert not manager.manages(other_site)
    move(client_record, other_site, manager)
    assert Client.objects.get(pk=client_record.pk).site == other_site


@pytest.mark.parametrize(("fields", "field"), [
    ({"on": TODAY() + DAY}, "on"),
    ({"on": TODAY() - 400 * DAY}, "on"),
    ({"handover_note": "  "}, "handover_note"),
])
def test_a_move_with_bad_input_says_why_and_changes_nothing(client_record, other_site, manager,
                                                            keyworker, fields, field):
    coming = booked(client_record, keyworker)
    with pytest.raises(ValidationError) as error:
        move(client_record, other_site, manager, **fields)
    assert field in error.value.message_dict
    client_record.refresh_from_db()
    coming.refresh_from_db()
    assert client_record.site.code == "DC1"
    assert client_record.allocations.current().exists()
    assert coming.status == KeyworkSession.Status.BOOKED
    assert not SiteMove.objects.exists()


def test_a_client_cannot_move_to_their_own_site_or_an_inactive_one(client_record, manager):
    closed = SiteFactory(name="Closed", code="CL1", is_active=False)
    for to_site in (client_record.site, closed):
        with pytest.raises(ValidationError):
            move(client_record, to_site, manager)


def test_an_archived_client_cannot_move(client_record, other_site, manager):
    services.client_end(client=client_record, status=Client.Status.DISCHARGED, ended_on=TODAY(),
                        destination="Unknown", reason="Left", end_kind="unplanned", by=manager)
    with pytest.raises(ValidationError):
        move(client_record, other_site, manager)


def test_the_old_site_never_gives_the_moved_clients_number_again(site, other_site, manager,
                                                                 keyworker):
    first = services.client_refer(site=site, by=manager, first_name="Ann", last_name="Lee")
    services.client_admit(client=first, admitted_on=TODAY(), by=manager)
    move(first, other_site, manager)
    second = services.client_refer(site=site, by=manager, first_name="Bob", last_name="Ray")
    assert first.reference == "DC1-00001"
    assert second.reference == "DC1-00002"
    arriving = services.client_refer(site=other_site, by=manager, first_name="Cy",
                                     last_name="Dee")
    assert arriving.reference == "HH1-00002"  # the moved client holds number 1 there


# Ending ----------------------------------------------------------------------------------


def end(client_record, by, **fields):
    fields.setdefault("status", Client.Status.MOVED_ON)
    fields.setdefault("ended_on", TODAY())
    fields.setdefault("destination", "Own tenancy")
    fields.setdefault("reason", "Ready to live on her own")
    fields.setdefault("end_kind", Client.EndKind.PLANNED)
    fields.setdefault("closing_summary", "You found a flat and kept your job.")
    return services.client_end(client=client_record, by=by, **fields)


def test_a_planned_ending_keeps_the_summary_and_cancels_the_sessions_to_come(
        client_record, manager, keyworker):
    coming = booked(client_record, keyworker)
    later_today = KeyworkSessionFactory(client=client_record, worker=keyworker,
                                        starts_at=timezone.now() + datetime.timedelta(hours=1))
    end(client_record, manager)
    client_record.refresh_from_db()
    assert client_record.end_kind == Client.EndKind.PLANNED
    assert client_record.closing_summary == "You found a flat and kept your job."
    for session in (coming, later_today):
        session.refresh_from_db()
        assert session.status == KeyworkSession.Status.CANCELLED
        assert session.cancel_reason.startswith("Dee's stay ended on")


def test_a_planned_ending_needs_a_closing_summary(client_record, manager, keyworker):
    coming = booked(client_record, keyworker)
    with pytest.raises(ValidationError) as error:
        end(client_record, manager, closing_summary=" ")
    assert "closing_summary" in error.value.message_dict
    coming.refresh_from_db()
    assert coming.status == KeyworkSession.Status.BOOKED
    assert not Client.objects.get(pk=client_record.pk).is_archived


def test_an_unplanned_ending_may_have_no_summary_but_needs_its_kind(client_record, manager):
    with pytest.raises(ValidationError) as error:
        end(client_record, manager, end_kind="", closing_summary="")
    assert "end_kind" in error.value.message_dict
    end(client_record, manager, end_kind=Client.EndKind.UNPLANNED, closing_summary="",
        status=Client.Status.DISCHARGED)
    assert Client.objects.get(pk=client_record.pk).end_kind == Client.EndKind.UNPLANNED


def test_stay_fields_name_every_field_of_a_stay():
    names = {f.name for f in Client._meta.get_fields()}
    assert set(Client.STAY_FIELDS) <= names
    assert {"end_kind", "closing_summary", "ended_on", "end_destination"} <= set(
        Client.STAY_FIELDS)


# Pages -----------------------------------------------------------------------------------


def test_the_move_page_offers_the_other_active_sites_and_moves_the_client(
        client, client_record, other_site, manager):
    client.force_login(manager)
    url = reverse("clients:move", args=[client_record.pk])
    page = client.get(url).content.decode()
    assert "Hope House" in page
    assert f'<option value="{client_record.site_id}"' not in page
    response = client.post(url, {"to_site": other_site.pk, "on": TODAY().isoformat(),
                                 "handover_note": NOTE})
    # The manager does not manage Hope House: the file is no longer theirs to see.
    assert response.status_code == 302
    assert response.url == reverse("clients:list")
    assert Client.objects.get(pk=client_record.pk).site == other_site


def test_the_move_page_refuses_a_missing_note_and_changes_nothing(client, client_record,
                                                                  other_site, manager):
    client.force_login(manager)
    response = client.post(reverse("clients:move", args=[client_record.pk]),
                           {"to_site": other_site.pk, "on": TODAY().isoformat(),
                            "handover_note": ""})
    assert response.status_code == 200
    assert "This field is required" in response.content.decode()
    assert Client.objects.get(pk=client_record.pk).site.code == "DC1"


def test_the_receiving_manager_sees_the_handover_note_on_the_list_and_the_file(
        client, client_record, other_site, manager, other_site_manager):
    move(client_record, other_site, manager)
    client.force_login(other_site_manager)
    listing = client.get(reverse("supervision:unallocated")).content.decode()
    assert "Dee Harper" in listing
    assert "Moved here from Riverside Day Centre" in listing
    assert NOTE in listing
    file = client.get(reverse("clients:detail", args=[client_record.pk])).content.decode()
    assert NOTE in file
    assert "Moved from Riverside Day Centre to Hope House" in file


def test_a_manager_of_both_sites_is_sent_back_to_the_file(client, client_record, other_site,
                                                          both_sites_manager):
    client.force_login(both_sites_manager)
    response = client.post(reverse("clients:move", args=[client_record.pk]),
                           {"to_site": other_site.pk, "on": TODAY().isoformat(),
                            "handover_note": NOTE})
    assert response.url == client_record.get_absolute_url()


def test_the_end_page_records_the_kind_and_the_summary_and_offers_the_letter(
        client, client_record, manager):
    client.force_login(manager)
    response = client.post(reverse("clients:end", args=[client_record.pk]), {
        "status": "moved_on", "end_kind": "planned", "ended_on": TODAY().isoformat(),
        "destination": "Own tenancy", "reason": "Ready",
        "closing_summary": "You did it together with us."})
    assert response.status_code == 302
    file = client.get(reverse("clients:detail", args=[client_record.pk])).content.decode()
    assert "Planned ending" in file
    assert "You did it together with us." in file
    assert reverse("plans:ending_letter_pdf", args=[client_record.pk]) in file


def test_the_end_page_asks_for_the_summary_of_a_planned_ending(client, client_record,
                                                                manager):
    client.force_login(manager)
    response = client.post(reverse("clients:end", args=[client_record.pk]), {
        "status": "moved_on", "end_kind": "planned", "ended_on": TODAY().isoformat(),
        "destination": "Own tenancy", "reason": "Ready", "closing_summary": ""})
    assert response.status_code == 200
    assert "Write the closing summary with the client" in response.content.decode()
    assert not Client.objects.get(pk=client_record.pk).is_archived


def test_allocations_closed_by_a_move_stay_in_the_history(client_record, other_site, manager,
                                                         keyworker):
    AllocationFactory(client=client_record, worker=keyworker, kind=Allocation.Kind.COVER,
                      start=TODAY() + 3 * DAY, end=TODAY() + 6 * DAY)
    move(client_record, other_site, manager)
    assert client_record.allocations.count() == 2
    assert not any(a.is_current(TODAY() + 4 * DAY) for a in client_record.allocations.all())


def test_the_old_sites_report_still_counts_the_sessions_it_held(client_record, other_site,
                                                               manager, keyworker,
                                                               other_site_manager):
    from supervision import reports

    KeyworkSessionFactory(client=client_record, worker=keyworker, held=True,
                          starts_at=local_moment(TODAY() - 3 * DAY, 10))
    move(client_record, other_site, manager)
    period = reports.period_for("dates", start=TODAY() - 10 * DAY, end=TODAY())

    def held_at(user, site):
        sections = reports.outcome_report(user, [site.pk], period)
        rows = dict(next(s for s in sections if s.key == "sessions").rows)
        return rows["Sessions held (attended)"]

    assert held_at(manager, client_record.site.__class__.objects.get(code="DC1")) == 1
    assert held_at(other_site_manager, other_site) == 0
