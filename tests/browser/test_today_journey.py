"""Issue 15: a keyworker's bell opens Today, whose list it counts; a manager lands on the
dashboard. On the demo data, at a desk's width and a phone's."""

import re

from playwright.sync_api import expect

from diary import selectors
from staff.models import User
from tests.browser.conftest import DEMO_PASSWORD

DESK = {"width": 1366, "height": 900}
PHONE = {"width": 375, "height": 740}


def test_the_bell_opens_today_and_counts_its_list(page, log_in, screenshot, demo):
    kim = User.objects.get(username="keyworker")
    due = selectors.due_for(kim)
    assert due, "the demo gives Kim something to do"
    page.set_viewport_size(DESK)
    log_in("keyworker", DEMO_PASSWORD)
    bell = page.get_by_role("link", name=re.compile(r"^Due today"))
    expect(bell).to_have_text(re.compile(rf"{len(due)}\s*due"))
    bell.click()
    expect(page).to_have_url("/diary/today/")
    expect(page.get_by_text(f"{len(due)} things due today or overdue.")).to_be_visible()
    expect(bell).to_have_text(re.compile(rf"{len(due)}\s*due"))
    screenshot("today-desk")
    page.set_viewport_size(PHONE)
    screenshot("today-phone")


def test_a_manager_lands_on_the_dashboard_at_a_desk_and_on_a_phone(page, log_in, screenshot,
                                                                   demo):
    page.set_viewport_size(DESK)
    log_in("manager", DEMO_PASSWORD)
    expect(page).to_have_url("/dashboard/")
    expect(page.get_by_role("heading", name="Caseloads")).to_be_visible()
    expect(page.get_by_role("link", name=re.compile(r"^Due today"))).to_have_text(
        re.compile(r"\d+\s*due"))
    screenshot("landing-manager-desk")
    page.set_viewport_size(PHONE)
    screenshot("landing-manager-phone")
    page.goto("/diary/today/")
    expect(page.get_by_role("heading", name=re.compile("^Today"))).to_be_visible()
    screenshot("today-manager-phone")
