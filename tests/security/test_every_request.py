"""Who is signed in, read on each request by a query written once (keywork.lib.every_request):
the same person, the same device and the same refusals as Django's and django-otp's own."""

from unittest import mock

import pytest
from django.urls import reverse
from django_otp.middleware import OTPMiddleware
from django_otp.plugins.otp_totp.models import TOTPDevice

from keywork.lib.every_request import ByPk
from staff.backends import UserBackend
from staff.models import User
from tests.logins import give_device, login_post, token_post, totp_token

pytestmark = pytest.mark.two_factor


def test_the_user_is_read_with_every_field_as_the_orm_reads_them(keyworker):
    read = UserBackend().get_user(keyworker.pk)
    orm = User.objects.get(pk=keyworker.pk)
    assert type(read) is User
    for field in User._meta.concrete_fields:
        mine, theirs = getattr(read, field.attname), getattr(orm, field.attname)
        assert (mine, type(mine)) == (theirs, type(theirs)), field.name  # True, not 1
    assert read.last_login == orm.last_login and read.is_active is True


def test_nobody_for_an_inactive_user_an_unknown_id_or_one_that_is_not_an_id(keyworker):
    assert UserBackend().get_user(keyworker.pk + 1000) is None
    assert UserBackend().get_user("not-a-number") is None
    assert UserBackend().get_user(None) is None
    keyworker.is_active = False
    keyworker.save()
    assert UserBackend().get_user(keyworker.pk) is None


def test_a_device_is_read_with_its_fields(manager):
    device = give_device(manager)
    read = ByPk(TOTPDevice).get(device.pk)
    assert (read.pk, read.user_id, read.key, read.confirmed) == (
        device.pk, manager.pk, device.key, True)
    assert ByPk(TOTPDevice).get(f"{device.pk}x") is None


def _signed_in_with_a_code(client, manager):
    device = give_device(manager)
    login_post(client, "manager", "correct-horse-battery")
    token_post(client, totp_token(device))
    return device


def test_a_manager_who_gave_a_code_is_verified_on_each_request(client, manager):
    _signed_in_with_a_code(client, manager)
    response = client.get(reverse("clients:list"))
    assert response.status_code == 200
    assert response.wsgi_request.user.is_verified()


@pytest.mark.parametrize("change", ["unconfirmed", "deleted"])
def test_a_device_unconfirmed_or_deleted_no_longer_verifies(client, manager, change):
    device = _signed_in_with_a_code(client, manager)
    if change == "deleted":
        device.delete()
    else:
        TOTPDevice.objects.filter(pk=device.pk).update(confirmed=False)
    response = client.get(reverse("clients:list"))
    # Not verified any more, and with no confirmed app: sent to set one up.
    assert response.status_code == 302 and response["Location"] == reverse("two_factor:setup")
    assert "otp_device_id" not in client.session


def test_a_device_of_someone_else_does_not_verify(client, manager, other_site_manager):
    _signed_in_with_a_code(client, manager)
    theirs = give_device(other_site_manager)
    session = client.session
    session["otp_device_id"] = theirs.persistent_id
    session.save()
    response = client.get(reverse("clients:list"))
    assert response.status_code == 302
    assert "_auth_user_id" not in client.session


def test_a_deactivated_user_is_signed_out_on_their_next_request(client, keyworker):
    client.force_login(keyworker)
    assert client.get(reverse("clients:list")).status_code == 200
    User.objects.filter(pk=keyworker.pk).update(is_active=False)
    response = client.get(reverse("clients:list"))
    assert response.status_code == 302 and reverse("login") in response["Location"]


def _backup_codes(user):
    from django_otp.plugins.otp_static.models import StaticDevice

    device = StaticDevice.objects.create(user=user, name="backup", confirmed=True)
    device.token_set.create(token="abcd1234")
    return device


def test_someone_signed_in_with_a_backup_code_is_verified_by_that_device(client, manager):
    _signed_in_with_a_code(client, manager)
    backup = _backup_codes(manager)
    session = client.session
    session["otp_device_id"] = backup.persistent_id  # as two_factor's backup step leaves it
    session.save()
    # Read by the query written once, not by django-otp's own.
    with mock.patch.object(OTPMiddleware, "_device_from_persistent_id",
                           side_effect=AssertionError("django-otp's query")):
        response = client.get(reverse("clients:list"))
    assert response.status_code == 200
    assert response.wsgi_request.user.otp_device == backup
    backup.delete()
    response = client.get(reverse("clients:list"))
    assert response.status_code == 302 and "otp_device_id" not in client.session


def test_backup_codes_of_someone_else_do_not_verify(client, manager, other_site_manager):
    _signed_in_with_a_code(client, manager)
    session = client.session
    session["otp_device_id"] = _backup_codes(other_site_manager).persistent_id
    session.save()
    response = client.get(reverse("clients:list"))
    assert response.status_code == 302
    assert "_auth_user_id" not in client.session


@pytest.mark.parametrize("device_id", ["otp_static.staticdevice/99999999999999999999",
                                       "otp_totp.totpdevice/-1", "staff.user/1",
                                       "nosuch.model/1", "no-label"])
def test_a_session_naming_no_device_of_theirs_is_not_verified_and_not_an_error(
        client, manager, device_id):
    _signed_in_with_a_code(client, manager)
    session = client.session
    session["otp_device_id"] = device_id
    session.save()
    response = client.get(reverse("clients:list"))
    assert response.status_code == 302
    assert "otp_device_id" not in client.session
