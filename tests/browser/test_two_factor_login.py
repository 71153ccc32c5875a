"""A manager logs in with a password and a code from an authenticator app."""

import pytest
from playwright.sync_api import expect

from tests.factories import PASSWORD
from tests.logins import give_device, totp_token


@pytest.mark.two_factor
def test_manager_logs_in_with_a_code_from_the_app(page, screenshot, manager):
    device = give_device(manager)
    page.goto("/clients/")
    page.get_by_label("Username").fill("manager")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    code = page.get_by_label("Code from your authenticator app")
    expect(code).to_be_visible()
    screenshot("two-factor-code")
    code.fill("000000")
    page.get_by_role("button", name="Verify").click()
    expect(page.get_by_label("Code from your authenticator app")).to_be_visible()
    page.wait_for_timeout(2_100)  # django-otp waits a little longer after each wrong code
    page.get_by_label("Code from your authenticator app").fill(totp_token(device))
    page.get_by_role("button", name="Verify").click()
    expect(page).to_have_url("/clients/")
    expect(page.get_by_role("heading", name="Clients")).to_be_visible()


@pytest.mark.two_factor
def test_manager_without_an_app_is_shown_how_to_set_one_up(page, screenshot, manager):
    page.goto("/accounts/login/")
    page.get_by_label("Username").fill("manager")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Set up your authenticator app")).to_be_visible()
    page.get_by_role("button", name="Next").click()
    expect(page.get_by_role("img", name="QR code to scan")).to_be_visible()
    screenshot("two-factor-setup")
