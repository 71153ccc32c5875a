from playwright.sync_api import expect

from tests.factories import PASSWORD


def test_manager_logs_in_lands_on_the_dashboard_and_logs_out(page, log_in, screenshot, manager,
                                                              keyworker):
    page.goto("/")
    expect(page).to_have_url("/accounts/login/?next=/")
    screenshot("login")
    log_in("manager", PASSWORD)
    expect(page).to_have_url("/dashboard/")
    expect(page.get_by_role("heading", name="Caseloads")).to_be_visible()
    screenshot("home")
    # The greeting page (sites and colleagues) is still in the menu.
    page.get_by_role("button", name=str(manager)).click()
    page.get_by_role("link", name="My sites and colleagues").click()
    expect(page.get_by_role("heading", name="Hello, Maya")).to_be_visible()
    expect(page.get_by_text(str(keyworker))).to_be_visible()
    page.get_by_role("button", name=str(manager)).click()
    page.get_by_role("button", name="Log out").click()
    expect(page.get_by_role("heading", name="Log in to Keywork")).to_be_visible()
    page.goto("/")
    expect(page.get_by_role("heading", name="Log in to Keywork")).to_be_visible()


def test_failed_login_shows_a_clear_message(page, log_in, screenshot, keyworker):
    log_in("keyworker", "not-my-password")
    expect(page.get_by_text("do not match an active account")).to_be_visible()
    screenshot("login-failed")


def test_keyworkers_home_works_at_phone_width(page, log_in, screenshot, keyworker):
    page.set_viewport_size({"width": 375, "height": 740})
    log_in("keyworker", PASSWORD)
    expect(page.get_by_role("heading", name="My caseload")).to_be_visible()
    expect(page.get_by_text("Hello, Kim")).to_be_visible()
    page.get_by_role("button", name="Show menu").click()
    expect(page.get_by_role("button", name="Kim")).to_be_visible()
    screenshot("home-phone")
