"""Clients in the admin: found and put right by administrators, archived, never deleted."""

from django.urls import reverse
from django.utils import timezone

from clients.models import Client
from tests.factories import ClientFactory


def _change_data(record, **changes):
    data = {name: getattr(record, name) or "" for name in (
        "first_name", "last_name", "preferred_name", "phone", "email", "address",
        "emergency_contact_name", "emergency_contact_relationship", "emergency_contact_phone",
        "languages", "cultural_needs", "preferred_keyworker_gender", "gp_name", "gp_practice",
        "gp_phone", "consent_scope", "alerts", "referral_source", "referral_reason",
        "document_language")}
    data["date_of_birth"] = record.date_of_birth.isoformat() if record.date_of_birth else ""
    data["consent_date"] = ""
    return data | changes


def test_administrator_finds_clients_by_reference_and_filters_by_site(
        client, administrator, client_record, other_site_client):
    client.force_login(administrator)
    url = reverse("admin:clients_client_changelist")
    page = client.get(url, {"q": client_record.reference}).content.decode()
    assert client_record.reference in page and other_site_client.reference not in page
    page = client.get(url, {"site__id__exact": other_site_client.site_id}).content.decode()
    assert other_site_client.reference in page and client_record.reference not in page
    page = client.get(url, {"q": "harper"}).content.decode()
    assert client_record.reference in page


def test_clients_cannot_be_deleted_or_added_in_the_admin(client, administrator, client_record):
    client.force_login(administrator)
    assert client.get(reverse("admin:clients_client_delete",
                              args=[client_record.pk])).status_code == 403
    assert client.get(reverse("admin:clients_client_add")).status_code == 403
    response = client.post(reverse("admin:clients_client_changelist"),
                           {"action": "delete_selected", "_selected_action": [client_record.pk]})
    assert Client.objects.filter(pk=client_record.pk).exists()
    assert response.status_code in (200, 302)


def test_an_edit_in_the_admin_goes_through_the_service_and_keeps_history(
        client, administrator, client_record):
    client.force_login(administrator)
    version = client_record.version
    url = reverse("admin:clients_client_change", args=[client_record.pk])
    response = client.post(url, _change_data(client_record, languages="Polish",
                                             support_wanted=["housing"], status="discharged"))
    assert response.status_code == 302, response.content.decode()[:3000]
    client_record.refresh_from_db()
    assert client_record.languages == "Polish" and client_record.support_wanted == ["housing"]
    assert client_record.status == "active"  # the lifecycle is read-only here
    assert client_record.version == version + 1
    latest = client_record.history.first()
    assert latest.history_user == administrator and latest.languages == "Polish"
    assert client.get(reverse("admin:clients_client_history",
                              args=[client_record.pk])).status_code == 200


def test_an_archived_client_is_read_only_in_the_admin(client, administrator, site):
    record = ClientFactory(site=site, status="discharged", admitted_on=timezone.localdate(),
                           ended_on=timezone.localdate(), languages="Urdu")
    client.force_login(administrator)
    url = reverse("admin:clients_client_change", args=[record.pk])
    assert client.post(url, _change_data(record, languages="Polish")).status_code == 403
    record.refresh_from_db()
    assert record.languages == "Urdu"


def test_keyworkers_and_managers_cannot_open_clients_in_the_admin(client, keyworker, manager,
                                                                 client_record):
    for user in (keyworker, manager):
        client.force_login(user)
        response = client.get(reverse("admin:clients_client_changelist"))
        assert response.status_code == 302 and reverse("admin:login") in response.url


def test_an_administrator_opening_a_client_in_the_admin_is_in_the_access_log(
        client, administrator, client_record):
    from audit.models import AccessEvent

    client.force_login(administrator)
    for name in ("admin:clients_client_change", "admin:clients_client_history"):
        assert client.get(reverse(name, args=[client_record.pk])).status_code == 200
    logged = AccessEvent.objects.filter(client_id=client_record.pk, user=administrator)
    assert logged.count() == 2
    assert client.get(reverse("admin:clients_client_change", args=[999999])).status_code in (
        200, 302)
    assert logged.count() == 2
