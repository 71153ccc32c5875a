"""Referrals that end without an admission: declined, withdrawn, did not arrive.

A manager closes them (a referral has no keyworker yet); the record is archived like a
move-on, the step is in the lifecycle, and the referral outcomes report counts them.
"""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from clients import selectors, services
from clients.models import Client, StatusChange
from tests.factories import ClientFactory

DAY = datetime.timedelta(days=1)


def today():
    return timezone.localdate()


@pytest.fixture
def referral(site, manager):
    return services.client_refer(site=site, by=manager, first_name="Ray", last_name="Noon",
                                 referred_on=today() - 10 * DAY, referral_source="Hospital")


def test_a_manager_closes_a_referral_as_did_not_arrive(referral, manager):
    services.client_close_referral(client=referral, outcome=Client.Status.DID_NOT_ARRIVE,
                                   on=today() - DAY, reason=Client.ReferralEndReason.NO_CONTACT,
                                   note="Missed two slots", by=manager)
    referral.refresh_from_db()
    assert referral.status == Client.Status.DID_NOT_ARRIVE
    assert referral.is_archived and referral.referral_closed
    assert referral.ended_on == today() - DAY
    assert (referral.referral_end_reason, referral.end_reason) == ("no_contact", "Missed two slots")
    change = StatusChange.objects.filter(client=referral).first()
    assert (change.from_status, change.to_status) == ("referred", "did_not_arrive")
    assert change.note == "Could not be contacted. Missed two slots"
    assert not Client.objects.open().filter(pk=referral.pk).exists()


def test_a_keyworker_cannot_close_a_referral(referral, keyworker):
    with pytest.raises(PermissionDenied):
        services.client_close_referral(client=referral, outcome=Client.Status.DECLINED,
                                       on=today(), reason="no_vacancy", by=keyworker)


@pytest.mark.parametrize(("changes", "message"), [
    ({"outcome": Client.Status.MOVED_ON}, "Choose declined, withdrawn or did not arrive"),
    ({"reason": ""}, "Choose why the referral closed"),
    ({"reason": "other"}, "Say what the other reason was"),
    ({"on": today() + DAY}, "cannot be in the future"),
    ({"on": today() - 30 * DAY}, "cannot be before the referral"),
])
def test_bad_closing_is_refused_and_changes_nothing(referral, manager, changes, message):
    fields = {"outcome": Client.Status.DECLINED, "on": today(), "reason": "no_vacancy"}
    with pytest.raises(ValidationError, match=message):
        services.client_close_referral(client=referral, by=manager, **fields | changes)
    referral.refresh_from_db()
    assert referral.status == Client.Status.REFERRED


def test_an_admitted_client_is_not_closed_as_a_referral(client_record, manager):
    with pytest.raises(ValidationError, match="still waiting"):
        services.client_close_referral(client=client_record, outcome=Client.Status.DECLINED,
                                       on=today(), reason="no_vacancy", by=manager)


def test_moving_on_takes_only_moved_on_or_discharged(client_record, manager):
    with pytest.raises(ValidationError, match="moved on or discharged"):
        services.client_end(client=client_record, status=Client.Status.DECLINED,
                            ended_on=today(), destination="", reason="x", by=manager)


def test_the_page_asks_before_closing_and_the_file_shows_it_archived(client, referral, manager):
    client.force_login(manager)
    detail = client.get(referral.get_absolute_url()).content.decode()
    url = reverse("clients:close_referral", args=[referral.pk])
    assert url in detail
    page = client.get(url).content.decode()
    assert "data-confirm=" in page
    response = client.post(url, {"outcome": "declined", "on": today().isoformat(),
                                 "reason": "risk", "note": "Arson history"})
    assert response.status_code == 302
    detail = client.get(referral.get_absolute_url()).content.decode()
    assert "the referral closed on" in detail
    assert "Risk too high to manage safely" in detail
    assert url not in detail
    # Archived: the page now refuses and sends back to the file.
    assert client.post(url, {"outcome": "withdrawn", "on": today().isoformat(),
                             "reason": "chose_not"}).status_code == 302
    referral.refresh_from_db()
    assert referral.status == Client.Status.DECLINED


def test_a_bad_post_shows_the_message_and_changes_nothing(client, referral, manager):
    client.force_login(manager)
    url = reverse("clients:close_referral", args=[referral.pk])
    page = client.post(url, {"outcome": "declined", "on": today().isoformat(),
                             "reason": "other"}).content.decode()
    assert "Say what the other reason was." in page
    referral.refresh_from_db()
    assert referral.status == Client.Status.REFERRED


def test_the_client_list_filters_closed_referrals(client, referral, manager):
    services.client_close_referral(client=referral, outcome=Client.Status.WITHDRAWN, on=today(),
                                   reason="supported_elsewhere", by=manager)
    client.force_login(manager)
    current = client.get(reverse("clients:list")).content.decode()
    assert "Noon" not in current
    withdrawn = client.get(reverse("clients:list"), {"status": "withdrawn"}).content.decode()
    assert "Noon" in withdrawn


def test_referral_outcomes_count_each_outcome_and_reason(site, manager):
    start = today() - 30 * DAY
    made = [services.client_refer(site=site, by=manager, first_name=f"P{n}", last_name="X",
                                  referred_on=start + n * DAY) for n in range(6)]
    services.client_admit(client=made[0], admitted_on=today(), by=manager)
    for client, outcome, reason in [(made[1], "declined", "no_vacancy"),
                                    (made[2], "declined", "no_vacancy"),
                                    (made[3], "withdrawn", "chose_not"),
                                    (made[4], "did_not_arrive", "no_contact")]:
        services.client_close_referral(client=client, outcome=outcome, on=today(),
                                       reason=reason, by=manager)
    ClientFactory(site=site, number=900, referred_on=start - 5 * DAY, admitted_on=start)
    found = selectors.referral_outcomes(Client.objects.all(), start, today())
    assert found.outcomes == [("admitted", 1), ("declined", 2), ("withdrawn", 1),
                              ("did_not_arrive", 1), ("referred", 1)]
    assert found.total == 6
    assert found.reasons == [("declined", "no_vacancy", 2), ("withdrawn", "chose_not", 1),
                             ("did_not_arrive", "no_contact", 1)]


def test_the_outcome_report_shows_the_referrals_section(client, site, manager, referral):
    services.client_close_referral(client=referral, outcome=Client.Status.DECLINED, on=today(),
                                   reason="needs_too_high", by=manager)
    client.force_login(manager)
    page = client.get(reverse("supervision:report"),
                      {"period": "dates", "start": (today() - 20 * DAY).isoformat(),
                       "end": today().isoformat()}).content.decode()
    section = page[page.index('id="section-referrals"'):page.index('id="section-sessions"')]
    assert "Referrals received" in section
    assert "Referral declined: Needs beyond what the service offers" in section
    assert "Still waiting" in section
