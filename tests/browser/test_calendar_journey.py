"""Calendars that sync (issue 19, item 2) on a phone: Kim turns her feed on, copies its
address, a calendar reads it; she gives a client a session's link; she turns the feed off.
axe-core and the page's width are checked at 375 px on each page."""

import datetime

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from diary.models import CalendarFeed, KeyworkSession
from tests.browser.conftest import DEMO_PASSWORD
from tests.browser.test_accessibility import AXE_JS, AXE_OPTIONS, RUN_AXE, TOO_WIDE

PHONE = {"width": 375, "height": 800}


def _checked(page):
    """No serious or critical axe finding, nothing wider than the phone."""
    assert page.evaluate(RUN_AXE, AXE_OPTIONS) == []
    scroll_width, width, past = page.evaluate(TOO_WIDE)
    assert scroll_width <= width, past


@pytest.mark.browser
def test_a_keyworker_subscribes_to_her_sessions_and_gives_a_client_a_link(
        page, log_in, screenshot, demo):
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    # As tests/browser/test_accessibility.py does: an init script, which the page's
    # Content-Security-Policy does not apply to.
    page.context.add_init_script(path=str(AXE_JS))
    log_in("keyworker", DEMO_PASSWORD)
    page.set_viewport_size(PHONE)
    page.goto("/diary/")
    page.get_by_role("link", name="Calendar feed", exact=True).click()
    expect(page.get_by_text("You have no calendar feed")).to_be_visible()
    _checked(page)
    page.get_by_role("button", name="Turn on my calendar feed").click()

    address = page.get_by_role("textbox", name="Address")
    expect(address).to_be_visible()
    page.get_by_role("button", name="Copy").click()
    expect(page.get_by_role("status").filter(has_text="Copied")).to_be_visible()
    assert page.evaluate("navigator.clipboard.readText()") == address.input_value()
    _checked(page)
    screenshot("calendar-feed-375")

    # A calendar reads the feed: no login, the clients by initials and reference only.
    feed_address = address.input_value()
    feed = page.request.get(feed_address)
    assert feed.status == 200 and feed.text().startswith("BEGIN:VCALENDAR")
    mine = (KeyworkSession.objects.filter(worker__username="keyworker",
                                          starts_at__gt=timezone.now(),
                                          starts_at__lt=timezone.now()
                                          + datetime.timedelta(days=150))
            .select_related("client").first())
    assert f"({mine.client.reference})" in feed.text()
    assert mine.client.last_name not in feed.text()

    # Once shown, the address is not shown again.
    page.reload()
    expect(page.get_by_role("textbox", name="Address")).to_have_count(0)
    expect(page.get_by_text("No calendar has read it yet")).to_have_count(0)

    # A session to come: its page offers the client's file and link.
    booked = KeyworkSession.objects.filter(worker__username="keyworker", status="booked",
                                           struck_at__isnull=True,
                                           starts_at__gt=timezone.now()).first()
    page.goto(f"/diary/sessions/{booked.pk}/")
    card = page.get_by_role("region", name="For the client's calendar")
    expect(card.get_by_role("link", name="Add to calendar (.ics file)")).to_be_visible()
    link = card.get_by_label("A link to send by text or e-mail").input_value()
    _checked(page)
    screenshot("session-client-calendar-375")
    opened = page.request.get(link)
    assert opened.status == 200 and "Keywork with Kim" in opened.text()

    # Turning it off asks first; then the address answers "not found".
    page.goto("/diary/calendar/")
    page.get_by_role("link", name="Turn the feed off").click()
    _checked(page)
    page.get_by_role("button", name="Turn the feed off").click()
    expect(page.get_by_text("You have no calendar feed")).to_be_visible()
    assert CalendarFeed.objects.get(user__username="keyworker").revoked_at is not None
    assert page.request.get(feed_address).status == 404
