"""keywork.lib.stale: the second of two people editing one record is told, keeps what they
typed, and can save it once they have looked."""

import re

import pytest
from django.db import transaction
from django.urls import reverse

from clients.models import Client
from keywork.lib.stale import StaleEdit, version_claim
from tests.clients.test_views import _details


def test_a_claim_moves_the_version_on(client_record):
    opened_at = client_record.version
    with transaction.atomic():
        row = version_claim(Client.objects, client_record.pk, opened_at)
    assert row.version == opened_at + 1
    assert Client.objects.get(pk=client_record.pk).version == opened_at + 1


def test_a_claim_from_an_old_version_is_refused_and_changes_nothing(client_record):
    opened_at = client_record.version
    with transaction.atomic():
        version_claim(Client.objects, client_record.pk, opened_at)
    with transaction.atomic(), pytest.raises(StaleEdit) as refused:
        version_claim(Client.objects, client_record.pk, opened_at)
    assert refused.value.messages == [
        "Someone else saved this while you were editing it. What you typed is still in the "
        "form below: open the page in another tab to see their changes, then save yours "
        "again."]
    assert refused.value.current_version == opened_at + 1
    assert Client.objects.get(pk=client_record.pk).version == opened_at + 1


def test_the_refused_person_keeps_their_text_and_can_save_it_after_looking(
        client, keyworker, manager, client_record):
    url = reverse("clients:edit", args=[client_record.pk])
    kims_form = _details(client_record, phone="07700 900111")
    client.force_login(manager)
    client.post(url, _details(client_record, phone="07700 900222"))

    client.force_login(keyworker)
    page = client.post(url, kims_form).content.decode()
    assert "Someone else saved this while you were editing it" in page
    assert 'value="07700 900111"' in page
    assert Client.objects.get(pk=client_record.pk).phone == "07700 900222"

    # The form she has in front of her now carries the version Maya saved: saving it again,
    # as the message says, goes through.
    version = re.search(r'name="version" value="(\d+)"', page).group(1)
    response = client.post(url, {**kims_form, "version": version})
    assert response.status_code == 302
    assert Client.objects.get(pk=client_record.pk).phone == "07700 900111"
