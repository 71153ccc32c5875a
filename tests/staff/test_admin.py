import pytest
from django.urls import reverse

from staff.models import User


@pytest.mark.parametrize("role", ["keyworker", "manager"])
def test_admin_is_closed_to_non_administrators(client, request, role):
    user = request.getfixturevalue(role)
    client.force_login(user)
    response = client.get(reverse("admin:index"))
    assert response.status_code == 302
    assert reverse("admin:login") in response.url


def test_administrator_can_use_the_admin(client, administrator, keyworker):
    client.force_login(administrator)
    assert client.get(reverse("admin:index")).status_code == 200
    assert client.get(reverse("admin:staff_user_changelist")).status_code == 200


def test_staff_cannot_be_deleted_only_deactivated(client, administrator, keyworker):
    client.force_login(administrator)
    response = client.get(reverse("admin:staff_user_delete", args=[keyworker.pk]))
    assert response.status_code == 403
    response = client.post(reverse("admin:staff_user_changelist"),
                           {"action": "deactivate", "_selected_action": [keyworker.pk]})
    assert response.status_code == 302
    keyworker.refresh_from_db()
    assert keyworker.is_active is False
    assert User.objects.filter(pk=keyworker.pk).exists()


def test_role_decides_admin_access(db):
    user = User.objects.create_user("promoted", password="river-lantern-okapi-7")
    assert not user.is_staff
    user.role = User.Role.ADMINISTRATOR
    user.save()
    assert user.is_staff and user.is_superuser
    user.role = User.Role.MANAGER
    user.save()
    assert not user.is_staff and not user.is_superuser


def test_createsuperuser_makes_an_administrator(db):
    user = User.objects.create_superuser("root", "root@example.org", "river-lantern-okapi-7")
    assert user.role == User.Role.ADMINISTRATOR
    assert user.is_staff


def test_a_keyworker_with_clients_cannot_be_deactivated_until_the_caseload_moves(
        client, administrator, keyworker, colleague, manager, client_record, site):
    from clients import services as clients_services

    client.force_login(administrator)
    response = client.post(reverse("admin:staff_user_changelist"),
                           {"action": "deactivate", "_selected_action": [keyworker.pk]},
                           follow=True)
    page = response.content.decode()
    transfer = reverse("clients:transfer", args=[keyworker.pk]) + f"?site={site.pk}"
    assert "Kim Lowe is still the keyworker of 1 client at Riverside Day Centre." in page
    assert f'href="{transfer}"' in page
    keyworker.refresh_from_db()
    assert keyworker.is_active
    clients_services.caseload_transfer(from_worker=keyworker, to_worker=colleague,
                                       clients=[client_record], by=manager, reason="Leaving")
    client.post(reverse("admin:staff_user_changelist"),
                {"action": "deactivate", "_selected_action": [keyworker.pk]})
    keyworker.refresh_from_db()
    assert not keyworker.is_active
    assert keyworker.history.first().history_user == administrator


def test_the_staff_form_refuses_to_untick_active_for_a_keyworker_with_clients(
        client, administrator, keyworker, client_record, site):
    client.force_login(administrator)
    url = reverse("admin:staff_user_change", args=[keyworker.pk])
    response = client.post(url, {
        "username": keyworker.username, "first_name": keyworker.first_name,
        "last_name": keyworker.last_name, "email": keyworker.email, "role": "keyworker",
        "sites": [site.pk], "caseload_limit": 12,
        "last_login_0": "", "last_login_1": "",
        "date_joined_0": "2026-01-01", "date_joined_1": "09:00:00"})
    assert response.status_code == 200
    page = response.content.decode()
    assert "is still the keyworker of 1 client" in page
    assert reverse("clients:transfer", args=[keyworker.pk]) in page
    keyworker.refresh_from_db()
    assert keyworker.is_active


def test_a_staff_members_earlier_version_links_to_their_password_page(client, administrator,
                                                                        keyworker):
    """Django's "Reset password" link is relative ("../password/"): on simple_history's
    page of an earlier version (.../history/<id>/) it led to .../history/password/, a server
    error (the accessibility crawl followed it)."""
    client.force_login(administrator)
    version = keyworker.history.first()
    response = client.get(reverse("admin:staff_user_simple_history",
                                  args=[keyworker.pk, version.history_id]))
    assert response.status_code == 200
    password_page = reverse("admin:auth_user_password_change", args=[keyworker.pk])
    assert f'href="{password_page}"' in response.content.decode()
    assert client.get(password_page).status_code == 200


def test_administrator_records_a_workers_languages_and_specialisms(client, administrator,
                                                                   keyworker):
    client.force_login(administrator)
    url = reverse("admin:staff_user_change", args=[keyworker.pk])
    page = client.get(url).content.decode()
    assert 'value="substance_use"' in page and "Languages spoken" in page
    data = {"username": keyworker.username, "first_name": keyworker.first_name,
            "last_name": keyworker.last_name, "email": keyworker.email, "phone": "",
            "role": "keyworker", "sites": [s.pk for s in keyworker.sites.all()],
            "caseload_limit": 12, "is_active": "on", "languages": "Polish",
            "gender": "woman", "skills": ["substance_use"],
            "date_joined_0": "2026-01-01", "date_joined_1": "09:00:00"}
    response = client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:2000]
    keyworker.refresh_from_db()
    assert (keyworker.languages, keyworker.gender, keyworker.skills) == (
        "Polish", "woman", ["substance_use"])
