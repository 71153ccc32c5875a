import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.urls import reverse

from tests.factories import PASSWORD
from tests.logins import login_post


def test_login_with_the_right_password_reaches_home(client, keyworker):
    response = login_post(client, "keyworker", PASSWORD, follow=True)
    assert response.redirect_chain[-1][0] == reverse("home")
    assert "Hello, Kim" in response.content.decode()
    assert "My caseload" in response.content.decode()


def test_wrong_password_says_so_without_saying_which_part(client, keyworker):
    response = login_post(client, "keyworker", "nope")
    page = response.content.decode()
    assert response.status_code == 200
    assert "do not match an active account" in page
    assert "password is wrong" not in page.lower()
    assert "_auth_user_id" not in client.session


def test_unknown_username_gets_the_same_message(client, db):
    response = login_post(client, "nobody", "nope")
    assert "do not match an active account" in response.content.decode()


def test_user_deactivated_while_logged_in_is_logged_out_on_next_request(client, keyworker):
    client.force_login(keyworker)
    assert client.get(reverse("home")).status_code == 200
    keyworker.is_active = False
    keyworker.save()
    response = client.get(reverse("home"))
    assert response.status_code == 302
    assert reverse("login") in response.url


def test_logout_is_a_post_and_ends_the_session(client, keyworker):
    client.force_login(keyworker)
    response = client.post(reverse("logout"))
    assert response.status_code == 302
    assert client.get(reverse("home")).status_code == 302


@pytest.mark.parametrize("password", ["short-pass", "password1234", "123456789012345"])
def test_weak_passwords_are_refused(password):
    with pytest.raises(ValidationError):
        validate_password(password)


def test_a_long_uncommon_password_is_accepted():
    validate_password("river-lantern-okapi-7")


def test_password_change_keeps_the_user_logged_in(client, keyworker):
    client.force_login(keyworker)
    response = client.post(reverse("password_change"), {
        "old_password": PASSWORD,
        "new_password1": "river-lantern-okapi-7",
        "new_password2": "river-lantern-okapi-7",
    })
    assert response.status_code == 302
    keyworker.refresh_from_db()
    assert keyworker.check_password("river-lantern-okapi-7")
    assert client.get(reverse("home")).status_code == 200


def test_password_reset_sends_a_link_that_sets_a_new_password(client, keyworker, mailoutbox):
    response = client.post(reverse("password_reset"), {"email": keyworker.email})
    assert response.status_code == 302
    assert len(mailoutbox) == 1
    link = next(line for line in mailoutbox[0].body.splitlines() if "/reset/" in line)
    path = link.split("://", 1)[1].split("/", 1)[1]
    response = client.get("/" + path, follow=True)
    form_url = response.redirect_chain[-1][0]
    response = client.post(form_url, {"new_password1": "river-lantern-okapi-7",
                                      "new_password2": "river-lantern-okapi-7"})
    assert response.status_code == 302
    keyworker.refresh_from_db()
    assert keyworker.check_password("river-lantern-okapi-7")


def test_password_reset_for_an_unknown_address_reveals_nothing(client, db, mailoutbox):
    response = client.post(reverse("password_reset"), {"email": "who@example.org"}, follow=True)
    assert "If an account uses that address" in response.content.decode()
    assert mailoutbox == []
