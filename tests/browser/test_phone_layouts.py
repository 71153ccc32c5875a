"""The lists a keyworker and a manager work from, on a phone (issue 15): at 375 px each
page is no wider than the screen, nothing scrolls sideways inside it, and a client's flags
(next session, this week, overdue work, alerts) are on screen; at 1280 px the caseload's
alerts stay in view beside an 80-character preferred name.

Each page is measured as the browser lays it out (the document's scrollWidth and every
scroll box's), with the demo data and one client whose name is long enough to push the
columns apart."""

import datetime

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from clients import services as client_services
from clients.models import Allocation
from diary import services as diary_services
from keywork.lib import dates
from plans.models import Plan
from staff.models import Site, User
from tests.browser.conftest import DEMO_PASSWORD

LONG_NAME = "Zoë Ó'Brien-عبد الله" * 4
ALERT = "Do not visit alone after 6pm"
PHONE = 375
WIDE = 1280


@pytest.fixture
def long_named(demo):
    """An admitted client on the keyworker's caseload with an 80-character preferred name,
    an alert, no plan a month after admission (late), and no session this week (the next
    one is booked for next week); and a second, not yet allocated."""
    assert len(LONG_NAME) == 80
    manager = User.objects.get(username="manager")
    keyworker = User.objects.get(username="keyworker")
    site = Site.objects.get(code="DC1")
    today = timezone.localdate()
    client = client_services.client_refer(
        site=site, by=manager, referred_on=today - datetime.timedelta(days=40),
        first_name="Zoë", last_name="O'Brien", preferred_name=LONG_NAME, alerts=ALERT,
        referral_source="GP", referral_reason="Needs support with housing.")
    client_services.client_admit(client=client, by=manager,
                                 admitted_on=today - datetime.timedelta(days=30))
    client_services.client_allocate(client=client, worker=keyworker, by=manager,
                                    start=client.admitted_on, over_limit_reason="Test")
    next_week = dates.week_start(today) + datetime.timedelta(days=8)
    session = diary_services.session_book(
        client=client, worker=keyworker, by=keyworker, expected_minutes=50,
        starts_at=dates.at(next_week, datetime.time(16, 30)))
    waiting = client_services.client_refer(
        site=site, by=manager, referred_on=today - datetime.timedelta(days=5),
        first_name="Amira", last_name="Al-" + "Hashimi" * 10, alerts=ALERT,
        referral_source="GP", referral_reason="Needs support with housing.")
    client_services.client_admit(client=waiting, by=manager,
                                 admitted_on=today - datetime.timedelta(days=2))
    return client, session


def keyworkers_plan():
    """A signed plan in force of one of the keyworker's clients, with its actions' progress."""
    clients = Allocation.objects.current().filter(worker__username="keyworker").values("client")
    return Plan.objects.filter(client__in=clients, signed_at__isnull=False,
                               superseded_at__isnull=True).first()


def assert_fits(page, address, width):
    page.goto(address)
    wide = page.evaluate("document.documentElement.scrollWidth")
    assert wide <= width, f"{address} is {wide} px wide at {width} px"
    boxes = page.evaluate("""Array.from(document.querySelectorAll('.table-responsive'),
                               box => box.scrollWidth - box.clientWidth)""")
    assert all(extra <= 0 for extra in boxes), f"{address}: a table scrolls sideways {boxes}"


def assert_in_view(locator, width):
    expect(locator).to_be_visible()
    locator.scroll_into_view_if_needed()
    box = locator.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= width, (locator, box)


def test_keyworkers_lists_fit_a_phone_with_each_clients_flags_in_view(page, log_in, screenshot,
                                                                     long_named):
    plan = keyworkers_plan()
    log_in("keyworker", DEMO_PASSWORD)
    page.set_viewport_size({"width": PHONE, "height": 800})
    for name, address in [("caseload", "/"), ("caseload-page", "/caseload/"),
                          ("clients", "/clients/"), ("dashboard", "/dashboard/"),
                          ("dashboard-list", "/dashboard/no_session/"),
                          ("plan", plan.get_absolute_url())]:
        assert_fits(page, address, PHONE)
        screenshot(f"phone-keyworker-{name}")
    went = page.locator('td[data-label="How it went"]').first
    assert_in_view(went.locator(".badge"), PHONE)
    assert_in_view(went.get_by_text("Record progress"), PHONE)

    # A client's flags on the caseload, each under its column's heading.
    client, session = long_named
    page.goto("/")
    row = page.locator("tbody tr", has_text=client.reference)
    assert_in_view(row.get_by_role("link", name=str(client)), PHONE)
    assert_in_view(row.get_by_text(dates.format_weekday(session.starts_at)), PHONE)
    assert_in_view(row.get_by_text("No session this week"), PHONE)
    assert_in_view(row.get_by_text("First plan late"), PHONE)
    assert_in_view(row.get_by_text(ALERT), PHONE)
    expect(row.locator('[data-label="This week"]')).to_contain_text("No session this week")
    expect(row.locator('[data-label="Alerts"]')).to_contain_text(ALERT)


def test_managers_lists_fit_a_phone(page, log_in, screenshot, long_named):
    log_in("manager", DEMO_PASSWORD)
    page.set_viewport_size({"width": PHONE, "height": 800})
    for name, address in [("clients", "/clients/"), ("dashboard", "/dashboard/"),
                          ("unallocated", "/dashboard/unallocated/"),
                          ("dashboard-list", "/dashboard/no_session/"),
                          ("reviews", "/plans/reviews/")]:
        assert_fits(page, address, PHONE)
        screenshot(f"phone-manager-{name}")
    page.goto("/dashboard/")
    row = page.locator("tbody tr", has_text="Kim Walker")
    assert_in_view(row.locator('[data-label="Short of sessions this week"] a'), PHONE)
    assert_in_view(row.locator('[data-label="Open team risks"]'), PHONE)
    # On a wide screen the same tables are tables again, each inside its box.
    page.set_viewport_size({"width": WIDE, "height": 900})
    for address in ["/clients/", "/dashboard/", "/plans/reviews/"]:
        assert_fits(page, address, WIDE)
        expect(page.locator("thead").first).to_be_visible()


def test_caseload_alerts_stay_in_view_beside_a_long_name(page, log_in, screenshot, long_named):
    client, _session = long_named
    log_in("keyworker", DEMO_PASSWORD)
    for address in ["/clients/", "/dashboard/", keyworkers_plan().get_absolute_url(), "/"]:
        assert_fits(page, address, WIDE)
    screenshot("caseload-long-name")
    row = page.locator("tbody tr", has_text=client.reference)
    expect(row.get_by_role("link", name=str(client))).to_contain_text(LONG_NAME)
    assert_in_view(row.get_by_text(ALERT), WIDE)
    header = page.get_by_role("columnheader", name="Alerts")
    assert_in_view(header, WIDE)
