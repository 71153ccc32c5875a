"""Returning clients (issue 16): a manager re-opens an ended record as a new stay and
admits the client; a new referral of the same person is caught before a second record."""

from playwright.sync_api import expect

from clients.models import Client
from tests.browser.conftest import DEMO_PASSWORD


def test_manager_reopens_an_ended_client_and_a_second_referral_is_caught(page, log_in,
                                                                         screenshot, demo):
    ended = Client.objects.filter(site__code="DC1", status="moved_on",
                                  episodes__isnull=True).first()
    log_in("manager", DEMO_PASSWORD)

    page.goto("/clients/new/")
    page.get_by_label("First name").fill(ended.last_name)  # first and last swapped
    page.get_by_label("Last name").fill(ended.first_name.upper())
    page.get_by_label("Date of birth").fill(ended.date_of_birth.isoformat())
    page.get_by_role("button", name="Save referral").click()
    expect(page.get_by_role("heading", name="Is this the same person?")).to_be_visible()
    screenshot("referral-likely-same")
    page.get_by_role("link", name="Yes: re-open it as a new stay").click()

    page.get_by_label("Why they are coming back").fill("Eviction; back at the day centre")
    page.get_by_role("button", name="Re-open as a new stay").click()
    expect(page.get_by_text("is referred again for a new stay")).to_be_visible()
    expect(page.get_by_role("heading", name="Earlier stays")).to_be_visible()
    page.get_by_role("link", name="Admit").click()
    page.get_by_role("button", name="Admit").click()
    expect(page.get_by_text("is now admitted")).to_be_visible()
    screenshot("returning-client-file")
    assert Client.objects.filter(first_name=ended.first_name, last_name=ended.last_name,
                                 date_of_birth=ended.date_of_birth).count() == 1
