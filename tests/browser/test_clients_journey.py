"""The allocation journey of issue 4, on the demo data, in a real browser."""

import datetime
import re

from django.utils import timezone
from playwright.sync_api import expect

from clients.models import Allocation, Client
from staff.models import User
from tests.browser.conftest import DEMO_PASSWORD, choose


def test_keyworker_opens_their_clients_file_but_not_another_sites(page, log_in, screenshot,
                                                                   demo):
    log_in("keyworker", DEMO_PASSWORD)
    expect(page.get_by_role("heading", name="My caseload")).to_be_visible()
    screenshot("caseload")
    mine = Allocation.objects.current().primary().filter(worker__username="keyworker").first()
    page.get_by_role("link", name=str(mine.client)).first.click()
    expect(page.get_by_role("heading", name="Allocation history")).to_be_visible()
    screenshot("client-file")
    elsewhere = Client.objects.filter(site__code="HH1").first()
    response = page.goto(f"/clients/{elsewhere.pk}/")
    assert response.status == 404
    expect(page.get_by_text("We could not find that page")).to_be_visible()


def test_manager_admits_allocates_over_limit_covers_and_transfers(page, log_in, screenshot, demo):
    keyworker2 = User.objects.get(username="keyworker2")
    referral = Client.objects.filter(site__code="DC1", status="referred").first()
    log_in("manager", DEMO_PASSWORD)

    page.get_by_role("link", name="Clients", exact=True).click()
    page.get_by_label("Name or reference").fill(referral.reference)
    page.get_by_role("button", name="Filter").click()
    screenshot("client-list")
    page.get_by_role("link", name=str(referral)).click()
    page.get_by_role("link", name="Admit").click()
    page.get_by_role("button", name="Admit").click()
    expect(page.get_by_text("is now admitted")).to_be_visible()

    page.get_by_role("link", name="Allocate keyworker").click()
    choose(page, "Keyworker", r"^Sam Okafor: .*full \(4 of 4\)")
    page.get_by_role("button", name="Allocate").click()
    expect(page.get_by_text("already holds 4 of 4 clients")).to_be_visible()
    screenshot("allocate-over-limit-refused")
    page.get_by_label("Reason to go over the caseload limit").fill(
        "Only keyworker who speaks Polish")
    page.get_by_role("button", name="Allocate").click()
    expect(page.get_by_text("is now")).to_be_visible()

    page.get_by_role("link", name="Arrange cover").click()
    choose(page, "Covering worker", r"^Kim Walker")
    page.get_by_label("Last day of cover").fill(
        (timezone.localdate() + datetime.timedelta(days=6)).isoformat())
    page.get_by_label("Handover note").fill("Sam on leave for a week. Session due Thursday.")
    page.get_by_role("button", name="Arrange cover").click()
    last_day = timezone.localdate() + datetime.timedelta(days=6)
    expect(page.get_by_text(f"Cover arranged with Kim Walker until {last_day.day} "
                            f"{last_day:%b %Y}")).to_be_visible()

    page.get_by_role("button", name="Manage", exact=True).click()
    page.get_by_role("link", name="Keyworkers").click()
    page.get_by_label("Site").select_option(label="Riverside Day Centre")
    page.get_by_role("button", name="Show").click()
    screenshot("keyworkers")
    page.get_by_role("row", name=re.compile("Sam Okafor")).get_by_role(
        "link", name="Transfer caseload").click()
    screenshot("transfer")
    choose(page, "Transfer to", r"^Kim Walker")
    page.get_by_label("Reason*", exact=True).fill("Sam is leaving the organisation")
    page.get_by_label("Reason to go over the caseload limit").fill("Temporary until recruitment")
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Transfer").click()
    expect(page.get_by_text("clients moved from Sam Okafor to Kim Walker")).to_be_visible()
    assert not Allocation.objects.current().primary().filter(worker=keyworker2).exists()

    page.goto(referral.get_absolute_url())
    history = page.get_by_role("table")
    expect(history).to_contain_text("Sam is leaving the organisation")
    expect(history).to_contain_text("Only keyworker who speaks Polish")
    expect(history).to_contain_text("Sam on leave for a week")
    # Kim was covering and now holds the client, so the cover closed itself.
    expect(history).to_contain_text("Became the keyworker")
    expect(history).to_contain_text("by Maya Patel")
    screenshot("allocation-history")
