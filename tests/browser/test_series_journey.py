"""Issue 17, item 5: a keyworker books a weekly series of four, moves "this and all
following" to another time, and sees it in the diary; on the demo data, in a real browser."""

import datetime

from django.utils import timezone
from playwright.sync_api import expect

from clients.models import Allocation
from diary.models import SessionSeries
from keywork.lib import dates
from tests.browser.conftest import DEMO_PASSWORD


def test_keyworker_books_a_weekly_series_and_moves_the_following_sessions(page, log_in,
                                                                          screenshot, demo):
    dee = Allocation.objects.current().primary().filter(
        worker__username="keyworker", client__status="active").order_by("client__pk")[1].client
    # A Wednesday three weeks ahead, at 17:00: after the demo's own sessions.
    first = dates.week_start(timezone.localdate()) + datetime.timedelta(days=23)
    log_in("keyworker", DEMO_PASSWORD)

    page.goto(dee.get_absolute_url())
    page.locator("#timeline").get_by_role("link", name="Book a session").click()
    page.get_by_label("Day*", exact=True).fill(first.isoformat())
    page.get_by_label("Start*", exact=True).fill("17:00")
    page.get_by_label("End*", exact=True).fill("17:45")
    page.get_by_label("Weekly", exact=True).check()
    page.get_by_label("Or a number of sessions").fill("4")
    screenshot("series-book")
    page.get_by_role("button", name="Save the booking").click()
    expect(page.get_by_text(f"Booked 4 sessions: {dee} with Kim Walker, weekly")).to_be_visible()
    expect(page.get_by_role("link", name=f"17:00–17:45 {dee}")).to_be_visible()

    # The second session: this one and the two after it move to 15:00, an hour long.
    page.get_by_role("link", name="Next week").click()
    page.get_by_role("link", name=f"17:00–17:45 {dee}").click()
    expect(page.get_by_text("weekly, 4 sessions")).to_be_visible()
    page.get_by_role("link", name="Move").click()
    page.get_by_label("Start*", exact=True).fill("15:00")
    page.get_by_label("End*", exact=True).fill("16:00")
    page.get_by_label("This and all following sessions of the series").check()
    screenshot("series-move")
    page.get_by_role("button", name="Save the booking").click()
    expect(page.get_by_text("3 bookings changed.")).to_be_visible()
    expect(page.get_by_role("link", name=f"15:00–16:00 {dee}")).to_be_visible()
    page.get_by_role("link", name="Next week").click()
    expect(page.get_by_role("link", name=f"15:00–16:00 {dee}")).to_be_visible()
    page.get_by_role("link", name="Previous week").click()
    page.get_by_role("link", name="Previous week").click()
    expect(page.get_by_role("link", name=f"17:00–17:45 {dee}")).to_be_visible()
    screenshot("series-week")

    series = SessionSeries.objects.get(client=dee, created_by__username="keyworker",
                                       count=4)
    assert [(dates.local_day(s.starts_at), dates.format_time(s.starts_at), s.expected_minutes)
            for s in series.sessions.order_by("starts_at")] == [
        (first, "17:00", 45), *[(first + n * datetime.timedelta(days=7), "15:00", 60)
                                for n in (1, 2, 3)]]
