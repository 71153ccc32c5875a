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
