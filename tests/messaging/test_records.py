"""A client's consent to reminders and the messages sent to them are theirs: in their
subject access export (with history), and gone with them when retention purges them."""

import datetime

from django.utils import timezone

from audit import retention, subject_access
from clients.models import Client
from messaging import services
from messaging.models import ClientMessage, ReminderConsent


def _records(client_record, keyworker):
    consent = services.consent_set(client=client_record, by=keyworker, consents=True,
                                   channel="sms", phone="07700 900123")
    message = ClientMessage.objects.create(client=client_record, key="reminder:1:1",
                                           kind="reminder", channel="sms", to=consent.phone,
                                           text="Kim will see you tomorrow", status="sent",
                                           provider_id="SM1")
    return consent, message


def test_the_subject_access_export_holds_the_consent_and_the_messages(
        client_record, keyworker, colleagues_client, colleague):
    consent, message = _records(client_record, keyworker)
    data = subject_access.collect(client_record)
    assert [row["id"] for row in data["records"]["messaging.ReminderConsent"]] == [consent.pk]
    assert [row["text"] for row in data["records"]["messaging.ClientMessage"]] == [
        "Kim will see you tomorrow"]
    assert data["history"]["messaging.ReminderConsent"]
    assert data["history"]["messaging.ClientMessage"]
    summary = subject_access.readable(data)
    assert "Reminders and notices sent to you" in str(summary)


def test_retention_purges_them_with_their_history(client_record, keyworker,
                                                  colleagues_client, colleague):
    consent, message = _records(client_record, keyworker)
    robs = services.consent_set(client=colleagues_client, by=colleague, consents=True,
                                channel="sms", phone="07700 900456")
    ended = timezone.localdate() - datetime.timedelta(days=365 * 7)
    Client.objects.filter(pk=client_record.pk).update(
        status=Client.Status.DISCHARGED, referred_on=ended - datetime.timedelta(days=400),
        admitted_on=ended - datetime.timedelta(days=390), ended_on=ended)
    retention.purge(retention.expired())
    assert not ReminderConsent.objects.filter(pk=consent.pk).exists()
    assert not ClientMessage.objects.filter(pk=message.pk).exists()
    assert not ReminderConsent.history.filter(id=consent.pk).exists()
    assert not ClientMessage.history.filter(id=message.pk).exists()
    assert ReminderConsent.objects.filter(pk=robs.pk).exists()
