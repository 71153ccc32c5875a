"""Two-factor login: required for managers and administrators, per site for keyworkers."""

import base64

import pytest
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.logins import give_device, login_post, token_post, totp_token

pytestmark = pytest.mark.two_factor


def test_a_manager_gives_a_code_after_the_password(client, manager):
    device = give_device(manager)
    response = login_post(client, "manager", "correct-horse-battery")
    assert response.status_code == 200
    assert "authenticator app shows" in response.content.decode()
    assert "_auth_user_id" not in client.session
    response = token_post(client, totp_token(device))
    assert response.status_code == 302
    assert client.get(reverse("clients:list")).status_code == 200


def test_a_wrong_code_does_not_log_in(client, manager):
    give_device(manager)
    login_post(client, "manager", "correct-horse-battery")
    response = token_post(client, "000000")
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session


def test_a_code_works_only_once(client, manager):
    device = give_device(manager)
    login_post(client, "manager", "correct-horse-battery")
    token = totp_token(device)
    token_post(client, token)
    client.post(reverse("logout"))
    login_post(client, "manager", "correct-horse-battery")
    token_post(client, token)
    assert "_auth_user_id" not in client.session


def test_a_backup_code_logs_in_once(client, manager):
    give_device(manager)
    backup = StaticDevice.objects.create(user=manager, name="backup")
    backup.token_set.create(token="abcd1234")
    login_post(client, "manager", "correct-horse-battery")
    client.post(reverse("login"), {"wizard_goto_step": "backup",
                                   "login_view-current_step": "token"})
    response = client.post(reverse("login"), {"backup-otp_token": "abcd1234",
                                              "login_view-current_step": "backup"})
    assert response.status_code == 302
    assert not backup.token_set.exists()


def test_a_manager_without_an_app_is_sent_to_set_one_up_with_a_qr_code(client, manager):
    login_post(client, "manager", "correct-horse-battery")
    response = client.get(reverse("clients:list"))
    assert response.status_code == 302
    assert response.url == reverse("two_factor:setup")
    page = client.get(reverse("two_factor:setup")).content.decode()
    assert "Set up your authenticator app" in page
    page = client.post(reverse("two_factor:setup"),
                       {"setup_view-current_step": "welcome"}).content.decode()
    if 'name="method-method"' in page:
        page = client.post(reverse("two_factor:setup"), {
            "setup_view-current_step": "method", "method-method": "generator"}).content.decode()
    assert reverse("two_factor:qr") in page
    assert "Code from your authenticator app" in page
    assert 'type="number"' not in page
    qr = client.get(reverse("two_factor:qr"))
    assert qr.status_code == 200
    assert qr["Content-Type"].startswith("image/svg+xml")
    key = client.session["django_two_factor-qr_secret_key"]
    token = str(totp(base64.b32decode(key + "=" * (-len(key) % 8)))).zfill(6)
    wrong = "000000" if token != "000000" else "111111"
    page = client.post(reverse("two_factor:setup"), {
        "generator-token": wrong, "setup_view-current_step": "generator"}).content.decode()
    assert "That code did not match" in page
    assert not TOTPDevice.objects.filter(user=manager).exists()
    response = client.post(reverse("two_factor:setup"), {"generator-token": token,
                                                         "setup_view-current_step": "generator"})
    assert response.status_code == 302
    assert TOTPDevice.objects.filter(user=manager, confirmed=True).exists()
    assert client.get(reverse("clients:list")).status_code == 200
    tokens = client.post(reverse("two_factor:backup_tokens")).status_code
    assert tokens == 302
    assert StaticDevice.objects.get(user=manager).token_set.count() == 10


def test_a_keyworker_logs_in_with_a_password_only_unless_their_site_asks(client, keyworker,
                                                                        site):
    login_post(client, "keyworker", "correct-horse-battery")
    assert client.get(reverse("clients:list")).status_code == 200
    client.post(reverse("logout"))
    site.keyworkers_use_two_factor = True
    site.save()
    login_post(client, "keyworker", "correct-horse-battery")
    response = client.get(reverse("clients:list"))
    assert response.url == reverse("two_factor:setup")


def test_a_keyworker_may_choose_a_second_factor(client, keyworker):
    device = give_device(keyworker)
    response = login_post(client, "keyworker", "correct-horse-battery")
    assert "authenticator app shows" in response.content.decode()
    token_post(client, totp_token(device))
    assert client.get(reverse("home")).status_code == 200


def test_a_session_that_skipped_the_code_is_ended(client, manager):
    give_device(manager)
    client.force_login(manager)
    response = client.get(reverse("clients:list"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))
    assert "_auth_user_id" not in client.session


def test_the_admin_login_page_sends_people_to_the_real_login(client, db):
    response = client.get(reverse("admin:login") + "?next=/admin/")
    assert response.status_code == 302
    assert response.url == reverse("login") + "?next=/admin/"


def test_lockout_still_applies_on_the_two_step_login(client, manager):
    give_device(manager)
    for _ in range(5):
        login_post(client, "manager", "wrong-guess")
    response = login_post(client, "manager", "correct-horse-battery")
    assert response.status_code == 429
