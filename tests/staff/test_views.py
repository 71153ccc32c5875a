import pytest
from django.urls import reverse

from tests.clients.test_access import LOGIN, OK, ROLES, assert_outcome, sign_in
from tests.factories import PASSWORD, UserFactory
from tests.logins import login_post


@pytest.mark.parametrize("method", ["get", "post"])
@pytest.mark.parametrize(("role", "expected"), zip(ROLES, (LOGIN, OK, OK, OK, OK, OK, OK),
                                                   strict=True))
def test_everyone_signed_in_may_open_their_sites_and_colleagues(client, request, site, role,
                                                                expected, method):
    sign_in(client, request, role)
    assert_outcome(getattr(client, method)(reverse("team")), expected, method)


def test_a_manager_lands_on_the_dashboard(client, manager):
    client.force_login(manager)
    response = client.get(reverse("home"))
    assert response.status_code == 302
    assert response.url == reverse("supervision:dashboard")
    assert client.get(response.url).status_code == 200


def test_a_managers_login_lands_on_the_dashboard(client, manager):
    response = login_post(client, "manager", PASSWORD, follow=True)
    assert response.redirect_chain[-1][0] == reverse("supervision:dashboard")


def test_a_keyworker_still_lands_on_their_caseload(client, keyworker):
    client.force_login(keyworker)
    response = client.get(reverse("home"))
    assert response.status_code == 200
    assert "<title>My caseload · Keywork</title>" in response.content.decode()


def test_the_greeting_page_is_in_everyones_menu(client, keyworker, manager):
    for user in (keyworker, manager):
        client.force_login(user)
        page = client.get(reverse("diary:week")).content.decode()
        assert f'href="{reverse("team")}"' in page
        assert "My sites and colleagues" in page


def test_home_greets_the_user_with_role_sites_and_colleagues(client, keyworker, colleague,
                                                             manager, other_site_manager):
    client.force_login(manager)
    page = client.get(reverse("team")).content.decode()
    assert "<title>My sites and colleagues · Keywork</title>" in page
    assert "Hello, Maya" in page
    assert "signed in as a Manager" in page
    assert "Riverside Day Centre" in page
    assert str(colleague) in page
    assert str(keyworker) in page
    assert str(other_site_manager) not in page
    assert "Hope House" not in page


def test_keyworkers_home_is_their_caseload_with_a_greeting(client, keyworker):
    client.force_login(keyworker)
    page = client.get(reverse("home")).content.decode()
    assert "Hello, Kim · Keyworker · Riverside Day Centre" in page
    assert "My caseload" in page


def test_home_leaves_out_deactivated_colleagues(client, manager, site):
    gone = UserFactory(username="leaver", first_name="Lee", last_name="Gone", sites=[site],
                       is_active=False)
    client.force_login(manager)
    assert str(gone) not in client.get(reverse("team")).content.decode()


def test_home_without_a_site_says_what_to_do(client, db):
    lonely = UserFactory(username="lonely", role="manager")
    client.force_login(lonely)
    assert "Ask an administrator" in client.get(reverse("team")).content.decode()


def test_navigation_offers_administration_only_to_administrators(client, keyworker,
                                                                 administrator):
    client.force_login(keyworker)
    assert reverse("admin:index") not in client.get(reverse("home")).content.decode()
    client.force_login(administrator)
    assert reverse("admin:index") in client.get(reverse("home")).content.decode()


def test_unknown_url_gets_the_styled_404(client, keyworker):
    client.force_login(keyworker)
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    page = response.content.decode()
    assert "We could not find that page" in page
    assert "bootstrap.min.css" in page


def test_pages_have_a_skip_link_and_a_title(client, keyworker):
    client.force_login(keyworker)
    page = client.get(reverse("home")).content.decode()
    assert 'href="#main"' in page
    assert "<title>My caseload · Keywork</title>" in page


def test_a_post_without_csrf_token_gets_the_styled_page_and_changes_nothing(keyworker):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    strict.force_login(keyworker)
    response = strict.post(reverse("password_change"), {
        "old_password": "x", "new_password1": "river-lantern-okapi-7",
        "new_password2": "river-lantern-okapi-7"})
    assert response.status_code == 403
    assert "This form has expired" in response.content.decode()


def test_the_500_page_renders_without_a_request_context():
    from django.template.loader import render_to_string

    assert "Something went wrong on our side" in render_to_string("500.html")


@pytest.mark.parametrize("method", ["get", "post"])
@pytest.mark.parametrize(("role", "expected"), list(zip(ROLES, (LOGIN, OK, OK, OK, OK, OK, OK),
                                                        strict=True)))
def test_everyone_signed_in_may_open_their_own_profile(client, request, site, role, expected,
                                                       method):
    sign_in(client, request, role)
    assert_outcome(getattr(client, method)(reverse("profile")), expected, method)


def test_a_keyworker_records_their_languages_gender_and_specialisms(client, keyworker):
    client.force_login(keyworker)
    assert "Edit my profile" in client.get(reverse("team")).content.decode()
    response = client.post(reverse("profile"), {
        "languages": "English, Polish", "gender": "prefer_not_to_say",
        "skills": ["housing", "benefits"]})
    assert response.status_code == 302
    keyworker.refresh_from_db()
    assert (keyworker.languages, keyworker.gender) == ("English, Polish", "prefer_not_to_say")
    assert sorted(keyworker.skills) == ["benefits", "housing"]
    assert keyworker.history.first().history_user == keyworker
    page = client.get(reverse("team")).content.decode()
    assert "English, Polish" in page and "Prefer not to say" in page


def test_a_specialism_not_on_the_list_is_refused_and_nothing_changes(client, keyworker):
    client.force_login(keyworker)
    response = client.post(reverse("profile"), {"languages": "Urdu", "skills": ["juggling"]})
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    keyworker.refresh_from_db()
    assert keyworker.languages == ""
