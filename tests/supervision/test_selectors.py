"""The dashboard, its lists, supervision agendas and reminders read the same selectors as
the caseload, so that every page tells the same story."""

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from clients import selectors as client_selectors
from diary import selectors as diary_selectors
from diary import services as diary_services
from keywork.lib import dates
from staff.models import User
from supervision import selectors
from supervision.models import Notification
from tests.factories import (
    ClientFactory,
    KeyworkSessionFactory,
    client_with_keyworker,
    local_moment,
)


@pytest.fixture
def kims_week(site, keyworker, client_record):
    """Dee has a session booked this week; Mo missed his; Una has none; Fay was allocated
    today."""
    monday = dates.week_start(timezone.localdate())
    missed = client_with_keyworker(site=site, keyworker=keyworker, first_name="Mo",
                                   last_name="Missed")
    unseen = client_with_keyworker(site=site, keyworker=keyworker, first_name="Una",
                                   last_name="Seen")
    client_with_keyworker(site=site, keyworker=keyworker, first_name="Fay", last_name="Fresh",
                          admitted_on=timezone.localdate())
    KeyworkSessionFactory(client=client_record, worker=keyworker,
                          starts_at=local_moment(monday + diary_services.DAY * 6, 20))
    KeyworkSessionFactory(client=missed, worker=keyworker, status="dna", logged_by=keyworker,
                          logged_at=timezone.now(), starts_at=local_moment(monday, 8))
    return {missed.pk, unseen.pk}


def test_the_caseload_and_the_dashboard_flag_the_same_clients_short_this_week(
        client, site, keyworker, manager, kims_week):
    client.force_login(keyworker)
    caseload = client.get(reverse("home")).content.decode()
    assert caseload.count("week-short") == 2
    client.force_login(manager)
    data = selectors.dashboard([site.pk], [keyworker])
    assert data["rows"][0]["figures"]["no_session"] == kims_week
    listed = client.get(reverse("supervision:dashboard_list", args=["no_session"]),
                        {"keyworker": keyworker.pk}).content.decode()
    assert "Mo Missed" in listed and "Una Seen" in listed
    assert "Fay Fresh" not in listed and "Dee Harper" not in listed
    assert {c.pk for c, _w in diary_selectors.caseload_short_this_week(keyworker)} == kims_week


def test_the_dashboard_counts_unallocated_clients_and_links_to_their_list(client, site,
                                                                         manager):
    client.force_login(manager)
    page = client.get(reverse("supervision:dashboard")).content.decode()
    assert "Every admitted client has a keyworker." in page
    ClientFactory(site=site, first_name="Nia", last_name="Waiting")
    ClientFactory(site=site, status="referred", admitted_on=None)
    page = client.get(reverse("supervision:dashboard")).content.decode()
    assert "1 admitted client has no keyworker" in page
    assert reverse("supervision:unallocated") in page


def test_managers_are_reminded_of_unallocated_clients(site, manager):
    ClientFactory(site=site, first_name="Nia", last_name="Waiting")
    call_command("send_reminders")
    note = Notification.objects.get(user=manager, key=f"unallocated:{site.pk}")
    assert note.text == "Riverside Day Centre: Admitted clients with no keyworker: 1"
    assert note.url == f"{reverse('supervision:unallocated')}?site={site.pk}"


def test_a_deactivated_keyworker_still_holding_clients_keeps_a_row_and_a_transfer_link(
        client, site, keyworker, manager, client_record):
    # Data from before deactivation was refused while a caseload is held.
    User.objects.filter(pk=keyworker.pk).update(is_active=False)
    client.force_login(manager)
    page = client.get(reverse("supervision:dashboard")).content.decode()
    assert "Kim Lowe" in page
    assert reverse("clients:transfer", args=[keyworker.pk]) in page
    listing = client.get(reverse("clients:keyworkers")).content.decode()
    assert "Kim Lowe" in listing and "deactivated" in listing
    assert reverse("clients:transfer", args=[keyworker.pk]) in listing


def test_a_supervision_agenda_keeps_the_caseload_against_the_limit(site, keyworker,
                                                                   client_record):
    agenda = selectors.agenda_for(keyworker)
    caseload = client_selectors.caseload_sizes([keyworker])[keyworker.pk]
    assert (agenda["caseload"], agenda["limit"]) == (caseload.size, caseload.limit) == (1, 12)


def test_no_booking_reminder_for_a_client_booked_with_someone_else(client_record, keyworker,
                                                                   colleague, travel):
    from supervision import reminders

    travel(days=14)  # past Dee's first week with her keyworker
    today = timezone.localdate()
    said = "Book a session with Dee: short of sessions this week"
    assert said in [item.text for item in reminders.reminders_for(keyworker, today)]
    KeyworkSessionFactory(client=client_record, worker=colleague,
                          starts_at=timezone.now())
    assert said not in [item.text for item in reminders.reminders_for(keyworker, today)]
