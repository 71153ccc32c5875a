"""Issue 16, catching up: back from leave, a keyworker logs a session from three weeks ago
with the reason; past the approval limit, the manager approves it from Today."""

import datetime

from django.utils import timezone
from playwright.sync_api import expect

from clients.models import Allocation, Client
from diary.models import KeyworkSession
from staff.models import User
from tests.browser.conftest import DEMO_PASSWORD, choose


def test_a_keyworker_logs_a_three_week_old_session_and_the_manager_approves_it(
        page, log_in, screenshot, demo):
    kim = User.objects.get(username="keyworker")
    waiting = set(KeyworkSession.objects.filter(approval="awaiting").values_list("client",
                                                                                 flat=True))
    dee = (Client.objects.open().exclude(pk__in=waiting)
           .filter(pk__in=Allocation.objects.current().primary().filter(worker=kim)
                   .values("client")).order_by("last_name").first())
    day = timezone.localdate() - datetime.timedelta(days=21)

    log_in("keyworker", DEMO_PASSWORD)
    page.goto("/diary/today/")
    page.get_by_role("link", name="Log a past session").click()
    expect(page.get_by_role("heading", name="Log a past session")).to_be_visible()
    choose(page, "Client*", str(dee))
    page.locator("#id_day").fill(day.isoformat())
    page.get_by_label("Start").fill("17:30")
    page.get_by_label("End").fill("18:15")
    page.get_by_role("button", name="Save the booking").click()
    page.get_by_label("What was discussed").fill("Went through the housing form.")
    page.get_by_label("Why is this recorded late?").fill("Back from two weeks' leave")
    screenshot("catchup-log")
    page.get_by_role("button", name="Save the log").click()
    expect(page.get_by_text("recorded late on")).to_be_visible()
    expect(page.get_by_text("Back from two weeks' leave").first).to_be_visible()
    expect(page.get_by_text("Awaiting a manager's approval")).to_be_visible()
    session = KeyworkSession.objects.get(client=dee, late_reason="Back from two weeks' leave")
    assert session.is_awaiting_approval and session.logged_by == kim

    page.context.clear_cookies()
    log_in("manager", DEMO_PASSWORD)
    page.goto("/diary/today/")
    page.get_by_role("link",
                     name=f"Approve a session with {dee.called} that {kim} recorded late").click()
    screenshot("catchup-approve")
    page.get_by_role("button", name="Approve", exact=True).click()
    expect(page.get_by_text("Approved: it now counts in the figures.")).to_be_visible()
    session.refresh_from_db()
    assert session.approval == "approved"
    assert session.approval_by.username == "manager"
