"""The client's page's records are the client's: in their subject access export, and gone
with them at the end of retention."""

import io
import json
import zipfile

import pytest
from django.urls import reverse

from audit import retention
from portal import services
from portal.models import ClientNote, PortalAccess, SignIn
from tests.security.test_retention import _close_long_ago

pytestmark = pytest.mark.django_db


@pytest.fixture
def records(client_record, dee_page, dee_session, keyworker, colleagues_client, colleague,
            provider):
    services.code_send(channel="sms", address="+447700900123")
    services.note_send(client=client_record, text="See you Thursday")
    services.cant_make_it(client=client_record, session_id=dee_session.pk, reason="Dentist")
    services.access_set(client=colleagues_client, by=colleague, is_on=True,
                        email="rob@example.org")
    services.note_send(client=colleagues_client, text="Rob's own note")


def test_the_subject_access_export_holds_the_pages_records(client, manager, client_record,
                                                           records):
    client.force_login(manager)
    response = client.post(reverse("audit:subject_access", args=[client_record.pk]))
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    document = json.loads(archive.read("records.json"))
    found = document["records"]
    assert [row["client_id"] for row in found["portal.PortalAccess"]] == [client_record.pk]
    assert [row["to"] for row in found["portal.SignIn"]] == ["+447700900123"]
    assert sorted(row["text"] for row in found["portal.ClientNote"]) == ["Dentist",
                                                                         "See you Thursday"]
    assert document["history"]["portal.ClientNote"]


def test_the_retention_purge_takes_them_with_the_client(client_record, colleagues_client,
                                                        records):
    _close_long_ago(client_record, 7)
    assert client_record.pk in {c.pk for c in retention.expired()}
    retention.purge([client_record])
    assert not PortalAccess.objects.filter(client_id=client_record.pk).exists()
    assert not SignIn.objects.filter(access__client_id=client_record.pk).exists()
    assert list(ClientNote.objects.values_list("text", flat=True)) == ["Rob's own note"]
    assert not ClientNote.history.filter(client_id=client_record.pk).exists()
    assert PortalAccess.objects.filter(client=colleagues_client).exists()
