"""The idle warning, staying signed in, and typed text surviving an idle logout."""

from playwright.sync_api import expect

from tests.factories import PASSWORD


def test_idle_warning_stay_signed_in_then_text_survives_the_logout(
        page, log_in, screenshot, settings, keyworker, client_record):
    # Seconds instead of minutes, so that the test waits as little as it can.
    settings.SESSION_IDLE_TIMEOUT = 8
    settings.SESSION_IDLE_WARNING = 5
    log_in("keyworker", PASSWORD)
    page.goto(f"/clients/{client_record.pk}/edit/")
    warning = page.get_by_role("dialog", name="Are you still there?")
    expect(warning).to_be_visible(timeout=8_000)
    screenshot("idle-warning")
    warning.get_by_role("button", name="Stay signed in").click()
    expect(warning).to_be_hidden()

    address = page.get_by_label("Address")
    address.fill("Flat 3, 9 Canal Street\nRiverside")
    # No more activity: the warning comes back, then the session ends.
    expect(page.get_by_role("heading", name="Log in to Keywork")).to_be_visible(timeout=15_000)
    expect(page.get_by_text("You were signed out after")).to_be_visible()
    screenshot("idle-signed-out")

    page.get_by_label("Username").fill("keyworker")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page).to_have_url(f"/clients/{client_record.pk}/edit/")
    expect(page.get_by_label("Address")).to_have_value("Flat 3, 9 Canal Street\nRiverside")
    expect(page.get_by_text("We put back the text you had typed")).to_be_visible()
    screenshot("idle-text-restored")

    page.get_by_role("button", name="Save").click()
    client_record.refresh_from_db()
    assert client_record.address.replace("\r\n", "\n") == "Flat 3, 9 Canal Street\nRiverside"
    page.goto(f"/clients/{client_record.pk}/edit/")
    expect(page.get_by_text("We put back the text you had typed")).to_have_count(0)
