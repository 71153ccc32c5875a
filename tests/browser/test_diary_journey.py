"""The diary journey of issue 5, on the demo data, in a real browser."""

import datetime

from django.utils import timezone
from playwright.sync_api import expect

from clients.access import access_level
from clients.models import Allocation, Client
from diary import selectors, services
from diary.models import Contact
from keywork.lib import dates
from staff.models import User
from tests.browser.conftest import DEMO_PASSWORD, choose

RISK = "Says his landlord has threatened to change the locks. Check he has somewhere to sleep."


def test_keyworker_logs_books_and_logs_a_contact_and_the_team_sees_the_risk(page, log_in,
                                                                            screenshot, demo):
    kim = User.objects.get(username="keyworker")
    session = next(s for s in services.today_for(kim)["today"]
                   if s.status == "booked" and s.has_started)
    unbooked = next(c for c, week in selectors.sessions_this_week(
        Client.objects.in_full_for(kim).open()).items() if week.is_short)
    unbooked = Client.objects.get(pk=unbooked)
    sams = Client.objects.filter(pk__in=Allocation.objects.current().primary()
                                 .filter(worker__username="keyworker2").values("client"))
    sams_client = next(c for c in sams if access_level(kim, c) == "summary")

    log_in("keyworker", DEMO_PASSWORD)
    page.get_by_role("link", name="Today", exact=True).click()
    expect(page.get_by_role("heading", name="Your sessions today")).to_be_visible()
    screenshot("diary-today")

    page.get_by_role("link", name=f"Log the session with {session.client}").click()
    page.get_by_label("What was discussed").fill("Went through the rent arrears letter.")
    page.get_by_label("Agreed next steps").fill("He rings the landlord on Monday.")
    page.get_by_label("Issues or risks the team must know").fill(RISK)
    screenshot("diary-log")
    page.get_by_role("button", name="Save the log").click()
    expect(page.get_by_text("Session logged.")).to_be_visible()
    expect(page.get_by_role("heading", name="Your sessions today")).to_be_visible()
    session.refresh_from_db()
    assert session.status == "attended" and session.logged_by == kim

    page.get_by_role("link", name="Diary", exact=True).click()
    page.get_by_role("link", name="Next week").click()
    wednesday = dates.week_start(timezone.localdate()) + datetime.timedelta(days=9)
    slot = f"Book {wednesday:%A} {wednesday.day} {wednesday:%B} at 16:00"
    screenshot("diary-week")
    page.get_by_role("link", name=slot).click()
    choose(page, "Client*", str(unbooked))
    page.get_by_role("button", name="Save the booking").click()
    expect(page.get_by_text(f"Booked: {unbooked} with Kim Walker")).to_be_visible()
    expect(page.get_by_role("link", name=f"16:00–17:00 {unbooked}")).to_be_visible()
    screenshot("diary-week-booked")
    page.emulate_media(media="print")
    screenshot("diary-week-print")
    page.emulate_media(media="screen")
    page.set_viewport_size({"width": 390, "height": 844})
    screenshot("diary-week-phone")
    page.set_viewport_size({"width": 1280, "height": 900})

    page.get_by_role("link", name="Clients", exact=True).click()
    page.get_by_label("Name or reference").fill(sams_client.reference)
    page.get_by_role("button", name="Filter").click()
    page.get_by_role("link", name=str(sams_client)).click()
    expect(page.get_by_role("heading", name="Log a contact")).to_be_visible()
    page.get_by_label("Drop-in").check()
    page.get_by_label("Note").fill("Came in asking for a food bank voucher.")
    page.get_by_role("button", name="Log contact").click()
    expect(page.get_by_text("Drop-in logged at")).to_be_visible()
    screenshot("diary-contact-summary")
    assert Contact.objects.filter(client=sams_client, by=kim, kind="drop_in").exists()

    page.get_by_role("link", name="My caseload").click()
    row = page.get_by_role("row").filter(has_text=str(unbooked))
    expect(row.get_by_text("No session this week")).to_be_visible()
    screenshot("diary-caseload")

    page.context.clear_cookies()
    log_in("keyworker2", DEMO_PASSWORD)
    page.goto(session.client.get_absolute_url())
    expect(page.get_by_role("heading", name="Issues or risks the team must know")).to_be_visible()
    expect(page.get_by_text(RISK)).to_be_visible()
    expect(page.get_by_text("Went through the rent arrears letter.")).to_have_count(0)
    screenshot("diary-risk-for-the-team")

    # The manager sees who is out and overdue, and marks the new risk dealt with.
    page.context.clear_cookies()
    log_in("manager", DEMO_PASSWORD)
    page.get_by_role("link", name="Today", exact=True).click()
    page.get_by_role("link", name="See who is out").click()
    expect(page.get_by_text("overdue").first).to_be_visible()
    screenshot("diary-out-now")
    page.goto(session.client.get_absolute_url())
    page.get_by_label("How it was dealt with (optional)").fill("He is staying with his sister.")
    page.get_by_role("button", name="Mark dealt with").click()
    expect(page.get_by_text("Marked as dealt with")).to_be_visible()
    session.refresh_from_db()
    assert session.risk_dealt_with_note == "He is staying with his sister."
