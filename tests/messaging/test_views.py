"""The consent form and the log of messages on the client's file."""

import pytest
from django.urls import reverse
from simple_history.utils import bulk_create_with_history

from clients.models import Client
from messaging import services
from messaging.models import ClientMessage


def test_the_file_offers_to_record_consent_when_none_is(client, keyworker, client_record):
    client.force_login(keyworker)
    page = client.get(client_record.get_absolute_url()).content.decode()
    assert "reminders-heading" in page
    assert "Not asked yet." in page
    assert reverse("messaging:consent", args=[client_record.pk]) in page


def test_the_file_shows_the_consent_and_the_last_message(client, keyworker, client_record):
    consent = services.consent_set(client=client_record, by=keyworker, consents=True,
                                   channel="sms", phone="07700900123")
    ClientMessage.objects.create(client=client_record, key="k1", kind="reminder",
                                 channel="sms", to=consent.phone, text="Hello",
                                 status="delivered")
    client.force_login(keyworker)
    page = client.get(client_record.get_absolute_url()).content.decode()
    assert "Text message to +447700900123" in page
    assert "Delivered" in page
    assert reverse("messaging:messages", args=[client_record.pk]) in page


def test_a_number_that_is_not_a_mobile_is_refused_with_a_message(client, keyworker,
                                                                  client_record):
    client.force_login(keyworker)
    response = client.post(reverse("messaging:consent", args=[client_record.pk]),
                           {"consents": "yes", "channel": "sms", "phone": "020 7946 0000"})
    assert response.status_code == 200
    assert "This is not a mobile number" in response.content.decode()


def test_texts_need_a_number(client, keyworker, client_record):
    client.force_login(keyworker)
    response = client.post(reverse("messaging:consent", args=[client_record.pk]),
                           {"consents": "yes", "channel": "sms", "phone": ""})
    assert "Enter the mobile number to text." in response.content.decode()


def test_saying_no_withdraws_and_stops_what_waits(keyworker, client_record):
    consent = services.consent_set(client=client_record, by=keyworker, consents=True,
                                   channel="email", email="dee@example.org")
    waiting = ClientMessage.objects.create(client=client_record, key="k1", kind="review",
                                           channel="email", to=consent.email, text="Hi")
    consent = services.consent_set(client=client_record, by=keyworker, consents=False,
                                   channel="email", email="dee@example.org")
    waiting.refresh_from_db()
    assert consent.withdrawn_how == "staff" and consent.withdrawn_at
    assert waiting.status == "not_sent"


def test_an_archived_client_gets_no_new_consent(client, keyworker, client_record):
    client_record.status = Client.Status.MOVED_ON
    client_record.save()
    with pytest.raises(Exception, match="archived"):
        services.consent_set(client=client_record, by=keyworker, consents=True,
                             channel="sms", phone="07700900123")


def test_the_log_says_what_to_do_when_nothing_was_sent(client, keyworker, client_record):
    client.force_login(keyworker)
    page = client.get(reverse("messaging:messages", args=[client_record.pk]))
    assert "No message has been sent to this client." in page.content.decode()


def _messages(client_record, count):
    bulk_create_with_history([
        ClientMessage(client=client_record, key=f"k{n}", kind="reminder", channel="sms",
                      to="+447700900123", text=f"Message {n}", status="sent",
                      provider_id=f"SM{n}") for n in range(count)], ClientMessage)


@pytest.mark.parametrize("count", [3, 60])
def test_the_log_asks_the_same_queries_whatever_its_length(client, keyworker, client_record,
                                                           django_assert_max_num_queries,
                                                           count):
    _messages(client_record, count)
    client.force_login(keyworker)
    client.get(reverse("messaging:messages", args=[client_record.pk]))
    with django_assert_max_num_queries(9):
        response = client.get(reverse("messaging:messages", args=[client_record.pk]))
    assert response.status_code == 200
    assert response.content.decode().count('class="list-group-item"') == min(count, 25)
